#!/usr/bin/env python3
"""What a strong standard model attains on a competition's own (unplanted) prepared data: the
ceiling the technique tasks' `predictions` criteria are scaled to (core/techniques/predictions.ts).

    .mlebench/venv-test/bin/python techniques/attainable.py <data dir> <competition>... > techniques/attainable.json

Per competition: a random forest and gradient boosting (scikit-learn, fixed seeds) on the
numeric columns and the one-hot string columns of train, scored on test against the answers;
the better of the two, as balanced accuracy (classification) or R² (regression) and on the
predictions scale (balanced accuracy with chance 1/K rescaled to 0, R² clipped to [0, 1]). The
prepared data's checksum is kept: the ceiling holds for that data only."""
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
        p = est.predict(x_test)
        if regression:
            value = float(r2_score(y_test.astype(float), p))
            score = min(1.0, max(0.0, value))
        else:
            value = float(balanced_accuracy_score(y_test, p))
            chance = 1 / y_test.nunique()
            score = min(1.0, max(0.0, (value - chance) / (1 - chance)))
        if best is None or score > best["score"]:
            best = {"metric": "r2" if regression else "balanced_accuracy", "value": round(value, 4),
                    "score": round(score, 4), "model": name}
    with open(os.path.join(prepared, "checksums.json"), encoding="utf-8") as f:
        best["source_checksum"] = json.load(f)["checksum"]
    return best


def main():
    data_dir, competitions = sys.argv[1], sys.argv[2:]
    out = {c: measure(data_dir, c) for c in competitions}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
