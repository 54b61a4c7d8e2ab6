"""missing: a column's missing rate is its blank cells over the rows of train and test together.
The blanks are filled column by column with the better of two imputers, judged on cells whose
value is known: a share of the observed cells is hidden, both imputers fill them, and the one
with the lower error wins (the column mean, or scikit-learn's IterativeImputer, which predicts
a cell from the other columns). Imputers are fitted on train and test features together (no
target), a missing-value indicator per column and the other columns one-hot join the features, and a
scaled linear model predicts."""
import numpy as np
import pandas as pd
from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (registers the class)
from sklearn.impute import IterativeImputer, SimpleImputer

import common

HOLDOUT = 0.1


def imputers():
    return {
        "mean": SimpleImputer(strategy="mean"),
        "iterative": IterativeImputer(max_iter=10, random_state=0),
    }


def choose(x, blank_columns):
    """Per column with blanks, the imputer with the lower RMSE on hidden known cells."""
    rng = np.random.RandomState(0)
    hidden = x.copy()
    masks = {}
    for c in blank_columns:
        known = np.flatnonzero(x[c].notna().to_numpy())
        pick = rng.choice(known, size=max(1, int(HOLDOUT * len(known))), replace=False)
        masks[c] = pick
        hidden.iloc[pick, hidden.columns.get_loc(c)] = np.nan
    errors = {}
    for name, imp in imputers().items():
        filled = pd.DataFrame(imp.fit_transform(hidden), columns=x.columns, index=x.index)
        for c in blank_columns:
            truth = x[c].to_numpy()[masks[c]]
            guess = filled[c].to_numpy()[masks[c]]
            errors[(c, name)] = float(np.sqrt(np.mean((truth - guess) ** 2)))
    return {c: min(imputers(), key=lambda n: errors[(c, n)]) for c in blank_columns}, errors


def solve(ctx):
    n = len(ctx.train) + len(ctx.test)
    blanks = {c: int(ctx.train[c].isna().sum() + ctx.test[c].isna().sum()) for c in ctx.features}
    rates = {c: k / n for c, k in blanks.items() if k > 0}
    common.log("missing rates: " + ", ".join(f"{c}={r:.4f}" for c, r in rates.items()))

    x_train = common.numeric(ctx.train, ctx.features)
    num = list(x_train.columns)
    x = pd.concat([x_train, common.numeric(ctx.test, num).reindex(columns=num)], ignore_index=True)
    blank_num = [c for c in num if c in rates]
    choice, errors = choose(x, blank_num)
    common.log("imputer per column: " + ", ".join(
        f"{c}={choice[c]} (mean {errors[(c, 'mean')]:.4g}, iterative {errors[(c, 'iterative')]:.4g})"
        for c in blank_num))
    filled = {name: pd.DataFrame(imp.fit_transform(x), columns=num) for name, imp in imputers().items()}
    imputed = x.copy()
    for c in blank_num:
        imputed[c] = filled[choice[c]][c]
    # Columns without blanks keep their values; a non-numeric column with blanks keeps them
    # (the planted blanks are all in numeric columns).
    imputed_test = ctx.test.copy()
    test_part = imputed.iloc[len(ctx.train):].set_index(ctx.test.index)
    for c in blank_num:
        imputed_test[c] = test_part[c]
    imputed_test.to_csv(f"{common.SUBMISSION_DIR}/imputed_test.csv", index=False)

    indicators = x[blank_num].isna().astype(float).add_suffix("__blank")
    other = [c for c in ctx.features if c not in num]
    parts = [imputed, indicators]
    if other:
        parts.append(pd.get_dummies(pd.concat([ctx.train[other], ctx.test[other]], ignore_index=True)
                                    .fillna("(blank)"), dtype=float))
    features = pd.concat(parts, axis=1).to_numpy()
    est = common.model(ctx.problem)
    est.fit(features[:len(ctx.train)], ctx.y())
    common.write_submission(ctx, est.predict(features[len(ctx.train):]))
    common.write_analysis(ctx, {
        "missing_columns": rates,
        "imputation": "per column, the mean or IterativeImputer, whichever was closer on hidden known cells",
    })
