"""encoding: a feature with a non-blank cell that is not a number is categorical (the task's
definition); its unseen levels are its test values missing from train. Numbers are imputed and
standardised, categories one-hot encoded with handle_unknown='ignore', so an unseen level is an
all-zero row of its column's indicators instead of an error."""
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import common


def one_hot():
    # scikit-learn 1.2 renamed `sparse` to `sparse_output`; older releases only know `sparse`.
    try:
        return OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    except TypeError:
        return OneHotEncoder(handle_unknown="ignore", sparse=False)


def split_columns(ctx):
    """(number columns, categorical columns) over train and test together."""
    both = pd.concat([ctx.train[ctx.features], ctx.test[ctx.features]], ignore_index=True)
    numbers = list(common.numeric(both).columns)
    return numbers, [c for c in ctx.features if c not in numbers]


def fit_predict(ctx, numbers, categorical):
    """Numbers median-imputed and standardised, categories one-hot; the task's linear model."""
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value="(missing)"), one_hot()), categorical),
    ])
    x_train = ctx.train[ctx.features].copy()
    x_test = ctx.test[ctx.features].copy()
    for c in numbers:
        x_train[c] = pd.to_numeric(x_train[c])
        x_test[c] = pd.to_numeric(x_test[c])
    est = make_pipeline(prep, common.model(ctx.problem, scale=False))
    est.fit(x_train, ctx.y())
    return est.predict(x_test)


def solve(ctx):
    numbers, categorical = split_columns(ctx)
    unseen = {}
    for c in categorical:
        levels = sorted(set(ctx.test[c].dropna()) - set(ctx.train[c].dropna()))
        if levels:
            unseen[c] = levels
    common.log(f"{len(categorical)} categorical columns; unseen levels: "
               + ", ".join(f"{c}={len(v)}" for c, v in unseen.items()))
    common.write_submission(ctx, fit_predict(ctx, numbers, categorical))
    common.write_analysis(ctx, {"categorical_columns": categorical, "unseen_levels": unseen,
                                "encoding": "one-hot, handle_unknown='ignore'; numbers median-imputed and standardised"})
