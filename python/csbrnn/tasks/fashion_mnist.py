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
import time

import numpy as np
import torch
from torch import nn

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


class SeqClassifier(nn.Module):
    """rnn (nn.LSTM / nn.GRU, batch_first) + a linear head on the last timestep's output."""

    def __init__(self, cell="lstm", hidden=64, layers=1, proj=0, inputs=28, classes=10):
        super().__init__()
        if cell == "lstm":
            self.rnn = nn.LSTM(inputs, hidden, num_layers=layers, proj_size=proj, batch_first=True)
        elif cell == "gru":
            if proj:
                raise ValueError("GRU has no proj_size")
            self.rnn = nn.GRU(inputs, hidden, num_layers=layers, batch_first=True)
        else:
            raise ValueError(f"cell: lstm or gru, got {cell!r}")
        self.fc = nn.Linear(proj or hidden, classes)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])

    def head(self, rnn_out):
        """Class scores from RNN outputs (N, T, S) or (T, S) (e.g. the simulated machine's)."""
        t = torch.as_tensor(np.asarray(rnn_out), dtype=torch.float32)
        return self.fc(t[..., -1, :])


def accuracy(model, x, y, batch=1000):
    model.eval()
    hits = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            hits += int((model(torch.from_numpy(x[i:i + batch])).argmax(1)
                         == torch.from_numpy(y[i:i + batch])).sum())
    return hits / len(x)


def train_epochs(model, x, y, epochs, lr=3e-3, batch=128, seed=0, pruner=None, admm_every=0,
                 log=None):
    """Adam + cross-entropy for `epochs` epochs over (x, y), a seeded shuffle per epoch. With an
    ADMMPruner: loss += pruner.penalty(); pruner.update() every `admm_every` batches (0: at
    each epoch's end). Returns the seconds per epoch."""
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    lossf = nn.CrossEntropyLoss()
    times = []
    step = 0
    for ep in range(epochs):
        model.train()
        t0 = time.time()
        order = rng.permutation(len(x))
        total = 0.0
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            xb, yb = torch.from_numpy(x[idx]), torch.from_numpy(y[idx])
            loss = lossf(model(xb), yb)
            if pruner is not None:
                loss = loss + pruner.penalty()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
            step += 1
            if pruner is not None and admm_every and step % admm_every == 0:
                pruner.update()
        res = None
        if pruner is not None and not admm_every and pruner.masks is None:
            res = pruner.update()
        times.append(time.time() - t0)
        if log:
            log(f"  epoch {ep + 1}/{epochs}: loss {total / len(x):.4f}"
                + (f", admm residual {res:.4f}" if res is not None else "")
                + f", {times[-1]:.1f} s")
    return times
