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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_shared"))
from tabular_leaderboard import Task, make_leaderboard  # noqa: E402

QUALITY = {"Excellent": 5, "Good": 4, "Typical": 3, "Fair": 2, "Poor": 1}  # absent (no basement, pool...) is 0
CONDITION = ["Very_Poor", "Poor", "Fair", "Below_Average", "Average", "Above_Average", "Good", "Very_Good", "Excellent",
             "Very_Excellent"]


def features(frame):
    """What Ames modellers usually add: total and per-part areas, ages at sale, baths, porches, the
    condition ratings as numbers, the sale date as one number and the lot's distance to the city centre."""
    frame["Total_SF"] = frame.Total_Bsmt_SF + frame.Gr_Liv_Area
    frame["Age"] = (frame.Year_Sold - frame.Year_Built).clip(lower=0)  # a few were sold before they were finished
    frame["Years_Since_Remodel"] = (frame.Year_Sold - frame.Year_Remod_Add).clip(lower=0)
    frame["Total_Bath"] = frame.Full_Bath + 0.5 * frame.Half_Bath + frame.Bsmt_Full_Bath + 0.5 * frame.Bsmt_Half_Bath
    frame["Porch_SF"] = frame[["Open_Porch_SF", "Enclosed_Porch", "Three_season_porch", "Screen_Porch", "Wood_Deck_SF"]].sum(axis=1)
    for column in ("Exter_Cond", "Bsmt_Cond", "Heating_QC", "Garage_Cond", "Pool_QC"):
        frame[f"{column}_Score"] = frame[column].map(QUALITY).fillna(0)
    frame["Overall_Cond_Score"] = frame.Overall_Cond.map({c: i + 1 for i, c in enumerate(CONDITION)}).fillna(5)
    frame["Sold"] = frame.Year_Sold + (frame.Mo_Sold - 1) / 12
    frame["SF_Per_Room"] = frame.Gr_Liv_Area / frame.TotRms_AbvGrd.clip(lower=1)
    frame["Centre_Distance"] = np.hypot(frame.Longitude + 93.6319, frame.Latitude - 42.0308)  # Ames city hall
    return frame


def outliers(frame):
    """De Cock (2011), who compiled the data, advises dropping the few houses above 4000 sq ft."""
    return frame.Gr_Liv_Area > 4000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prepared", type=Path, help="<dataDir>/ames-housing/prepared")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("leaderboard.csv"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    task = Task(args.prepared, kind="regression", metric="rmsle", target="Sale_Price", engineer=features, outliers=outliers)
    make_leaderboard(task, args.out, jobs=args.jobs)


if __name__ == "__main__":
    main()
