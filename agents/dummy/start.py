#!/usr/bin/env python3
"""The dummy agent: copies the sample submission, after checking that nothing secret is
reachable from its sandbox. Its variants' behaviour comes from the environment:
  DUMMY_FAIL_SEEDS  comma-separated seeds on which it exits 1 without a submission
  DUMMY_SLEEP_SECS  seconds to sleep before writing its submission
  DUMMY_SLEEP_SEEDS comma-separated seeds that sleep (when set; otherwise every seed sleeps)
  DUMMY_HANG        "1": after writing its submission, never exit (to be stopped at its time limit)
  DUMMY_WORK_FROM_STEP_LIMIT  work STEP_LIMIT seconds (this value without one), logging every 30 s
Exit codes: 0 done, 1 asked to fail, 3 a leak was found (printed as "LEAK: ...")."""
import os
import shutil
import sys
import time

DATA = "/home/data"
SUBMISSION = "/home/submission/submission.csv"
LOG_FILE = "/home/logs/dummy.log"
DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/docker.sock", "/var/run/docker/containerd/containerd.sock"]
# System folders where a "private" directory means something else (e.g. TLS keys).
SYSTEM_PRIVATE_OK = ("/etc/", "/usr/", "/proc/", "/sys/")
SKIP_WALK = {"/proc", "/sys", "/dev"}


def log(msg):
    line = f"[dummy] {msg}"
    print(line, flush=True)
    with open(LOG_FILE, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def looks_secret(name):
    n = name.lower()
    return n.startswith("answers") or n.startswith("gold_submission") or n == "private"


def find_leaks():
    leaks = [f"docker socket {s}" for s in DOCKER_SOCKETS if os.path.exists(s)]
    # A bind mount's source path on the host shows in mountinfo: none may be private data.
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            source, target = fields[3], fields[4]
            parts = source.lower().split("/")
            if "private" in parts or any(looks_secret(p) for p in parts if p):
                leaks.append(f"mount of {source} at {target}")
    for top, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in SKIP_WALK]
        for name in dirs + files:
            full = os.path.join(top, name)
            if looks_secret(name) and not full.startswith(SYSTEM_PRIVATE_OK):
                leaks.append(f"file {full}")
    return leaks


def work(secs):
    """Works `secs` seconds by the wall clock, saying so every 30 s (a restarted agent logs "working" twice)."""
    log(f"working {secs}s")
    end = time.time() + secs
    while (left := end - time.time()) > 0:
        time.sleep(min(30, left))
        log(f"worked, {max(0, end - time.time()):.0f}s left")


def main():
    seed = os.environ.get("SEED", "")
    log(f"competition={os.environ.get('COMPETITION_ID')} seed={seed} "
        f"time_limit={os.environ.get('TIME_LIMIT_SECS')} uid={os.getuid()}")
    leaks = find_leaks()
    for leak in leaks:
        log(f"LEAK: {leak}")
    if leaks:
        return 3
    fail_seeds = [s.strip() for s in os.environ.get("DUMMY_FAIL_SEEDS", "").split(",") if s.strip()]
    if seed in fail_seeds:
        log(f"failing on purpose: seed {seed} is in DUMMY_FAIL_SEEDS")
        return 1
    sleep_secs = float(os.environ.get("DUMMY_SLEEP_SECS", "0") or 0)
    sleep_seeds = [s.strip() for s in os.environ.get("DUMMY_SLEEP_SEEDS", "").split(",") if s.strip()]
    if sleep_seeds and seed not in sleep_seeds:
        sleep_secs = 0
    if sleep_secs > 0:
        log(f"sleeping {sleep_secs:g}s")
        time.sleep(sleep_secs)
    work_default = os.environ.get("DUMMY_WORK_FROM_STEP_LIMIT", "")
    if work_default:
        work(int(os.environ.get("STEP_LIMIT", "") or work_default))
    shutil.copyfile(os.path.join(DATA, "sample_submission.csv"), SUBMISSION)
    with open("/home/code/dummy.py", "w", encoding="utf-8") as f:
        f.write("# The dummy agent copied the sample submission.\n")
    log(f"wrote {SUBMISSION}")
    if os.environ.get("DUMMY_HANG") == "1":
        log("hanging until stopped")
        while True:
            time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
