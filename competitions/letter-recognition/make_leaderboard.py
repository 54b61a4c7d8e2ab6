#!/usr/bin/env python3
"""Builds leaderboard.csv for letter-recognition (Letter Recognition: which of 26 letters (multiclass log loss)).

The population of reference solutions, how each is scored and the file's columns are described in
competitions/_shared/tabular_leaderboard.py; this competition is a "multiclass" task scored by multiclass-log-loss.

Usage (the tests' virtualenv has the pinned scikit-learn and pandas: bash scripts/test-python.sh):
  npx tsc -p tsconfig.json
  node -e "require('./dist/core/competitions').prepareCompetition('letter-recognition', {dataDir: '/tmp/d'})"
  .mlebench/venv-test/bin/python competitions/letter-recognition/make_leaderboard.py /tmp/d/letter-recognition/prepared
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_shared"))
from tabular_leaderboard import Task, make_leaderboard  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prepared", type=Path, help="<dataDir>/letter-recognition/prepared")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("leaderboard.csv"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    task = Task(args.prepared, kind="multiclass", metric="multiclass-log-loss", target="letter")
    make_leaderboard(task, args.out, jobs=args.jobs)


if __name__ == "__main__":
    main()
