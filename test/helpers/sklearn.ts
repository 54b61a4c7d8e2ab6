/**
 * scikit-learn as the reference for our metrics: a batch of cases in, one value per case out, in a
 * single Python process (the test virtualenv, versions pinned in requirements-dev.txt).
 * A case whose scikit-learn result is NaN (undefined metric) or an exception comes back as
 * `{ undefined: message }`, so a test can check that ours refuses the same input.
 */
import { execFileSync } from 'node:child_process';
import { testPython } from './python';

export type SklearnCase =
  | { metric: 'accuracy' | 'f1-micro' | 'f1-macro'; yTrue: string[]; yPred: string[] }
  | { metric: 'quadratic-weighted-kappa'; yTrue: number[]; yPred: number[] }
  | { metric: 'rmse' | 'rmsle' | 'mae'; yTrue: number[]; yPred: number[] }
  | { metric: 'binary-log-loss' | 'roc-auc'; yTrue: number[]; score: number[] }
  | { metric: 'multiclass-log-loss'; yTrue: string[]; proba: number[][]; labels: string[] }
  | { metric: 'roc-auc-mean-columnwise'; yTrue: number[][]; score: number[][] };

export type SklearnResult = number | { undefined: string };

const PYTHON = `
import json, math, sys, warnings
import numpy as np
from sklearn import metrics as m
warnings.simplefilter("ignore")

def score(c):
    k = c["metric"]
    if k == "accuracy":
        return m.accuracy_score(c["yTrue"], c["yPred"])
    if k == "f1-micro":
        return m.f1_score(c["yTrue"], c["yPred"], average="micro")
    if k == "f1-macro":
        return m.f1_score(c["yTrue"], c["yPred"], average="macro")
    if k == "quadratic-weighted-kappa":
        return m.cohen_kappa_score(c["yTrue"], c["yPred"], weights="quadratic")
    if k == "rmse":
        return m.root_mean_squared_error(c["yTrue"], c["yPred"])
    if k == "rmsle":
        return m.root_mean_squared_log_error(c["yTrue"], c["yPred"])
    if k == "mae":
        return m.mean_absolute_error(c["yTrue"], c["yPred"])
    if k == "binary-log-loss":
        return m.log_loss(c["yTrue"], np.asarray(c["score"], dtype=np.float64), labels=[0, 1])
    if k == "roc-auc":
        return m.roc_auc_score(c["yTrue"], c["score"])
    if k == "roc-auc-mean-columnwise":
        # Columns in, as our metric takes them; scikit-learn wants rows.
        return m.roc_auc_score(np.asarray(c["yTrue"]).T, np.asarray(c["score"]).T, average="macro")
    if k == "multiclass-log-loss":
        # Kaggle's rule: rows rescaled to sum to one (current scikit-learn leaves it to the caller).
        p = np.asarray(c["proba"], dtype=np.float64)
        p = p / p.sum(axis=1, keepdims=True)
        return m.log_loss(c["yTrue"], p, labels=c["labels"])
    raise ValueError("unknown metric " + k)

out = []
for c in json.load(sys.stdin):
    try:
        v = float(score(c))
        out.append(v if not math.isnan(v) else {"undefined": "nan"})
    except Exception as e:
        out.append({"undefined": str(e)})
json.dump({"eps": float(np.finfo(np.float64).eps), "results": out}, sys.stdout)
`;

export function sklearn(cases: readonly SklearnCase[]): { eps: number; results: SklearnResult[] } {
  const stdout = execFileSync(testPython(), ['-c', PYTHON], { input: JSON.stringify(cases), maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout.toString()) as { eps: number; results: SklearnResult[] };
}
