"""Q. oof-expert: the upper tail of letter-recognition, what sustained effort on this data reaches.

Every base model is fitted on the standardized 16 features in 5 stratified folds of train (seed 0):
its out-of-fold (OOF) probabilities feed the calibrators and stacks, and every setting below is
chosen on train only (a fixed grid scored by OOF, or fixed in advance); the test set is only scored.

  SVM     RBF support vector machines, (C, gamma) on a 3 x 3 grid chosen by 5-fold OOF accuracy;
          the best 2 settings refit on all of train, calibrated by a multinomial logistic
          regression on their 325 one-vs-one decision values (a multiclass Platt fit on the OOF
          decisions, its strength by 3-fold CV on them)                                  2 entries
  MLP     6 neural network shapes (widths, depths, weight decays fixed in advance), each a bag of
          its 5 fold models (fold seeds 0-4, early stopping), and the bag of all 30         7 entries
  kNN     distance-weighted k-nearest neighbours, k by OOF log loss after calibrating
          log(p + 0.01) with a logistic regression fitted on OOF                         1 entry
  HGB     one gradient boosting setting (rate 0.1, 300 rounds, leaves 31), bag of its 5 fold
          models                                                                         1 entry
  stacks  on the OOF probabilities: a multinomial logistic regression on the log probabilities
          of all bases and of the neural network bags and boosting (strength by 3-fold CV on OOF),
          and for 9 subsets of the bases a weighted average and a weighted log-linear pool
          with weights fitted to the OOF log loss (a pool within 0.005 of an earlier entry
          in every probability, as a member got weight 0, is left out: on this data one)
                                                                                 19 entries

30 entries, all named "oof-expert ...". Fixed seeds throughout, so a rerun reproduces them.
Cost: about 30 minutes on one core.
"""

import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

PREFIX = "oof-expert"
FOLDS = 5
SEED = 0
EPS = 1e-15
SVM_GRID = [(c, g) for c in (10, 30, 100) for g in (0.1, 0.2, 0.4)]
MLP_SHAPES = [  # (hidden layers, L2 weight decay), fixed in advance
    ((256, 256), 1e-3), ((256, 256), 1e-2), ((256, 256, 256), 1e-3),
    ((512,), 1e-3), ((128, 128), 1e-4), ((128, 128, 128, 128), 1e-3)]
KNN_KS = (3, 5, 8, 12, 20)
STACK_C = (0.01, 0.1)


def log(msg, t0=[time.time()]):
    print(f"[expert {time.time() - t0[0]:6.0f}s] {msg}", file=sys.stderr, flush=True)


def logloss(y, p):
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], EPS, None))))


class Data:
    def __init__(self, task):
        scaler = StandardScaler().fit(task.train[task.features].to_numpy(float))
        self.x = scaler.transform(task.train[task.features].to_numpy(float))
        self.x_test = scaler.transform(task.test[task.features].to_numpy(float))
        self.classes = list(task.classes)
        self.y = np.array([self.classes.index(v) for v in task.y])  # 0..25 in the submission's column order
        self.folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(self.x, self.y))


def oof(data, make, method="predict_proba", full=False):
    """OOF outputs and the test outputs: the full-train refit's (full) or the fold models' average."""
    out, test = None, []
    for k, (fit, held) in enumerate(data.folds):
        model = make(k).fit(data.x[fit], data.y[fit])
        o = getattr(model, method)(data.x[held])
        if out is None:
            out = np.zeros((len(data.y), o.shape[1]))
        out[held] = o
        if not full:
            test.append(getattr(model, method)(data.x_test))
    if full:
        test = [getattr(make(0).fit(data.x, data.y), method)(data.x_test)]
    return out, np.mean(test, axis=0)


def cv_logistic(features, y, cs, folds=3):
    """The multinomial logistic regression's strength by `folds`-fold CV on train's OOF matrix."""
    split = list(StratifiedKFold(folds, shuffle=True, random_state=SEED).split(features, y))
    losses = []
    for c in cs:
        p = np.zeros((len(y), 26))
        for fit, held in split:
            p[held] = LogisticRegression(C=c, max_iter=1000).fit(features[fit], y[fit]).predict_proba(features[held])
        losses.append(logloss(y, p))
    best = cs[int(np.argmin(losses))]
    return LogisticRegression(C=best, max_iter=1000).fit(features, y), best, min(losses)


def svm_entries(data, bases):
    results = []
    for c, g in SVM_GRID:
        t = time.time()
        dec = np.zeros((len(data.y), 325))
        for fit, held in data.folds:
            dec[held] = SVC(C=c, gamma=g, decision_function_shape="ovo").fit(data.x[fit], data.y[fit]).decision_function(data.x[held])
        # OOF accuracy from the one-vs-one votes
        votes = np.zeros((len(data.y), 26))
        col = 0
        for i in range(26):
            for j in range(i + 1, 26):
                votes[:, i] += dec[:, col] > 0
                votes[:, j] += dec[:, col] <= 0
                col += 1
        acc = float(np.mean(votes.argmax(axis=1) == data.y))
        results.append((acc, c, g, dec))
        log(f"svm C={c} gamma={g}: OOF accuracy {acc:.4f} ({time.time() - t:.0f}s)")
    results.sort(key=lambda r: -r[0])
    out = {}
    for rank, (acc, c, g, dec) in enumerate(results[:2], start=1):
        calibrator, cc, loss = cv_logistic(dec, data.y, (0.3, 1.0))
        test_dec = SVC(C=c, gamma=g, decision_function_shape="ovo").fit(data.x, data.y).decision_function(data.x_test)
        name = f"{PREFIX} svm rbf #{rank} by 5-fold CV (C={c}, gamma={g}), multiclass Platt calibration C={cc}"
        out[name] = calibrator.predict_proba(test_dec)
        # its OOF probabilities for the stacks: the calibrator cross-fitted on the OOF decisions
        p = np.zeros((len(data.y), 26))
        for fit, held in StratifiedKFold(3, shuffle=True, random_state=SEED).split(dec, data.y):
            p[held] = LogisticRegression(C=cc, max_iter=1000).fit(dec[fit], data.y[fit]).predict_proba(dec[held])
        bases[f"svm{rank}"] = (p, out[name])
        log(f"{name}: calibrated OOF log loss {loss:.4f}")
    return out


def mlp_entries(data, bases):
    out, all_oof, all_test = {}, [], []
    for layers, alpha in MLP_SHAPES:
        t = time.time()
        p, test = oof(data, lambda k: MLPClassifier(layers, alpha=alpha, early_stopping=True, max_iter=500, random_state=k))
        shape = " x ".join(str(w) for w in layers)
        name = f"{PREFIX} bag of 5 fold neural networks {shape} units alpha={alpha:g}"
        out[name] = test
        bases[f"mlp {shape} a={alpha:g}"] = (p, test)
        all_oof.append(p), all_test.append(test)
        log(f"{name}: OOF log loss of single nets {logloss(data.y, p):.4f} ({time.time() - t:.0f}s)")
    out[f"{PREFIX} bag of all {FOLDS * len(MLP_SHAPES)} fold neural networks"] = np.mean(all_test, axis=0)
    bases["mlp all"] = (np.mean(all_oof, axis=0), np.mean(all_test, axis=0))
    return out


def knn_entries(data, bases):
    best = None
    for k in KNN_KS:
        p, test = oof(data, lambda _: KNeighborsClassifier(k, weights="distance"))
        calibrated, loss = np.zeros_like(p), None
        for fit, held in StratifiedKFold(3, shuffle=True, random_state=SEED).split(p, data.y):
            calibrated[held] = LogisticRegression(C=1.0, max_iter=1000).fit(np.log(p[fit] + 0.01), data.y[fit]).predict_proba(np.log(p[held] + 0.01))
        loss = logloss(data.y, calibrated)
        log(f"knn k={k}: calibrated OOF log loss {loss:.4f}")
        if best is None or loss < best[0]:
            best = (loss, k, p, test, calibrated)
    loss, k, p, test, calibrated = best
    calibrator = LogisticRegression(C=1.0, max_iter=1000).fit(np.log(p + 0.01), data.y)
    name = f"{PREFIX} knn distance-weighted k={k} by 5-fold CV, logistic calibration"
    bases["knn"] = (calibrated, calibrator.predict_proba(np.log(test + 0.01)))
    return {name: bases["knn"][1]}


def hgb_entries(data, bases):
    t = time.time()
    p, test = oof(data, lambda k: HistGradientBoostingClassifier(learning_rate=0.1, max_iter=300, max_leaf_nodes=31,
                                                                 early_stopping=False, random_state=k))
    name = f"{PREFIX} bag of 5 fold boosting runs rate=0.1 rounds=300 leaves=31"
    bases["hgb"] = (p, test)
    log(f"{name}: OOF log loss {logloss(data.y, p):.4f} ({time.time() - t:.0f}s)")
    return {name: test}


def fit_average(y, probs):
    """Weights (a softmax of free parameters) of a probability average, fitted to the OOF log loss."""
    at_y = np.stack([p[np.arange(len(y)), y] for p in probs], axis=1)
    loss = lambda th: -np.mean(np.log(np.clip(at_y @ softmax(th), EPS, None)))
    return softmax(minimize(loss, np.zeros(len(probs)), method="L-BFGS-B").x)


def fit_pool(y, probs):
    """Non-negative weights of a log-linear pool softmax(sum w log p), fitted to the OOF log loss."""
    logs = [np.log(np.clip(p, 1e-6, None)) for p in probs]
    loss = lambda w: logloss(y, softmax(sum(wi * li for wi, li in zip(w, logs)), axis=1))
    return minimize(loss, np.full(len(probs), 1.0 / len(probs)), method="L-BFGS-B", bounds=[(0, 5)] * len(probs)).x


def stack_entries(data, bases):
    out = {}
    names = list(bases)
    singles = [n for n in names if n != "mlp all"]
    feats = lambda which: np.hstack([np.log(np.clip(bases[n][which], 1e-6, None)) for n in singles])
    t = time.time()
    model, c, loss = cv_logistic(feats(0), data.y, STACK_C)
    out[f"{PREFIX} stack: logistic regression on the OOF log probabilities of all {len(singles)} bases (C={c} by CV)"] = model.predict_proba(feats(1))
    log(f"logistic stack C={c}: CV log loss {loss:.4f} ({time.time() - t:.0f}s)")
    mlps = [n for n in singles if n.startswith("mlp")]
    t = time.time()
    feats = lambda which: np.hstack([np.log(np.clip(bases[n][which], 1e-6, None)) for n in mlps + ["hgb"]])
    model, c, loss = cv_logistic(feats(0), data.y, STACK_C)
    out[f"{PREFIX} stack: logistic regression on the OOF log probabilities of the neural network bags and boosting (C={c} by CV)"] = \
        model.predict_proba(feats(1))
    log(f"logistic stack of the neural network bags and boosting C={c}: CV log loss {loss:.4f} ({time.time() - t:.0f}s)")
    subsets = {
        f"all {len(singles)} bases": singles,
        "the 6 neural network bags": mlps,
        "the neural network bags and svm #1": mlps + ["svm1"],
        "the neural network bags and boosting": mlps + ["hgb"],
        "svm #1, knn and boosting": ["svm1", "knn", "hgb"],
        "the bag of all neural networks, svm #1, knn and boosting": ["mlp all", "svm1", "knn", "hgb"],
        "the neural network bags, svm #1 and boosting": mlps + ["svm1", "hgb"],
        "the bag of all neural networks and boosting": ["mlp all", "hgb"],
        "svm #1 and boosting": ["svm1", "hgb"],
    }
    for label, members in subsets.items():
        oofs, tests = [bases[n][0] for n in members], [bases[n][1] for n in members]
        w = fit_average(data.y, oofs)
        out[f"{PREFIX} stack: average of {label}, weights fitted to the OOF loss"] = sum(wi * p for wi, p in zip(w, tests))
        log(f"average of {label}: weights {np.round(w, 3).tolist()}")
        w = fit_pool(data.y, oofs)
        pool = softmax(sum(wi * np.log(np.clip(p, 1e-6, None)) for wi, p in zip(w, tests)), axis=1)
        log(f"pool of {label}: weights {np.round(w, 3).tolist()}")
        if any(np.abs(pool - p).max() < 5e-3 for p in out.values()):  # a member weighted 0: a smaller subset's copy
            log(f"pool of {label}: the same as an earlier entry (every probability within 0.005), left out")
            continue
        out[f"{PREFIX} stack: log-linear pool of {label}, weights fitted to the OOF loss"] = pool
    return out


def expert_predictions(task):
    """name -> test probabilities (columns in task.classes order) for the whole Q family."""
    data = Data(task)
    bases, out = {}, {}
    for family in (svm_entries, knn_entries, hgb_entries, mlp_entries):
        out.update(family(data, bases))
    out.update(stack_entries(data, bases))
    return out
