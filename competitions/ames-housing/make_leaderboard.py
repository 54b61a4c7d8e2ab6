#!/usr/bin/env python3
"""Builds leaderboard.csv for ames-housing (Ames Housing: sale price (RMSLE)).

The population of reference solutions, how each is scored and the file's columns are described in
competitions/_shared/tabular_leaderboard.py; this competition is a "regression" task scored by rmsle.

Usage (the tests' virtualenv has the pinned scikit-learn and pandas: bash scripts/test-python.sh):
  npx tsc -p tsconfig.json
  node -e "require('./dist/core/competitions').prepareCompetition('ames-housing', {dataDir: '/tmp/d'})"
  .mlebench/venv-test/bin/python competitions/ames-housing/make_leaderboard.py /tmp/d/ames-housing/prepared
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_shared"))
from tabular_leaderboard import Task, make_leaderboard  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prepared", type=Path, help="<dataDir>/ames-housing/prepared")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("leaderboard.csv"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    task = Task(args.prepared, kind="regression", metric="rmsle", target="Sale_Price")
    make_leaderboard(task, args.out, jobs=args.jobs)


if __name__ == "__main__":
    main()
