"""Leaderboards for the tabular competitions, from one documented population of reference solutions.

These competitions have no public Kaggle leaderboard, so medal thresholds come from "teams" that
are reference solutions of deliberately varied strength, each scored on the prepared test set
exactly as the harness scores a submission (the competition's metric, rounded to 5 decimals).
The population (about 160 entries, about 210 with O and P; `kind` adapts each family to the task; tabular_models.py):

  A. naive        constant or random predictions: class prior, uniform, majority, median, mean
  B. linear       logistic / ridge regression on scaled numbers and one-hot categories, 6 strengths
  C. few-columns  the linear model on only the first 1, 2, 4 or 8 feature columns
  D. knn          k-nearest neighbours, k in {1, 5, 15, 50, 150}
  E. tree         one decision tree, depth 1, 2, 3, 5, 8, 12 or unlimited
  F. forest       random forests (50, 150, 300 trees; sqrt or half the features) and extra trees
  G. boosting     HistGradientBoosting, learning rate {0.05, 0.1, 0.3} x {50, 200} rounds, and one
                  long early-stopped run
  H. strong       slower boosting (0.03 x 800 rounds; 0.05 x 400 rounds with smaller trees), a bag of
                  five boosting runs on 70% of the features each; on log(1 + x) of the never-negative
                  numbers, the linear model (3 strengths), neural networks (2 x 64, 2 x 256 units, a
                  bag of three) and RBF support vector machines (C = 1, 10)
  I. learning     boosting (0.1, 200 rounds) and the linear model on 5% .. 75% of the training rows
  J. other        Gaussian naive Bayes (classification) or Bayesian ridge (regression)
  K. blends       averages of two of the above (boosting, forest, linear, knn, strong)
  L. ordinal      (ordinal tasks only) regression on the class index, rounded or cut at thresholds
                  that maximise the out-of-fold kappa on train, and the expected class of boosting
                  probabilities; blends of these before rounding
  M. expert      the upper tail, what sustained effort on boosting reaches (tabular_models.py,
                  expert_search): 10 HistGradientBoosting settings (learning rate, leaves, minimum
                  leaf, L2, column share) sampled at seed 0 and scored by 3-fold cross-validation
                  on train, each with its rounds found by early stopping in the folds; the best 4
                  refit on all of train with seeds 0-4, on all columns and on a seeded 80% of them
                  (40 entries)
  N. stacks       the average of the 40 expert entries, and each kept setting's bag of seeds,
                  blended with diverse strong models (the H family, forests, the linear model;
                  for ordinal tasks the thresholded and expected-class models) at fixed weights
  O, P.           (competitions that give their own features: ames-housing, hpc-job-class) models
                  on data-specific features and out-of-fold stacks of them (tabular_stacks.py)

Regression targets are modelled as log(1 + y) (two raw-scale models are kept for variety).
Every model has a fixed random_state, so re-running on the same prepared data reproduces the
file. Rows are ranked best first, with MLE-bench's columns (scoreNullable, teamId, hasTeamName,
submissionDate, score, hasScore) plus teamName, the recipe.
"""

import copy
import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import cohen_kappa_score, log_loss, roc_auc_score

from tabular_models import SEED, expert_jobs, expert_search, model_jobs, naive_entries
from tabular_stacks import stack_entries

SUBMISSION_DATE = "2025-01-01 00:00:00"
LOWER_IS_BETTER = {"roc-auc": False, "multiclass-log-loss": True, "rmsle": True, "quadratic-weighted-kappa": False}


class Task:
    """kind: binary (P(class 1)), multiclass (probabilities per class), regression, ordinal (integer labels).
    engineer, outliers: a competition's own features and training outliers (families O and P, tabular_stacks.py)."""

    def __init__(self, prepared, kind, metric, target, id_column="id", engineer=None, outliers=None):
        public = Path(prepared) / "public"
        self.kind, self.metric, self.target = kind, metric, target
        self.engineer, self.outliers = engineer, outliers
        self.train = pd.read_csv(public / "train.csv")
        self.test = pd.read_csv(public / "test.csv")
        answers = pd.read_csv(Path(prepared) / "private" / "answers.csv").set_index(id_column)
        self.y_test = answers.loc[self.test[id_column], target].to_numpy()
        self.y = self.train[target].to_numpy()
        self.id_column = id_column
        self.set_features()
        sample = pd.read_csv(public / "sample_submission.csv")
        self.classes = list(sample.columns[1:]) if kind == "multiclass" else sorted(np.unique(self.y).tolist())
        # log_loss orders probability columns by sorted label, whatever its `labels` argument says.
        assert self.classes == sorted(self.classes), "the sample submission's class columns must be sorted"

    def set_features(self):
        self.features = [c for c in self.test.columns if c != self.id_column]
        self.categorical = [c for c in self.features if not pd.api.types.is_numeric_dtype(self.train[c])]
        self.numeric = [c for c in self.features if c not in self.categorical]

    def engineered(self):
        """The same task on the competition's own features (added by `engineer`, row by row)."""
        view = copy.copy(self)
        view.train, view.test = self.engineer(self.train.copy()), self.engineer(self.test.copy())
        view.set_features()
        return view

    def fit_y(self, y):
        return np.log1p(y) if self.kind == "regression" else y


def score(task, prediction):
    """The harness's metric (see core/grading/metrics), rounded to 5 decimals."""
    y = task.y_test
    if task.metric == "roc-auc":
        value = roc_auc_score(y, prediction)
    elif task.metric == "multiclass-log-loss":
        p = np.asarray(prediction, dtype=np.float64)
        p = p / p.sum(axis=1, keepdims=True)
        value = log_loss(y, p, labels=task.classes)  # task.classes is sorted, as log_loss orders columns
    elif task.metric == "rmsle":
        value = np.sqrt(np.mean((np.log1p(prediction) - np.log1p(y)) ** 2))
    elif task.metric == "quadratic-weighted-kappa":
        value = cohen_kappa_score(y, np.asarray(prediction).astype(int), weights="quadratic")
    else:
        raise SystemExit(f"unknown metric {task.metric}")
    return round(float(value), 5)


def predict(task, model, rows=None, raw_target=False):
    """Fits on the training rows (all, or a subset) and predicts the test set in the metric's form."""
    x, y = task.train, task.y
    if rows is not None:
        x, y = x.iloc[rows], y[rows]
    model.fit(x[task.features], y if raw_target else task.fit_y(y))
    if task.kind == "regression":
        p = model.predict(task.test[task.features])
        return np.clip(p if raw_target else np.expm1(p), 0, None)
    if task.kind == "ordinal" and not hasattr(model, "predict_proba"):
        return model.predict(task.test[task.features])  # a number on the class scale; `finish` rounds it
    proba = model.predict_proba(task.test[task.features])
    classes = list(model.classes_)
    if task.kind == "binary":
        return proba[:, classes.index(1)]
    if task.kind == "ordinal":
        return np.asarray(classes)[proba.argmax(axis=1)]
    return np.stack([proba[:, classes.index(c)] if c in classes else np.zeros(len(proba)) for c in task.classes], axis=1)


def finish(task, prediction):
    """Ordinal predictions on the class scale become the nearest class; the rest are final."""
    if task.kind != "ordinal":
        return prediction
    return np.clip(np.rint(prediction), min(task.classes), max(task.classes)).astype(int)


def blend(task, a, b, weight=0.5):
    """weight * a + (1 - weight) * b; regression on the log scale the models were fitted on."""
    if task.kind == "regression":
        return np.expm1(weight * np.log1p(a) + (1 - weight) * np.log1p(b))
    return weight * np.asarray(a, dtype=float) + (1 - weight) * np.asarray(b, dtype=float)


def average(task, predictions):
    if task.kind == "regression":
        return np.expm1(np.mean([np.log1p(p) for p in predictions], axis=0))
    return np.mean([np.asarray(p, dtype=float) for p in predictions], axis=0)


def expert_blend_partners(task):
    """N. stacks: the average of every expert entry, blended with diverse strong models."""
    if task.kind == "ordinal":
        return ["ordinal bag of 5 boosting regressions cut at fitted thresholds", "ordinal forest regression cut at fitted thresholds",
                "ordinal expected class of boosting probabilities", "ordinal bag of 5 boosting regressions"]
    return ["strong bag of 5 boosting runs rate=0.05 rounds=400 features=70%", "strong bag of 3 neural networks 2 x 256 units",
            "strong support vector machine rbf C=10", "forest trees=300 max_features=sqrt", "extra-trees trees=300",
            "strong linear on log-scaled numbers strength=1"]


def write_leaderboard(task, predictions, out):
    rows = sorted(((score(task, p), name) for name, p in predictions.items()),
                  key=lambda r: (r[0] if LOWER_IS_BETTER[task.metric] else -r[0], r[1]))
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["scoreNullable", "teamId", "hasTeamName", "submissionDate", "score", "hasScore", "teamName"])
        for rank, (s, name) in enumerate(rows, start=1):
            writer.writerow([f"{s:.5f}", rank, True, SUBMISSION_DATE, f"{s:.5f}", True, name])
    scores = [s for s, _ in rows]
    print(f"wrote {len(rows)} entries to {out}: best {scores[0]}, median {np.median(scores):.5f}, worst {scores[-1]}", file=sys.stderr)


def blend_pairs(task):
    if task.kind == "ordinal":  # class labels do not average; numbers on the class scale do
        return [("ordinal boosting regression", "ordinal forest regression"),
                ("ordinal bag of 5 boosting regressions", "ordinal expected class of boosting probabilities")]
    return [("boosting rate=0.1 rounds=200", "forest trees=300 max_features=sqrt"),
            ("boosting rate=0.1 rounds=200", "linear strength=1"),
            ("forest trees=300 max_features=sqrt", "knn k=15"),
            ("boosting rate=0.05 up to 1000 rounds with early stopping", "extra-trees trees=300"),
            ("strong bag of 5 boosting runs rate=0.05 rounds=400 features=70%", "strong boosting rate=0.03 rounds=800"),
            ("strong bag of 5 boosting runs rate=0.05 rounds=400 features=70%", "forest trees=300 max_features=sqrt"),
            ("strong bag of 5 boosting runs rate=0.05 rounds=400 features=70%", "strong linear on log-scaled numbers strength=1"),
            ("strong boosting rate=0.03 rounds=800", "strong linear on log-scaled numbers strength=10"),
            ("strong bag of 5 boosting runs rate=0.05 rounds=400 features=70%", "strong bag of 3 neural networks 2 x 256 units"),
            ("strong bag of 5 boosting runs rate=0.05 rounds=400 features=70%", "strong support vector machine rbf C=10"),
            ("strong bag of 3 neural networks 2 x 256 units", "strong support vector machine rbf C=10")]


def make_leaderboard(task, out, jobs=2):
    settings = expert_search(task, jobs)
    print(f"expert settings: {settings}", file=sys.stderr)
    experts = expert_jobs(task, settings)
    specs = model_jobs(task) + experts
    results = Parallel(n_jobs=jobs)(delayed(predict)(task, model, rows, raw) for _, model, rows, raw in specs)
    predictions = dict(naive_entries(task))
    predictions.update({name: p for (name, *_), p in zip(specs, results)})
    for a, b in blend_pairs(task):
        predictions[f"blend {a} + {b}"] = blend(task, predictions[a], predictions[b])
    expert = average(task, [predictions[name] for name, *_ in experts])
    predictions[f"stack average of the {len(experts)} expert entries"] = expert
    for partner in expert_blend_partners(task):
        for weight in (0.5, 0.7, 0.85):
            predictions[f"stack {weight:.0%} expert average + {partner}"] = blend(task, expert, predictions[partner], weight)
    for rank in range(1, len(settings) + 1):  # each kept setting's seeds, bagged, and that bag blended
        bag = average(task, [predictions[name] for name, *_ in experts if name.startswith(f"expert tuned boosting #{rank} ")])
        predictions[f"stack bag of expert setting #{rank}'s entries"] = bag
        for partner in expert_blend_partners(task):
            predictions[f"stack 70% bag of expert setting #{rank} + {partner}"] = blend(task, bag, predictions[partner], 0.7)
    if task.engineer is not None:
        predictions.update(stack_entries(task, settings, expert, jobs))
    write_leaderboard(task, {name: finish(task, p) for name, p in predictions.items()}, out)
