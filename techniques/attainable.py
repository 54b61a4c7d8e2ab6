#!/usr/bin/env python3
"""What a strong standard model attains on a competition's own (unplanted) prepared data: the
ceiling the technique tasks' `predictions` criteria are scaled to (core/techniques/predictions.ts).

    .mlebench/venv-test/bin/python techniques/attainable.py <data dir> <competition>... > techniques/attainable.json

Per competition: a random forest and gradient boosting (scikit-learn, fixed seeds) on the
numeric columns and the one-hot string columns of train, scored on test against the answers;
the better of the two, as balanced accuracy (classification) or R² (regression) and on the
predictions scale (balanced accuracy with chance 1/K rescaled to 0, R² clipped to [0, 1]). The
prepared data's checksum is kept: the ceiling holds for that data only.

`small_train`: the same, for a task whose plant keeps only a few hundred train rows (cv, whose
smallest train is 250 rows, at least 20 per class): the better model's mean test score over
DRAWS seeded draws of that many train rows (stratified by class), since no technique brings the
cut rows back."""
import json
import os
import sys

import numpy as np
import pandas as pd
import yaml
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import balanced_accuracy_score, r2_score

HERE = os.path.dirname(os.path.abspath(__file__))
# The cv plant's smallest train (core/techniques/tasks/cv.ts MIN_ROWS, MIN_ROWS_PER_CLASS; a unit
# test holds the two in step) and the draws averaged.
SMALL_ROWS, SMALL_ROWS_PER_CLASS, DRAWS = 250, 20, 5


def scored(regression, y_true, p):
    """(the metric's value, the predictions scale)."""
    if regression:
        value = float(r2_score(y_true.astype(float), p))
        return value, min(1.0, max(0.0, value))
    value = float(balanced_accuracy_score(y_true, p))
    chance = 1 / y_true.nunique()
    return value, min(1.0, max(0.0, (value - chance) / (1 - chance)))


def small_rows(regression, y, rows, draw):
    """`rows` train row positions drawn with seed `draw`, stratified by class (each keeps its share)."""
    rng = np.random.default_rng(draw)
    if regression:
        return np.sort(rng.choice(len(y), rows, replace=False))
    out = []
    for cls in sorted(y.unique()):
        at = np.flatnonzero((y == cls).to_numpy())
        out.extend(rng.choice(at, min(len(at), max(1, round(rows * len(at) / len(y)))), replace=False))
    return np.sort(out)


def measure(data_dir, competition):
    with open(os.path.join(HERE, "..", "competitions", competition, "config.yaml"), encoding="utf-8") as f:
        config = yaml.safe_load(f)
    ds = config["dataset"]
    id_col, target = ds["id_column"], ds["target_column"]
    prepared = os.path.join(data_dir, competition, "prepared")
    train = pd.read_csv(os.path.join(prepared, "public", "train.csv"))
    test = pd.read_csv(os.path.join(prepared, "public", "test.csv"))
    answers = pd.read_csv(os.path.join(prepared, "private", "answers.csv"))
    y_test = test[[id_col]].merge(answers[[id_col, target]], on=id_col, how="left")[target]
    features = [c for c in train.columns if c not in (id_col, target)]
    both = pd.get_dummies(pd.concat([train[features], test[features]], ignore_index=True), dtype=float)
    both = both.fillna(both.iloc[: len(train)].median())
    x_train, x_test = both.iloc[: len(train)].to_numpy(), both.iloc[len(train):].to_numpy()
    regression = config["metric"] in ("rmse", "rmsle", "mae", "r2")
    if regression:
        y = train[target].astype(float)
        models = {"random forest": RandomForestRegressor(n_estimators=500, random_state=0, n_jobs=-1),
                  "gradient boosting": HistGradientBoostingRegressor(random_state=0)}
    else:
        y = train[target].astype(str)
        y_test = y_test.astype(str)
        models = {"random forest": RandomForestClassifier(n_estimators=500, random_state=0, n_jobs=-1,
                                                          class_weight="balanced_subsample"),
                  "gradient boosting": HistGradientBoostingClassifier(random_state=0, class_weight="balanced")}
    best = None
    for name, est in models.items():
        est.fit(x_train, y)
        value, score = scored(regression, y_test, est.predict(x_test))
        if best is None or score > best["score"]:
            best = {"metric": "r2" if regression else "balanced_accuracy", "value": round(value, 4),
                    "score": round(score, 4), "model": name}
    rows = SMALL_ROWS if regression else max(SMALL_ROWS, SMALL_ROWS_PER_CLASS * y.nunique())
    small = None
    for name, est in models.items():
        draws = []
        for draw in range(DRAWS):
            at = small_rows(regression, y, rows, draw)
            est.fit(x_train[at], y.iloc[at])
            draws.append(scored(regression, y_test, est.predict(x_test)))
        value, score = (float(np.mean(v)) for v in zip(*draws))
        if small is None or score > small["score"]:
            small = {"rows": rows, "draws": DRAWS, "value": round(value, 4), "score": round(score, 4), "model": name}
    best["small_train"] = small
    with open(os.path.join(prepared, "checksums.json"), encoding="utf-8") as f:
        best["source_checksum"] = json.load(f)["checksum"]
    return best


def main():
    data_dir, competitions = sys.argv[1], sys.argv[2:]
    out = {c: measure(data_dir, c) for c in competitions}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
