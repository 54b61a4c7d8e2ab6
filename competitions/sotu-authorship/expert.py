"""The expert tail of the sotu-authorship population: what sustained effort on this data reaches.

Every choice is made on the training set alone (5-fold stratified CV, fixed seed); the test set is
only scored. The families (see make_leaderboard.py's docstring for the counts):

  H. union-lr    word + character TF-IDF side by side, logistic regression with C chosen by CV
  I. nbsvm       naive Bayes log-count-ratio features + one-vs-rest logistic regression (Wang &
                 Manning 2012), rows renormalised
  J. svm         linear SVM on word + character TF-IDF, Platt-calibrated by inner 5-fold CV
  K. stacks      out-of-fold probabilities of diverse models, combined by multinomial logistic
                 regression on their log-probabilities, or by weights fitted to the out-of-fold loss
"""

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

CV_SEED = 0
C_GRID = (1, 2, 4, 8, 16)
EPS = 1e-15


def folds(y):
    return list(StratifiedKFold(5, shuffle=True, random_state=CV_SEED).split(np.zeros(len(y)), y))


def views(x, x_test):
    """Feature matrices (train, test) per named view; vectorizers are fitted on the training text."""
    vectorizers = {
        "word1-2+char_wb2-5": [TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)],
        "word1-3+char1-5": [TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True), TfidfVectorizer(analyzer="char", ngram_range=(1, 5), sublinear_tf=True, min_df=2)],
        "word1-2+char_wb1-4": [TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1), TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1)],
        "word-bin1-3": [CountVectorizer(ngram_range=(1, 3), binary=True)],
        "word-count1-2": [CountVectorizer(ngram_range=(1, 2))],
    }
    out = {}
    for name, vecs in vectorizers.items():
        out[name] = (sp.hstack([v.fit_transform(x) for v in vecs]).tocsr(), sp.hstack([v.transform(x_test) for v in vecs]).tocsr())
    return out


class NBSVM:
    """One-vs-rest logistic regression on features scaled by each class's log-count ratio."""

    def __init__(self, c, alpha=1.0):
        self.c, self.alpha = c, alpha

    def fit(self, X, y):
        self.classes_ = np.array(sorted(set(y)))
        self.models = []
        for label in self.classes_:
            pos, neg = X[y == label].sum(0) + self.alpha, X[y != label].sum(0) + self.alpha
            r = np.asarray(np.log((pos / pos.sum()) / (neg / neg.sum()))).ravel()
            model = LogisticRegression(C=self.c, max_iter=3000).fit(X.multiply(r).tocsr(), y == label)
            self.models.append((r, model))
        return self

    def predict_proba(self, X):
        p = np.column_stack([m.predict_proba(X.multiply(r).tocsr())[:, 1] for r, m in self.models])
        return p / p.sum(axis=1, keepdims=True)


def svm(c):
    return CalibratedClassifierCV(LinearSVC(C=c), method="sigmoid", cv=5)


def ordered(model, proba, labels):
    return proba[:, [list(model.classes_).index(label) for label in labels]]


def oof_and_test(make, X, y, X_test, splits, labels):
    """Out-of-fold training probabilities and full-fit test probabilities of one model."""
    oof = np.zeros((len(y), len(labels)))
    for train, held in splits:
        model = make().fit(X[train], y[train])
        oof[held] = ordered(model, model.predict_proba(X[held]), labels)
    model = make().fit(X, y)
    return oof, ordered(model, model.predict_proba(X_test), labels)


def cv_loss(oof, y, labels):
    return log_loss(y, np.clip(oof, EPS, 1), labels=labels)


def expert_predictions(x, y, x_test, labels):
    """{entry name: test probabilities (LABELS order)} for families H-K."""
    splits = folds(y)
    feats = views(x, x_test)
    out, bases = {}, {}
    for view in ("word1-2+char_wb2-5", "word1-3+char1-5", "word1-2+char_wb1-4"):
        X, X_test = feats[view]
        runs = {c: oof_and_test(lambda c=c: LogisticRegression(C=c, max_iter=3000), X, y, X_test, splits, labels) for c in C_GRID}
        best = min(runs, key=lambda c: cv_loss(runs[c][0], y, labels))
        out[f"union-lr {view} C={best} (CV over {'/'.join(map(str, C_GRID))})"] = runs[best][1]
        bases[f"union-lr {view}"] = runs[best]
    for view, c in (("word-bin1-3", 1), ("word-bin1-3", 4), ("word1-2+char_wb2-5", 4), ("word1-2+char_wb2-5", 16)):
        X, X_test = feats[view]
        run = oof_and_test(lambda c=c: NBSVM(c), X, y, X_test, splits, labels)
        out[f"nbsvm {view} C={c}"] = run[1]
        bases[f"nbsvm {view} C={c}"] = run
    for view, c in (("word1-2+char_wb2-5", 0.1), ("word1-2+char_wb2-5", 0.3), ("word1-3+char1-5", 0.1), ("word1-3+char1-5", 0.3)):
        X, X_test = feats[view]
        run = oof_and_test(lambda c=c: svm(c), X, y, X_test, splits, labels)
        out[f"svm calibrated {view} C={c}"] = run[1]
        bases[f"svm {view} C={c}"] = run
    X, X_test = feats["word-count1-2"]
    bases["nb word-count1-2 alpha=1"] = oof_and_test(lambda: MultinomialNB(alpha=1.0), X, y, X_test, splits, labels)
    out.update(stacks(bases, y, labels))
    return out


def stacks(bases, y, labels):
    """Level-2 combinations of the bases' out-of-fold probabilities."""
    names = sorted(bases)
    subsets = {
        "all bases": names,
        "union-lr + nbsvm": [n for n in names if n.startswith(("union-lr", "nbsvm"))],
        "union-lr + svm + nb": [n for n in names if n.startswith(("union-lr", "svm", "nb "))],
        "one of each family": ["union-lr word1-2+char_wb2-5", "nbsvm word-bin1-3 C=4", "svm word1-2+char_wb2-5 C=0.3", "nb word-count1-2 alpha=1"],
    }
    out = {}
    for subset, members in subsets.items():
        oof = np.hstack([np.log(np.clip(bases[n][0], EPS, 1)) for n in members])
        test = np.hstack([np.log(np.clip(bases[n][1], EPS, 1)) for n in members])
        for c in (0.1, 1.0):
            meta = LogisticRegression(C=c, max_iter=3000).fit(oof, y)
            out[f"stack lr C={c} on {subset} ({len(members)})"] = ordered(meta, meta.predict_proba(test), labels)
        weights = blend_weights([bases[n][0] for n in members], y, labels)
        out[f"stack weighted average on {subset} ({len(members)})"] = sum(w * bases[n][1] for w, n in zip(weights, members))
    return out


def blend_weights(oofs, y, labels):
    """Non-negative weights summing to one that minimise the out-of-fold log loss."""
    def loss(z):
        w = np.exp(z) / np.exp(z).sum()
        return cv_loss(sum(wi * p for wi, p in zip(w, oofs)), y, labels)

    z = minimize(loss, np.zeros(len(oofs)), method="Nelder-Mead", options={"maxiter": 2000, "xatol": 1e-4, "fatol": 1e-7}).x
    return np.exp(z) / np.exp(z).sum()
