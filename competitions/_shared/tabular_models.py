"""The reference solutions of the tabular leaderboards (see tabular_leaderboard.py for the population)."""

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, HistGradientBoostingClassifier,
                              HistGradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import BayesianRidge, LogisticRegression, Ridge
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import KFold, ParameterSampler, StratifiedKFold, cross_val_predict, cross_validate
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

SEED = 0


# ---------------------------------------------------------------- features


def linear_features(task, columns=None, log_scale=False):
    """Scaled numbers (first log(1 + x) for the never-negative ones, with `log_scale`) and one-hot categories."""
    numeric = [c for c in task.numeric if columns is None or c in columns]
    categorical = [c for c in task.categorical if columns is None or c in columns]
    parts = []
    logged = [c for c in numeric if log_scale and task.train[c].min() >= 0]
    if logged:
        parts.append(("log", make_pipeline(FunctionTransformer(np.log1p), StandardScaler()), logged))
        numeric = [c for c in numeric if c not in logged]
    if numeric:
        parts.append(("num", StandardScaler(), numeric))
    if categorical:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical))
    return ColumnTransformer(parts)


def tree_features(task, columns=None):
    numeric = [c for c in task.numeric if columns is None or c in columns]
    categorical = [c for c in task.categorical if columns is None or c in columns]
    parts = [("num", "passthrough", numeric)]
    if categorical:
        parts.append(("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), categorical))
    return ColumnTransformer(parts)


# ---------------------------------------------------------------- models


def classifier_or_regressor(task, classifier, regressor, *, regression=False):
    return regressor if task.kind == "regression" or regression else classifier


def linear(task, strength, columns=None, log_scale=False):
    model = classifier_or_regressor(task, LogisticRegression(C=strength, max_iter=3000), Ridge(alpha=1.0 / strength))
    return make_pipeline(linear_features(task, columns, log_scale), model)


def knn(task, k):
    return make_pipeline(linear_features(task), classifier_or_regressor(task, KNeighborsClassifier(k), KNeighborsRegressor(k)))


def tree(task, depth):
    return make_pipeline(tree_features(task), classifier_or_regressor(
        task, DecisionTreeClassifier(max_depth=depth, random_state=SEED), DecisionTreeRegressor(max_depth=depth, random_state=SEED)))


def forest(task, n, max_features, extra=False, regression=False):
    kw = dict(n_estimators=n, max_features=max_features, random_state=SEED, n_jobs=1)
    cls, reg = (ExtraTreesClassifier, ExtraTreesRegressor) if extra else (RandomForestClassifier, RandomForestRegressor)
    return make_pipeline(tree_features(task), classifier_or_regressor(task, cls(**kw), reg(**kw), regression=regression))


def boosting(task, rate, rounds, early_stopping=False, seed=SEED, regression=False, columns=None, **more):
    kw = dict(learning_rate=rate, max_iter=rounds, early_stopping=early_stopping, random_state=seed, **more)
    return make_pipeline(tree_features(task, columns), classifier_or_regressor(
        task, HistGradientBoostingClassifier(**kw), HistGradientBoostingRegressor(**kw), regression=regression))


def mlp(task, width, seed=SEED):
    kw = dict(hidden_layer_sizes=(width, width), alpha=1e-3, early_stopping=True, max_iter=500, random_state=seed)
    return make_pipeline(linear_features(task, log_scale=True), classifier_or_regressor(task, MLPClassifier(**kw), MLPRegressor(**kw)))


def svm(task, c):
    return make_pipeline(linear_features(task, log_scale=True), classifier_or_regressor(
        task, SVC(C=c, probability=True, random_state=SEED), SVR(C=c)))


class Bag(BaseEstimator):
    """The average of several models' predictions (probabilities for classifiers)."""

    def __init__(self, models):
        self.models = models

    def fit(self, x, y):
        for m in self.models:
            m.fit(x, y)
        self.classes_ = getattr(self.models[0], "classes_", None)
        return self

    def predict(self, x):
        return np.mean([m.predict(x) for m in self.models], axis=0)

    @property
    def predict_proba(self):  # only when the members have it, as a pipeline does
        if not hasattr(self.models[0], "predict_proba"):
            raise AttributeError("predict_proba")
        return lambda x: np.mean([m.predict_proba(x) for m in self.models], axis=0)


class ExpectedClass(BaseEstimator):
    """An ordinal classifier read as a number: the expected class index under its probabilities."""

    def __init__(self, classifier):
        self.classifier = classifier

    def fit(self, x, y):
        self.classifier.fit(x, y)
        return self

    def predict(self, x):
        return self.classifier.predict_proba(x) @ np.asarray(self.classifier.classes_, dtype=float)


class Thresholds(BaseEstimator):
    """A regressor on the class scale whose cut points between classes maximise the kappa of its
    5-fold out-of-fold predictions on the training set (the usual ordinal recipe on Kaggle)."""

    def __init__(self, regressor):
        self.regressor = regressor

    def fit(self, x, y):
        oof = cross_val_predict(clone(self.regressor), x, y, cv=KFold(5, shuffle=True, random_state=SEED))
        self.classes, self.cuts = fit_cuts(y, oof)
        self.regressor.fit(x, y)
        return self

    def predict(self, x):
        return self.classes[np.digitize(self.regressor.predict(x), self.cuts)].astype(float)


def fit_cuts(y, oof):
    """The classes and the cut points between them that maximise the quadratic kappa of `oof` (numbers on the class scale)."""
    classes = np.unique(y)
    cuts = (classes[:-1] + classes[1:]) / 2.0
    for _ in range(3):  # coordinate search, each cut over a grid around its neighbours
        for i in range(len(cuts)):
            lo = cuts[i - 1] if i > 0 else classes[0] - 0.5
            hi = cuts[i + 1] if i + 1 < len(cuts) else classes[-1] + 0.5
            grid = np.linspace(lo, hi, 41)[1:-1]
            kappas = [cohen_kappa_score(y, classes[np.digitize(oof, np.r_[cuts[:i], g, cuts[i + 1:]])], weights="quadratic")
                      for g in grid]
            cuts[i] = grid[int(np.argmax(kappas))]
    return classes, cuts


def other(task):
    return make_pipeline(linear_features(task), classifier_or_regressor(task, GaussianNB(), BayesianRidge()))


def subsample(task, fraction):
    rng = np.random.default_rng(SEED)
    return np.sort(rng.permutation(len(task.train))[: int(round(len(task.train) * fraction))])


def model_jobs(task):
    """(name, model, rows, raw_target) for every fitted reference solution."""
    jobs = []
    for c in (0.001, 0.01, 0.1, 1, 10, 100):
        jobs.append((f"linear strength={c}", linear(task, c), None, False))
    for k in (1, 2, 4, 8):
        jobs.append((f"few-columns linear on the first {k}", linear(task, 1, task.features[:k]), None, False))
    for k in (1, 5, 15, 50, 150):
        jobs.append((f"knn k={k}", knn(task, k), None, False))
    for depth in (1, 2, 3, 5, 8, 12, None):
        jobs.append((f"tree depth={depth or 'unlimited'}", tree(task, depth), None, False))
    for n in (50, 150, 300):
        for max_features in ("sqrt", 0.5):
            jobs.append((f"forest trees={n} max_features={max_features}", forest(task, n, max_features), None, False))
    for n in (100, 300):
        jobs.append((f"extra-trees trees={n}", forest(task, n, "sqrt", extra=True), None, False))
    for rate in (0.05, 0.1, 0.3):
        for rounds in (50, 200):
            jobs.append((f"boosting rate={rate} rounds={rounds}", boosting(task, rate, rounds), None, False))
    jobs.append(("boosting rate=0.05 up to 1000 rounds with early stopping", boosting(task, 0.05, 1000, early_stopping=True), None, False))
    jobs.append(("strong boosting rate=0.03 rounds=800", boosting(task, 0.03, 800), None, False))
    jobs.append(("strong boosting rate=0.05 rounds=400 leaves=15", boosting(task, 0.05, 400, max_leaf_nodes=15), None, False))
    bag = Bag([boosting(task, 0.05, 400, seed=s, max_features=0.7) for s in range(5)])
    jobs.append(("strong bag of 5 boosting runs rate=0.05 rounds=400 features=70%", bag, None, False))
    for c in (0.1, 1, 10):
        jobs.append((f"strong linear on log-scaled numbers strength={c}", linear(task, c, log_scale=True), None, False))
    for width in (64, 256):
        jobs.append((f"strong neural network 2 x {width} units", mlp(task, width), None, False))
    jobs.append(("strong bag of 3 neural networks 2 x 256 units", Bag([mlp(task, 256, seed=s) for s in range(3)]), None, False))
    for c in (1, 10):
        jobs.append((f"strong support vector machine rbf C={c}", svm(task, c), None, False))
    for fraction in (0.05, 0.1, 0.2, 0.35, 0.5, 0.75):
        rows = subsample(task, fraction)
        jobs.append((f"learning boosting on {fraction:.0%} of train", boosting(task, 0.1, 200), rows, False))
        jobs.append((f"learning linear on {fraction:.0%} of train", linear(task, 1), rows, False))
    jobs.append((f"other {'bayesian-ridge' if task.kind == 'regression' else 'gaussian-naive-bayes'}", other(task), None, False))
    if task.kind == "regression":
        jobs.append(("raw-scale linear strength=1", linear(task, 1), None, True))
        jobs.append(("raw-scale forest trees=150", forest(task, 150, 0.5), None, True))
    if task.kind == "ordinal":
        jobs.extend(ordinal_jobs(task))
    return jobs


def ordinal_jobs(task):
    """Models that see the classes as numbers: regression rounded or cut at fitted thresholds."""
    def bag():
        return Bag([boosting(task, 0.05, 400, seed=s, max_features=0.7, regression=True) for s in range(5)])

    return [
        ("ordinal boosting regression", boosting(task, 0.1, 200, regression=True), None, False),
        ("ordinal forest regression", forest(task, 300, 0.5, regression=True), None, False),
        ("ordinal bag of 5 boosting regressions", bag(), None, False),
        ("ordinal expected class of boosting probabilities", ExpectedClass(boosting(task, 0.1, 200)), None, False),
        ("ordinal boosting regression cut at fitted thresholds", Thresholds(boosting(task, 0.1, 200, regression=True)), None, False),
        ("ordinal bag of 5 boosting regressions cut at fitted thresholds", Thresholds(bag()), None, False),
        ("ordinal forest regression cut at fitted thresholds", Thresholds(forest(task, 300, 0.5, regression=True)), None, False),
    ]


def naive_entries(task):
    n = len(task.test)
    y = task.y
    rng = np.random.default_rng(SEED)
    if task.kind == "binary":
        return {"naive class prior": np.full(n, y.mean()), "naive random scores": rng.random(n)}
    if task.kind == "multiclass":
        prior = np.array([np.mean(y == c) for c in task.classes])
        uniform = np.full(len(task.classes), 1 / len(task.classes))
        return {"naive uniform": np.tile(uniform, (n, 1)), "naive class prior": np.tile(prior, (n, 1)),
                "naive prior shrunk halfway to uniform": np.tile((prior + uniform) / 2, (n, 1))}
    if task.kind == "regression":
        return {"naive training median": np.full(n, np.median(y)), "naive training mean": np.full(n, y.mean()),
                "naive geometric mean": np.full(n, np.expm1(np.log1p(y).mean()))}
    classes, counts = np.unique(y, return_counts=True)
    return {"naive majority class": np.full(n, classes[counts.argmax()]),
            "naive median class": np.full(n, int(np.median(y))),
            "naive random labels at the class prior": rng.choice(classes, size=n, p=counts / counts.sum())}




# ---------------------------------------------------------------- the expert tail

# What sustained effort on boosting reaches: a randomized, cross-validated search over the settings
# that matter, then the best settings refit with several seeds and two column views.
EXPERT_SEARCH = {
    "learning_rate": [0.02, 0.03, 0.05, 0.08],
    "max_leaf_nodes": [7, 15, 31, 63],
    "min_samples_leaf": [5, 10, 20, 40],
    "l2_regularization": [0.0, 0.1, 1.0, 10.0],
    "max_features": [0.3, 0.5, 0.7, 1.0],
}
EXPERT_BUDGET = 10  # settings tried, each by 3-fold cross-validation on train
EXPERT_TOP = 4  # best settings kept
EXPERT_SEEDS = 5  # refits of each kept setting (seed of the early-stopping split and column sampling)
EXPERT_ROUNDS = 2000  # the search's ceiling; early stopping (30 rounds without gain on 10% of a fold) ends it


def expert_boosting(task, setting, seed, columns=None, rounds=None):
    """`rounds` None: early stopping (the search); else that many rounds on all of train (the refit)."""
    regression = task.kind == "ordinal"  # ordinal: a regressor on the class index, cut at fitted thresholds
    stopping = dict(early_stopping=True, n_iter_no_change=30, validation_fraction=0.1) if rounds is None else {}
    model = boosting(task, setting["learning_rate"], rounds or EXPERT_ROUNDS, seed=seed, regression=regression,
                     columns=columns, **stopping, **{k: v for k, v in setting.items() if k not in ("learning_rate", "rounds")})
    return Thresholds(model) if regression else model


def expert_search(task, jobs=2):
    """The EXPERT_TOP best of EXPERT_BUDGET sampled settings, by 3-fold CV on train (seeded), each
    with its number of rounds: the folds' early-stopped mean, plus a tenth for the extra rows."""
    scoring = {"binary": "roc_auc", "multiclass": "neg_log_loss", "regression": "neg_root_mean_squared_error",
               "ordinal": "neg_mean_squared_error"}[task.kind]
    folds = KFold(3, shuffle=True, random_state=SEED) if task.kind == "regression" else StratifiedKFold(3, shuffle=True, random_state=SEED)
    settings = list(ParameterSampler(EXPERT_SEARCH, EXPERT_BUDGET, random_state=SEED))
    x, y = task.train[task.features], task.fit_y(task.y)
    results = []
    for setting in settings:
        model = expert_boosting(task, setting, SEED)
        model = model.regressor if isinstance(model, Thresholds) else model  # the search ranks the regressor itself
        cv = cross_validate(model, x, y, cv=folds, scoring=scoring, n_jobs=jobs, return_estimator=True)
        setting["rounds"] = int(round(1.1 * np.mean([e[-1].n_iter_ for e in cv["estimator"]])))
        results.append(cv["test_score"].mean())
    order = np.argsort(results)[::-1][:EXPERT_TOP]
    return [settings[i] for i in order]


def expert_jobs(task, settings):
    """M. expert: each kept setting x EXPERT_SEEDS seeds x {all columns, a seeded random 80% of them}."""
    jobs = []
    for rank, setting in enumerate(settings, start=1):
        described = ", ".join(f"{k}={v}" for k, v in sorted(setting.items()))
        for seed in range(EXPERT_SEEDS):
            rng = np.random.default_rng(1000 * rank + seed)
            subset = sorted(rng.choice(task.features, size=max(1, int(round(0.8 * len(task.features)))), replace=False).tolist())
            for view, columns in (("all columns", None), ("80% of the columns", subset)):
                name = f"expert tuned boosting #{rank} ({described}) seed={seed} {view}"
                jobs.append((name, expert_boosting(task, setting, seed, columns, setting["rounds"]), None, False))
    return jobs
