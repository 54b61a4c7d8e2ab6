"""Calendar features for the baseline: competitions whose rows are days (or carry a date).

A column whose every value is an ISO date (YYYY-MM-DD, maybe with a time) in both train and
test becomes: the time in years (a trend a linear model can extend past the training period),
and one-hot indicators for the day of the week, the month, the day of the year (fixed-date
holidays, seasons) and the n-th weekday of the month (holidays such as Thanksgiving). The
indicators are plain 0/1 numbers, so the generic pipeline takes them as numeric columns.

When every test date comes after every train date the task is a forecast: the model then
trains on the most recent stretch only (twice the forecast horizon), where the level and the
trend are the ones that carry on into the test period.
"""
import logging

import numpy as np
import pandas as pd

RECENT_HORIZONS = 2
ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"

log = logging.getLogger("baseline")


def parse_dates(values):
    """The values as datetimes when every one is an ISO date, else None."""
    if pd.api.types.is_numeric_dtype(values):
        return None
    text = values.astype(str).str.strip()
    if len(text) == 0 or not text.str.match(ISO_DATE).all():
        return None
    dates = pd.to_datetime(text, errors="coerce")
    return None if dates.isna().any() else dates


def calendar(dates, prefix):
    """The calendar columns of one date column."""
    years = dates.dt.year + (dates.dt.dayofyear - 1) / 365.25
    parts = {
        f"{prefix}_years": years.astype(float),
        f"{prefix}_dow": dates.dt.dayofweek.astype(str),
        f"{prefix}_month": dates.dt.month.astype(str),
        f"{prefix}_monthday": dates.dt.strftime("%m-%d"),
        f"{prefix}_nth_weekday": dates.dt.strftime("%m") + "-" + ((dates.dt.day - 1) // 7).astype(str) + "-" + dates.dt.dayofweek.astype(str),
    }
    return pd.DataFrame(parts, index=dates.index)


def one_hot(train_part, test_part):
    """0/1 columns for the values seen in train (a value only test has gets all zeros)."""
    out_train, out_test = [], []
    for col in train_part.columns:
        if train_part[col].dtype == float:
            out_train.append(train_part[[col]])
            out_test.append(test_part[[col]])
            continue
        levels = sorted(train_part[col].unique())
        cat = pd.CategoricalDtype(levels)
        out_train.append(pd.get_dummies(train_part[col].astype(cat), prefix=col, dtype=np.float64))
        out_test.append(pd.get_dummies(test_part[col].astype(cat), prefix=col, dtype=np.float64))
    return pd.concat(out_train, axis=1), pd.concat(out_test, axis=1)


def add_date_features(train, test, targets):
    """Train and test with calendar columns for each date column; unchanged when there are none."""
    for col in [c for c in test.columns if c in train.columns and c not in targets]:
        train_dates, test_dates = parse_dates(train[col]), parse_dates(test[col])
        if train_dates is None or test_dates is None:
            continue
        if test_dates.min() > train_dates.max():
            horizon = test_dates.max() - train_dates.max()
            keep = train_dates >= train_dates.max() - RECENT_HORIZONS * horizon
            log.info("dates: a forecast %s days ahead: training on the last %d of %d rows (from %s)",
                     horizon.days, keep.sum(), len(train), train_dates[keep].min().date())
            train, train_dates = train[keep.values], train_dates[keep]
        prefix = f"date_{col}"
        extra_train, extra_test = one_hot(calendar(train_dates, prefix), calendar(test_dates, prefix))
        log.info("dates: %s from %s to %s, %d calendar columns", col, train_dates.min().date(), test_dates.max().date(), extra_train.shape[1])
        train = pd.concat([train, extra_train], axis=1)
        test = pd.concat([test, extra_test], axis=1)
    return train, test
