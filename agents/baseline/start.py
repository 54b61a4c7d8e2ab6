#!/usr/bin/env python3
"""The baseline agent: one scikit-learn pipeline for text and tabular competitions.

It reads /home/data/{train,test,sample_submission}.csv and works out the task from them:
- the id column is the sample submission's first column, the prediction columns the rest;
- the target is the train column named like the prediction column, else the train column
  that test.csv lacks;
- several prediction columns named after the target's classes -> class probabilities in the
  sample's column order; prediction columns that are all train columns -> one binary
  probability model per column; one numeric target with many values -> regression; a two-class
  target whose sample holds probabilities -> P(second class); otherwise -> the label.
Features: long free-text columns -> TF-IDF (words and characters), numbers -> median-imputed
and scaled, short strings with few values -> one-hot; identifier-like columns are dropped.
Models: a linear one (logistic or ridge regression) at three strengths, and for tables without
free text also gradient-boosted trees (HistGradientBoosting); a holdout split picks the best and
reports its validation score in the logs; the final model is refit on all of train. A numeric
target that is never negative is modelled as log(1 + y), so predictions stay non-negative.
Its code is copied to /home/code, its log to /home/logs.
"""
import logging
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from dates import add_date_features
from images import add_image_features

DATA = "/home/data"
SUBMISSION = "/home/submission/submission.csv"
CODE = "/home/code"
LOGS = "/home/logs"
MAX_CATEGORIES = 50
REGRESSION_MIN_VALUES = 20
PROBA_EPS = 1e-6

log = logging.getLogger("baseline")


# ---------------------------------------------------------------- the task


class Task:
    def __init__(self, kind, id_col, pred_cols, targets):
        self.kind = kind  # multiclass_proba | binary_proba | multilabel_proba | label | regression
        self.id_col = id_col
        self.pred_cols = pred_cols
        self.targets = targets

    def __repr__(self):
        return f"Task({self.kind}, id={self.id_col}, predict={self.pred_cols}, targets={self.targets})"


def is_probability_placeholder(values):
    nums = pd.to_numeric(values, errors="coerce")
    return bool(nums.notna().all() and nums.between(0, 1).all() and ((nums > 0) & (nums < 1)).any())


def infer_task(train, test, sample):
    id_col = sample.columns[0]
    pred_cols = list(sample.columns[1:])
    if not pred_cols:
        raise SystemExit("the sample submission has no prediction column")
    missing_in_test = [c for c in train.columns if c not in test.columns]
    if len(pred_cols) > 1:
        if all(c in train.columns for c in pred_cols):
            return Task("multilabel_proba", id_col, pred_cols, pred_cols)
        # The target whose classes best match the sample's column names.
        wanted = set(pred_cols)
        best = max(missing_in_test, key=lambda c: len(wanted & set(train[c].astype(str))), default=None)
        if best is None or not wanted & set(train[best].astype(str)):
            raise SystemExit(f"no train column has the classes {pred_cols}")
        return Task("multiclass_proba", id_col, pred_cols, [best])
    col = pred_cols[0]
    if col in train.columns:
        target = col
    elif len(missing_in_test) == 1:
        target = missing_in_test[0]
    else:
        raise SystemExit(f"cannot tell the target column among {missing_in_test}")
    y = train[target]
    if pd.api.types.is_numeric_dtype(y) and y.nunique() > REGRESSION_MIN_VALUES:
        return Task("regression", id_col, pred_cols, [target])
    if y.nunique() == 2 and is_probability_placeholder(sample[col]):
        return Task("binary_proba", id_col, pred_cols, [target])
    return Task("label", id_col, pred_cols, [target])


# ---------------------------------------------------------------- features


def is_text(values):
    s = values.dropna().astype(str)
    return len(s) > 0 and s.str.len().mean() >= 20 and s.str.contains(" ").mean() >= 0.5


def feature_plan(train, test, task):
    """Splits the usable columns into text, numeric and categorical ones."""
    plan = {"text": [], "numeric": [], "categorical": [], "dropped": []}
    for col in test.columns:
        if col == task.id_col or col in task.targets or col not in train.columns:
            continue
        values = train[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            plan["numeric"].append(col)
        elif is_text(values):
            plan["text"].append(col)
        elif values.nunique() <= MAX_CATEGORIES:
            plan["categorical"].append(col)
        else:
            plan["dropped"].append(col)  # identifier-like: many distinct short strings
    if not (plan["text"] or plan["numeric"] or plan["categorical"]):
        raise SystemExit("no usable feature column in test.csv")
    return plan


def text_features():
    # Words for topic, characters for style (spelling, punctuation): both matter for authorship.
    return FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=200_000)),
    ])


def preprocessor(plan):
    parts = [(f"text:{c}", text_features(), c) for c in plan["text"]]
    if plan["numeric"]:
        parts.append(("numeric", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), plan["numeric"]))
    if plan["categorical"]:
        parts.append(("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]), plan["categorical"]))
    return ColumnTransformer(parts, sparse_threshold=1.0)


def clean(frame, plan):
    frame = frame.copy()
    for col in plan["text"]:
        frame[col] = frame[col].fillna("").astype(str)
    for col in plan["categorical"]:
        frame[col] = frame[col].astype(str)
    for col in plan["numeric"]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


# ---------------------------------------------------------------- models

# Candidates compared on the holdout: a linear model at three strengths, and for tables without
# free text gradient-boosted trees (which need no scaling and see interactions a linear model misses).
LINEAR_STRENGTHS = [1.0, 4.0, 16.0]


def tree_preprocessor(plan):
    """Numbers as they are (trees split on NaN themselves), categories as ordinal codes."""
    parts = []
    if plan["numeric"]:
        parts.append(("numeric", "passthrough", plan["numeric"]))
    if plan["categorical"]:
        parts.append(("categorical", OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan,
        ), plan["categorical"]))
    return ColumnTransformer(parts)


def make_model(task, candidate, plan, n_iter=None):
    """`n_iter`: refit the trees with this many rounds (found on the holdout) instead of stopping early."""
    kind, strength = candidate
    if kind == "trees":
        categorical = [False] * len(plan["numeric"]) + [True] * len(plan["categorical"])
        stopping = dict(early_stopping=True, validation_fraction=0.1, n_iter_no_change=10, max_iter=300)
        options = dict(learning_rate=0.1, random_state=SEED, categorical_features=categorical if any(categorical) else None,
                       **(stopping if n_iter is None else dict(early_stopping=False, max_iter=n_iter)))
        if task.kind == "regression":
            return HistGradientBoostingRegressor(**options)
        return HistGradientBoostingClassifier(**options)
    if task.kind == "regression":
        return Ridge(alpha=1.0 / strength)
    return LogisticRegression(C=strength, max_iter=2000)


def holdout_score(task, y_true, model, X):
    """Lower is better, so candidates compare the same way whatever the task."""
    if task.kind == "regression":
        return mean_squared_error(y_true, model.predict(X)) ** 0.5, "rmse"
    if task.kind == "label":
        return -accuracy_score(y_true, model.predict(X)), "-accuracy"
    return log_loss(y_true, model.predict_proba(X), labels=model.classes_), "log loss"


def fit_one(task, features, y, candidates, plan):
    """Picks the candidate on a holdout, refits it on everything; returns (model, its test features)."""
    stratify = y if task.kind != "regression" and y.value_counts().min() >= 2 else None
    rows = np.arange(len(y))
    tr, val = train_test_split(rows, test_size=0.2, random_state=SEED, stratify=stratify)
    best = None
    for candidate in candidates:
        X = features[candidate[0]][0]
        model = make_model(task, candidate, plan).fit(X[tr], y.iloc[tr])
        score, name = holdout_score(task, y.iloc[val], model, X[val])
        # Trees refit on all rows get the rounds early stopping found, plus a quarter for the extra data.
        n_iter = int(model.n_iter_ * 1.25) + 1 if candidate[0] == "trees" else None
        log.info("holdout %s = %.4f with %s%s", name, score, candidate, f", {model.n_iter_} rounds" if n_iter else "")
        if best is None or score < best[0]:
            best = (score, candidate, n_iter)
    X, X_test = features[best[1][0]]
    log.info("chose %s", best[1])
    return make_model(task, best[1], plan, best[2]).fit(X, y), X_test


def predict(task, train, test, plan):
    pre = preprocessor(plan)
    X = pre.fit_transform(clean(train, plan))
    X_test = pre.transform(clean(test, plan))
    log.info("features: %d columns from %s", X.shape[1], {k: v for k, v in plan.items() if v})
    features = {"linear": (X.tocsr() if hasattr(X, "tocsr") else X, X_test)}
    candidates = [("linear", s) for s in LINEAR_STRENGTHS]
    if not plan["text"]:
        trees = tree_preprocessor(plan)
        features["trees"] = (trees.fit_transform(clean(train, plan)), trees.transform(clean(test, plan)))
        candidates.append(("trees", None))
    out = pd.DataFrame({task.id_col: test[task.id_col].values})
    if task.kind == "multilabel_proba":
        for col in task.pred_cols:
            y = train[col]
            model, X_col = fit_one(Task("binary_proba", task.id_col, [col], [col]), features, y, candidates, plan)
            out[col] = model.predict_proba(X_col)[:, 1]
        return out
    y = train[task.targets[0]]
    # A target that is never negative (prices, counts) is modelled on a log scale: errors become
    # relative, as RMSLE counts them, and predictions can never be negative.
    log_target = task.kind == "regression" and y.min() >= 0
    if log_target:
        y = np.log1p(y)
    elif task.kind != "regression":
        y = y.astype(str)
    model, X_test = fit_one(task, features, y, candidates, plan)
    if task.kind == "regression":
        pred = model.predict(X_test)
        out[task.pred_cols[0]] = np.clip(np.expm1(pred), 0, None) if log_target else pred
        return out
    if task.kind == "multiclass_proba":
        proba = model.predict_proba(X_test)
        classes = list(model.classes_)
        for col in task.pred_cols:
            out[col] = proba[:, classes.index(col)] if col in classes else 0.0
        # Clip away from 0 and 1 (log loss punishes certainty without end) and renormalise.
        values = np.clip(out[task.pred_cols].to_numpy(dtype=float), PROBA_EPS, 1.0)
        out[task.pred_cols] = values / values.sum(axis=1, keepdims=True)
    elif task.kind == "binary_proba":
        out[task.pred_cols[0]] = model.predict_proba(X_test)[:, 1]
    else:
        out[task.pred_cols[0]] = model.predict(X_test)
    return out


# ---------------------------------------------------------------- main


def main():
    started = time.time()
    os.makedirs(LOGS, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        handlers=[logging.StreamHandler(sys.stdout), logging.FileHandler(os.path.join(LOGS, "baseline.log"))],
    )
    shutil.copyfile(os.path.abspath(__file__), os.path.join(CODE, "baseline.py"))
    for module in ("dates.py", "images.py"):
        shutil.copyfile(os.path.join(os.path.dirname(os.path.abspath(__file__)), module), os.path.join(CODE, module))
    log.info("competition %s, seed %d, time limit %ss", os.environ.get("COMPETITION_ID"), SEED, os.environ.get("TIME_LIMIT_SECS"))

    # Ids stay strings so they are written back exactly as the sample has them.
    sample = pd.read_csv(os.path.join(DATA, "sample_submission.csv"), dtype=str, keep_default_na=False)
    ids = {sample.columns[0]: str}
    train = pd.read_csv(os.path.join(DATA, "train.csv"), dtype=ids)
    test = pd.read_csv(os.path.join(DATA, "test.csv"), dtype=ids)
    task = infer_task(train, test, sample)
    # Image files and calendar dates become numeric columns (images.py, dates.py beside this file).
    train, test = add_image_features(DATA, train, test, task.id_col, SEED)
    train, test = add_date_features(train, test, task.targets)
    plan = feature_plan(train, test, task)
    log.info("train %s, test %s: %s", train.shape, test.shape, task)

    out = predict(task, train, test, plan)
    # The sample's row order and columns, whatever order test.csv has.
    out = sample[[task.id_col]].merge(out, on=task.id_col, how="left")[list(sample.columns)]
    os.makedirs(os.path.dirname(SUBMISSION), exist_ok=True)
    out.to_csv(SUBMISSION, index=False)
    log.info("wrote %s (%d rows) in %.1fs", SUBMISSION, len(out), time.time() - started)
    check = subprocess.run(["validate-submission", SUBMISSION], capture_output=True, text=True)
    log.info("validate-submission: %s", (check.stdout + check.stderr).strip())
    return check.returncode


SEED = int(os.environ.get("SEED", "0") or 0)

if __name__ == "__main__":
    sys.exit(main())
