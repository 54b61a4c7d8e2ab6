"""cv: estimate the held-out score of the submitted model by cross-validation on train only.

The model is a random forest on the numeric columns (blanks as train's median) and the one-hot
string columns. Repeated k-fold CV (stratified for classes, k = 10 when every class has 10 rows)
of that same model gives the estimate (the mean fold score, extrapolated along the learning
curve to all of train) and an interval, estimate ± 2 standard errors: train has only a few
hundred rows, so the training-set score would be far too optimistic. The standard error is that
of a mean over rows measured on train (the CV) and on test (the true score): the per-row spread
of the metric, from out-of-fold predictions, times sqrt(1/n_train + 1/n_test). The model is then
refitted on all of train to predict the test set."""
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import KFold, RepeatedKFold, RepeatedStratifiedKFold, cross_val_predict, cross_val_score

import common

REPEATS = 3


def features(ctx):
    """Train and test as float matrices: numbers (blanks as train's median), strings one-hot."""
    both = pd.concat([ctx.train[ctx.features], ctx.test[ctx.features]], ignore_index=True)
    n = len(ctx.train)
    nums = common.numeric(both)
    x = nums.fillna(nums.iloc[:n].median()).fillna(0.0)
    strings = [c for c in ctx.features if c not in nums.columns]
    if strings:
        # Categories are read from train and test together: unsupervised, and test's rare values get a column.
        x = pd.concat([x, pd.get_dummies(both[strings].fillna("(blank)"), dtype=float)], axis=1)
    return x.iloc[:n].to_numpy(), x.iloc[n:].to_numpy()


def per_row_spread(y, oof):
    """The standard deviation over rows of R²'s influence, (e² − (1 − R²)·d²) / mean(d²): the
    delta method's per-row term of 1 − mean(e²) / mean(d²) (d = y − mean(y), e = y − prediction)."""
    y, oof = np.asarray(y, dtype=float), np.asarray(oof, dtype=float)
    e2, d2 = (y - oof) ** 2, (y - y.mean()) ** 2
    return float(np.std((e2 - e2.mean() / d2.mean() * d2) / d2.mean()))


def solve(ctx):
    metric = ctx.facts.get("cv_metric", "r2" if not ctx.classification else "accuracy")
    x_train, x_test = features(ctx)
    y = ctx.y()
    if ctx.classification:
        est = RandomForestClassifier(n_estimators=300, random_state=ctx.seed, n_jobs=-1)
        k = int(max(2, min(10, y.value_counts().min())))
        splits = RepeatedStratifiedKFold(n_splits=k, n_repeats=REPEATS, random_state=ctx.seed)
    else:
        est = RandomForestRegressor(n_estimators=300, random_state=ctx.seed, n_jobs=-1)
        k = 10
        splits = RepeatedKFold(n_splits=k, n_repeats=REPEATS, random_state=ctx.seed)
    scores = cross_val_score(est, x_train, y, cv=splits, scoring=metric)
    mean = float(np.mean(scores))
    # Each fold's model saw (k-1)/k of train, the submitted one all of it: with a few hundred rows
    # the learning curve is still rising. A 2-fold CV (models on n/2 rows) gives a second point of
    # score(m) = a - b/m, extrapolated to m = n; the correction is never negative (more rows do not hurt).
    n = len(y)
    half_splits = (RepeatedStratifiedKFold if ctx.classification else RepeatedKFold)(
        n_splits=2, n_repeats=REPEATS, random_state=ctx.seed)
    at_half = float(np.mean(cross_val_score(est, x_train, y, cv=half_splits, scoring=metric)))
    m_k, m_2 = n * (k - 1) / k, n / 2
    b = max(0.0, (mean - at_half) / (1 / m_2 - 1 / m_k))
    estimate = min(1.0, mean + b * (1 / m_k - 1 / n))
    # The spread of a score measured on n rows and on the test rows, not the folds' spread over
    # sqrt(k), which leaves out that a different train gives a different model.
    if metric == "accuracy":
        spread = np.sqrt(estimate * (1 - estimate))  # binomial
    else:
        oof = cross_val_predict(est, x_train, y, cv=KFold(n_splits=k, shuffle=True, random_state=ctx.seed))
        spread = per_row_spread(y, oof)
    half = 2 * spread * np.sqrt(1 / n + 1 / len(ctx.test))
    upper = 1.0  # both accuracy and R² are at most 1
    low, high = estimate - half, min(upper, estimate + half)
    if metric == "accuracy":
        low = max(0.0, low)
    common.log(f"{REPEATS}x{k}-fold {metric}: mean {mean:.4f}, fold sd {np.std(scores, ddof=1):.4f}; "
               f"2-fold {at_half:.4f}; extrapolated to {n} rows {estimate:.4f}, interval [{low:.4f}, {high:.4f}]")

    est.fit(x_train, y)
    common.log(f"training-set {metric} (optimistic): {est.score(x_train, y):.4f}")
    common.write_submission(ctx, est.predict(x_test))
    common.write_analysis(ctx, {
        "metric": metric,
        "estimate": round(estimate, 6),
        "interval": [round(low, 6), round(high, 6)],
        "folds": k,
        "method": f"{REPEATS}x repeated {'stratified ' if ctx.classification else ''}{k}-fold CV "
                  f"of a random forest, extrapolated to all rows from a 2-fold CV; interval ± 2 standard errors "
                  f"of a mean over {n} train and {len(ctx.test)} test rows",
    })
