"""Sequential Fashion-MNIST (docs/python.md §Tasks): each 28x28 image is read row by row, 28
timesteps of 28 inputs (pixels / 255, in [0, 1]); an RNN reads the rows and a linear layer
classifies its last output into the 10 classes.

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*-idx?-ubyte.gz, the
original idx files). Splits: the first `train_n` images of the 60000-image training file
(seeded shuffle per epoch), the first `test_n` of the 10000-image test file. Everything is
seeded (torch.manual_seed(seed), numpy default_rng(seed)); training runs on 1 CPU thread by
default so figures do not depend on the machine's thread count.
"""
import gzip
import os
import struct

import numpy as np

from .common import SeqClassifier, accuracy, train_epochs  # noqa: F401 (the task interface)

DATA_DIR = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]


def read_idx(path):
    """An idx file (gzipped or not) as a numpy uint8 array of its shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not a uint8 idx file")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    a = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if a.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {a.size} values for shape {shape}")
    return a.reshape(shape)


def load(split, n=None, data_dir=DATA_DIR):
    """(x float32 (N, 28, 28) in [0, 1], y int64 (N,)) of split 'train' or 'test', the first n."""
    pre = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(data_dir, f"{pre}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(data_dir, f"{pre}-labels-idx1-ubyte.gz"))
    if n is not None:
        x, y = x[:n], y[:n]
    return x.astype(np.float32) / 255.0, y.astype(np.int64)


