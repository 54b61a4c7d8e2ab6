"""The aide agent: AIDE (aideml 0.2.2) on the competition in /home/data, as MLE-bench runs it.

Its task description is /home/instructions.txt (paths rewritten to AIDE's ./input and ./working)
plus notes on time and steps and the competition's description.md, as MLE-bench's start.sh
builds it. This process supervises: aide_worker.py runs AIDE's steps in a process group of its
own, copying the best node's submission and code out as they appear (aide_outputs.py); on
SIGTERM or at the deadline (TIME_LIMIT_SECS minus a margin) it is stopped, and this process
writes the summary and exits with the outcome. AIDE's files are in /home/logs/aide (journal.json,
config.yaml, tree_plot.html, best_solution.py, aide.log), its workspace in /tmp/aide.

Env: AIDE_MODEL (a gateway alias; AIDE_FEEDBACK_MODEL optionally for reviews), AIDE_STEPS (or
STEP_LIMIT, which wins), TIME_LIMIT_SECS, OPENAI_BASE_URL and OPENAI_API_KEY (the gateway's),
optionally AIDE_EXEC_TIMEOUT_SECS, AIDE_MARGIN_SECS and AIDE_OVERRIDES (OmegaConf dotlist).
Progress goes to stdout as one JSON object per line.
"""

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from aide_outputs import atomic_write

START = time.monotonic()
DATA, INSTRUCTIONS = Path("/home/data"), Path("/home/instructions.txt")
AIDE_LOGS, WORK = Path("/home/logs/aide"), Path("/tmp/aide")
# aideml sends these names to the public OpenAI, Anthropic or Gemini APIs whatever OPENAI_BASE_URL
# says (backend/__init__.py determine_provider): offline, it would retry them forever.
PUBLIC_MODEL = re.compile(r"^(gpt-.*|o\d+(-.*)?|codex-mini-latest|claude-.*|gemini-.*)$")
# How long the worker gets to die of a SIGTERM before its whole group is killed: within the
# harness's own grace between its SIGTERM and SIGKILL (STOP_GRACE_SECS, 10 s).
STOP_WAIT_SECS = 5


def progress(event: str, **fields) -> None:
    print(json.dumps({"event": event, "elapsed_secs": round(time.monotonic() - START, 1), **fields}), flush=True)


def fail(message: str, code: int = 1) -> None:
    progress("failed", reason=message)
    print(f"aide: error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def env_int(name: str, default: int | None = None, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        if default is None:
            fail(f"{name} is not set")
        return default
    if not re.fullmatch(r"\d+", raw) or int(raw) < minimum:
        fail(f"{name}={raw!r} must be a whole number >= {minimum}")
    return int(raw)


def human(secs: float) -> str:
    secs = int(secs)
    h, m, s = secs // 3600, secs % 3600 // 60, secs % 60
    return " ".join(f"{v} {u}{'s' if v != 1 else ''}" for v, u in ((h, "hour"), (m, "minute"), (s, "second")) if v) or "0 seconds"


def settings() -> dict:
    time_limit = env_int("TIME_LIMIT_SECS")
    # Stop early enough to finish cleanly before the harness's SIGTERM (then SIGKILL soon after).
    margin = env_int("AIDE_MARGIN_SECS", min(max(30, time_limit // 20), 300), minimum=0)
    model = os.environ.get("AIDE_MODEL", "").strip()
    feedback = os.environ.get("AIDE_FEEDBACK_MODEL", "").strip() or model
    for name, value in (("AIDE_MODEL", model), ("AIDE_FEEDBACK_MODEL", feedback)):
        if not value:
            fail(f"{name} is not set: name the gateway's model alias (config.yaml env)")
        if PUBLIC_MODEL.match(value):
            fail(f"{name}={value!r}: aideml sends gpt-*, o<digit>*, claude-* and gemini-* names to public APIs, never to OPENAI_BASE_URL; use a gateway alias")
    if not os.environ.get("OPENAI_BASE_URL"):
        fail("OPENAI_BASE_URL is not set: without it aideml sends every model to OpenRouter")
    if not os.environ.get("OPENAI_API_KEY"):
        fail("OPENAI_API_KEY is not set (the gateway token)")
    step_limit = os.environ.get("STEP_LIMIT", "").strip()
    steps = env_int("STEP_LIMIT") if step_limit else env_int("AIDE_STEPS", 20)
    # MLE-bench gives each run 9 h of a 24 h budget (exec.timeout 32400 of 86400): the same share.
    exec_timeout = env_int("AIDE_EXEC_TIMEOUT_SECS", max(60, time_limit * 3 // 8))
    return {
        "time_limit": time_limit, "margin": margin, "deadline": START + time_limit - margin,
        "steps": steps, "exec_timeout": exec_timeout, "model": model, "feedback_model": feedback,
        "seed": env_int("SEED", 0, minimum=0), "competition": os.environ.get("COMPETITION_ID", "competition"),
        "overrides": shlex.split(os.environ.get("AIDE_OVERRIDES", "")),
    }


def task_description(s: dict) -> str:
    """MLE-bench's layout: the instructions with AIDE's paths, notes, then the competition's description."""
    text = INSTRUCTIONS.read_text()
    for old, new in (("/home/submission/submission.csv", "./working/submission.csv"), ("/home/data/", "./input/"), ("/home/data", "./input")):
        text = text.replace(old, new)
    notes = f"""
ADDITIONAL NOTES
------
- **Data**: ./input/ holds the competition's files (read-only).
- **Submission**: every solution must write its predictions for the test set to ./working/submission.csv; the file of your best working solution is the one graded (copied with its code to /home/submission and /home/code for you).
- **Total runtime**: {human(s["time_limit"] - s["margin"])} for the whole run, your programs' run time included; each program may run for at most {human(s["exec_timeout"])}.
- **Total steps**: {s["steps"]} solutions drafted, improved or debugged.
- **Packages**: numpy, pandas, scipy, scikit-learn and Pillow are installed; nothing else can be installed, and there is no network.
"""
    description = (DATA / "description.md").read_text()
    return f"{text.rstrip()}\n{notes}\nCOMPETITION INSTRUCTIONS\n------\n\n{description}"


class Supervisor:
    """Starts the worker and stops it, at SIGTERM or the deadline; the handler only sends signals."""

    def __init__(self, settings_file: Path, deadline: float):
        self.deadline = deadline
        self.stopped: tuple[str, int] | None = None  # (reason, exit code)
        self.stopped_at = 0.0
        worker = Path(__file__).with_name("aide_worker.py")
        # A session of its own: killpg reaches AIDE's forked interpreter and whatever it started.
        self.proc = subprocess.Popen([sys.executable, str(worker), str(settings_file)], start_new_session=True)

    def on_sigterm(self, signum, _frame) -> None:
        self.stop(f"stopped by signal {signal.Signals(signum).name}", 128 + signum)

    def stop(self, reason: str, exit_code: int) -> None:
        if self.stopped is None:
            self.stopped, self.stopped_at = (reason, exit_code), time.monotonic()
            progress("stopping", reason=reason)
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def wait(self) -> int:
        # Short waits, so that a stop asked for by the handler is enforced within a second.
        while True:
            try:
                return_code = self.proc.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                now = time.monotonic()
                if self.stopped is None and now >= self.deadline:
                    self.stop("time budget used up (TIME_LIMIT_SECS minus the margin)", 0)
                elif self.stopped is not None and now - self.stopped_at > STOP_WAIT_SECS:
                    os.killpg(self.proc.pid, signal.SIGKILL)
        try:  # the interpreter's child of a worker that died, or anything it left running
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return return_code


def read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def main() -> int:
    s = settings()
    AIDE_LOGS.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    desc_file = AIDE_LOGS / "task_description.md"
    desc_file.write_text(task_description(s))
    settings_file = WORK / "settings.json"
    settings_file.write_text(json.dumps({**s, "start": START, "desc_file": str(desc_file)}))
    progress("start", competition=s["competition"], model=s["model"], feedback_model=s["feedback_model"], steps=s["steps"],
             time_limit_secs=s["time_limit"], margin_secs=s["margin"], exec_timeout_secs=s["exec_timeout"])
    sup = Supervisor(settings_file, s["deadline"])
    signal.signal(signal.SIGTERM, sup.on_sigterm)
    code = sup.wait()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the harness's grace is short: finish what is left

    nodes = (read_json(AIDE_LOGS / "journal.json") or {}).get("nodes", [])
    best = read_json(AIDE_LOGS / "best_node.json")
    crash = (AIDE_LOGS / "crash.txt").read_text() if code == 1 and (AIDE_LOGS / "crash.txt").exists() else None
    stop = sup.stopped
    summary = {
        "steps_done": len(nodes), "steps": s["steps"], "buggy": sum(1 for n in nodes if n.get("is_buggy")),
        "best": best, "stopped": stop and stop[0], "worker_exit_code": code, "crash": crash,
        "elapsed_secs": round(time.monotonic() - START, 1),
    }
    atomic_write(AIDE_LOGS / "summary.json", json.dumps(summary, indent=2) + "\n")
    progress("done", steps_done=len(nodes), best_metric=best and best["metric"], stopped=summary["stopped"], worker_exit_code=code)
    if best is None:
        if stop:
            why = f"{stop[0]} after {len(nodes)} steps"
        elif code != 0:
            why = f"AIDE crashed after {len(nodes)} steps: {crash.strip().splitlines()[-1] if crash else f'exit code {code}'}"
        else:
            why = f"AIDE ran {len(nodes)} steps"
        if not why.startswith("AIDE crashed"):
            why += f", none of which produced a working solution that wrote ./working/submission.csv ({summary['buggy']} buggy; see /home/logs/aide/journal.json)"
        print(f"aide: error: no submission: {why}", file=sys.stderr, flush=True)
        return stop[1] if stop and stop[1] else 1
    if code != 0 and not stop:
        print(f"aide: warning: AIDE failed (exit code {code}) after {len(nodes)} steps; its best submission so far is kept", file=sys.stderr, flush=True)
    return stop[1] if stop else 0


if __name__ == "__main__":
    sys.exit(main())
