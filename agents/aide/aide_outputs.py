"""What the aide agent leaves in /home: the best solution's submission and code, as AIDE finds them.

aideml 0.2.2 runs every node's code in the same workspace, so ./working/submission.csv holds the
LAST node's predictions, not the best node's (it keeps only best_solution.py, the code, and that
chosen with only_good=False, buggy nodes included). Re-running the best code at the end would
cost time we may not have and need not reproduce the same file, so instead each node's output is
judged right after its step: the file is removed before the node runs, and a node that AIDE's
review finds working (not buggy, a metric) and that wrote a submission becomes the new best when
its metric is better; its submission and code are copied out at once. So the best submission is
in /home/submission even if the container is killed a moment later.
"""

import json
import os
import shutil
from pathlib import Path


def atomic_copy(src: Path, dst: Path) -> None:
    """Copy through a temporary file in the destination folder, so a reader never sees half a file."""
    tmp = dst.with_name(f".{dst.name}.part")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def atomic_write(dst: Path, text: str) -> None:
    tmp = dst.with_name(f".{dst.name}.part")
    tmp.write_text(text)
    os.replace(tmp, dst)


class BestTracker:
    """Keeps /home/submission/submission.csv and /home/code/best_solution.py at the best node so far."""

    def __init__(self, working_dir: Path, submission: Path, code_dir: Path, log_dir: Path):
        self.working_submission = working_dir / "submission.csv"
        self.submission = submission
        self.code_dir = code_dir
        self.log_dir = log_dir
        self.best = None  # the aide.journal.Node whose files are in /home

    def before_exec(self) -> None:
        """Called before each node's code runs: a submission found afterwards is that node's."""
        self.working_submission.unlink(missing_ok=True)

    def _better(self, node) -> bool:
        if self.best is None:
            return True
        try:
            return node.metric > self.best.metric
        except AssertionError:
            # MetricValue refuses to compare when two reviews disagree on the direction: keep the first.
            return False

    def after_step(self, node) -> bool:
        """Judges the node just appended to the journal; True when it became the best."""
        wrote = self.working_submission.is_file() and not self.working_submission.is_symlink()
        if node.is_buggy or not wrote or not self._better(node):
            return False
        atomic_copy(self.working_submission, self.submission)
        atomic_write(self.code_dir / "best_solution.py", node.code)
        self.best = node
        atomic_write(self.log_dir / "best_node.json", json.dumps(self.describe(), indent=2) + "\n")
        return True

    def describe(self) -> dict | None:
        if self.best is None:
            return None
        n = self.best
        return {
            "node": n.id,
            "step": n.step,
            "stage": n.stage_name,
            "metric": n.metric.value,
            "maximize": n.metric.maximize,
            "plan": n.plan,
            "analysis": n.analysis,
        }


def node_summary(node) -> dict:
    """One progress line's fields for a finished node."""
    return {
        "node": node.id[:8],
        "stage": node.stage_name,
        "buggy": bool(node.is_buggy),
        "metric": None if node.metric is None else node.metric.value,
        "exec_secs": None if node.exec_time is None else round(node.exec_time, 1),
        "exception": node.exc_type,
    }
