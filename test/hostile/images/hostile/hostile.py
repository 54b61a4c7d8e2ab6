"""A hostile agent: HOSTILE (env) chooses the attack; what it finds goes to stdout (agent.log)
and, for the bulky parts, to /home/logs/. The tests read both and judge."""
import json
import os
import stat
import subprocess
import sys
import time

MODE = os.environ.get("HOSTILE", "probe")


def say(key, value):
    print(f"{key} {json.dumps(value)}", flush=True)


def read(path, limit=1 << 20):
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError as e:
        return f"<{e.__class__.__name__}: {e.strerror}>"


def mounts():
    """(mount point, root inside its source, fs type) of every mount, from mountinfo."""
    out = []
    for line in read("/proc/self/mountinfo").splitlines():
        f = line.split(" ")
        sep = f.index("-")
        out.append((f[4], f[3], f[sep + 1]))
    return out


def probe():
    say("ids", {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid()})
    for b in ("/usr/local/bin/suid-id",):
        st = os.stat(b)
        say("suid_binary", {"path": b, "setuid": bool(st.st_mode & stat.S_ISUID), "owner": st.st_uid})
    say("suid_id_euid", subprocess.run(["/usr/local/bin/suid-id", "-u"], capture_output=True, text=True).stdout.strip())
    say("suid_python_euid", subprocess.run(["/usr/local/bin/suid-python", "-c", "import os; print(os.geteuid())"], capture_output=True, text=True).stdout.strip())
    status = dict(l.split(":\t", 1) for l in read("/proc/self/status").splitlines() if ":\t" in l)
    say("status", {k: status.get(k, "").strip() for k in ("NoNewPrivs", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "Seccomp")})
    for target in ("/usr/hostile-probe", "/etc/hostile-probe", "/hostile-probe"):
        try:
            open(target, "w").write("x")
            say("rootfs_write", {"path": target, "result": "written"})
        except OSError as e:
            say("rootfs_write", {"path": target, "result": e.strerror})
    # Network: interfaces and routes, as the kernel sees them in this namespace.
    say("net_dev", [l.split(":")[0].strip() for l in read("/proc/net/dev").splitlines()[2:]])
    say("net_route", read("/proc/net/route").splitlines()[1:])
    say("net_if_inet6", read("/proc/net/if_inet6").splitlines())
    say("net_ipv6_route", [l for l in read("/proc/net/ipv6_route").splitlines() if not l.rstrip().endswith("lo")])
    say("mounts", mounts())
    # Everything readable outside the image: environments, command lines, every mounted file.
    with open("/home/logs/loot.txt", "w") as loot:
        loot.write("== env\n" + "\n".join(f"{k}={v}" for k, v in os.environ.items()) + "\n")
        for pid in (p for p in os.listdir("/proc") if p.isdigit()):
            for what in ("environ", "cmdline"):
                loot.write(f"== /proc/{pid}/{what}\n{read(f'/proc/{pid}/{what}')}\n")
        for point, _, fstype in mounts():
            if point == "/" or point.startswith(("/proc", "/sys", "/dev")) or point.startswith("/home/logs"):
                continue
            for d, _, files in os.walk(point):
                for name in files:
                    p = os.path.join(d, name)
                    loot.write(f"== {p}\n{read(p)}\n")
    # Every path of the whole filesystem (but /proc and /sys), and any socket among them.
    sockets = []
    with open("/home/logs/paths.txt", "w") as out:
        for d, dirs, files in os.walk("/"):
            if d == "/":
                dirs[:] = [x for x in dirs if x not in ("proc", "sys")]
            for name in dirs + files:
                p = os.path.join(d, name)
                out.write(p + "\n")
                try:
                    if stat.S_ISSOCK(os.lstat(p).st_mode):
                        sockets.append(p)
                except OSError:
                    pass
    say("sockets", sockets)
    say("docker_sock", [p for p in ("/var/run/docker.sock", "/run/docker.sock") if os.path.exists(p)])


def symlinks():
    """Links out of the output folders: the grader and the copy must never follow them."""
    data_root = next(root for point, root, _ in mounts() if point == "/home/data")
    answers = os.path.join(os.path.dirname(data_root), "private", "answers.csv")  # a host path, learnt from mountinfo
    os.symlink("/etc/passwd", "/home/submission/submission.csv")
    os.symlink("/etc/passwd", "/home/code/passwd")
    os.symlink(answers, "/home/code/answers.csv")
    os.symlink("/", "/home/code/root")
    os.symlink("/etc/passwd", "/home/logs/agent.log")
    os.mkfifo("/home/code/fifo")
    open("/home/code/solution.py", "w").write("print('hello')\n")
    open("/home/code/suid.sh", "w").write("#!/bin/sh\nid\n")
    os.chmod("/home/code/suid.sh", 0o6777)  # setuid, setgid, world-writable: the copy, owned by root, must be none of these
    say("planted", {"answers_host_path": answers})


def disk():
    """Write 100 GB, then a flood of small files, into the run folders and /tmp: all must stop."""
    block = b"\0" * (1 << 20)
    written = 0
    try:
        with open("/home/code/big.bin", "wb") as f:
            for _ in range(100 * 1024):
                f.write(block)
                written += len(block)
    except OSError as e:
        say("big_write", {"written": written, "error": e.strerror})
    else:
        say("big_write", {"written": written, "error": None})
    os.remove("/home/code/big.bin")
    for where in ("/home/logs/flood", "/tmp/flood"):
        os.makedirs(where)
        n = 0
        try:
            while n < 10_000_000:
                open(f"{where}/{n}", "w").close()
                n += 1
            say("flood", {"where": where, "files": n, "error": None})
        except OSError as e:
            say("flood", {"where": where, "files": n, "error": e.strerror})
        subprocess.run(["rm", "-rf", where])
    st = os.statvfs("/home/code")
    say("statvfs", {"bytes": st.f_blocks * st.f_frsize, "files": st.f_files})
    open("/home/submission/submission.csv", "w").write("id\n")


def forkbomb():
    """Every child forks forever; the parent watches, then gives up (exit 1)."""
    if os.fork() == 0:
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(0.01)
    time.sleep(4)
    procs = len([p for p in os.listdir("/proc") if p.isdigit()])
    say("forkbomb", {"processes": procs, "pids_max": read("/sys/fs/cgroup/pids/pids.max").strip() or read("/sys/fs/cgroup/pids.max").strip()})
    sys.exit(1)


def cpu():
    """Two busy processes for 3 s of wall time; the CPU time they got shows the cap."""
    for f in ("/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"):
        say("cgroup", {"file": f, "value": read(f).strip()})
    start = time.time()
    kids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            end = time.time() + 3
            while time.time() < end:
                pass
            os._exit(0)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    t = os.times()
    say("cpu", {"wall": time.time() - start, "cpu": t.children_user + t.children_system})


def oom():
    chunks = []
    while True:
        chunks.append(bytearray(64 << 20))


def bigsub():
    """A 2 GB submission: a header, then garbage lines."""
    line = b"id00000,0.1,0.2,0.7\n" * 52429  # ~1 MiB
    with open("/home/submission/submission.csv", "wb") as f:
        for _ in range(2048):
            f.write(line)
    say("bigsub", os.path.getsize("/home/submission/submission.csv"))


def late():
    """Works a few seconds, then writes its submission: long enough to lose the worker meanwhile."""
    open("/home/code/early.txt", "w").write("before\n")
    time.sleep(4)
    open("/home/submission/submission.csv", "w").write("id,label\n")
    say("late", "written")


def sparse():
    """Past the disk quota without filling the disk: a 15 TB sparse file, one real file hard-linked
    a hundred times, and a flood of hard links to an empty file (entries, no inodes)."""
    open("/home/submission/submission.csv", "w").write("id,label\n")
    for size in (15 << 40, 15 << 30):  # 15 TB, or 15 GB where the filesystem's blocks cannot address that
        try:
            with open("/home/code/huge.bin", "wb") as f:
                f.truncate(size)
            st = os.stat("/home/code/huge.bin")
            say("sparse", {"size": st.st_size, "allocated": st.st_blocks * 512})
            break
        except OSError as e:
            say("sparse_failed", {"size": size, "error": e.strerror})
    with open("/home/code/real.bin", "wb") as f:
        for _ in range(16):
            f.write(os.urandom(1 << 20))
    os.makedirs("/home/code/links")
    for i in range(100):
        os.link("/home/code/real.bin", f"/home/code/links/real-{i}.bin")
    open("/home/code/empty", "w").close()
    os.makedirs("/home/code/empty-links")
    n = 0
    try:
        while n < 20_000:
            os.link("/home/code/empty", f"/home/code/empty-links/{n}")
            n += 1
    except OSError as e:
        say("empty_links_error", e.strerror)
    st = os.statvfs("/home/code")
    say("links", {"real": 100, "empty": n, "used_bytes": (st.f_blocks - st.f_bfree) * st.f_frsize, "fs_bytes": st.f_blocks * st.f_frsize, "fs_files": st.f_files})


def stdout_flood():
    """A flood of stdout: numbered lines, then a last line; the harness's agent.log must stay capped."""
    total = int(os.environ.get("HOSTILE_FLOOD_BYTES", str(256 << 20)))
    line = b"x" * 1000 + b"\n"
    out = sys.stdout.buffer
    out.write(b"flood-start\n")
    written = 0
    i = 0
    while written < total:
        chunk = b"".join(b"%09d " % (i + k) + line for k in range(1000))
        out.write(chunk)
        written += len(chunk)
        i += 1000
    out.write(b"flood-end %d\n" % written)
    out.flush()


def init_state():
    status = dict(l.split(":\t", 1) for l in read("/proc/1/status").splitlines() if ":\t" in l)
    return {"name": status.get("Name", "").strip(), "state": status.get("State", "").strip()[:1]}


def linger():
    """Outlive the time limit: ignore SIGTERM, try to stop, kill, ptrace and read PID 1 (the
    harness's clock), leave a detached grandchild behind, then sleep forever."""
    import ctypes
    import signal
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    say("init", init_state() | {"cmdline": read("/proc/1/cmdline").split("\0")[:3]})
    sent = {}
    for sig in (signal.SIGSTOP, signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
        try:
            os.kill(1, sig)
            sent[sig.name] = "sent"
        except OSError as e:
            sent[sig.name] = e.strerror
    time.sleep(0.5)
    say("kill_init", {"sent": sent, "after": init_state()})
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    traced = {}
    for name, request in (("PTRACE_ATTACH", 16), ("PTRACE_SEIZE", 0x4206)):
        r = libc.ptrace(request, 1, None, None)
        traced[name] = "attached" if r == 0 else os.strerror(ctypes.get_errno())
    say("ptrace_init", traced)
    say("init_mem", read("/proc/1/mem", 16)[:60])
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                time.sleep(1)
        os._exit(0)
    say("lingering", {"pid": os.getpid()})
    while True:
        time.sleep(1)


def dns_query(name, qid):
    """A DNS query for NAME, type A, as bytes."""
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return qid.to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + labels + b"\x00\x01\x00\x01"


def ask(server, name, timeout=3.0):
    """One UDP query straight to SERVER: the answer's rcode, or why there was none."""
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    started = time.time()
    try:
        s.sendto(dns_query(name, 0x4d4c), (server, 53))
        data, _ = s.recvfrom(4096)
        return {"rcode": data[3] & 0x0F, "answers": int.from_bytes(data[6:8], "big"), "secs": round(time.time() - started, 2)}
    except OSError as e:
        return {"error": e.__class__.__name__, "secs": round(time.time() - started, 2)}
    finally:
        s.close()


def dns():
    """Look for a resolver that forwards outside: resolv.conf, the system lookup, a query straight to
    Docker's embedded resolver, and (a control) what that resolver forwards to a server of our own
    on this container's loopback."""
    import socket
    import threading
    name = os.environ["HOSTILE_DNS_NAME"]
    say("resolv_conf", [l for l in read("/etc/resolv.conf").splitlines() if l and not l.startswith("#")])
    started = time.time()
    try:
        found = socket.getaddrinfo(f"{name}-getaddrinfo.example.com", 80)
        say("lookup", {"resolved": [a[4][0] for a in found], "secs": round(time.time() - started, 2)})
    except socket.gaierror as e:
        say("lookup", {"error": e.strerror, "secs": round(time.time() - started, 2)})
    say("embedded", ask("127.0.0.11", f"{name}-embedded.example.com"))
    # The control: a server of ours where the embedded resolver may forward (ports below 1024 are
    # open to any uid in Docker 20.10's containers); it logs what arrives and answers NXDOMAIN.
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    seen = []
    try:
        srv.bind(("127.0.0.1", 53))
    except OSError as e:
        say("own_server", {"error": e.strerror})
        return

    def serve():
        while True:
            data, peer = srv.recvfrom(4096)
            qname, i = [], 12
            while data[i]:
                qname.append(data[i + 1:i + 1 + data[i]].decode())
                i += 1 + data[i]
            seen.append({"name": ".".join(qname), "from": peer[0]})
            srv.sendto(data[:2] + b"\x81\x83" + data[4:6] + b"\x00\x00\x00\x00\x00\x00" + data[12:i + 5], peer)

    threading.Thread(target=serve, daemon=True).start()
    say("embedded_with_own_server", ask("127.0.0.11", f"{name}-control.example.com"))
    say("own_server", {"seen": seen})


def garbage():
    with open("/home/submission/submission.csv", "wb") as f:
        f.write(os.urandom(1 << 20))


{"probe": probe, "symlinks": symlinks, "disk": disk, "forkbomb": forkbomb, "cpu": cpu, "oom": oom, "bigsub": bigsub, "garbage": garbage, "late": late, "sparse": sparse, "stdout": stdout_flood, "linger": linger, "dns": dns}[MODE]()
