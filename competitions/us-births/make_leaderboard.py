#!/usr/bin/env python3
"""Builds leaderboard.csv for us-births from a population of reference solutions.

The competition has no public Kaggle leaderboard, so medal thresholds come from a documented
population of "teams": reference forecasts of deliberately varied strength, each scored on the
prepared test set (1986-1988) exactly as the harness scores a submission (RMSE, rounded to 5
decimals). Every model sees only train.csv (1969-1985), and every choice between settings is made
on train alone. The population:

  A. naive        (6)  constants: the training mean and median, the mean of the last 1, 3 and 5
                       years, the mean by day of the week over the last year
  B. seasonal     (3)  the same weekday of the same week in the last training year (52 weeks
                       back, repeated), raw and scaled by the last years' growth
  C. ridge       (36)  ridge regression on one-hot calendar features (day of week; + month;
                       + day of year; + n-th weekday of the month), with or without a linear
                       trend, trained on 1969-, 1975- or 1980-1985
  D. log-ridge   (12)  the same on log(births), the richer feature sets
  E. hgb         (12)  gradient-boosted trees (HistGradientBoosting) on year, month, day, day of
                       week and day of year: max_iter in {50, 200} x learning_rate in
                       {0.03, 0.1, 0.3} x window {1969-, 1980-}
  F. hgb+trend    (6)  a linear trend, then boosted trees on what it leaves
  G. blends       (4)  averages of the best ridge, log-ridge and detrended-tree forecasts, "best"
                       by a backtest on train (fit 1969-1982, score 1983-1985)
  H-K. expert    (25)  expert.py: calendar models of log(births) in the manner of Gelman et al.'s
                       birthdays decomposition (weekday x trend, yearly season, 14 holidays with
                       windows, special days), the top 10 settings by the backtest; residual
                       boosting on the top 5; holiday-aware boosting (top 3); 7 blends

Everything is deterministic, so re-running on the same prepared data reproduces the file. Rows
are ranked best (lowest RMSE) first, with MLE-bench's columns (scoreNullable, teamId,
hasTeamName, submissionDate, score, hasScore) plus teamName, the recipe.

Usage (bash scripts/test-python.sh makes .mlebench/venv-test with requirements-dev.txt):
  npx tsc -p tsconfig.json
  node -e "require('./dist/core/competitions').prepareCompetition('us-births', {dataDir: '/tmp/d'})"
  .mlebench/venv-test/bin/python competitions/us-births/make_leaderboard.py /tmp/d/us-births/prepared
"""

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge

sys.path.insert(0, str(Path(__file__).resolve().parent))
from expert import BACKTEST_START, expert_predictions  # noqa: E402

SUBMISSION_DATE = "2025-01-01 00:00:00"


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Days:
    """Calendar columns of a list of ISO dates."""

    def __init__(self, ids):
        self.dates = [dt.date.fromisoformat(i) for i in ids]
        self.year = np.array([d.year for d in self.dates])
        self.month = np.array([d.month for d in self.dates])
        self.day = np.array([d.day for d in self.dates])
        self.dow = np.array([d.weekday() for d in self.dates])
        self.doy = np.array([d.timetuple().tm_yday for d in self.dates])
        self.monthday = np.array([d.strftime("%m-%d") for d in self.dates])
        self.nth_weekday = np.array([f"{d.month}-{(d.day - 1) // 7}-{d.weekday()}" for d in self.dates])
        self.years = self.year + (self.doy - 1) / 365.25


def load(prepared):
    train = read_csv(prepared / "public" / "train.csv")
    test = read_csv(prepared / "public" / "test.csv")
    answers = {r["id"]: float(r["births"]) for r in read_csv(prepared / "private" / "answers.csv")}
    return Days([r["id"] for r in train]), np.array([float(r["births"]) for r in train]), Days([r["id"] for r in test]), np.array([answers[r["id"]] for r in test])


def score(y_true, y_pred):
    return round(float(np.sqrt(np.mean((np.asarray(y_pred, dtype=np.float64) - y_true) ** 2))), 5)


def one_hot(train_values, test_values):
    levels = sorted(set(train_values))
    index = {v: i for i, v in enumerate(levels)}

    def encode(values):
        out = np.zeros((len(values), len(levels)))
        for row, v in enumerate(values):
            if v in index:
                out[row, index[v]] = 1.0
        return out

    return encode(train_values), encode(test_values)


FEATURE_SETS = {
    "dow": ("dow",),
    "dow+month": ("dow", "month"),
    "dow+dayofyear": ("dow", "monthday"),
    "dow+dayofyear+nth-weekday": ("dow", "monthday", "nth_weekday"),
}


def design(days_train, days_test, names, trend):
    parts = [one_hot(getattr(days_train, n), getattr(days_test, n)) for n in names]
    x_train = np.hstack([p[0] for p in parts])
    x_test = np.hstack([p[1] for p in parts])
    if trend:
        x_train = np.hstack([x_train, (days_train.years - 1985)[:, None]])
        x_test = np.hstack([x_test, (days_test.years - 1985)[:, None]])
    return x_train, x_test


def ridge(days, y, days_test, names, trend, start, log_target=False, alpha=1.0):
    keep = days.year >= start
    sub = subset(days, keep)
    x_train, x_test = design(sub, days_test, names, trend)
    target = np.log(y[keep]) if log_target else y[keep]
    pred = Ridge(alpha=alpha).fit(x_train, target).predict(x_test)
    return np.exp(pred) if log_target else pred


def subset(days, keep):
    out = Days.__new__(Days)
    for name, value in vars(days).items():
        setattr(out, name, value[keep] if isinstance(value, np.ndarray) else [d for d, k in zip(value, keep) if k])
    return out


def tree_features(days):
    return np.column_stack([days.year, days.month, days.day, days.dow, days.doy])


def hgb(days, y, days_test, max_iter, learning_rate, start, detrend=False):
    keep = days.year >= start
    x, target = tree_features(subset(days, keep)), y[keep]
    trend_train = trend_test = 0.0
    if detrend:
        slope, intercept = np.polyfit(days.years[keep], target, 1)
        trend_train, trend_test = slope * days.years[keep] + intercept, slope * days_test.years + intercept
    model = HistGradientBoostingRegressor(max_iter=max_iter, learning_rate=learning_rate, random_state=0)
    model.fit(x, target - trend_train)
    return model.predict(tree_features(days_test)) + trend_test


def seasonal(days, y, days_test, growth):
    """The value 52 weeks (364 days) back, stepping back until it falls in train."""
    by_date = dict(zip(days.dates, y))
    last = max(days.dates)
    out = []
    for d in days_test.dates:
        back, steps = d, 0
        while back > last or back not in by_date:
            back -= dt.timedelta(days=364)
            steps += 1
        out.append(by_date[back] * growth**steps)
    return np.array(out)


def naive(days, y, days_test):
    last = days.year.max()
    mean_last = lambda n: np.mean(y[days.year > last - n])  # noqa: E731
    dow_last = {w: np.mean(y[(days.year == last) & (days.dow == w)]) for w in range(7)}
    n = len(days_test.dates)
    return {
        "naive training mean": np.full(n, np.mean(y)),
        "naive training median": np.full(n, np.median(y)),
        "naive mean of the last year": np.full(n, mean_last(1)),
        "naive mean of the last 3 years": np.full(n, mean_last(3)),
        "naive mean of the last 5 years": np.full(n, mean_last(5)),
        "naive last year's mean by day of week": np.array([dow_last[w] for w in days_test.dow]),
    }


def forecasts(days, y, days_test):
    """Families A-F: every reference forecast of days_test from (days, y), by name."""
    predictions = naive(days, y, days_test)

    yearly = {year: np.mean(y[days.year == year]) for year in np.unique(days.year)}
    last = days.year.max()
    growth = (yearly[last] / yearly[last - 3]) ** (1 / 3)
    predictions["seasonal 52 weeks back"] = seasonal(days, y, days_test, 1.0)
    predictions[f"seasonal 52 weeks back x {growth:.4f} per year"] = seasonal(days, y, days_test, growth)
    predictions["seasonal 52 weeks back x 1.02 per year"] = seasonal(days, y, days_test, 1.02)

    for name, features in FEATURE_SETS.items():
        for trend in (False, True):
            for start in (1969, 1975, 1980):
                label = f"ridge {name}{' +trend' if trend else ''} from {start}"
                predictions[label] = ridge(days, y, days_test, features, trend, start)
    for name in ("dow+dayofyear", "dow+dayofyear+nth-weekday"):
        for trend in (False, True):
            for start in (1969, 1975, 1980):
                label = f"log-ridge {name}{' +trend' if trend else ''} from {start}"
                predictions[label] = ridge(days, y, days_test, FEATURE_SETS[name], trend, start, log_target=True)

    for start in (1969, 1980):
        for max_iter in (50, 200):
            for lr in (0.03, 0.1, 0.3):
                predictions[f"hgb iter={max_iter} lr={lr} from {start}"] = hgb(days, y, days_test, max_iter, lr, start)
    for start in (1969, 1980):
        for lr in (0.03, 0.1, 0.3):
            predictions[f"hgb+trend iter=200 lr={lr} from {start}"] = hgb(days, y, days_test, 200, lr, start, detrend=True)
    return predictions


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prepared", type=Path, help="<dataDir>/us-births/prepared")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("leaderboard.csv"))
    args = parser.parse_args()

    days, y, days_test, y_test = load(args.prepared)
    predictions = forecasts(days, y, days_test)

    # The blends' members are the best of their family by a backtest on train alone: the same
    # forecasts made from 1969-1982 and scored on 1983-1985.
    past, recent = days.year < BACKTEST_START, days.year >= BACKTEST_START
    backtest = forecasts(subset(days, past), y[past], subset(days, recent))
    best = lambda prefix: min((n for n in backtest if n.startswith(prefix)), key=lambda n: (score(y[recent], backtest[n]), n))  # noqa: E731
    r, lr_, h = best("ridge "), best("log-ridge "), best("hgb+trend ")
    predictions["blend best ridge + best log-ridge"] = (predictions[r] + predictions[lr_]) / 2
    predictions["blend best ridge + best hgb+trend"] = (predictions[r] + predictions[h]) / 2
    predictions["blend best log-ridge + best hgb+trend"] = (predictions[lr_] + predictions[h]) / 2
    predictions["blend best ridge + best log-ridge + best hgb+trend"] = (predictions[r] + predictions[lr_] + predictions[h]) / 3
    print(f"blends of {r}, {lr_}, {h} (the best by the 1983-1985 backtest)", file=sys.stderr)

    predictions.update(expert_predictions(days.dates, y, days_test.dates))

    rows = sorted(((score(y_test, p), name) for name, p in predictions.items()), key=lambda row: (row[0], row[1]))
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["scoreNullable", "teamId", "hasTeamName", "submissionDate", "score", "hasScore", "teamName"])
        for rank, (s, name) in enumerate(rows, start=1):
            writer.writerow([f"{s:.5f}", rank, True, SUBMISSION_DATE, f"{s:.5f}", True, name])
    scores = [s for s, _ in rows]
    print(f"wrote {len(rows)} entries to {args.out}: best {scores[0]}, median {np.median(scores):.5f}, worst {scores[-1]}", file=sys.stderr)


if __name__ == "__main__":
    main()
