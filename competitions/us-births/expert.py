"""The expert tail of the us-births population: calendar models of the kind the data set is known for.

The data (US births per day, 1969-1988) is the one Gelman et al. decompose in Bayesian Data
Analysis (3rd ed., the "birthdays" example): a slow trend, a day-of-week effect that grows over
the years (scheduled deliveries avoid weekends), a yearly season, and sharp dips on and around
holidays. The experts here fit that decomposition on log(births) by ridge regression:

  H. calendar    day of week x its own linear trend; the yearly season as one-hot day of year or
                 as Fourier terms; 14 holidays (moving ones by their rule, observed days when they
                 fall on a weekend) with a window of days around each; special days (the 13th,
                 Friday the 13th, Valentine's Day, Halloween, April Fools', leap day). Each setting
                 (training window, season form, holiday window, ridge alpha) is scored by a
                 backtest on train alone: fit 1969-1982, forecast 1983-1985 (the same 3-year
                 horizon as the test). The best settings by that backtest are refitted on all of
                 train and forecast the test years.
  I. residual    gradient-boosted trees on what the best calendar models leave (in log space),
                 rounds chosen by the same backtest
  K. holiday     a per-weekday log-linear trend, then gradient-boosted trees on the calendar
     boosting    (year, month, day, weekday, day of year), which holiday is near and how many days
                 away, and the 13th; window, rounds and rate chosen by the backtest (top 3)
  J. blends      averages of the backtest's top calendar models (top 2, 3, 5), of the top
                 residual-boosted ones (top 3, 5), and of the top calendar model with its
                 residual-boosted version, and of the top holiday-aware boosting with the top
                 residual-boosted calendar model

The test years are only scored.
"""

import datetime as dt
import itertools

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge

BACKTEST_START = 1983  # the backtest forecasts 1983-1985 from 1969-1982
WINDOWS = (1969, 1972, 1975, 1978)
SEASONS = ("day-of-year", "fourier-10")
HOLIDAY_WINDOWS = (0, 1, 3)
ALPHAS = (0.3, 3.0)
TRENDS = ("linear", "hinge-5")  # hinge-5: the slope may change 5 years before the last training day
TOP_CALENDAR = 10
RESIDUAL_OF = 5
TOP_TREES = 3


def nth_weekday(year, month, weekday, n):
    """The n-th (1-based; -1 = last) given weekday (Monday = 0) of a month."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def holidays(year):
    """Federal and customary holidays of a year, by the rules in force that year."""
    monday_rule = year >= 1971  # the Uniform Monday Holiday Act took effect in 1971
    days = {
        "new-year": dt.date(year, 1, 1),
        "presidents": nth_weekday(year, 2, 0, 3) if monday_rule else dt.date(year, 2, 22),
        "memorial": nth_weekday(year, 5, 0, -1) if monday_rule else dt.date(year, 5, 30),
        "independence": dt.date(year, 7, 4),
        "labor": nth_weekday(year, 9, 0, 1),
        "columbus": nth_weekday(year, 10, 0, 2) if monday_rule else dt.date(year, 10, 12),
        "veterans": nth_weekday(year, 10, 0, 4) if 1971 <= year <= 1977 else dt.date(year, 11, 11),
        "thanksgiving": nth_weekday(year, 11, 3, 4),
        "christmas": dt.date(year, 12, 25),
        "new-year-eve": dt.date(year, 12, 31),
    }
    days["day-after-thanksgiving"] = days["thanksgiving"] + dt.timedelta(days=1)
    days["christmas-eve"] = dt.date(year, 12, 24)
    for name in ("new-year", "independence", "christmas"):
        d = days[name]
        if d.weekday() in (5, 6):  # observed on the Friday before or the Monday after
            days[f"{name}-observed"] = d + dt.timedelta(days=-1 if d.weekday() == 5 else 1)
    return days


def calendar_columns(dates, origin, season, holiday_window, trend):
    """The design matrix's columns (a dict name -> array) for a list of dates."""
    n = len(dates)
    t = np.array([(d - origin).days / 365.25 for d in dates])
    dow = np.array([d.weekday() for d in dates])
    cols = {"trend": t}
    if trend.startswith("hinge-"):
        cols["hinge"] = np.maximum(0.0, t + float(trend.split("-")[1]))
    for w in range(7):
        cols[f"dow{w}"] = (dow == w).astype(float)
        cols[f"dow{w}*trend"] = (dow == w) * t
        if "hinge" in cols:
            cols[f"dow{w}*hinge"] = (dow == w) * cols["hinge"]
    if season == "day-of-year":
        keys = np.array([d.strftime("%m-%d") for d in dates])
        for key in sorted(set(keys)):
            cols[f"doy{key}"] = (keys == key).astype(float)
    else:
        harmonics = int(season.split("-")[1])
        phase = np.array([2 * np.pi * (d.timetuple().tm_yday - 1) / 365.25 for d in dates])
        for k in range(1, harmonics + 1):
            cols[f"sin{k}"], cols[f"cos{k}"] = np.sin(k * phase), np.cos(k * phase)
    index = {d: i for i, d in enumerate(dates)}
    for year in sorted({d.year for d in dates} | {dates[0].year - 1, dates[-1].year + 1}):
        for name, day in holidays(year).items():
            for offset in range(-holiday_window, holiday_window + 1):
                i = index.get(day + dt.timedelta(days=offset))
                if i is not None:
                    cols.setdefault(f"{name}{offset:+d}", np.zeros(n))[i] = 1.0
    cols["13th"] = np.array([d.day == 13 for d in dates], dtype=float)
    cols["friday-13th"] = np.array([d.day == 13 and d.weekday() == 4 for d in dates], dtype=float)
    for name, (m, day) in {"valentine": (2, 14), "halloween": (10, 31), "april-fools": (4, 1), "leap-day": (2, 29)}.items():
        cols[name] = np.array([d.month == m and d.day == day for d in dates], dtype=float)
    return cols


def design(train_dates, test_dates, season, holiday_window, trend):
    """Train and test matrices with the same columns (a column the training dates never set is dropped)."""
    origin = train_dates[-1]
    train_cols = calendar_columns(train_dates, origin, season, holiday_window, trend)
    test_cols = calendar_columns(test_dates, origin, season, holiday_window, trend)
    names = [k for k, v in train_cols.items() if np.any(v)]
    x_test = np.column_stack([test_cols.get(k, np.zeros(len(test_dates))) for k in names])
    return np.column_stack([train_cols[k] for k in names]), x_test


def calendar_forecast(dates, y, test_dates, setting):
    """exp of the ridge fit on log(births) over the setting's training window."""
    start, trend, season, holiday_window, alpha = setting
    keep = [i for i, d in enumerate(dates) if d.year >= start]
    train_dates = [dates[i] for i in keep]
    x, x_test = design(train_dates, test_dates, season, holiday_window, trend)
    model = Ridge(alpha=alpha).fit(x, np.log(y[keep]))
    return np.exp(model.predict(x_test)), np.exp(model.predict(x))


def tree_features(dates):
    return np.array([[d.year, d.month, d.day, d.weekday(), d.timetuple().tm_yday] for d in dates], dtype=float)


def residual_forecast(dates, y, test_dates, setting, rounds):
    """The calendar model, then boosted trees on its log residuals over the same window."""
    start = setting[0]
    keep = [i for i, d in enumerate(dates) if d.year >= start]
    forecast, fitted = calendar_forecast(dates, y, test_dates, setting)
    model = HistGradientBoostingRegressor(max_iter=rounds, learning_rate=0.05, max_leaf_nodes=15, random_state=0)
    model.fit(tree_features([dates[i] for i in keep]), np.log(y[keep]) - np.log(fitted))
    return forecast * np.exp(model.predict(tree_features(test_dates)))


HOLIDAY_IDS = {name: i for i, name in enumerate(sorted(holidays(1980)))}


def holiday_features(dates):
    """Per date: which holiday it is (or -1), and the signed days to the nearest holiday within 7."""
    near = {}
    for year in range(dates[0].year - 1, dates[-1].year + 2):
        for name, day in holidays(year).items():
            for offset in range(-7, 8):
                d = day + dt.timedelta(days=offset)
                if d not in near or abs(offset) < abs(near[d][1]):
                    near[d] = (HOLIDAY_IDS[name.replace("-observed", "")], offset)
    return np.array([near.get(d, (-1, 8)) for d in dates], dtype=float)


def trees_forecast(dates, y, test_dates, setting):
    """Family K: a per-weekday log-linear trend, then boosted trees on calendar and holiday features."""
    start, rounds, rate = setting
    keep = [i for i, d in enumerate(dates) if d.year >= start]
    train_dates = [dates[i] for i in keep]
    origin = train_dates[-1]

    def trend_columns(ds):
        cols = calendar_columns(ds, origin, "fourier-0", 0, "linear")
        return np.column_stack([cols[f"dow{w}"] for w in range(7)] + [cols[f"dow{w}*trend"] for w in range(7)])

    target = np.log(y[keep])
    trend = Ridge(alpha=0.3).fit(trend_columns(train_dates), target)

    def features(ds):
        return np.column_stack([tree_features(ds), holiday_features(ds), [d.day == 13 for d in ds]])

    trees = HistGradientBoostingRegressor(max_iter=rounds, learning_rate=rate, max_leaf_nodes=31, categorical_features=[5], random_state=0)
    trees.fit(features(train_dates), target - trend.predict(trend_columns(train_dates)))
    return np.exp(trend.predict(trend_columns(test_dates)) + trees.predict(features(test_dates)))


def rmse(y_true, y_pred):
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))


def describe(setting):
    start, trend, season, holiday_window, alpha = setting
    return f"from {start}, {trend} trend, {season} season, holidays +-{holiday_window} days, alpha={alpha}"


def expert_predictions(dates, y, test_dates):
    """Forecasts of the test dates by name; every choice is made by the backtest on train."""
    dates = list(dates)
    past = [i for i, d in enumerate(dates) if d.year < BACKTEST_START]
    recent = [i for i, d in enumerate(dates) if d.year >= BACKTEST_START]
    past_dates, recent_dates = [dates[i] for i in past], [dates[i] for i in recent]
    y_past, y_recent = y[past], y[recent]

    settings = list(itertools.product(WINDOWS, TRENDS, SEASONS, HOLIDAY_WINDOWS, ALPHAS))
    backtest = {s: rmse(y_recent, calendar_forecast(past_dates, y_past, recent_dates, s)[0]) for s in settings}
    ranked = sorted(settings, key=lambda s: (backtest[s], s))

    out = {}
    calendar = {}
    for rank, setting in enumerate(ranked[:TOP_CALENDAR], start=1):
        calendar[rank] = calendar_forecast(dates, y, test_dates, setting)[0]
        out[f"expert calendar model #{rank} ({describe(setting)})"] = calendar[rank]

    residual = {}
    for rank, setting in enumerate(ranked[:RESIDUAL_OF], start=1):
        rounds = min((100, 200, 400, 800), key=lambda r: (rmse(y_recent, residual_forecast(past_dates, y_past, recent_dates, setting, r)), r))
        residual[rank] = residual_forecast(dates, y, test_dates, setting, rounds)
        out[f"expert calendar model #{rank} + residual boosting rounds={rounds}"] = residual[rank]

    trees = {}
    tree_settings = list(itertools.product((1969, 1975), (200, 400, 800), (0.05, 0.1)))
    tree_backtest = {s: rmse(y_recent, trees_forecast(past_dates, y_past, recent_dates, s)) for s in tree_settings}
    for rank, setting in enumerate(sorted(tree_settings, key=lambda s: (tree_backtest[s], s))[:TOP_TREES], start=1):
        start, rounds, rate = setting
        trees[rank] = trees_forecast(dates, y, test_dates, setting)
        out[f"expert holiday-aware boosting #{rank} (from {start}, rounds={rounds}, rate={rate})"] = trees[rank]

    for top in (2, 3, 5):
        out[f"blend of the top {top} expert calendar models"] = np.mean([calendar[r] for r in range(1, top + 1)], axis=0)
    for top in (3, 5):
        out[f"blend of the top {top} residual-boosted calendar models"] = np.mean([residual[r] for r in range(1, top + 1)], axis=0)
    out["blend expert calendar model #1 + its residual boosting"] = (calendar[1] + residual[1]) / 2
    out["blend expert holiday-aware boosting #1 + residual-boosted calendar model #1"] = (trees[1] + residual[1]) / 2
    return out
