#!/usr/bin/env python3
"""Builds leaderboard.csv for letter-recognition (Letter Recognition: which of 26 letters (multiclass log loss)).

The population of reference solutions, how each is scored and the file's columns are described in
competitions/_shared/tabular_leaderboard.py; this competition is a "multiclass" task scored by multiclass-log-loss. That population (families A-N,
162 entries) is followed by a competition-specific expert tail:

  Q. oof-expert  (30)  expert.py: RBF SVMs with (C, gamma) by 5-fold CV and a multiclass Platt
                       calibration fitted on out-of-fold decisions (2), bags of 5-fold neural networks
                       in 6 shapes and the bag of all 30 (7), distance-weighted kNN with k by CV (1),
                       a 5-fold boosting bag (1), and out-of-fold stacks of these (19: logistic
                       regressions on the OOF log probabilities of all bases and of the network bags
                       and boosting, and for 9 subsets a weighted average and a log-linear pool with
                       weights fitted to the OOF loss, less one that came out identical to another)

192 entries in all. --expert-only recomputes only family Q (about 30 minutes on one core) and merges it
into the existing leaderboard.csv: the other rows are kept exactly as they are, the old Q rows replaced,
and all re-ranked; a full run (about 85 minutes of 2 cores, plus Q) writes every family.

Usage (the tests' virtualenv has the pinned scikit-learn and pandas: bash scripts/test-python.sh):
  npx tsc -p tsconfig.json
  node -e "require('./dist/core/competitions').prepareCompetition('letter-recognition', {dataDir: '/tmp/d'})"
  .mlebench/venv-test/bin/python competitions/letter-recognition/make_leaderboard.py /tmp/d/letter-recognition/prepared
  OMP_NUM_THREADS=1 .mlebench/venv-test/bin/python competitions/letter-recognition/make_leaderboard.py \
      /tmp/d/letter-recognition/prepared --expert-only
"""

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_shared"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from expert import PREFIX, expert_predictions  # noqa: E402
from tabular_leaderboard import SUBMISSION_DATE, Task, make_leaderboard, score  # noqa: E402


def merge_expert(task, out):
    """Adds family Q to the board in `out`: other rows kept with their scores, old Q rows replaced."""
    with open(out, newline="", encoding="utf-8") as f:
        kept = [(r["score"], r["teamName"]) for r in csv.DictReader(f) if not r["teamName"].startswith(PREFIX)]
    rows = [(float(s), name) for s, name in kept]
    rows += [(score(task, p), name) for name, p in expert_predictions(task).items()]
    rows.sort(key=lambda r: (r[0], r[1]))  # as write_leaderboard ranks a lower-is-better metric
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["scoreNullable", "teamId", "hasTeamName", "submissionDate", "score", "hasScore", "teamName"])
        for rank, (s, name) in enumerate(rows, start=1):
            writer.writerow([f"{s:.5f}", rank, True, SUBMISSION_DATE, f"{s:.5f}", True, name])
    print(f"wrote {len(rows)} entries to {out} ({len(rows) - len(kept)} expert)", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prepared", type=Path, help="<dataDir>/letter-recognition/prepared")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("leaderboard.csv"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--expert-only", action="store_true", help="recompute only family Q and merge it into --out")
    args = parser.parse_args()
    task = Task(args.prepared, kind="multiclass", metric="multiclass-log-loss", target="letter")
    if not args.expert_only:
        make_leaderboard(task, args.out, jobs=args.jobs)
    merge_expert(task, args.out)


if __name__ == "__main__":
    main()
