"""encoding: a feature with a non-blank cell that is not a number is categorical (the task's
definition); its unseen levels are its test values missing from train. Numbers are imputed and
standardised, categories one-hot encoded with handle_unknown='ignore', so an unseen level is an
all-zero row of its column's indicators instead of an error."""
import common


def solve(ctx):
    numbers, categorical = common.split_columns(ctx)
    unseen = {}
    for c in categorical:
        levels = sorted(set(ctx.test[c].dropna()) - set(ctx.train[c].dropna()))
        if levels:
            unseen[c] = levels
    common.log(f"{len(categorical)} categorical columns; unseen levels: "
               + ", ".join(f"{c}={len(v)}" for c, v in unseen.items()))
    common.write_submission(ctx, common.fit_predict(ctx, numbers, categorical))
    common.write_analysis(ctx, {"categorical_columns": categorical, "unseen_levels": unseen,
                                "encoding": "one-hot, handle_unknown='ignore'; numbers median-imputed and standardised"})
