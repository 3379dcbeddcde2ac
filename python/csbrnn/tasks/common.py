"""What the tasks share (docs/python.md §Tasks): the sequence classifier (an nn.LSTM / nn.GRU
reading the sequence, a linear head on its last output), its accuracy and the seeded training
loop (with an optional csbrnn.ADMMPruner)."""
import time

import numpy as np
import torch
from torch import nn


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
