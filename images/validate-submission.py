#!/usr/bin/env python3
"""Checks a submission's format with no network and without revealing any score, by the rules the
grader applies: the competition's format spec (submission_format.json, written at prepare and read
by the grader too) where there is one, else what the sample submission shows.

usage: validate-submission [SUBMISSION] [--sample SAMPLE] [--format FORMAT]
Exit 0 when valid, 1 with one line per problem otherwise, 2 on bad usage.
"""
import argparse
import csv
import hashlib
import io
import json
import math
import os
import re
import sys

MAX_LISTED = 5
DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
INTEGER = re.compile(r"^[+-]?\d+$")


class Invalid(Exception):
    """A problem found before the rows can be checked: (category, message)."""


def read_rows(path, what):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise Invalid("file", f"cannot read the {what} {path}: {e.strerror}")
    if not raw:
        raise Invalid("file", f"the {what} {path} is empty (0 bytes)")
    if not raw.strip():
        raise Invalid("file", f"the {what} {path} is empty (only whitespace)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid("file", f"the {what} {path} is not UTF-8 (byte {e.start})")
    try:
        rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), strict=True)]
    except csv.Error as e:
        raise Invalid("file", f"the {what} {path} is not a readable CSV: {e}")
    return [r for r in rows if r]


def listed(values):
    values = list(values)
    head = ", ".join(repr(v) for v in values[:MAX_LISTED])
    return head + (f" ... ({len(values)} in all)" if len(values) > MAX_LISTED else "")


def number(text):
    return float(text) if DECIMAL.match(text) else math.nan


def sample_format(sample):
    """No spec (an MLE-bench competition): the sample's columns and ids, finite numbers where it
    holds numbers, [0, 1] where its placeholders look like probabilities."""
    header = sample[0]
    return {"id_column": header[0], "columns": header, "cells": None, "labels": None, "row_sum_nonzero": False}


def cell_problem(text, fmt, column_is_number, column_is_probability):
    rule = fmt["cells"]
    if rule in ("label", "integer") or (rule is None and not column_is_number):
        if text == "":
            return "empty label"
        if rule == "integer" and not INTEGER.match(text):
            return f"{text!r} is not an integer label"
        if fmt.get("labels") is not None and text not in fmt["labels"]:
            return f"unknown label {text!r} (known: {listed(fmt['labels'])})"
        return None
    v = number(text)
    if not math.isfinite(v):
        return f"{text!r} is not a finite number"
    if (rule == "probability" or column_is_probability) and not 0 <= v <= 1:
        return f"probability {text} is outside [0, 1]"
    if rule == "above-minus-one" and v <= -1:
        return f"{text} is not above -1 (the metric takes log(1 + value))"
    return None


def validate(sub_path, sample, fmt):
    """The problems of a submission as (category, message): file, header, ids or values."""
    try:
        rows = read_rows(sub_path, "submission")
    except Invalid as e:
        return [e.args]
    header, body = rows[0], rows[1:]
    if all(h == "" for h in header):
        return [("file", "the first line (the header) is blank")]
    columns = fmt["columns"]
    dup = sorted({h for i, h in enumerate(header) if h in header[:i]})
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    if dup:
        return [("header", f"duplicate columns: {listed(dup)}")]
    if missing or extra:
        return [("header", f"missing columns: {listed(missing)}; unexpected columns: {listed(extra)} (expected: {', '.join(columns)})")]
    if not body:
        return [("ids", "a header but no rows")]

    id_col = fmt["id_column"]
    sample_ids = [r[sample[0].index(id_col)] for r in sample[1:]]
    expected = set(sample_ids)
    at = {c: header.index(c) for c in columns}
    cell = lambda r, c: r[at[c]] if at[c] < len(r) else ""
    ids = [cell(r, id_col) for r in body]
    seen, dups = set(), []
    for i in ids:
        if i in seen:
            dups.append(i)
        seen.add(i)
    unknown = [i for i in ids if i not in expected]
    if dups:
        return [("ids", f"duplicate ids in {id_col!r}: {listed(dict.fromkeys(dups))}")]
    if unknown:
        return [("ids", f"ids not in the sample: {listed(unknown)}")]
    if len(ids) != len(expected):
        absent = [i for i in sample_ids if i not in seen]
        return [("ids", f"{len(ids)} rows, the sample has {len(expected)}; missing ids: {listed(absent)}")]

    problems = []
    value_cols = [c for c in columns if c != id_col]
    sample_at = {c: sample[0].index(c) for c in value_cols if c in sample[0]}
    kinds = {}
    for c in value_cols:
        placeholders = [number(r[sample_at[c]]) for r in sample[1:]] if c in sample_at else [math.nan]
        is_num = all(math.isfinite(v) for v in placeholders) and placeholders != []
        kinds[c] = (is_num, fmt["cells"] is None and is_num and all(0 <= v <= 1 for v in placeholders) and any(0 < v < 1 for v in placeholders))
    for r, i in zip(body, ids):
        total, bad = 0.0, False
        for c in value_cols:
            text = cell(r, c)
            p = cell_problem(text, fmt, *kinds[c])
            if p:
                problems.append(("values", f"id {i}, column {c}: {p}"))
                bad = True
            elif fmt["row_sum_nonzero"]:
                total += number(text)
        if fmt["row_sum_nonzero"] and not bad and total == 0:
            problems.append(("values", f"id {i}: all probabilities are 0"))
    if len(problems) > MAX_LISTED:
        problems = problems[:MAX_LISTED] + [("values", f"... {len(problems)} bad values in all")]
    return problems


def load_format(path, sample):
    if not os.path.exists(path):
        return sample_format(sample)
    with open(path, encoding="utf-8") as f:
        fmt = json.load(f)
    ids = sorted(r[sample[0].index(fmt["id_column"])] for r in sample[1:])
    if len(ids) != fmt["ids"]["count"] or hashlib.sha256("\n".join(ids).encode()).hexdigest() != fmt["ids"]["sha256"]:
        raise Invalid("file", f"the sample submission's ids do not match {path}")
    return fmt


def check(submission, sample_path, format_path=None):
    """The problems of a submission as (category, message), plus the sample and format used; the
    entry point of main() and of images/mlebench-env/validation_server.py. Raises Invalid when the
    sample itself cannot be used."""
    format_path = format_path or os.path.join(os.path.dirname(sample_path), "submission_format.json")
    sample = read_rows(sample_path, "sample submission")
    fmt = load_format(format_path, sample)
    return validate(submission, sample, fmt), sample, fmt


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submission", nargs="?", default="/home/submission/submission.csv")
    parser.add_argument("--sample", default="/home/data/sample_submission.csv")
    parser.add_argument("--format", default=None, help="default: submission_format.json beside the sample")
    args = parser.parse_args()
    try:
        problems, sample, fmt = check(args.submission, args.sample, args.format)
    except Invalid as e:
        raise SystemExit(f"invalid: {e.args[1]}")
    if problems:
        print(f"invalid: {args.submission}")
        for _, p in problems:
            print(f"  - {p}")
        return 1
    print(f"valid: {args.submission} has the sample's {len(fmt['columns'])} columns and {len(sample) - 1} ids")
    return 0


if __name__ == "__main__":
    sys.exit(main())
