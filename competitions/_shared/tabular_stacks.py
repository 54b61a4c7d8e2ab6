"""O. engineered and P. out-of-fold stacks: the expert tail of a competition that gives its own features.

A competition's make_leaderboard.py may pass Task(engineer=..., outliers=...): `engineer` adds
data-specific columns to a frame row by row (so train and test get the same, with no answers used),
`outliers` marks training rows that a careful modeller drops from the fit (never from the test).
Then, on the engineered view, each base model below is fitted five times on 4/5 of train (its
out-of-fold predictions, OOF) and once on all of train (its test predictions):

  O. engineered   regression: lasso, elastic net and ridge with strengths chosen by internal CV,
                  polynomial kernel ridge and RBF support vector regression with settings chosen by
                  internal 3-fold CV, Huber-loss gradient boosting, extra trees, and boosting at each of
                  the M search's kept settings, the trees on numbers plus cross-fitted target
                  encodings; ordinal: ridge, distance-weighted kNN, kernel ridge, SVR and the tree
                  models as regressors on the class index, a random forest and the boosting
                  classifier's expected class, each cut at thresholds fitted on its own OOF
  P. stacks       a level-2 model fitted on the OOF matrix: non-negative least squares and ridge on
                  all base models, non-negative least squares on each pair of one smooth model
                  (linear, kernel, SVR, kNN) and one tree model, the plain average of all, and (for
                  regression) the all-model stack averaged with the M family's expert average; for
                  ordinal tasks the cuts are fitted on the stack's own cross-validated OOF
"""

import numpy as np
from scipy.optimize import nnls
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import ExtraTreesRegressor, GradientBoostingRegressor, HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import ElasticNetCV, LassoCV, RidgeCV
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OrdinalEncoder, TargetEncoder
from sklearn.svm import SVR

from tabular_models import SEED, ExpectedClass, boosting, fit_cuts, linear_features

FOLDS = 5


def target_encoded_tree_features(task):
    """Numbers, category codes and each category's cross-fitted mean target (sklearn's TargetEncoder)."""
    parts = [("num", "passthrough", task.numeric)]
    if task.categorical:
        parts.append(("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2),
                      task.categorical))
        parts.append(("te", TargetEncoder(target_type="continuous", random_state=SEED), task.categorical))
    return ColumnTransformer(parts)


def searched(model, grid):
    return GridSearchCV(model, grid, cv=KFold(3, shuffle=True, random_state=SEED), scoring="neg_mean_squared_error")


def base_models(task, settings):
    """(name, model, smooth) on the engineered view; `smooth` models pair with tree models in P."""
    alphas = np.logspace(-4.5, -1, 22)
    models = [
        ("lasso (strength by 5-fold CV)", make_pipeline(linear_features(task, log_scale=True), LassoCV(alphas=alphas, cv=5, max_iter=20000)), True),
        ("elastic net l1_ratio=0.5 (strength by 5-fold CV)",
         make_pipeline(linear_features(task, log_scale=True), ElasticNetCV(l1_ratio=0.5, alphas=alphas, cv=5, max_iter=20000)), True),
        ("ridge (strength by CV)", make_pipeline(linear_features(task, log_scale=True), RidgeCV(alphas=np.logspace(-1, 3, 17))), True),
        ("kernel ridge polynomial degree 2 (strength by 3-fold CV)", make_pipeline(linear_features(task, log_scale=True), searched(
            KernelRidge(kernel="polynomial", degree=2, coef0=2.5), {"alpha": [0.3, 1, 3, 10]})), True),
        ("support vector regression rbf (C, gamma by 3-fold CV)", make_pipeline(linear_features(task, log_scale=True), searched(
            SVR(epsilon=0.01), {"C": [3, 30], "gamma": [0.3 / len(task.features), 1 / len(task.features)]})), True),
        ("huber gradient boosting 1500 trees depth 4", make_pipeline(target_encoded_tree_features(task), GradientBoostingRegressor(
            loss="huber", n_estimators=1500, learning_rate=0.03, max_depth=4, max_features="sqrt", min_samples_leaf=15,
            subsample=0.8, random_state=SEED)), False),
        ("extra trees 500", make_pipeline(target_encoded_tree_features(task), ExtraTreesRegressor(
            n_estimators=500, min_samples_leaf=2, max_features=0.5, random_state=SEED, n_jobs=1)), False),
    ]
    for rank, setting in enumerate(settings, start=1):  # the M search's kept settings, on the richer columns
        hgb = {k: v for k, v in setting.items() if k not in ("learning_rate", "rounds")}
        models.append((f"boosting at expert setting #{rank}", make_pipeline(target_encoded_tree_features(task), HistGradientBoostingRegressor(
            learning_rate=setting["learning_rate"], max_iter=setting["rounds"], random_state=SEED, **hgb)), False))
    if task.kind == "ordinal":  # a small-sample problem with few columns: neighbours and forests fit it well
        models[:3] = [("ridge (strength by CV)", models[2][1], True),
                      ("knn k=25 distance-weighted", make_pipeline(linear_features(task, log_scale=True),
                                                                   KNeighborsRegressor(25, weights="distance")), True)]
        models.append(("random forest 500 min_leaf=3", make_pipeline(target_encoded_tree_features(task), RandomForestRegressor(
            n_estimators=500, min_samples_leaf=3, max_features=0.5, random_state=SEED, n_jobs=1)), False))
        models.append(("expected class of boosting probabilities", ExpectedClass(boosting(task, 0.05, 300, max_leaf_nodes=15)), False))
    return models


def oof_and_test(task, model):
    """Out-of-fold predictions on train and all-train predictions on test, on the fitting scale
    (log(1 + y) for regression, the class index for ordinal); outliers are dropped from every fit."""
    x, y = task.train[task.features], task.fit_y(task.y)
    keep = np.ones(len(y), dtype=bool) if task.outliers is None else ~task.outliers(task.train).to_numpy()
    folds = (KFold(FOLDS, shuffle=True, random_state=SEED) if task.kind == "regression"
             else StratifiedKFold(FOLDS, shuffle=True, random_state=SEED))
    oof = np.zeros(len(y))
    for fit_rows, held in folds.split(x, y):
        fit_rows = fit_rows[keep[fit_rows]]
        oof[held] = model.fit(x.iloc[fit_rows], y[fit_rows]).predict(x.iloc[held])
    return oof, model.fit(x[keep], y[keep]).predict(task.test[task.features])


def nnls_weights(columns, y):
    """Non-negative weights and an intercept minimising the squared error of the OOF columns."""
    a = np.column_stack([columns - columns.mean(axis=0), np.ones(len(y))])
    w, _ = nnls(a[:, :-1], y - y.mean())
    return w, y.mean() - columns.mean(axis=0) @ w


def stacked(oofs, tests, y, meta):
    """The level-2 model on OOF columns: its OOF (by the same folds, for the ordinal cuts) and test predictions."""
    o, t = np.column_stack(oofs), np.column_stack(tests)

    def fit(rows):
        if meta == "nnls":
            w, b = nnls_weights(o[rows], y[rows])
            return lambda m: m @ w + b
        ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(o[rows], y[rows])
        return ridge.predict

    level2_oof = np.zeros(len(y))
    for fit_rows, held in KFold(FOLDS, shuffle=True, random_state=SEED + 1).split(o):
        level2_oof[held] = fit(fit_rows)(o[held])
    return level2_oof, fit(np.arange(len(y)))(t)


def stack_entries(task, settings, expert_average, jobs=1):
    """name -> test prediction in the metric's form, for families O and P."""
    from joblib import Parallel, delayed

    view = task.engineered()
    models = base_models(view, settings)
    results = Parallel(n_jobs=jobs)(delayed(oof_and_test)(view, model) for _, model, _ in models)
    base = {name: r for (name, *_), r in zip(models, results)}
    y = task.fit_y(task.y)
    smooth = [name for name, _, is_smooth in models if is_smooth]
    trees = [name for name, _, is_smooth in models if not is_smooth]
    level2 = {f"engineered {name}": base[name] for name in base}
    level2["stack non-negative least squares on all engineered models"] = stacked(*zip(*base.values()), y, "nnls")
    level2["stack ridge on all engineered models"] = stacked(*zip(*base.values()), y, "ridge")
    level2["stack average of all engineered models"] = tuple(np.mean([r[i] for r in base.values()], axis=0) for i in (0, 1))
    for a in smooth:
        for b in trees:
            level2[f"stack non-negative least squares on engineered {a} + {b}"] = stacked(*zip(base[a], base[b]), y, "nnls")
    entries = {name: finish_stack(task, oof, test) for name, (oof, test) in level2.items()}
    everything = level2["stack non-negative least squares on all engineered models"]
    if task.kind == "regression":  # the M family's expert average is on the price scale; blend on the log scale
        entries["stack 50% all-model stack + expert average"] = np.expm1(0.5 * everything[1] + 0.5 * np.log1p(expert_average))
    return entries


def finish_stack(task, oof, test):
    """Regression: back to the target's scale; ordinal: cut at the thresholds that maximise the OOF kappa."""
    if task.kind == "regression":
        return np.clip(np.expm1(test), 0, None)
    classes, cuts = fit_cuts(task.y, oof)
    return classes[np.digitize(test, cuts)]
