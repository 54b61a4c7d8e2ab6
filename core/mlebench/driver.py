"""MLE-bench Redux's driver for an MLE-bench checkout's own Python functions.

Run by the harness in its base image (core/mlebench/python.ts), with the checkout on PYTHONPATH,
read-only. It takes one JSON request as its only argument:

  {"op": "prepare", "fn": "mlebench.competitions.<id>.prepare:prepare",
   "raw": DIR, "public": DIR, "private": DIR}
  {"op": "grade", "fn": "mlebench.competitions.<id>.grade:grade",
   "submission": CSV, "answers": CSV_OR_JSONL}

imports `module:function`, calls it (prepare with the keywords raw, public and private; grade
with the submission and the answers read by pandas, or the answers' JSON lines), and prints
exactly one line starting with RESULT_MARKER followed by a JSON object:

  {"ok": true}                                     prepare finished
  {"ok": true, "score": 0.81234}                   grade: the score rounded to 5 decimals
  {"ok": false, "kind": KIND, "error": TEXT}

KIND is "invalid_submission" (the grader raised InvalidSubmissionError), "grader_error" (it
raised anything else, or returned no finite number: MLE-bench counts both as an invalid
submission), "import_error" (the function cannot be imported: a problem of the checkout or of
the image, not of the submission) or "prepare_error". Anything else the functions print goes
before that line and is kept only for error messages.

MLE-bench's modules import a few packages at import time that the harness's image lacks and that
preparing and grading never need for their work (progress bars, 7z archives, YAML). When one of
them is not installed, a stand-in is registered: tqdm passes iterables through; py7zr and yaml
raise, naming the package, if anything actually uses them. Functions that MLE-bench's graders
import from a newer scikit-learn than the image's are back-ported (install_backports).
"""
import importlib
import importlib.util
import json
import math
import os
import sys
import traceback
import types

RESULT_MARKER = "MLEBENCH_DRIVER_RESULT "


def emit(result):
    sys.stdout.flush()
    sys.stdout.write(RESULT_MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


class _Progress:
    """A progress bar that shows nothing: iterates what it wraps and accepts tqdm's calls."""

    def __init__(self, iterable=None, *args, **kwargs):
        self.iterable = iterable
        self.total = kwargs.get("total")
        self.n = 0

    def __iter__(self):
        return iter(self.iterable if self.iterable is not None else [])

    def __len__(self):
        return len(self.iterable) if self.iterable is not None else (self.total or 0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1):
        self.n += n

    def close(self):
        pass

    def refresh(self):
        pass

    def set_description(self, *args, **kwargs):
        pass

    def set_postfix(self, *args, **kwargs):
        pass

    def write(self, text, *args, **kwargs):
        print(text)

    @classmethod
    def pandas(cls, *args, **kwargs):
        """tqdm.pandas(): makes progress_apply and progress_map plain apply and map."""
        import pandas as pd

        for klass in (pd.DataFrame, pd.Series):
            klass.progress_apply = klass.apply
        pd.Series.progress_map = pd.Series.map
        try:
            from pandas.core.groupby.generic import DataFrameGroupBy, SeriesGroupBy

            DataFrameGroupBy.progress_apply = DataFrameGroupBy.apply
            SeriesGroupBy.progress_apply = SeriesGroupBy.apply
        except ImportError:
            pass


def _tqdm_module(name):
    module = types.ModuleType(name)
    module.tqdm = _Progress
    module.trange = lambda *args, **kwargs: _Progress(range(*args))
    module.__mlebench_redux_stub__ = True
    return module


def _missing_module(name):
    module = types.ModuleType(name)
    module.__mlebench_redux_stub__ = True

    def __getattr__(attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise ModuleNotFoundError(
            f"{name}.{attr} was used, but {name} is not installed in the harness's Python image "
            "(the driver only stands in for it so that MLE-bench's modules import)"
        )

    module.__getattr__ = __getattr__
    return module


def install_stand_ins():
    if importlib.util.find_spec("tqdm") is None:
        for name in ("tqdm", "tqdm.auto", "tqdm.notebook", "tqdm.std"):
            sys.modules[name] = _tqdm_module(name)
        sys.modules["tqdm"].auto = sys.modules["tqdm.auto"]
    for name in ("py7zr", "yaml"):
        if importlib.util.find_spec(name) is None:
            sys.modules[name] = _missing_module(name)


def _rmse_backport(mean_squared_error, name):
    import numpy as np

    def root_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
        errors = np.sqrt(mean_squared_error(y_true, y_pred, sample_weight=sample_weight, multioutput="raw_values"))
        if isinstance(multioutput, str):
            if multioutput == "raw_values":
                return errors
            if multioutput == "uniform_average":
                return float(np.average(errors))
            raise ValueError(f"multioutput must be 'raw_values', 'uniform_average' or weights, not {multioutput!r}")
        return float(np.average(errors, weights=multioutput))

    root_error.__name__ = name
    return root_error


def install_backports():
    """scikit-learn 1.4 added root_mean_squared_error and root_mean_squared_log_error, which
    MLE-bench's graders import (it asks for scikit-learn >= 1.5; the image has Debian's 1.2): on
    an older scikit-learn they are defined as scikit-learn defines them, the square root of the
    per-output mean squared (log) error, averaged over the outputs."""
    try:
        import sklearn.metrics as metrics
    except ImportError:
        return
    if not hasattr(metrics, "root_mean_squared_error"):
        metrics.root_mean_squared_error = _rmse_backport(metrics.mean_squared_error, "root_mean_squared_error")
    if not hasattr(metrics, "root_mean_squared_log_error"):
        metrics.root_mean_squared_log_error = _rmse_backport(metrics.mean_squared_log_error, "root_mean_squared_log_error")


def import_fn(spec):
    module_name, sep, fn_name = spec.partition(":")
    if not sep or not module_name or not fn_name:
        raise ValueError(f'"{spec}" is not of the form module.path:function')
    module = importlib.import_module(module_name)
    fn = getattr(module, fn_name, None)
    if fn is None or not callable(fn):
        raise AttributeError(f"{module_name} has no function {fn_name}")
    return fn


def short_traceback():
    return "".join(traceback.format_exc(limit=-6))[-4000:]


def read_csv(path):
    import pandas as pd

    try:
        return pd.read_csv(path, float_precision="round_trip")
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def read_answers(path):
    if path.endswith(".csv"):
        return read_csv(path)
    if path.endswith(".jsonl"):
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    raise ValueError(f"answers of an unsupported format: {path}")


def is_invalid_submission_error(err):
    return any(klass.__name__ == "InvalidSubmissionError" for klass in type(err).__mro__)


def do_prepare(request):
    from pathlib import Path

    fn = request["_fn"]
    try:
        fn(raw=Path(request["raw"]), public=Path(request["public"]), private=Path(request["private"]))
    except Exception as err:  # noqa: BLE001
        return {"ok": False, "kind": "prepare_error", "error": f"{type(err).__name__}: {err}", "traceback": short_traceback()}
    return {"ok": True}


def do_grade(request):
    fn = request["_fn"]
    try:
        submission = read_csv(request["submission"])
    except Exception as err:  # noqa: BLE001
        return {"ok": False, "kind": "invalid_submission", "error": f"cannot read the submission as CSV: {err}"}
    answers = read_answers(request["answers"])
    try:
        score = fn(submission, answers)
    except Exception as err:  # noqa: BLE001
        kind = "invalid_submission" if is_invalid_submission_error(err) else "grader_error"
        return {"ok": False, "kind": kind, "error": f"{type(err).__name__}: {err}" if kind == "grader_error" else str(err)}
    try:
        value = float(score)
    except (TypeError, ValueError):
        return {"ok": False, "kind": "grader_error", "error": f"the grader returned {score!r}, not a number"}
    if not math.isfinite(value):
        return {"ok": False, "kind": "grader_error", "error": f"the grader returned {value}"}
    return {"ok": True, "score": round(value, 5)}


def main():
    if len(sys.argv) != 2:
        emit({"ok": False, "kind": "import_error", "error": "usage: driver.py REQUEST_JSON"})
        return 2
    request = json.loads(sys.argv[1])
    install_stand_ins()
    install_backports()
    try:
        request["_fn"] = import_fn(request["fn"])
    except Exception as err:  # noqa: BLE001
        error = f"cannot import {request.get('fn')}: {type(err).__name__}: {err}"
        if isinstance(err, ModuleNotFoundError) and err.name == "mlebench":
            error += f" (the checkout must be readable by the container's user, uid {os.getuid()})"
        emit({"ok": False, "kind": "import_error", "error": error, "traceback": short_traceback()})
        return 0
    op = request.get("op")
    if op == "prepare":
        emit(do_prepare(request))
    elif op == "grade":
        emit(do_grade(request))
    else:
        emit({"ok": False, "kind": "import_error", "error": f"unknown op {op!r}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
