#!/usr/bin/env python3
"""Technique-task reference agent. TECHNIQUE_MODE=oracle runs tasks/<task>.py's `solve(ctx)`,
which does the task's technique right; TECHNIQUE_MODE=naive trains a plain model that ignores
the technique and writes no analysis. The task comes from /home/data/task.json."""
import importlib
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402


def main():
    ctx = common.load()
    mode = os.environ.get("TECHNIQUE_MODE", "oracle")
    common.log(f"task={ctx.task} competition={ctx.competition_id} seed={ctx.seed} mode={mode} "
               f"problem={ctx.problem} train={ctx.train.shape} test={ctx.test.shape}")
    if mode == "naive":
        common.naive(ctx)
    else:
        importlib.import_module(f"tasks.{ctx.task}").solve(ctx)
    here = os.path.dirname(os.path.abspath(__file__))
    if os.path.isdir(common.CODE):
        shutil.copytree(here, os.path.join(common.CODE, "technique-reference"), dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
