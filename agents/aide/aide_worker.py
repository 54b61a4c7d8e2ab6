"""Runs AIDE's steps, in a process of its own that start.py (the supervisor) stops when time is up.

AIDE is driven through its own modules, as its CLI (aide.run) does minus the full-screen
display, so that each node's submission can be judged as it appears (aide_outputs.py). Stopping
is the default action of SIGTERM, never an exception raised into AIDE's code (one raised inside
multiprocessing's or logging's fork handlers leaves locks held); SIGTERM is only held back while
the journal and the outputs are written, so that none is left half-written.

Usage: aide_worker.py SETTINGS_JSON (written by start.py).
"""

import json
import logging
import signal
import sys
import time
import traceback
import warnings
from pathlib import Path

from aide_outputs import BestTracker, atomic_write, node_summary

DATA, SUBMISSION, CODE = Path("/home/data"), Path("/home/submission/submission.csv"), Path("/home/code")
AIDE_LOGS, WORK = Path("/home/logs/aide"), Path("/tmp/aide")
MIN_STEP_SECS = 30  # a step (two LLM calls and a run) needs at least this much time left
REVIEW_SECS = 15  # kept back from a run's time-out for the review call that follows it


def progress(event: str, s: dict, **fields) -> None:
    print(json.dumps({"event": event, "elapsed_secs": round(time.monotonic() - s["start"], 1), **fields}), flush=True)


def set_up_logging() -> None:
    import aide.utils.config  # noqa: F401  (sets up Rich logging at import; replaced below)

    # tree_export normalises the layout of a one-node tree by dividing by zero, harmlessly, at every save.
    warnings.filterwarnings("ignore", message="invalid value encountered", module=r"aide\.utils\.tree_export")
    log = logging.getLogger("aide")
    log.handlers.clear()
    log.propagate = False
    log.setLevel(logging.INFO)
    verbose = logging.FileHandler(AIDE_LOGS / "aide.log")  # every prompt and reply, as aideml logs them
    verbose.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    terse = logging.StreamHandler(sys.stderr)
    terse.setLevel(logging.WARNING)
    terse.setFormatter(logging.Formatter("aide: %(levelname)s %(message)s"))
    log.addHandler(verbose)
    log.addHandler(terse)


def load_config(s: dict):
    from omegaconf import OmegaConf

    from aide.utils.config import _load_cfg, prep_cfg

    ours = {
        "data_dir": str(DATA), "desc_file": s["desc_file"], "log_dir": str(AIDE_LOGS), "workspace_dir": str(WORK / "workspaces"),
        "exp_name": f"{s['competition']}-seed{s['seed']}",
        # Symlinks, as MLE-bench sets it: /home/data is read-only and may not fit in the /tmp tmpfs.
        "copy_data": False,
        # The report would call a third model and, with a custom name, crashes aideml 0.2.2.
        "generate_report": False,
        "exec": {"timeout": s["exec_timeout"]},
        # MLE-bench's aide settings: always debug a buggy leaf, up to 20 times deep.
        "agent": {"steps": s["steps"], "code": {"model": s["model"]}, "feedback": {"model": s["feedback_model"]},
                  "search": {"max_debug_depth": 20, "debug_prob": 1.0}},
    }
    cfg = prep_cfg(OmegaConf.merge(_load_cfg(use_cli_args=False), OmegaConf.create(ours), OmegaConf.from_dotlist(s["overrides"])))
    # prep_cfg names both folders "<n>-<exp_name>"; fixed paths are simpler to collect.
    cfg.log_dir, cfg.workspace_dir = AIDE_LOGS, WORK / "workspace"
    return cfg


def run(s: dict) -> None:
    set_up_logging()
    import random

    from omegaconf import OmegaConf

    from aide.agent import Agent
    from aide.interpreter import Interpreter
    from aide.journal import Journal
    from aide.utils.config import load_task_desc, prep_agent_workspace, save_run

    random.seed(s["seed"])  # AIDE's search policy draws from `random`
    cfg = load_config(s)
    prep_agent_workspace(cfg)
    OmegaConf.save(config=cfg, f=AIDE_LOGS / "config.yaml")
    journal = Journal()
    agent = Agent(task_desc=load_task_desc(cfg), cfg=cfg, journal=journal)
    interpreter = Interpreter(cfg.workspace_dir, **OmegaConf.to_container(cfg.exec))
    tracker = BestTracker(cfg.workspace_dir / "working", SUBMISSION, CODE, AIDE_LOGS)

    def exec_callback(code: str, reset_session: bool = True):
        left = s["deadline"] - time.monotonic() - REVIEW_SECS
        interpreter.timeout = max(5, int(min(s["exec_timeout"], left)))
        tracker.before_exec()
        progress("exec", s, step=len(journal) + 1, timeout_secs=interpreter.timeout)
        return interpreter.run(code, reset_session)

    while len(journal) < s["steps"]:
        left = s["deadline"] - time.monotonic()
        if left < MIN_STEP_SECS:
            progress("out_of_time", s, steps_done=len(journal), seconds_left=round(left))
            break
        agent.step(exec_callback=exec_callback)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            node = journal.nodes[-1]
            new_best = tracker.after_step(node)
            save_run(cfg, journal)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        best = tracker.describe()
        progress("step", s, step=len(journal), of=s["steps"], **node_summary(node), new_best=new_best,
                 best_metric=best and best["metric"], seconds_left=round(s["deadline"] - time.monotonic()))
    interpreter.cleanup_session()


if __name__ == "__main__":
    settings = json.loads(Path(sys.argv[1]).read_text())
    try:
        run(settings)
    except Exception:  # AIDE itself failed: the supervisor reports it, with what was found before
        crash = traceback.format_exc()
        print(f"aide: AIDE crashed:\n{crash}", file=sys.stderr, flush=True)
        atomic_write(AIDE_LOGS / "crash.txt", crash)
        sys.exit(1)
