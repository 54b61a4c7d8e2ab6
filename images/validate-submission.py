#!/usr/bin/env python3
"""Checks a submission's format against the competition's sample submission, with no network
and without revealing any score: same columns, same ids (each once), finite numbers where the
sample has numbers, probabilities within [0, 1] where the sample holds probabilities.

usage: validate-submission [SUBMISSION] [--sample SAMPLE]
Exit 0 when valid, 1 with one line per problem otherwise, 2 on bad usage.
"""
import argparse
import sys

import numpy as np
import pandas as pd

MAX_LISTED = 5


def read_csv(path, what):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise SystemExit(f"invalid: cannot read the {what} {path}: {e.strerror}")
    if not raw.strip():
        raise SystemExit(f"invalid: the {what} {path} is empty")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SystemExit(f"invalid: the {what} {path} is not UTF-8 (byte {e.start})")
    try:
        # Strings throughout: ids must compare exactly as written, numbers are checked below.
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except Exception as e:  # pandas raises several parser error types
        raise SystemExit(f"invalid: the {what} {path} is not a readable CSV: {e}")


def listed(values):
    values = list(values)
    head = ", ".join(repr(v) for v in values[:MAX_LISTED])
    return head + (f" ... ({len(values)} in all)" if len(values) > MAX_LISTED else "")


def as_numbers(column):
    return pd.to_numeric(column.str.strip(), errors="coerce")


def is_probability_column(sample_values):
    """Sample submissions hold placeholder predictions: a column whose placeholders are all in
    [0, 1], some strictly between, holds probabilities (a column of zeros may be a regression)."""
    nums = as_numbers(sample_values)
    if nums.isna().any() or len(nums) == 0:
        return False
    return bool(((nums >= 0) & (nums <= 1)).all() and ((nums > 0) & (nums < 1)).any())


def validate(sub, sample):
    problems = []
    id_col = sample.columns[0]
    missing = [c for c in sample.columns if c not in sub.columns]
    extra = [c for c in sub.columns if c not in sample.columns]
    if missing:
        problems.append(f"missing columns: {listed(missing)}")
    if extra:
        problems.append(f"unexpected columns: {listed(extra)}")
    if not missing and not extra and list(sub.columns) != list(sample.columns):
        problems.append(f"columns are in a different order than the sample's: {listed(sample.columns)}")
    if id_col not in sub.columns:
        return problems

    if len(sub) != len(sample):
        problems.append(f"{len(sub)} rows, the sample has {len(sample)}")
    dup = sub[id_col][sub[id_col].duplicated()].unique()
    if len(dup):
        problems.append(f"duplicate ids in {id_col!r}: {listed(dup)}")
    sample_ids = set(sample[id_col])
    sub_ids = set(sub[id_col])
    unknown = [i for i in sub[id_col].unique() if i not in sample_ids]
    absent = [i for i in sample[id_col] if i not in sub_ids]
    if unknown:
        problems.append(f"ids not in the sample: {listed(unknown)}")
    if absent:
        problems.append(f"ids of the sample missing from the submission: {listed(absent)}")

    for col in sample.columns[1:]:
        if col not in sub.columns:
            continue
        sample_nums = as_numbers(sample[col])
        if sample_nums.isna().any():
            # A label column (strings): only emptiness can be checked without the answers.
            empty = sub[id_col][sub[col].str.strip() == ""]
            if len(empty):
                problems.append(f"column {col!r} is empty for ids: {listed(empty)}")
            continue
        nums = as_numbers(sub[col])
        bad = sub[id_col][~np.isfinite(nums.to_numpy(dtype=float))]
        if len(bad):
            problems.append(f"column {col!r} has values that are not finite numbers for ids: {listed(bad)}")
        if is_probability_column(sample[col]):
            out = sub[id_col][(nums < 0) | (nums > 1)]
            if len(out):
                problems.append(f"column {col!r} holds probabilities but is outside [0, 1] for ids: {listed(out)}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submission", nargs="?", default="/home/submission/submission.csv")
    parser.add_argument("--sample", default="/home/data/sample_submission.csv")
    args = parser.parse_args()
    sample = read_csv(args.sample, "sample submission")
    sub = read_csv(args.submission, "submission")
    problems = validate(sub, sample)
    if problems:
        print(f"invalid: {args.submission}")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"valid: {args.submission} has the sample's {len(sample.columns)} columns and {len(sample)} ids")
    return 0


if __name__ == "__main__":
    sys.exit(main())
