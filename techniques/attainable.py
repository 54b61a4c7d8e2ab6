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
cut rows back.

`rare_class` (classification): the same for the imbalance task, whose plant keeps only k train
rows of one class (core/techniques/tasks/imbalance.ts): per class that the plant can draw (the
rarer one of two, any of several), the better model's mean over RARE_DRAWS seeded draws of k rows
of that class (the other classes intact), k as the plant computes it for its smallest share
FRACTION_MIN. The models do the technique the task asks for: their probabilities are divided by
the train priors, and the class's are multiplied by the boost (of BOOSTS) that gives the best
balance on test, the one the imbalance grader counts (the class's test recall, no higher than the
other classes' mean recall); recorded with the balanced accuracy there. Class weights alone do
not do it: a balanced-weight forest or boosting memorises 34 rows and recalls 0.09-0.16 of
hpc-job-class's classes. Cutting a class of a noisy data set to a few dozen rows takes
information no technique brings back (hpc-job-class's largest class cut from 1015 rows to 37:
0.79 mean recall on the untouched data, about 0.7 after)."""
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
# The imbalance plant's smallest share of train for the undersampled class (imbalance.ts
# FRACTION_MIN; a unit test holds the two in step), and the draws averaged.
FRACTION_MIN, RARE_DRAWS = 0.02, 3
BOOSTS = np.geomspace(0.25, 16, 25)


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


def kept_rows(sizes, cls, fraction):
    """The rows of `cls` the imbalance plant keeps at `fraction` (its rule, Math.round's halves up)."""
    others = [n for c, n in sizes.items() if c != cls]
    return max(1, min(sizes[cls], int(np.floor(fraction * max(others) / (1 - fraction) + 0.5)), min(others) // 3))


def balance(y_true, p, cls):
    """The class's recall, no higher than the other classes' mean recall (the imbalance grader's count)."""
    recall = lambda c: float(np.mean(p[y_true == c] == c))
    return min(recall(cls), float(np.mean([recall(c) for c in np.unique(y_true) if c != cls])))


def best_boost(p, classes, cls, truth):
    """(balance, predictions) at the boost of class `cls`'s probabilities that balances best on test."""
    m = list(classes).index(cls)
    best = None
    for b in BOOSTS:
        q = p.copy()
        q[:, m] *= b
        pred = classes[np.argmax(q, axis=1)]
        if best is None or balance(truth, pred, cls) > best[0]:
            best = (balance(truth, pred, cls), pred)
    return best


def rare_class(x_train, y, x_test, y_test):
    # Plain models (no class weights): the prior correction below is the technique.
    models = {"random forest": RandomForestClassifier(n_estimators=500, random_state=0, n_jobs=-1),
              "gradient boosting": HistGradientBoostingClassifier(random_state=0)}
    sizes = y.value_counts().to_dict()
    # The plant's minority: binary, the rarer class (ties: the first label); multiclass, any class.
    drawable = sorted(sizes, key=lambda c: (sizes[c], c))[:1] if len(sizes) == 2 else sorted(sizes)
    out = {}
    truth = y_test.to_numpy()
    for cls in drawable:
        k = kept_rows(sizes, cls, FRACTION_MIN)
        at_class, rest = np.flatnonzero((y == cls).to_numpy()), np.flatnonzero((y != cls).to_numpy())
        best = None
        for name, est in models.items():
            draws = []
            for draw in range(RARE_DRAWS):
                keep = np.sort(np.concatenate([rest, np.random.default_rng(draw).choice(at_class, k, replace=False)]))
                est.fit(x_train[keep], y.iloc[keep])
                priors = y.iloc[keep].value_counts(normalize=True)[est.classes_].to_numpy()
                recall, p = best_boost(est.predict_proba(x_test) / priors, est.classes_, cls, truth)
                draws.append((recall, *scored(False, y_test, p)))
            recall, value, score = (float(np.mean(v)) for v in zip(*draws))
            if best is None or recall > best["minority_recall"]:
                best = {"rows": k, "draws": RARE_DRAWS, "minority_recall": round(recall, 4),
                        "value": round(value, 4), "score": round(score, 4), "model": name}
        out[str(cls)] = best
        print(f"attainable: rare class {cls} ({k} rows): {best}", file=sys.stderr)
    return {"fraction": FRACTION_MIN, "classes": out}


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
    if not regression:
        best["rare_class"] = rare_class(x_train, y, x_test, y_test)
    with open(os.path.join(prepared, "checksums.json"), encoding="utf-8") as f:
        best["source_checksum"] = json.load(f)["checksum"]
    return best


def main():
    data_dir, competitions = sys.argv[1], sys.argv[2:]
    out = {c: measure(data_dir, c) for c in competitions}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
