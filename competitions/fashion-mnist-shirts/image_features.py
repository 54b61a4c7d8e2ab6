"""Image features and augmentation for fashion-mnist-shirts' expert tail (expert.py): gradient-
orientation histograms (HOG) in numpy, pixel shifts and mirror images, and an estimator that trains
on augmented copies of its training part. 28x28 grey images, one per row, pixels in [0, 1]."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.decomposition import PCA

PCA_SEED = 0


def hog(x, cell, bins=9, signed=False):
    """Histograms of oriented gradients (Dalal & Triggs 2005) of 28x28 images (rows of x): central
    differences, orientation bins with linear interpolation, magnitude-weighted, cells of cell x cell
    pixels, overlapping 2x2-cell blocks with L2-Hys normalisation."""
    img = x.reshape(-1, 28, 28)
    gx, gy = np.zeros_like(img), np.zeros_like(img)
    gx[:, :, 1:-1] = img[:, :, 2:] - img[:, :, :-2]
    gy[:, 1:-1, :] = img[:, 2:, :] - img[:, :-2, :]
    period = 2 * np.pi if signed else np.pi
    n, nc = len(img), 28 // cell
    size = nc * cell
    mag = np.hypot(gx, gy)[:, :size, :size]
    pos = (np.mod(np.arctan2(gy, gx), period) / period * bins)[:, :size, :size]
    lo = np.floor(pos).astype(int) % bins
    frac = pos - np.floor(pos)
    cells = np.arange(size) // cell
    flat = (np.arange(n)[:, None, None] * nc * nc + cells[None, :, None] * nc + cells[None, None, :]) * bins
    hist = np.zeros(n * nc * nc * bins)
    np.add.at(hist, (flat + lo).ravel(), (mag * (1 - frac)).ravel())
    np.add.at(hist, (flat + (lo + 1) % bins).ravel(), (mag * frac).ravel())
    hist = hist.reshape(n, nc, nc, bins)
    blocks = []
    for i in range(nc - 1):
        for j in range(nc - 1):
            b = hist[:, i : i + 2, j : j + 2, :].reshape(n, -1)
            b = np.minimum(b / np.sqrt((b**2).sum(1, keepdims=True) + 1e-6), 0.2)
            blocks.append(b / np.sqrt((b**2).sum(1, keepdims=True) + 1e-6))
    return np.hstack(blocks)


def shift(x, dy, dx):
    """Images (rows of x) moved by dy rows and dx columns, the uncovered border filled with 0."""
    img = x.reshape(-1, 28, 28)
    out = np.zeros_like(img)
    ys, yd = (slice(0, 28 - dy), slice(dy, 28)) if dy >= 0 else (slice(-dy, 28), slice(0, 28 + dy))
    xs, xd = (slice(0, 28 - dx), slice(dx, 28)) if dx >= 0 else (slice(-dx, 28), slice(0, 28 + dx))
    out[:, yd, xd] = img[:, ys, xs]
    return out.reshape(len(x), -1)


def mirror(x):
    return x.reshape(-1, 28, 28)[:, :, ::-1].reshape(len(x), -1)


def augment(x, y, shifts):
    """The images, their mirror images and copies moved by each (dy, dx) in shifts."""
    copies = [x, mirror(x)] + [shift(x, dy, dx) for dy, dx in shifts]
    return np.vstack(copies), np.tile(y, len(copies))


SHIFTS_1 = ((1, 0), (-1, 0), (0, 1), (0, -1))
SHIFTS_2 = SHIFTS_1 + ((2, 0), (-2, 0), (0, 2), (0, -2))


class Augmented(BaseEstimator, ClassifierMixin):
    """Fits `model` on featurize(augmented training images); predicts on featurize(images).
    x holds raw pixels; featurize is a fixed per-image function (identity or HOG)."""

    def __init__(self, model, shifts=(), featurize=None):
        self.model, self.shifts, self.featurize = model, shifts, featurize

    def _features(self, x):
        return x if self.featurize is None else self.featurize(x)

    def fit(self, x, y):
        xa, ya = augment(x, y, self.shifts)
        self.model_ = clone(self.model).fit(self._features(xa), ya)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, x):
        return self.model_.predict_proba(self._features(x))

    def decision_function(self, x):
        return self.model_.decision_function(self._features(x))


def hog7(x):
    return hog(x, 7)


def hog7_signed(x):
    return hog(x, 7, bins=18, signed=True)


def hog4(x):
    return hog(x, 4)


def hog_both(x):
    return np.hstack([hog(x, 7), hog(x, 4)])


def hog7_and_pixels(x):
    return np.hstack([hog(x, 7), x])


class HogAndComponents(BaseEstimator):
    """HOG (7-pixel cells) beside k principal components of the pixels (fitted on the training part)."""

    def __init__(self, k=50):
        self.k = k

    def fit(self, x, y=None):
        self.pca_ = PCA(self.k, random_state=PCA_SEED).fit(x)
        return self

    def transform(self, x):
        return np.hstack([hog(x, 7), self.pca_.transform(x)])
