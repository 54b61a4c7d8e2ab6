#!/usr/bin/env python3
"""Builds leaderboard.csv for hpc-job-class (HPC job class: VF<F<M<L as 0..3 (quadratic weighted kappa)).

The population of reference solutions, how each is scored and the file's columns are described in
competitions/_shared/tabular_leaderboard.py; this competition is a "ordinal" task scored by quadratic-weighted-kappa.

Usage (the tests' virtualenv has the pinned scikit-learn and pandas: bash scripts/test-python.sh):
  npx tsc -p tsconfig.json
  node -e "require('./dist/core/competitions').prepareCompetition('hpc-job-class', {dataDir: '/tmp/d'})"
  .mlebench/venv-test/bin/python competitions/hpc-job-class/make_leaderboard.py /tmp/d/hpc-job-class/prepared
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_shared"))
from tabular_leaderboard import Task, make_leaderboard  # noqa: E402

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def features(frame):
    """A job's size (compounds x input fields x iterations, on the log scale, as run time grows with
    it), the queue per unit of work, and the submission time as a weekday number, a weekend flag and
    a point on the daily circle."""
    for column in ("compounds", "input_fields", "iterations", "num_pending"):
        frame[f"log_{column}"] = np.log1p(frame[column])
    frame["log_work"] = frame.log_compounds + frame.log_input_fields + frame.log_iterations
    frame["log_compounds_x_iterations"] = frame.log_compounds + frame.log_iterations
    frame["pending_per_work"] = frame.log_num_pending - frame.log_work
    frame["weekday"] = frame.day.map({d: i for i, d in enumerate(DAYS)})
    frame["weekend"] = (frame.weekday >= 5).astype(int)
    frame["hour_sin"], frame["hour_cos"] = np.sin(2 * np.pi * frame.hour / 24), np.cos(2 * np.pi * frame.hour / 24)
    return frame


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prepared", type=Path, help="<dataDir>/hpc-job-class/prepared")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("leaderboard.csv"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    task = Task(args.prepared, kind="ordinal", metric="quadratic-weighted-kappa", target="class", engineer=features)
    make_leaderboard(task, args.out, jobs=args.jobs)


if __name__ == "__main__":
    main()
