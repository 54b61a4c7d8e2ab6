"""Image features for the baseline: competitions whose rows are image files on disk.

A competition is an image one when its test ids name files in /home/data/test/ (and its train
ids files in /home/data/train/), as `<id>.png` or `.jpg`. Each image is read in grayscale,
brought to one small size, and its pixels are projected on their first principal components
(fitted on train): a few dozen dense numbers that a linear model handles far better than
hundreds of raw, correlated pixels.
"""
import logging
import os

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.decomposition import PCA

EXTENSIONS = (".png", ".jpg", ".jpeg")
MAX_SIDE = 48
COMPONENTS = 50

log = logging.getLogger("baseline")


def image_path(folder, image_id):
    for ext in EXTENSIONS:
        path = os.path.join(folder, f"{image_id}{ext}")
        if os.path.isfile(path):
            return path
    return None


def image_folders(data_dir, train, test, id_col):
    """(train folder, test folder) when every row's id names an image file there, else None."""
    folders = (os.path.join(data_dir, "train"), os.path.join(data_dir, "test"))
    if not all(os.path.isdir(f) for f in folders) or id_col not in train.columns or id_col not in test.columns:
        return None
    for folder, frame in zip(folders, (train, test)):
        if any(image_path(folder, i) is None for i in frame[id_col].astype(str)):
            return None
    return folders


def load_pixels(folder, ids, size):
    """One row of grayscale pixels in [0, 1] per id."""
    rows = []
    for image_id in ids:
        with Image.open(image_path(folder, image_id)) as img:
            gray = img.convert("L")
            if gray.size != size:
                gray = gray.resize(size, Image.BILINEAR)
            rows.append(np.asarray(gray, dtype=np.float32).ravel() / 255.0)
    return np.stack(rows)


def add_image_features(data_dir, train, test, id_col, seed):
    """Train and test with `pc0..pcK` columns from their images; unchanged when there are none."""
    folders = image_folders(data_dir, train, test, id_col)
    if folders is None:
        return train, test
    train_ids, test_ids = train[id_col].astype(str), test[id_col].astype(str)
    with Image.open(image_path(folders[0], train_ids.iloc[0])) as first:
        width, height = first.size
    scale = min(1.0, MAX_SIDE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    x_train = load_pixels(folders[0], train_ids, size)
    x_test = load_pixels(folders[1], test_ids, size)
    pca = PCA(n_components=min(COMPONENTS, *x_train.shape), random_state=seed).fit(x_train)
    columns = [f"pc{i}" for i in range(pca.n_components_)]
    log.info("images: %d train and %d test at %dx%d, %d principal components (%.0f%% of the variance)",
             len(x_train), len(x_test), size[0], size[1], len(columns), 100 * pca.explained_variance_ratio_.sum())
    features = lambda x, index: pd.DataFrame(pca.transform(x), columns=columns, index=index)  # noqa: E731
    return (pd.concat([train, features(x_train, train.index)], axis=1),
            pd.concat([test, features(x_test, test.index)], axis=1))
