/**
 * PID 1 of the harness's containers (spec.ts's deadlineEntrypoint), a Python program passed with
 * 'python3 -I -c': the container's own clock. Kept here as a string, not as a file, because the
 * worker may run where only dist/ is (the compose image); nothing needs mounting this way.
 */
export const INIT_SOURCE = String.raw`"""PID 1 of the harness's containers (core/sandbox/init.ts, run by spec.ts's deadlineEntrypoint): the container's own clock.

    python3 -I -c <this file> DEADLINE_SECS STOP_GRACE_SECS -- COMMAND...

Runs COMMAND as its only child, forwards it the signals tini would (so "docker stop" behaves
as before), reaps orphans, and exits with COMMAND's exit code (128 + signal when killed). At
DEADLINE_SECS after its own start, i.e. the container's, it sends SIGTERM to every process,
SIGKILL to what is left STOP_GRACE_SECS later, and exits 124, ending the container: a time
limit that holds with no worker alive.

The agent runs as the same uid but cannot stop this clock: the kernel drops SIGKILL and SIGSTOP
sent to a namespace's init from inside it (and every signal it has no handler for), the
signals it waits for only reach COMMAND, and it is made non-dumpable so no process of that uid
may ptrace it or touch its memory. Standard library only; no file of the image is trusted
beyond the python3 interpreter (-I: no PYTHON* variables, no user site, no script folder).
"""
import ctypes
import os
import signal
import sys
import time

DEADLINE_EXIT = 124
FORWARDED = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH}


def note(message):
    sys.stderr.write(f"mlebench-init: {message}\n")
    sys.stderr.flush()


def reap(child):
    """Reaps every exited child; returns COMMAND's exit code once it has exited, else None."""
    code = None
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return code
        if pid == 0:
            return code
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            code = 128 - code if code < 0 else code


def signal_all(sig):
    try:
        os.kill(-1, sig)  # every process this one may signal (the container's, all of the agent's uid), never itself
    except ProcessLookupError:
        pass


def main():
    deadline = float(sys.argv[1])
    grace = float(sys.argv[2])
    if sys.argv[3] != "--" or len(sys.argv) < 5:
        note("usage: DEADLINE_SECS STOP_GRACE_SECS -- COMMAND...")
        sys.exit(2)
    command = sys.argv[4:]
    start = time.monotonic()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE, 0
        note(f"prctl(PR_SET_DUMPABLE, 0) failed: {os.strerror(ctypes.get_errno())}")
        sys.exit(125)
    waited = FORWARDED | {signal.SIGCHLD}
    signal.pthread_sigmask(signal.SIG_BLOCK, waited)
    try:
        # The child starts with no blocked signals and default dispositions (Python ignores SIGPIPE and SIGXFSZ).
        child = os.posix_spawnp(command[0], command, os.environ, setsigmask=(), setsigdef=tuple(waited | {signal.SIGPIPE, signal.SIGXFSZ}))
    except OSError as e:
        note(f"cannot run {command[0]}: {e.strerror}")
        sys.exit(127)

    while True:
        left = deadline - (time.monotonic() - start)
        if left <= 0:
            break
        info = signal.sigtimedwait(waited, left)
        if info is None:
            continue
        if info.si_signo == signal.SIGCHLD:
            code = reap(child)
            if code is not None:
                sys.exit(code)  # the kernel kills whatever else is left when PID 1 exits
        else:
            try:
                os.kill(child, info.si_signo)
            except ProcessLookupError:
                pass

    note(f"time limit reached ({deadline:g} s since the container started): SIGTERM to every process, SIGKILL after {grace:g} s")
    signal_all(signal.SIGTERM)
    end = time.monotonic() + grace
    while time.monotonic() < end:
        reap(child)
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break  # every process is gone: orphans are this one's children
        signal.sigtimedwait({signal.SIGCHLD}, max(0.0, end - time.monotonic()))
    signal_all(signal.SIGKILL)
    os._exit(DEADLINE_EXIT)


main()
`;
