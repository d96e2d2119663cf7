"""Start and stop etcd-compatible servers (etcd itself or `chorus serve`) for compatibility tests.

Shared by differential.py and etcd3_session.py. Standard library only; run with /usr/bin/python3.

Both kinds are started with exactly the same etcd flags, so that `chorus serve` is held to
etcd's command line as well as to its wire protocol:

    etcd         --name n1 --data-dir D --listen-client-urls http://127.0.0.1:P ...
    chorus serve --name n1 --data-dir D --listen-client-urls http://127.0.0.1:P ...

Every address is 127.0.0.1 with a port the kernel handed out as free. Every wait has a deadline.
Every process started here is registered and killed on exit, also after an exception, Ctrl-C or
SIGTERM (see `install_cleanup`).
"""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ETCD_BINARY = "/usr/bin/etcd"
ETCDCTL_BINARY = "/usr/bin/etcdctl"

# Bounds, in seconds.
START_DEADLINE_S = 30.0
STOP_GRACE_S = 5.0
CTL_TIMEOUT_S = 20.0
POLL_INTERVAL_S = 0.1

# Every server process this module started and has not yet reaped.
_live_processes = set()


def _kill_all_live():
    for process in list(_live_processes):
        _stop_process(process)


def _raise_system_exit(signum, frame):
    raise SystemExit(128 + signum)


def install_cleanup():
    """Kill every server on interpreter exit, and turn SIGTERM/SIGHUP into SystemExit so that
    `finally` blocks run (Ctrl-C already raises KeyboardInterrupt)."""
    atexit.register(_kill_all_live)
    # Explicitly: a process started in the background by a non-interactive shell inherits
    # SIGINT as ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_system_exit)
    signal.signal(signal.SIGHUP, _raise_system_exit)


def _stop_process(process):
    """SIGTERM, then SIGKILL after STOP_GRACE_S; always reaps. Only this one process id."""
    if process.poll() is None:
        try:
            process.terminate()
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_GRACE_S)
        except ProcessLookupError:
            pass
    _live_processes.discard(process)


def free_ports(count):
    """`count` distinct free TCP ports on 127.0.0.1 (all sockets held open until every port is
    chosen, so the kernel cannot hand the same one out twice)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def ctl_environment(endpoints=None):
    """Environment for etcdctl: API v3, no inherited ETCDCTL_* settings, and no proxy (grpc-go
    honours HTTP(S)_PROXY; every request must go straight to 127.0.0.1)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ETCDCTL_") and "proxy" not in key.lower()
    }
    env["ETCDCTL_API"] = "3"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["no_proxy"] = "127.0.0.1,localhost"
    if endpoints:
        env["ETCDCTL_ENDPOINTS"] = ",".join(endpoints)
    return env


def run_ctl(args, endpoints, stdin_text=None, timeout_s=CTL_TIMEOUT_S):
    """Run etcdctl once; returns (stdout, stderr, exit status). A run past timeout_s is killed
    and reported with exit status 'timeout'."""
    command = [ETCDCTL_BINARY, "--endpoints=" + ",".join(endpoints)] + list(args)
    try:
        completed = subprocess.run(
            command,
            input=stdin_text if stdin_text is not None else "",
            capture_output=True,
            text=True,
            env=ctl_environment(),
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired as expired:
        return _text(expired.stdout), _text(expired.stderr), "timeout"
    return completed.stdout, completed.stderr, completed.returncode


def _text(data):
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


class Member:
    """One server process: its name, ports, data directory and log file."""

    def __init__(self, name, client_port, peer_port, data_dir, log_path):
        self.name = name
        self.client_port = client_port
        self.peer_port = peer_port
        self.data_dir = data_dir
        self.log_path = log_path
        self.process = None

    @property
    def endpoint(self):
        return "127.0.0.1:%d" % self.client_port

    @property
    def client_url(self):
        return "http://127.0.0.1:%d" % self.client_port

    @property
    def peer_url(self):
        return "http://127.0.0.1:%d" % self.peer_port


class Cluster:
    """A fresh cluster of `size` members of one kind ('etcd' or 'chorus') under root_dir.

    Use as a context manager: the servers are stopped on leaving the block, whatever happened.
    `extra_flags` are appended to every member's command line (etcd flags, e.g.
    ['--max-request-bytes', '1024']); chorus serve must accept the same ones.
    """

    def __init__(self, kind, size, root_dir, chorus_binary=None, extra_flags=(), token="chorus-compat"):
        if kind not in ("etcd", "chorus"):
            raise ValueError("kind must be 'etcd' or 'chorus', not %r" % kind)
        if kind == "chorus" and not chorus_binary:
            raise ValueError("--chorus-binary is required to start chorus")
        assert 1 <= size <= 7
        self.kind = kind
        self.root_dir = root_dir
        self.chorus_binary = chorus_binary
        self.extra_flags = list(extra_flags)
        self.token = token
        self.healthy_at = None  # time.monotonic() when wait_healthy last succeeded
        ports = free_ports(2 * size)
        self.members = [
            Member(
                "n%d" % (index + 1),
                ports[2 * index],
                ports[2 * index + 1],
                os.path.join(root_dir, "n%d.data" % (index + 1)),
                os.path.join(root_dir, "n%d.log" % (index + 1)),
            )
            for index in range(size)
        ]

    # -- command lines ---------------------------------------------------------------------

    def initial_cluster(self, members=None):
        return ",".join("%s=%s" % (m.name, m.peer_url) for m in (members or self.members))

    def command_line(self, member, initial_cluster, state):
        if self.kind == "etcd":
            program = [ETCD_BINARY]
        else:
            program = [self.chorus_binary, "serve"]
        flags = [
            "--name", member.name,
            "--data-dir", member.data_dir,
            "--listen-client-urls", member.client_url,
            "--advertise-client-urls", member.client_url,
            "--listen-peer-urls", member.peer_url,
            "--initial-advertise-peer-urls", member.peer_url,
            "--initial-cluster", initial_cluster,
            "--initial-cluster-state", state,
            "--initial-cluster-token", self.token,
        ]
        return program + flags + self.extra_flags

    # -- lifecycle -------------------------------------------------------------------------

    def _spawn(self, member, initial_cluster, state):
        log = open(member.log_path, "ab")
        try:
            member.process = subprocess.Popen(
                self.command_line(member, initial_cluster, state),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=ctl_environment(),
                # Own process group: a Ctrl-C reaches only this harness, which then stops the
                # servers itself (and records nothing half-dead).
                start_new_session=True,
            )
        finally:
            log.close()
        _live_processes.add(member.process)

    def start(self):
        initial_cluster = self.initial_cluster()
        for member in self.members:
            self._spawn(member, initial_cluster, "new")
        self.wait_healthy(self.members)
        return self

    def add_member_process(self, name, peer_port, initial_cluster):
        """Start one more member that was already added with `member add`
        (--initial-cluster-state existing), and return it. Does not wait for health: a learner
        may refuse the health check's read."""
        client_port = free_ports(1)[0]
        member = Member(
            name,
            client_port,
            peer_port,
            os.path.join(self.root_dir, "%s.data" % name),
            os.path.join(self.root_dir, "%s.log" % name),
        )
        self.members.append(member)
        self._spawn(member, initial_cluster, "existing")
        return member

    def wait_healthy(self, members, deadline_s=START_DEADLINE_S):
        """Poll `etcdctl endpoint health` on every member until all answer healthy."""
        deadline = time.monotonic() + deadline_s
        endpoints = [m.endpoint for m in members]
        last = ""
        while time.monotonic() < deadline:
            for member in members:
                if member.process.poll() is not None:
                    raise RuntimeError(
                        "%s %s exited with status %s during start; log (kept with --keep-logs): %s\n%s"
                        % (self.kind, member.name, member.process.returncode, member.log_path,
                           tail(member.log_path))
                    )
            out, err, status = run_ctl(
                ["--dial-timeout=1s", "--command-timeout=2s", "endpoint", "health"],
                endpoints, timeout_s=5)
            if status == 0:
                self.healthy_at = time.monotonic()
                return
            last = out + err
            time.sleep(POLL_INTERVAL_S)
        raise RuntimeError(
            "%s cluster not healthy after %.0f s: %s\nlog of n1:\n%s"
            % (self.kind, deadline_s, last.strip(), tail(self.members[0].log_path))
        )

    def stop(self):
        for member in self.members:
            if member.process is not None:
                _stop_process(member.process)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- what the harness needs to know ----------------------------------------------------

    def endpoints(self):
        return [m.endpoint for m in self.members]

    def leader_name(self):
        """Name of the member that the running members call leader, or None if they disagree."""
        names = {}
        running = [m for m in self.members if m.process and m.process.poll() is None]
        for member in running:
            out, _, status = run_ctl(["endpoint", "status", "-w", "json"], [member.endpoint], timeout_s=10)
            if status != 0:
                return None
            names[member.name] = json.loads(out)[0]["Status"]
        leaders = {status["leader"] for status in names.values()}
        if len(leaders) != 1:
            return None
        leader_id = leaders.pop()
        for member in running:
            if names[member.name]["header"]["member_id"] == leader_id:
                return member.name
        return None


def tail(path, lines=30):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return "(no log)"


def make_root(prefix="chorus-compat-"):
    return tempfile.mkdtemp(prefix=prefix)


def finish_root(root, passed):
    """Ends a harness run that kept its members under `root`: removes the directory after a run
    that passed (each member's WAL preallocates 64 MiB, so leaving them fills a disk), keeps it
    after one that failed, for its logs. Returns the exit status, 0 or 1."""
    if passed:
        shutil.rmtree(root, ignore_errors=True)
        return 0
    sys.stderr.write("member data and logs kept in %s\n" % root)
    return 1
