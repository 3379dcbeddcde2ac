"""Spoken-word recognition on utterances synthesised with espeak-ng (docs/python.md §Tasks):
the ten digits "zero".."nine" (RECIPE["words"]; more words can be added), spoken by many voices
(English accents x espeak-ng voice variants), at random speaking rates and pitches, with white
noise at a random SNR, each utterance 39-dimensional MFCC features per 10 ms frame -- 13 MFCC
(25 ms window, 10 ms hop, 40 mel bands, torchaudio.transforms.MFCC) + 13 deltas + 13
delta-deltas (torchaudio.functional.compute_deltas), the feature layout of the papers' speech
models (SR1-SR4 read 39-dimensional frames; SR4 is a spoken-digit GRU on TIDIGITS).

Data pipeline, one utterance (everything drawn from a numpy generator seeded by a hash of
(seed, split, accent, variant, word, repetition), so every utterance is reproducible on its
own):
  espeak-ng -v ACCENT+VARIANT -s RATE -p PITCH --stdout WORD     (22050 Hz, 16-bit mono)
  -> float in [-1, 1], resampled to 16 kHz (torchaudio.functional.resample)
  -> trimmed to its voiced part (|sample| >= 2 % of the peak), placed at a random offset in a
     window of RECIPE["seconds"] (0.8 s; a longer word is cut at the window's end, counted)
  -> white Gaussian noise at SNR uniform in RECIPE["snr_db"], relative to the word's power
  -> MFCC + deltas + delta-deltas: (T = 81 frames, 39)
Standardisation: every feature dimension minus the training set's mean, over its standard
deviation (both stored with the data set), clipped to [-7.5, 7.5] so the inputs fit the
machine's int16 activations (numeric.act_frac_bits = 12: [-8, 8)); float model and machine
see the same inputs.

Splits (voice-disjoint): training voices = every accent x TRAIN_VARIANTS, test voices = every
accent x TEST_VARIANTS (espeak-ng variants m7 and f5 are never heard in training); train_reps /
test_reps renditions of each word per voice, each with its own rate, pitch, offset and noise.
Default: 8 accents x 10 variants x 10 words x 4 = 3200 training utterances, 8 x 2 x 10 x 6 = 960
test utterances.

Cache: the built data set is one .npz in `cache_dir` (default $CSBRNN_CACHE or
~/.cache/csbrnn, sub-directory speech/) named by a hash of the recipe, written atomically (a
temporary file renamed into place): a changed recipe builds a new file, an interrupted build
leaves nothing behind. Building the default set takes a few minutes on one core.
"""
import hashlib
import json
import os
import subprocess
import tempfile

import numpy as np
import torch

from .common import SeqClassifier, accuracy, train_epochs  # noqa: F401 (the task interface)

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
# espeak-ng's own English voices (gmw/*; the mbrola ones need mbrola, not installed)
ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd",
           "en-029", "en-us-nyc"]
TRAIN_VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "f1", "f2", "f3", "f4"]
TEST_VARIANTS = ["m7", "f5"]
RECIPE = dict(words=DIGITS, accents=ACCENTS, train_variants=TRAIN_VARIANTS,
              test_variants=TEST_VARIANTS, train_reps=4, test_reps=6, speed=(120, 200),
              pitch=(20, 80), snr_db=(5.0, 30.0), sample_rate=16000, seconds=0.8, n_mfcc=13,
              n_mels=40, win_ms=25, hop_ms=10, seed=0)
FEATURES = 39
CLIP = 7.5
ESPEAK = "espeak-ng"


def recipe(**over):
    """RECIPE with some entries replaced (unknown keys refused)."""
    r = dict(RECIPE)
    for k, v in over.items():
        if k not in r:
            raise ValueError(f"speech recipe: unknown key '{k}' (valid: {', '.join(r)})")
        r[k] = v
    return r


def _key(rc):
    return hashlib.sha256(json.dumps(rc, sort_keys=True).encode()).hexdigest()[:16]


def _rng(rc, *parts):
    h = hashlib.sha256(json.dumps([rc["seed"], *parts]).encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:8], "little"))


def synthesize(word, voice, speed, pitch):
    """espeak-ng's waveform of `word` as float32 in [-1, 1] and its sample rate."""
    r = subprocess.run([ESPEAK, "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word],
                       capture_output=True)
    if r.returncode or len(r.stdout) < 44 or r.stdout[:4] != b"RIFF":
        raise RuntimeError(f"espeak-ng -v {voice} '{word}' failed: {r.stderr.decode().strip()}")
    b = r.stdout
    sr = int.from_bytes(b[24:28], "little")
    if int.from_bytes(b[22:24], "little") != 1 or int.from_bytes(b[34:36], "little") != 16:
        raise RuntimeError(f"espeak-ng -v {voice}: not 16-bit mono PCM")
    # espeak-ng streams to stdout, so the header's sizes are placeholders: the data is the rest
    pcm = np.frombuffer(b[44:44 + (len(b) - 44) // 2 * 2], dtype="<i2")
    return pcm.astype(np.float32) / 32768.0, sr


class _Features:
    def __init__(self, rc):
        import torchaudio
        self.ta = torchaudio
        sr = rc["sample_rate"]
        self.win = int(sr * rc["win_ms"] / 1000)
        self.mfcc = torchaudio.transforms.MFCC(
            sample_rate=sr, n_mfcc=rc["n_mfcc"],
            melkwargs=dict(n_fft=self.win, win_length=self.win,
                           hop_length=int(sr * rc["hop_ms"] / 1000), n_mels=rc["n_mels"]))

    def __call__(self, wave):
        """(T, 3 * n_mfcc): MFCC, deltas, delta-deltas per frame."""
        m = self.mfcc(torch.from_numpy(wave))                      # (n_mfcc, T)
        d = self.ta.functional.compute_deltas(m)
        dd = self.ta.functional.compute_deltas(d)
        return torch.cat([m, d, dd], 0).T.contiguous().numpy()


def utterance(rc, split, accent, variant, word, rep, feats=None):
    """One utterance's (T, 39) raw (unstandardised) features and whether the word was cut."""
    import torchaudio
    g = _rng(rc, split, accent, variant, word, rep)
    speed = int(g.integers(rc["speed"][0], rc["speed"][1] + 1))
    pitch = int(g.integers(rc["pitch"][0], rc["pitch"][1] + 1))
    w, sr = synthesize(word, f"{accent}+{variant}", speed, pitch)
    w = torchaudio.functional.resample(torch.from_numpy(w), sr, rc["sample_rate"]).numpy()
    on = np.nonzero(np.abs(w) >= 0.02 * np.abs(w).max())[0]
    w = w[on[0]:on[-1] + 1]
    n = int(rc["sample_rate"] * rc["seconds"])
    cut = len(w) > n
    w = w[:n]
    out = np.zeros(n, np.float32)
    off = int(g.integers(0, n - len(w) + 1))
    out[off:off + len(w)] = w
    snr = g.uniform(*rc["snr_db"])
    p = float(np.mean(w.astype(np.float64) ** 2))
    out += (g.standard_normal(n) * np.sqrt(p / 10 ** (snr / 10))).astype(np.float32)
    return (feats or _Features(rc))(out), cut


def _items(rc, split):
    vs = rc["train_variants"] if split == "train" else rc["test_variants"]
    reps = rc["train_reps"] if split == "train" else rc["test_reps"]
    return [(a, v, wi, r) for a in rc["accents"] for v in vs for wi in range(len(rc["words"]))
            for r in range(reps)]


def cache_dir_default():
    return os.path.join(os.environ.get("CSBRNN_CACHE") or os.path.expanduser("~/.cache/csbrnn"),
                        "speech")


def build(rc=None, cache_dir=None, log=None):
    """The data set of recipe `rc` (default RECIPE): path of its cached .npz, built if missing.
    The .npz holds x_train, y_train, x_test, y_test (standardised float32 (N, T, 39) / int64),
    mean, std, cut_train, cut_test (words cut at the window's end) and the recipe (JSON)."""
    rc = dict(rc or RECIPE)
    d = cache_dir or cache_dir_default()
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"speech-{_key(rc)}.npz")
    if os.path.exists(path):
        return path
    feats = _Features(rc)
    arrays = {}
    for split in ("train", "test"):
        xs, ys, cuts = [], [], 0
        items = _items(rc, split)
        for i, (a, v, wi, r) in enumerate(items):
            x, cut = utterance(rc, split, a, v, rc["words"][wi], r, feats)
            xs.append(x)
            ys.append(wi)
            cuts += cut
            if log and (i + 1) % 500 == 0:
                log(f"  speech {split}: {i + 1}/{len(items)} utterances")
        arrays[f"x_{split}"] = np.stack(xs).astype(np.float32)
        arrays[f"y_{split}"] = np.asarray(ys, np.int64)
        arrays[f"cut_{split}"] = np.int64(cuts)
    mean = arrays["x_train"].reshape(-1, FEATURES).mean(0)
    std = arrays["x_train"].reshape(-1, FEATURES).std(0) + 1e-6
    for split in ("train", "test"):
        arrays[f"x_{split}"] = np.clip((arrays[f"x_{split}"] - mean) / std, -CLIP,
                                       CLIP).astype(np.float32)
    arrays["mean"], arrays["std"] = mean.astype(np.float32), std.astype(np.float32)
    arrays["recipe"] = np.asarray(json.dumps(rc, sort_keys=True))
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load(split, n=None, rc=None, cache_dir=None, log=None):
    """(x float32 (N, T, 39), y int64 (N,)) of split 'train' or 'test'; n: a fixed seeded
    subset of n utterances (`subset`; the file is in voice-major order, so "the first n" would
    be fewer voices)."""
    if split not in ("train", "test"):
        raise ValueError(f"split: train or test, got {split!r}")
    with np.load(build(rc, cache_dir, log)) as z:
        x, y = z[f"x_{split}"], z[f"y_{split}"]
    if n is not None:
        idx = subset(len(x), n)
        x, y = x[idx], y[idx]
    return x, y


def subset(total, n, seed=0):
    """A fixed, seeded choice of n of `total` indices (sorted): every voice and word represented."""
    if n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).permutation(total)[:n])


def classes(rc=None):
    return list((rc or RECIPE)["words"])
