"""What every reference solution shares: the task's files, the data, a model, the outputs.

The data are read with every cell as text (`dtype=str`, blanks kept as NaN) so nothing is
guessed behind the solution's back; `numeric(df)` turns the number columns into floats."""
import json
import os

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

DATA = os.environ.get("TECHNIQUE_DATA_DIR", "/home/data")
SUBMISSION_DIR = os.environ.get("TECHNIQUE_SUBMISSION_DIR", "/home/submission")
CODE = "/home/code"
LOGS = os.environ.get("TECHNIQUE_LOGS_DIR", "/home/logs")


def log(msg):
    line = f"[technique-reference] {msg}"
    print(line, flush=True)
    if os.path.isdir(LOGS):
        with open(os.path.join(LOGS, "technique-reference.log"), "a", encoding="utf-8") as f:
            f.write(line + "\n")


class Ctx:
    """task.json's fields plus the data: train (id, features, target) and test (id, features)."""

    def __init__(self, spec, train, test):
        self.spec = spec
        self.task = spec["task"]
        self.competition_id = spec["competition_id"]
        self.seed = spec["seed"]
        self.id_col = spec["id_column"]
        self.target = spec["target_column"]
        self.problem = spec["problem"]  # binary | multiclass | regression
        self.labels = spec["labels"]
        self.facts = spec.get("facts", {})
        self.analysis_file = spec["analysis_file"]
        self.train = train
        self.test = test
        self.features = [c for c in train.columns if c not in (self.id_col, self.target)]

    @property
    def classification(self):
        return self.problem != "regression"

    def y(self):
        """The train target: labels as text, or floats for regression."""
        y = self.train[self.target]
        return y.astype(float) if not self.classification else y.astype(str)


def load():
    with open(os.path.join(DATA, "task.json"), encoding="utf-8") as f:
        spec = json.load(f)
    read = lambda name: pd.read_csv(os.path.join(DATA, name), dtype=str, keep_default_na=False,
                                    na_values=[""])
    return Ctx(spec, read("train.csv"), read("test.csv"))


def numeric(df, columns=None):
    """The columns (default: all) that hold only numbers or blanks, as floats."""
    out = {}
    for c in columns if columns is not None else df.columns:
        values = pd.to_numeric(df[c], errors="coerce")
        if values.isna().sum() == df[c].isna().sum():
            out[c] = values
    return pd.DataFrame(out, index=df.index)


def model(problem):
    """Gradient boosting: strong on tabular data whatever the columns' scales; for classes with
    balanced class weights, since the tasks judge class predictions by balanced accuracy."""
    if problem == "regression":
        return HistGradientBoostingRegressor(random_state=0)
    return HistGradientBoostingClassifier(random_state=0, class_weight="balanced")


def one_hot():
    # scikit-learn 1.2 renamed `sparse` to `sparse_output`; older releases only know `sparse`.
    try:
        return OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    except TypeError:
        return OneHotEncoder(handle_unknown="ignore", sparse=False)


def split_columns(ctx):
    """(number columns, categorical columns) over train and test together."""
    both = pd.concat([ctx.train[ctx.features], ctx.test[ctx.features]], ignore_index=True)
    numbers = list(numeric(both).columns)
    return numbers, [c for c in ctx.features if c not in numbers]


def fit_predict(ctx, numbers, categorical):
    """Numbers median-imputed and standardised, categories one-hot; the task's model."""
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"), one_hot()), categorical),
    ])
    x_train = ctx.train[ctx.features].copy()
    x_test = ctx.test[ctx.features].copy()
    for c in numbers:
        x_train[c] = pd.to_numeric(x_train[c])
        x_test[c] = pd.to_numeric(x_test[c])
    est = make_pipeline(prep, model(ctx.problem))
    est.fit(x_train, ctx.y())
    return est.predict(x_test)


def write_submission(ctx, predictions):
    os.makedirs(SUBMISSION_DIR, exist_ok=True)
    values = list(predictions)
    if ctx.classification:
        values = [str(v) for v in values]
    pd.DataFrame({ctx.id_col: ctx.test[ctx.id_col], ctx.target: values}).to_csv(
        os.path.join(SUBMISSION_DIR, "submission.csv"), index=False)


def write_analysis(ctx, analysis):
    os.makedirs(SUBMISSION_DIR, exist_ok=True)
    with open(os.path.join(SUBMISSION_DIR, ctx.analysis_file), "w", encoding="utf-8") as f:
        json.dump(analysis, f, indent=2)
    log(f"analysis: {json.dumps(analysis)[:500]}")


def naive(ctx):
    """Ignores the technique: every numeric column, blanks as 0, no scaling, no class weights."""
    x_train = numeric(ctx.train, ctx.features)
    x_test = numeric(ctx.test, list(x_train.columns)).reindex(columns=x_train.columns)
    x_train, x_test = x_train.fillna(0.0), x_test.fillna(0.0)
    if ctx.classification:
        est = LogisticRegression(max_iter=200)
    else:
        est = LinearRegression()
    est.fit(x_train.to_numpy(), ctx.y())
    write_submission(ctx, est.predict(x_test.to_numpy()))
    log(f"naive: {x_train.shape[1]} numeric columns, no analysis")
