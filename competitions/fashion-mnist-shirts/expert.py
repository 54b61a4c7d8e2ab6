"""The expert tail of the fashion-mnist-shirts population: what sustained effort on this data reaches
with scikit-learn, numpy and scipy alone.

Every choice is made on the training set alone (stratified 5-fold CV, fixed seed; the loss of a
setting is the log loss of its out-of-fold probabilities); the test set is only scored. Unsupervised
steps (principal components, scaling) are fitted inside each fold, and augmented copies are made
of the training part of a fold only. The families (see make_leaderboard.py's docstring for the
counts):

  J. svm       RBF support vector machines on eight views (pixels; 50 principal components of
               the pixels, also trained on the images plus their mirror images; gradient-orientation
               histograms, HOG, with 7-pixel cells, unsigned and signed; 60 components of HOG with
               4-pixel cells; HOG + pixel components; 50 components of square-root pixels).
               gamma (0.5, 1, 2 x the 'scale' heuristic) then C (1, 3, 10) by CV; probabilities
               by Platt scaling, a sigmoid fitted to the out-of-fold decision values
  K. hog-lr    logistic regression on the two HOG views side by side, C by CV; logistic regression
               on 600 Nystroem RBF features of HOG (two views), C by CV; a cubic-kernel SVM on
               HOG, C by CV, Platt-scaled
  L. hgb       histogram gradient boosting on HOG + pixel components: leaves, then l2, then
               learning rate by CV (iterations by early stopping on a 10% split of the training
               part); a bag of 5 seeds with half the features per split; the same settings on
               HOG + raw pixels
  M. mlp       one-hidden-layer networks on augmented training images: mirror images and
               1-pixel shifts (raw pixels, 128 units), mirror images and 1- and 2-pixel shifts
               (100 principal components, 256 units), mirror images (HOG, 512 units); alpha by
               CV; one seed and bags of 3 seeds
  N. knn       distance-weighted k nearest neighbours on 40 components of HOG, k by CV
  O. stacks    logistic regression on the bases' out-of-fold logits (two strengths) and
               non-negative weights fitted to the out-of-fold loss, over five subsets of the bases
"""

import sys
import time

import numpy as np
from scipy.optimize import minimize
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from image_features import SHIFTS_1, SHIFTS_2, Augmented, HogAndComponents, hog4, hog7, hog7_and_pixels, hog7_signed, hog_both

CV_SEED = 0
EPS = 1e-15
START = time.time()


def log(message):
    print(f"[expert {time.time() - START:6.0f}s] {message}", file=sys.stderr, flush=True)


def folds(y):
    return list(StratifiedKFold(5, shuffle=True, random_state=CV_SEED).split(np.zeros(len(y)), y))


def cv_loss(p, y):
    return float(log_loss(y, np.clip(p, EPS, 1 - EPS), labels=[0, 1]))


# ---------------------------------------------------------------- fitting


def oof_only(make, x, y, splits, decision=False):
    oof = np.zeros(len(y))
    for train, held in splits:
        model = make().fit(x[train], y[train])
        oof[held] = model.decision_function(x[held]) if decision else model.predict_proba(x[held])[:, 1]
    return oof


def oof_and_test(make, x, y, x_test, splits, decision=False):
    """Out-of-fold training scores and full-fit test scores of one model: probabilities, or SVM
    decision values when decision is set."""
    def out(model, xs):
        return model.decision_function(xs) if decision else model.predict_proba(xs)[:, 1]

    oof = np.zeros(len(y))
    for train, held in splits:
        oof[held] = out(make().fit(x[train], y[train]), x[held])
    return oof, out(make().fit(x, y), x_test)


def platt(oof_dec, y, test_dec):
    """Platt scaling: a sigmoid of the decision value fitted to the out-of-fold decisions."""
    sig = LogisticRegression(C=1e6, max_iter=1000).fit(oof_dec[:, None], y)
    return sig.predict_proba(oof_dec[:, None])[:, 1], sig.predict_proba(test_dec[:, None])[:, 1]


def gamma_scale(x_view):
    """sklearn's gamma='scale' on a (training) view: 1 / (n_features * variance)."""
    return 1.0 / (x_view.shape[1] * x_view.var())


def svm_family(x, y, x_test, splits):
    """{view: (oof probabilities, test probabilities, description)} for the RBF SVMs."""
    views = {
        "pixels": (lambda: [], x),
        "50 pixel components": (lambda: [PCA(50, random_state=CV_SEED)], None),
        "50 pixel components, images + mirror images": (lambda: [PCA(50, random_state=CV_SEED)], None),
        "hog 7px cells": (lambda: [FunctionTransformer(hog7)], None),
        "hog 7px cells signed 18 bins": (lambda: [FunctionTransformer(hog7_signed)], None),
        "60 components of hog 4px cells": (lambda: [FunctionTransformer(hog4), PCA(60, random_state=CV_SEED)], None),
        "hog 7px cells + 50 pixel components, standardised": (lambda: [HogAndComponents(50), StandardScaler()], None),
        "50 components of square-root pixels": (lambda: [FunctionTransformer(np.sqrt), PCA(50, random_state=CV_SEED)], None),
    }
    out = {}
    for view, (steps, _) in views.items():
        # gamma is a multiple of the 'scale' heuristic measured on the whole training view
        x_view = make_pipeline(*steps()).fit_transform(x) if steps() else x
        g0 = gamma_scale(x_view)
        mirrored = "mirror" in view

        def make(c, g, steps=steps, mirrored=mirrored):
            model = make_pipeline(*steps(), SVC(C=c, gamma=g))
            return (lambda: Augmented(model)) if mirrored else (lambda: model)

        runs = {}

        def run(c, m):
            if (c, m) not in runs:
                oof_dec = oof_only(make(c, m * g0), x, y, splits, decision=True)
                runs[c, m] = (cv_loss(platt(oof_dec, y, oof_dec)[0], y), oof_dec)
                log(f"svm {view} C={c} gamma={m}x: cv {runs[c, m][0]:.5f}")
            return runs[c, m]

        best_m = min((0.5, 1, 2), key=lambda m: run(3, m)[0])
        best_c = min((1, 3, 10), key=lambda c: run(c, best_m)[0])
        oof_dec = runs[best_c, best_m][1]
        oof, test = platt(oof_dec, y, make(best_c, best_m * g0)().fit(x, y).decision_function(x_test))
        out[view] = (oof, test, f"C={best_c} gamma={best_m:g}x scale")
    return out


def best_of_grid(grid, make, x, y, x_test, splits, label):
    """(value, oof, test) of the grid value whose model (make(value)) has the lowest out-of-fold log loss."""
    runs = {}
    for value in grid:
        oof, test = oof_and_test(lambda: make(value), x, y, x_test, splits)
        runs[value] = (cv_loss(oof, y), oof, test)
        log(f"{label}={value}: cv {runs[value][0]:.5f}")
    best = min(runs, key=lambda v: runs[v][0])
    return (best, *runs[best][1:])


def search(candidates, evaluate):
    """The candidate with the lowest CV loss (evaluate returns (loss, ...))."""
    return min(candidates, key=lambda c: evaluate(c)[0])


def expert_predictions(x, y, x_test):
    """{entry name: test probabilities of a shirt} for families J-O."""
    splits = folds(y)
    out, bases = {}, {}

    def base(name, oof, test):
        bases[name] = (oof, test)

    # J. RBF SVMs
    for view, (oof, test, setting) in svm_family(x, y, x_test, splits).items():
        out[f"expert svm rbf {view} {setting} (CV), Platt"] = test
        base(f"svm {view}", oof, test)

    # K. logistic regression on HOG
    c, oof, test = best_of_grid(
        (0.001, 0.003, 0.01),
        lambda c: make_pipeline(FunctionTransformer(hog_both), StandardScaler(), LogisticRegression(C=c, max_iter=3000)),
        x, y, x_test, splits, "hog-lr C",
    )
    out[f"expert hog-lr hog 7px + 4px cells C={c} (CV)"] = test
    base("hog-lr", oof, test)

    # K'. kernel logistic regression (Nystroem RBF features) and a polynomial-kernel SVM on HOG
    for view, steps in (("hog 7px cells", lambda: [FunctionTransformer(hog7)]),
                        ("60 components of hog 4px cells", lambda: [FunctionTransformer(hog4), PCA(60, random_state=CV_SEED)])):
        runs = {}
        g = gamma_scale(make_pipeline(*steps()).fit_transform(x))
        for c in (3.0, 10.0, 30.0):
            make = lambda c=c: make_pipeline(*steps(), Nystroem(gamma=g, n_components=600, random_state=CV_SEED), LogisticRegression(C=c, max_iter=3000))  # noqa: E731
            oof = oof_only(make, x, y, splits)
            runs[c] = (cv_loss(oof, y), oof)
            log(f"kernel-lr {view} C={c}: cv {runs[c][0]:.5f}")
        c = min(runs, key=lambda c: runs[c][0])
        make = lambda c=c: make_pipeline(*steps(), Nystroem(gamma=g, n_components=600, random_state=CV_SEED), LogisticRegression(C=c, max_iter=3000))  # noqa: E731
        test = make().fit(x, y).predict_proba(x_test)[:, 1]
        out[f"expert kernel-lr {view}, 600 Nystroem RBF features (gamma 'scale'), C={c:g} (CV)"] = test
        base(f"kernel-lr {view}", runs[c][1], test)
    runs = {}
    for c in (0.3, 1.0, 3.0):
        make = lambda c=c: make_pipeline(FunctionTransformer(hog7), SVC(kernel="poly", degree=3, coef0=1.0, C=c))  # noqa: E731
        oof_dec = oof_only(make, x, y, splits, decision=True)
        runs[c] = (cv_loss(platt(oof_dec, y, oof_dec)[0], y), oof_dec)
        log(f"svm poly hog7 C={c}: cv {runs[c][0]:.5f}")
    c = min(runs, key=lambda c: runs[c][0])
    make = lambda c=c: make_pipeline(FunctionTransformer(hog7), SVC(kernel="poly", degree=3, coef0=1.0, C=c))  # noqa: E731
    oof, test = platt(runs[c][1], y, make().fit(x, y).decision_function(x_test))
    out[f"expert svm cubic kernel hog 7px cells C={c} (CV), Platt"] = test
    base("svm poly hog 7px cells", oof, test)

    # L. histogram gradient boosting
    def hgb(leaves, l2, lr, seed=CV_SEED, features=1.0):
        return HistGradientBoostingClassifier(
            learning_rate=lr, max_iter=1000, max_leaf_nodes=leaves, l2_regularization=l2, early_stopping=True,
            validation_fraction=0.1, n_iter_no_change=20, max_features=features, random_state=seed)

    runs = {}

    def hgb_run(view, leaves, l2, lr):
        key = (view, leaves, l2, lr)
        if key not in runs:
            if view == "hog 7px cells + 50 pixel components":
                make = lambda: make_pipeline(HogAndComponents(50), hgb(leaves, l2, lr))  # noqa: E731
            else:
                make = lambda: make_pipeline(FunctionTransformer(hog7_and_pixels), hgb(leaves, l2, lr))  # noqa: E731
            oof, test = oof_and_test(make, x, y, x_test, splits)
            runs[key] = (cv_loss(oof, y), oof, test)
            log(f"hgb {key}: cv {runs[key][0]:.5f}")
        return runs[key]

    view = "hog 7px cells + 50 pixel components"
    leaves = search((7, 15, 31), lambda v: hgb_run(view, v, 0.0, 0.1))
    l2 = search((0.0, 1.0, 10.0), lambda v: hgb_run(view, leaves, v, 0.1))
    lr = search((0.05, 0.1), lambda v: hgb_run(view, leaves, l2, v))
    setting = f"leaves={leaves} l2={l2:g} lr={lr:g}"
    out[f"expert hgb {view} {setting} (CV)"] = runs[view, leaves, l2, lr][2]
    base("hgb components", *runs[view, leaves, l2, lr][1:])
    bag = [make_pipeline(HogAndComponents(50), hgb(leaves, l2, lr, seed, 0.5)).fit(x, y).predict_proba(x_test)[:, 1] for seed in range(5)]
    out[f"expert hgb {view} {setting}, bag of 5 seeds, half the features per split"] = np.mean(bag, axis=0)
    log("hgb bag done")
    view2 = "hog 7px cells + pixels"
    hgb_run(view2, leaves, l2, lr)  # the settings chosen by CV on the components view
    out[f"expert hgb {view2} leaves={leaves} l2={l2:g} lr={lr:g} (CV on the components view)"] = runs[view2, leaves, l2, lr][2]
    base("hgb pixels", *runs[view2, leaves, l2, lr][1:])

    # M. MLPs on augmented images
    def mlp(units, alpha, seed=CV_SEED, steps=()):
        net = MLPClassifier((units,), alpha=alpha, max_iter=200, early_stopping=True, random_state=seed)
        return make_pipeline(*steps, StandardScaler(), net)

    recipes = {
        # name: (units, alpha grid, shifts, featurize, extra steps factory, bag size)
        "pixels, mirror + 1px shifts, 128 units": (128, (1.0, 3.0), SHIFTS_1, None, lambda: (), 3),
        "100 pixel components, mirror + 1-2px shifts, 256 units": (256, (0.3, 1.0), SHIFTS_2, None, lambda: (PCA(100, random_state=CV_SEED),), 3),
        "hog 7px cells, mirror, 512 units": (512, (1.0, 3.0), (), hog7, lambda: (), 3),
    }
    for recipe, (units, alphas, shifts, featurize, steps, n_bag) in recipes.items():
        make = lambda a, units=units, shifts=shifts, featurize=featurize, steps=steps: Augmented(mlp(units, a, steps=steps()), shifts, featurize)  # noqa: E731
        alpha, oof, test = best_of_grid(alphas, make, x, y, x_test, splits, f"mlp {recipe} alpha")
        base(f"mlp {recipe}", oof, test)
        if n_bag == 1:
            out[f"expert mlp {recipe} alpha={alpha:g} (CV)"] = test
        else:
            if units == 128:
                out[f"expert mlp {recipe} alpha={alpha:g} (CV), one seed"] = test
            bag = [test] + [Augmented(mlp(units, alpha, seed, steps()), shifts, featurize).fit(x, y).predict_proba(x_test)[:, 1] for seed in range(1, n_bag)]
            out[f"expert mlp {recipe} alpha={alpha:g} (CV), bag of {n_bag} seeds"] = np.mean(bag, axis=0)
            log(f"mlp {recipe} bag done")

    # N. distance-weighted kNN
    k, oof, test = best_of_grid(
        (10, 25, 50),
        lambda k: make_pipeline(FunctionTransformer(hog4), PCA(40, random_state=CV_SEED), KNeighborsClassifier(k, weights="distance")),
        x, y, x_test, splits, "knn k",
    )
    out[f"expert knn distance-weighted k={k} (CV) on 40 components of hog 4px cells"] = test
    base("knn", oof, test)

    out.update(stacks(bases, y))
    return out


# ---------------------------------------------------------------- stacks


def logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def stacks(bases, y):
    """Level-2 combinations of the bases' out-of-fold probabilities."""
    names = sorted(bases)
    subsets = {
        "all bases": names,
        "svms": [n for n in names if n.startswith("svm")],
        "no svm": [n for n in names if not n.startswith("svm")],
        "hog-based bases": [n for n in names if "hog" in n],
        "one of each family": ["svm hog 7px cells", "hog-lr", "kernel-lr hog 7px cells", "hgb components", "mlp pixels, mirror + 1px shifts, 128 units", "knn"],
    }
    out = {}
    for subset, members in subsets.items():
        oof = np.column_stack([logit(bases[n][0]) for n in members])
        test = np.column_stack([logit(bases[n][1]) for n in members])
        for c in (0.03, 1.0):
            meta = LogisticRegression(C=c, max_iter=3000).fit(oof, y)
            out[f"expert stack lr C={c} on logits of {subset} ({len(members)})"] = meta.predict_proba(test)[:, 1]
        weights = blend_weights([bases[n][0] for n in members], y)
        out[f"expert stack weighted average of {subset} ({len(members)})"] = sum(w * bases[n][1] for w, n in zip(weights, members))
        log(f"stack {subset}: weights " + ", ".join(f"{n} {w:.2f}" for n, w in zip(members, weights)))
    return out


def blend_weights(oofs, y):
    """Non-negative weights summing to one that minimise the out-of-fold log loss."""
    def loss(z):
        w = np.exp(z) / np.exp(z).sum()
        return cv_loss(sum(wi * p for wi, p in zip(w, oofs)), y)

    z = minimize(loss, np.zeros(len(oofs)), method="Nelder-Mead", options={"maxiter": 4000, "xatol": 1e-4, "fatol": 1e-7}).x
    return np.exp(z) / np.exp(z).sum()
