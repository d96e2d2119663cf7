#!/usr/bin/python3
"""Differential test: the same scripted etcdctl sessions against a reference and a candidate
server, outputs normalised and compared step by step.

    differential.py --reference etcd --candidate chorus --chorus-binary build/src/cli/chorus
    differential.py --reference etcd --candidate etcd          # validates the harness itself
    differential.py --reference etcd --candidate etcd --self-test
    differential.py --list

Each session starts a fresh server (one member, or three where membership or leadership is the
subject) on free 127.0.0.1 ports in a fresh temporary directory, runs its steps, and records
each step's stdout, stderr and exit status. `Normaliser` (one class, below) then hides exactly
what two correct servers may legitimately disagree on: generated ids, raft term and index,
database size, version strings, timestamps, durations, temporary paths and ports, and KV hashes.
Anything else that differs fails the session, and the report shows a unified diff per step.

Exit status: 0 when every session matches, 1 when any differs (a summary per session is
printed), 2 on a usage error. Standard library only; run with /usr/bin/python3 (etcd3 is only
needed by grpc_call.py, which some steps run as a subprocess). See docs/compatibility-testing.md.
"""

import argparse
import copy
import difflib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import servers  # noqa: E402

PYTHON_WITH_ETCD3 = "/usr/bin/python3"
GRPC_CALL = os.path.join(HERE, "grpc_call.py")

# Bounds, in seconds.
BACKGROUND_WAIT_S = 10.0  # a background etcdctl's expected output must appear within this
BACKGROUND_STOP_S = 5.0  # after a signal, before SIGKILL
WATCHER_WAIT_S = 5.0  # a watch must be registered within this (when /metrics tells us)
WATCHER_FALLBACK_S = 1.0  # fixed wait when the server has no etcd-style /metrics
EXPIRY_WAIT_S = 15.0  # a lease with TTL 3 s must have expired within this
RECONFIG_SETTLE_S = 6.0  # membership changes only this long after the cluster became healthy


# ======================================================================================
# Recording one session on one server
# ======================================================================================


class Step:
    """What one step showed: stdout, stderr and exit status.

    compare: 'all' compares all three; 'status' compares only the exit status (snapshot files:
    their bytes legitimately differ). unordered: the stdout and stderr lines are a set whose order the
    server does not define (member list order follows random member ids, lease list follows a
    Go map), so they are compared sorted.
    """

    def __init__(self, label, stdout, stderr, status, compare="all", unordered=False):
        assert compare in ("all", "status")
        self.label = label
        self.stdout = stdout
        self.stderr = stderr
        self.status = status
        self.compare = compare
        self.unordered = unordered


class Background:
    """An etcdctl that runs until stopped (watch, lock holder, campaign, elect --listen).

    Output is collected by reader threads; `wait_for` is bounded; `stop` signals, reaps and
    records the step. The exit status recorded is etcdctl's own (a Go program dies of SIGTERM
    with -15; on SIGINT lock and elect release what they hold and exit), the same for two
    correct servers.
    """

    def __init__(self, run, args, label, endpoints):
        self.run = run
        self.label = label
        self.recorded = False
        self.process = subprocess.Popen(
            [servers.ETCDCTL_BINARY, "--endpoints=" + ",".join(endpoints)] + args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=servers.ctl_environment(),
            start_new_session=True,
        )
        self._out = []
        self._err = []
        self._threads = [
            threading.Thread(target=self._pump, args=(self.process.stdout, self._out), daemon=True),
            threading.Thread(target=self._pump, args=(self.process.stderr, self._err), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _pump(stream, sink):
        for line in iter(stream.readline, ""):
            sink.append(line)

    def stdout(self):
        return "".join(self._out)

    def wait_for(self, text, timeout_s=BACKGROUND_WAIT_S):
        """True once `text` is in stdout (or the process exited); False at the deadline."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if text in self.stdout():
                return True
            if self.process.poll() is not None:
                return text in self.stdout()
            time.sleep(0.05)
        print("    note: %s: %r not seen within %.0f s" % (self.label, text, timeout_s),
              file=sys.stderr, flush=True)
        return False

    def wait_exit(self, timeout_s=BACKGROUND_WAIT_S):
        try:
            self.process.wait(timeout=timeout_s)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self, sig=signal.SIGTERM, record=True):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=BACKGROUND_STOP_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=BACKGROUND_STOP_S)
        for thread in self._threads:
            thread.join(timeout=BACKGROUND_STOP_S)
        if record and not self.recorded:
            self.recorded = True
            self.run.steps.append(Step(self.label, "".join(self._out), "".join(self._err),
                                       self.process.returncode))


class SessionRun:
    """One session on one freshly started cluster: the steps recorded so far, and what the
    harness learned about the cluster (ports, member ids, cluster ids) to normalise them."""

    def __init__(self, cluster, root):
        self.cluster = cluster
        self.root = root
        self.steps = []
        self.backgrounds = []
        self.member_ids = {}  # member id (int) -> member name
        self.cluster_ids = set()
        self.peer_names = {}  # peer port -> member name, including members added later
        self.ports = {}  # port -> "client:n1" / "peer:n1"
        for member in cluster.members:
            self.register_member(member.name, member.client_port, member.peer_port)
        self.learn_members()

    # -- facts for the normaliser ---------------------------------------------------------

    def register_member(self, name, client_port, peer_port):
        if client_port:
            self.ports[client_port] = "client:" + name
        if peer_port:
            self.ports[peer_port] = "peer:" + name
            self.peer_names[peer_port] = name

    def learn_members(self):
        """Ask the cluster (unrecorded) for its member and cluster ids; member ids are mapped
        to names through their peer URLs, which the harness chose."""
        for member in self.cluster.members:
            if member.process is None or member.process.poll() is not None:
                continue
            out, _, status = servers.run_ctl(["member", "list", "-w", "json"], [member.endpoint],
                                              timeout_s=10)
            if status != 0:
                continue
            reply = json.loads(out)
            self.cluster_ids.add(int(reply["header"]["cluster_id"]))
            for entry in reply.get("members", []):
                for url in entry.get("peerURLs", []):
                    port = int(url.rsplit(":", 1)[1])
                    if port in self.peer_names:
                        self.member_ids[int(entry["ID"])] = self.peer_names[port]
            return

    # -- steps ------------------------------------------------------------------------------

    def endpoints(self, names=None):
        members = self.cluster.members
        if names is None:
            return [members[0].endpoint]
        return [m.endpoint for m in members if m.name in names]

    def ctl(self, args, stdin=None, compare="all", unordered=False, on=None, label=None,
            timeout_s=servers.CTL_TIMEOUT_S):
        """Run and record one etcdctl step. args: a shell-like string or a list. on: member
        names to send it to (default: n1 only, so that header.member_id is deterministic)."""
        argv = shlex.split(args) if isinstance(args, str) else list(args)
        out, err, status = servers.run_ctl(argv, self.endpoints(on), stdin_text=stdin,
                                           timeout_s=timeout_s)
        step = Step(label or "etcdctl " + " ".join(shlex.quote(a) for a in argv),
                    out, err, status, compare, unordered)
        self.steps.append(step)
        if argv and argv[0] in ("member", "move-leader"):
            self.learn_members()
        return step

    def quiet(self, args, on=None, timeout_s=servers.CTL_TIMEOUT_S):
        """An unrecorded etcdctl call, for the harness's own waiting and bookkeeping."""
        argv = shlex.split(args) if isinstance(args, str) else list(args)
        return servers.run_ctl(argv, self.endpoints(on), timeout_s=timeout_s)

    def grpc(self, *requests):
        """Raw KV requests through grpc_call.py (one interpreter for all of them), for what
        etcdctl 3.4 cannot send; one recorded step each. A request is (method, fields); string
        values of key / range_end / value in fields (also nested) are base64-encoded here."""
        batch = [[method, _encode_bytes_fields(fields)] for method, fields in requests]
        command = [PYTHON_WITH_ETCD3, GRPC_CALL, "--endpoint", self.endpoints()[0], "--batch"]
        try:
            completed = subprocess.run(command, input=json.dumps(batch), capture_output=True, text=True,
                                       timeout=servers.CTL_TIMEOUT_S * len(batch),
                                       env=servers.ctl_environment())
            results = json.loads(completed.stdout) if completed.returncode == 0 else None
            failure = completed.stderr
        except (subprocess.TimeoutExpired, ValueError) as error:
            results, failure = None, str(error)
        for index, (method, fields) in enumerate(requests):
            label = "grpc %s %s" % (method, json.dumps(fields, sort_keys=True))
            if results is None:  # the helper itself failed: show why, in every step
                self.steps.append(Step(label, "", "grpc_call.py failed: %s" % failure, "error"))
            else:
                self.steps.append(Step(label, *results[index]))

    def note(self, label, text):
        """Record a fact the harness computed (e.g. 'snapshot file written: True')."""
        self.steps.append(Step(label, text + "\n", "", 0))

    def background(self, args, label=None, on=None):
        argv = shlex.split(args) if isinstance(args, str) else list(args)
        handle = Background(self, argv, label or "etcdctl " + " ".join(argv) + "  (background)",
                            self.endpoints(on))
        self.backgrounds.append(handle)
        return handle

    def stop_backgrounds(self):
        for handle in self.backgrounds:
            handle.stop(signal.SIGKILL, record=False)

    # -- helpers sessions share ----------------------------------------------------------------

    def lease_grant(self, ttl_s):
        """Record `lease grant`, return the lease id as etcdctl prints it (hex)."""
        step = self.ctl("lease grant %d" % ttl_s)
        match = re.search(r"lease ([0-9a-f]+) granted", step.stdout)
        return match.group(1) if match else "0"

    def wait_watchers(self, count):
        """Wait until the server has `count` watchers registered, so that writes that follow
        are seen live. etcd tells through /metrics (etcd_debugging_mvcc_watcher_total); a
        server without that metric gets a fixed WATCHER_FALLBACK_S instead. Unrecorded."""
        url = "http://%s/metrics" % self.endpoints()[0]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + WATCHER_WAIT_S
        while time.monotonic() < deadline:
            try:
                text = opener.open(url, timeout=2).read().decode(errors="replace")
            except Exception:  # no /metrics: not an error, only less precise waiting
                time.sleep(WATCHER_FALLBACK_S)
                return
            match = re.search(r"^etcd_debugging_mvcc_watcher_total (\d+)", text, re.M)
            if not match:
                time.sleep(WATCHER_FALLBACK_S)
                return
            if int(match.group(1)) >= count:
                return
            time.sleep(0.05)
        print("    note: fewer than %d watchers registered after %.0f s" % (count, WATCHER_WAIT_S),
              file=sys.stderr, flush=True)

    def wait_since_start(self, seconds):
        remaining = self.cluster.healthy_at + seconds - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    def wait_until(self, predicate, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        return False


def _encode_bytes_fields(value):
    import base64

    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key in ("key", "range_end", "value") and isinstance(item, str):
                result[key] = base64.b64encode(item.encode()).decode()
            else:
                result[key] = _encode_bytes_fields(item)
        return result
    if isinstance(value, list):
        return [_encode_bytes_fields(item) for item in value]
    return value


# ======================================================================================
# Normalisation
# ======================================================================================


class Normaliser:
    """Rewrites one session's outputs so that two correct servers print the same text.

    This is the ONLY place where differences are forgiven; keep every rule narrow, tied to the
    context where the value appears, and explain why it may legitimately differ. Placeholders
    are numbered by first appearance within the session, so equalities survive: the lease
    granted in step 3 must be the lease shown in step 7, and a hash that must not change
    across a defrag must stay the same placeholder.

    What it hides, and why:
      * member ids -> <member:NAME>, cluster ids -> <cluster>: generated (etcd hashes the peer
        URLs, which use free ports); mapped through names so that *which* member answered or
        leads still counts. Hex (any width, also space-padded) only in the contexts where
        etcdctl prints ids (MEMBER_ID_CONTEXTS); decimal in JSON by field name. An id the
        harness does not know stays visible.
      * lease ids -> <lease#N>: generated (etcd: member id bits + time). Hex (%016x and the
        shorter %x in lock/election keys) and decimal (JSON) map to the same placeholder.
      * raft term -> <raft-term>, raft index / applied index -> <raft-index>: how many
        elections and internal entries (conf changes, ...) a server needs is its own business.
        The KV revision is NOT hidden: it is client-visible and must match.
      * db size / size in use -> <db-size>: storage engines differ.
      * server version strings -> <version>.
      * timestamps in etcdctl's JSON log lines ("ts") -> <ts>; etcdctl's per-process client
        UUID in the "target" field -> <uuid>.
      * durations after "took = " and in JSON "took" (endpoint health) -> <duration>.
      * remaining TTL: "remaining(Ns)" / JSON "ttl" becomes "<=granted" when 0 < N <= granted
        TTL (time passes between grant and query); any other value stays visible.
      * temporary directory -> <tmp>; 127.0.0.1 ports -> <client:NAME> / <peer:NAME>.
      * KV hashes (endpoint hashkv) -> <hash#N>: etcd's hash is a CRC over its bbolt bucket
        (revision keys and marshalled KeyValues, lease ids included); another storage engine
        legitimately computes another value, and only members of one cluster must agree.
        Equalities still count (unchanged by defrag, equal across members, changed by a put).
      * order only where the server defines none: the members of a member list and of
        ETCD_INITIAL_CLUSTER (ordered by random member id), the leases of a lease list and the
        keys of a lease (Go map iteration), per-endpoint lines of --cluster commands.
      * JSON: key order (re-serialised with sorted keys).
    Anything else is compared verbatim.
    """

    LEASE_KEY_PREFIXES = ("lock-a/", "election-a/")  # concurrency recipes: "<name>/<lease %x>"

    def __init__(self, run_facts, tmp_root):
        self.member_ids = dict(run_facts.member_ids)
        self.cluster_ids = set(run_facts.cluster_ids)
        self.ports = dict(run_facts.ports)
        self.tmp_root = tmp_root
        self.placeholders = {}  # (category, value) -> placeholder
        self.counters = {}

    def placeholder(self, category, value):
        key = (category, value)
        if key not in self.placeholders:
            self.counters[category] = self.counters.get(category, 0) + 1
            self.placeholders[key] = "<%s#%d>" % (category, self.counters[category])
        return self.placeholders[key]

    def member(self, value):
        value = int(value)
        if value in self.member_ids:
            return "<member:%s>" % self.member_ids[value]
        if value in self.cluster_ids:
            return "<cluster>"
        return value  # unknown: left visible, so a wrong id shows as a difference

    def lease(self, value):
        value = int(value)
        if value == 0:
            return 0
        return self.placeholder("lease", value)

    # -- steps ------------------------------------------------------------------------------

    def step(self, step):
        """The rendered text of one step, as compared."""
        lines = ["exit status: %s" % step.status]
        if step.compare == "status":
            lines.append("(output not compared: %s)" % "only success is compared")
            return "\n".join(lines) + "\n"
        stdout, stderr = self.text(step.stdout), self.text(step.stderr)
        if step.unordered:
            stdout, stderr = ("\n".join(sorted(text.splitlines())) for text in (stdout, stderr))
        lines += ["--- stdout", stdout.rstrip("\n"), "--- stderr", stderr.rstrip("\n")]
        return "\n".join(lines) + "\n"

    def text(self, text):
        if self.tmp_root:
            text = text.replace(self.tmp_root, "<tmp>")
        result = []
        in_lease_list = False
        for line in text.split("\n"):
            stripped = line.strip()
            if stripped[:1] in ("{", "["):
                try:
                    value = json.loads(stripped)
                except ValueError:
                    value = None
                if value is not None:
                    result.append(json.dumps(self.json(value), sort_keys=True))
                    continue
            if re.match(r"^found \d+ leases$", stripped):
                in_lease_list = True
            elif in_lease_list and re.match(r"^[0-9a-f]{1,16}$", stripped):
                line = self.placeholder("lease", int(stripped, 16))
            else:
                in_lease_list = False
            result.append(self.line(line))
        return "\n".join(result)

    def line(self, line):
        line = re.sub(r"endpoint://client-[0-9a-f-]+/", "endpoint://client-<uuid>/", line)
        line = re.sub(r"127\.0\.0\.1:(\d+)", lambda m: self.port(int(m.group(1))), line)
        line = self.member_ids_in_text(line)
        # endpoint status, simple format:
        # endpoint, member id, version, db size, is leader, is learner, term, index, applied, errors
        line = re.sub(
            r"^(<client:\w+>, <member:\w+>), [^,]+, [\d.]+ [kMGT]?B, (true|false), (true|false), "
            r"\d+, \d+, \d+, ",
            r"\1, <version>, <db-size>, \2, \3, <raft-term>, <raft-index>, <raft-index>, ", line)
        # endpoint hashkv, simple format: "endpoint, hash"
        line = re.sub(r"^((?:http://)?<client:\w+>), (\d+)$",
                      lambda m: "%s, %s" % (m.group(1), self.placeholder("hash", int(m.group(2)))), line)
        line = re.sub(r"took = [\d.]+[nµum]?s", "took = <duration>", line)
        line = re.sub(r"\blease ([0-9a-f]{1,16})\b",
                      lambda m: "lease " + self.placeholder("lease", int(m.group(1), 16)), line)
        for prefix in self.LEASE_KEY_PREFIXES:
            line = re.sub(r"(%s)([0-9a-f]{1,16})\b" % re.escape(prefix),
                          lambda m: m.group(1) + self.placeholder("lease", int(m.group(2), 16)), line)
        line = re.sub(r"TTL\((\d+)s\), remaining\((-?\d+)s\)", self._remaining, line)
        line = re.sub(r"attached keys\(\[(.*)\]\)",
                      lambda m: "attached keys([%s])" % " ".join(sorted(m.group(1).split())), line)
        line = re.sub(r'^ETCD_INITIAL_CLUSTER="(.*)"$',
                      lambda m: 'ETCD_INITIAL_CLUSTER="%s"' % ",".join(sorted(m.group(1).split(","))), line)
        return line

    # Where etcdctl prints member and cluster ids in text (hex, %x or space-padded %16x).
    # Only these contexts: a server may use small ids, and a bare "1" elsewhere is data.
    MEMBER_ID_CONTEXTS = [
        re.compile(r"\b(Member) +([0-9a-f]+)\b"),  # Member X added/removed/promoted
        re.compile(r"\b(cluster) +([0-9a-f]+)\b"),  # ... to/from/in cluster Y
        re.compile(r"(transferred from) ([0-9a-f]+)\b"),  # move-leader
        re.compile(r"(to) ([0-9a-f]+)$"),
        re.compile(r"^()([0-9a-f]+)(?=, (?:started|unstarted), )"),  # member list
        re.compile(r"^((?:http://)?<client:\w+>,) ([0-9a-f]+)(?=, )"),  # endpoint status
    ]

    def member_ids_in_text(self, line):
        def replace(match):
            value = int(match.group(2), 16)
            if value in self.member_ids or value in self.cluster_ids:
                separator = " " if match.group(1) else ""
                return match.group(1) + separator + str(self.member(value))
            return match.group(0)  # unknown: left visible
        for pattern in self.MEMBER_ID_CONTEXTS:
            line = pattern.sub(replace, line)
        return line

    @staticmethod
    def _remaining(match):
        granted, remaining = int(match.group(1)), int(match.group(2))
        shown = "<=granted" if 0 < remaining <= granted else "%ds" % remaining
        return "TTL(%ds), remaining(%s)" % (granted, shown)

    def port(self, port):
        if port in self.ports:
            return "<%s>" % self.ports[port]
        return "127.0.0.1:" + self.placeholder("port", port)

    def json(self, value, key=None, parent=None):
        if isinstance(value, dict):
            result = {}
            for name in sorted(value):
                result[name] = self.json(value[name], name, value)
            for name in ("members", "leases"):
                if isinstance(result.get(name), list):
                    result[name] = sorted(result[name], key=lambda v: json.dumps(v, sort_keys=True))
            if "granted-ttl" in value and isinstance(result.get("keys"), list):
                result["keys"] = sorted(result["keys"])
            return result
        if isinstance(value, list):
            items = [self.json(item, key, parent) for item in value]
            if items and all(isinstance(i, dict) and "Endpoint" in i for i in items):
                items.sort(key=lambda v: v["Endpoint"])  # --cluster: one entry per member
            return items
        if isinstance(value, str):
            if key == "ts":
                return "<ts>"
            if key == "took":  # endpoint health -w json
                return "<duration>"
            if key == "version" and re.match(r"^\d+\.\d+", value):
                return "<version>"
            return self.line(value)
        if isinstance(value, bool) or not isinstance(value, int):
            if key == "ts":
                return "<ts>"
            return value
        if key == "cluster_id":
            return "<cluster>" if value in self.cluster_ids else value
        if key in ("member_id", "leader"):
            return self.member(value)
        if key == "ID" and parent is not None and ("peerURLs" in parent or "name" in parent):
            return self.member(value)  # a Member object
        if key in ("ID", "id", "lease"):  # lease grant / keep-alive / timetolive / list, kvs
            return self.lease(value)
        if key in ("raft_term", "raftTerm"):
            return "<raft-term>"
        if key in ("raftIndex", "raftAppliedIndex"):
            return "<raft-index>"
        if key in ("dbSize", "dbSizeInUse"):
            return "<db-size>"
        if key == "hash":
            return self.placeholder("hash", value)
        if key == "ts":
            return "<ts>"
        if key in ("ttl", "TTL") and parent is not None:
            granted = parent.get("granted-ttl", parent.get("grantedTTL"))
            if granted is not None and 0 < value <= granted:
                return "<=granted"
        return value


def render(run, tmp_root, steps=None):
    """The list of (label, rendered text) of a finished run (or of `steps`, an altered copy of
    its steps, for the self-test)."""
    normaliser = Normaliser(run, tmp_root)
    return [(step.label, normaliser.step(step)) for step in (run.steps if steps is None else steps)]


# ======================================================================================
# Sessions. Each is a function of a SessionRun; it must be deterministic given correct
# servers. Helpers: run.ctl (recorded etcdctl), run.quiet (unrecorded), run.grpc (raw KV
# request), run.background, run.lease_grant, run.note.
# ======================================================================================

SESSIONS = []


def session(name, members=1, extra_flags=()):
    def register(function):
        SESSIONS.append({"name": name, "members": members, "extra_flags": list(extra_flags),
                         "function": function, "doc": (function.__doc__ or "").strip()})
        return function
    return register


@session("put")
def session_put(run):
    """put: plain, --prev-kv, --lease, --ignore-value, --ignore-lease, and their errors."""
    run.ctl("put k/a 1")
    run.ctl("put k/a 2 --prev-kv")
    run.ctl("put k/a 3 --prev-kv -w json")
    run.ctl("put k/new 1 --prev-kv")
    lease = run.lease_grant(100)
    run.ctl("put k/b 1 --lease=%s" % lease)
    run.ctl("get k/b -w json")
    run.ctl("put k/b 2 --ignore-lease")
    run.ctl("get k/b -w json")
    run.ctl("put k/a --ignore-value")
    run.ctl("get k/a -w json")
    run.ctl("put k/missing --ignore-value")
    run.ctl("put k/missing 1 --ignore-lease")
    run.ctl("put k/c 1 --lease=1234abcd")
    run.ctl(["put", "", "empty-key"])
    run.ctl(["put", "k/empty", ""])
    run.ctl("get k/ --prefix -w json")


def _fill_range_keys(run):
    for key, value in (("k/a", "a1"), ("k/b", "b1"), ("k/c", "c1"), ("k/d", "d1"),
                       ("l/x", "x1"), ("j", "j1"), ("k/a", "a2"), ("k/c", "c2")):
        run.ctl(["put", key, value])


@session("get")
def session_get(run):
    """get: single key, --prefix, --from-key, range end, --limit, --rev, --keys-only,
    --print-value-only, --consistency=s, -w json, future revision; count_only and the
    min/max mod/create revision filters through raw RangeRequests."""
    _fill_range_keys(run)  # revisions 2..9
    run.ctl("get k/a")
    run.ctl("get k/nope")
    run.ctl("get k/nope -w json")
    run.ctl("get k/ --prefix")
    run.ctl("get k/b --from-key")
    run.ctl(["get", "", "--from-key", "--keys-only"])
    run.ctl("get k/b k/d")
    run.ctl("get k/b k/d -w json")
    run.ctl("get k/ --prefix --limit 2")
    run.ctl("get k/ --prefix --limit 2 -w json")
    run.ctl("get k/a --rev 2")
    run.ctl("get k/ --prefix --rev 5 -w json")
    run.ctl("get k/ --prefix --keys-only")
    run.ctl("get k/ --prefix --print-value-only")
    run.ctl("get k/ --prefix --consistency=s")
    run.ctl("get k/ --prefix --consistency=s -w json")
    run.ctl("get k/ --prefix -w json")
    run.ctl("get k/a --rev 100")
    # etcdctl 3.4 has no --count-only / --min-*-rev / --max-*-rev: same RPC, sent raw.
    prefix = {"key": "k/", "range_end": "k0"}
    run.grpc(("Range", dict(prefix, count_only=True)),
             ("Range", dict(prefix, count_only=True, limit=1)),
             ("Range", dict(prefix, keys_only=True, limit=1)),
             ("Range", dict(prefix, min_mod_revision=4)),
             ("Range", dict(prefix, max_mod_revision=4)),
             ("Range", dict(prefix, min_mod_revision=3, max_mod_revision=8)),
             ("Range", dict(prefix, min_create_revision=3)),
             ("Range", dict(prefix, max_create_revision=3)),
             ("Range", dict(prefix, min_create_revision=3, max_create_revision=4, count_only=True)),
             ("Range", dict(prefix, serializable=True, revision=4)),
             ("Range", dict(prefix, revision=50)))


@session("get_sort")
def session_get_sort(run):
    """get --sort-by / --order for every target: the data makes the five ascending orders all
    different (keys a,b,c,d; create c,a,d,b; version b,a,d,c; modify b,c,a,d; value d,c,b,a)."""
    for key, value in (("k/c", "x"), ("k/a", "x"), ("k/d", "x"), ("k/b", "3"),
                       ("k/c", "x"), ("k/c", "x"), ("k/d", "x"), ("k/c", "2"), ("k/a", "4"),
                       ("k/d", "1")):
        run.quiet(["put", key, value])
    for target in ("KEY", "CREATE", "MODIFY", "VALUE", "VERSION"):
        for order in ("ASCEND", "DESCEND"):
            run.ctl("get k/ --prefix --sort-by=%s --order=%s" % (target, order))
    run.ctl("get k/ --prefix --order=DESCEND")
    run.ctl("get k/ --prefix --sort-by=VERSION")
    run.ctl("get k/ --prefix --sort-by=MODIFY --order=DESCEND --limit 2")
    run.ctl("get k/ --prefix --sort-by=VALUE --keys-only -w json")


@session("del")
def session_del(run):
    """del: single key, range end, --prefix, --from-key, --prev-kv."""
    for key in ("k/a", "k/b", "k/c", "k/d", "k/e", "k/f", "l/a", "m"):
        run.quiet(["put", key, "v-" + key])
    run.ctl("del k/a")
    run.ctl("del k/a")
    run.ctl("del k/b --prev-kv")
    run.ctl("del k/c k/e --prev-kv")
    run.ctl("del k/ --prefix -w json")
    run.ctl("del l --from-key --prev-kv")
    run.ctl("del nothing --prefix")
    run.ctl(["get", "", "--from-key"])
    run.ctl("get k/a --rev 2 -w json")


TXN_CASES = [
    # (compares, success ops, failure ops)
    ('value("t/a") = "2"', ["put t/c 3", "get t/a", "del t/b"], ["put t/fail 1"]),
    ('value("t/a") = "nope"', ["put t/c 4"], ["put t/fail 2", "get t/c"]),
    ('value("t/a") != "2"', ["put t/c 5"], ["get t/fail"]),
    ('value("t/a") > "1"\nvalue("t/a") < "3"', ["put t/v 1"], ["put t/v 0"]),
    ('version("t/a") = "2"', ["put t/ver ok"], ["put t/ver no"]),
    ('version("t/a") > "5"', ["put t/ver ok"], ["put t/ver no"]),
    ('version("t/missing") = "0"', ["put t/missing created"], []),
    ('create("t/a") = "2"', ["get t/ --prefix"], ["del t/ --prefix"]),
    ('create("t/a") < "2"', ["put t/cr ok"], ["put t/cr no"]),
    ('mod("t/a") = "3"', ["put t/m ok"], ["put t/m no"]),
    ('mod("t/a") > "3"', ["put t/m2 ok"], ["put t/m2 no"]),
    ('mod("t/nothing") = "0"', ["put t/m3 fresh"], ["put t/m3 stale"]),
    ('value("t/a") = "2"\nmod("t/a") = "99"', ["put t/all ok"], ["put t/all no"]),
    ('', ["put t/empty-compare 1", "del t/v"], []),
]


def _txn_input(compares, success, failure):
    """etcdctl txn's stdin: compares, a blank line, success ops, a blank line, failure ops,
    a blank line (an empty section is just its terminating blank line)."""
    lines = []
    for section in (compares.splitlines(), success, failure):
        lines += list(section) + [""]
    return "\n".join(lines) + "\n"


@session("txn")
def session_txn(run):
    """txn from stdin: value, version, create and mod compares, success and failure branches;
    -i (interactive prompts); lease compares and a nested txn as raw TxnRequests (etcdctl 3.4
    panics on lease compares)."""
    run.ctl("put t/a 1")  # rev 2
    run.ctl("put t/a 2")  # rev 3
    run.ctl("put t/b x")  # rev 4
    lease = run.lease_grant(100)
    run.ctl("put t/l v --lease=%s" % lease)  # rev 5
    for compares, success, failure in TXN_CASES:
        run.ctl("txn", stdin=_txn_input(compares, success, failure))
    run.ctl("txn -w json", stdin=_txn_input('value("t/a") = "2"', ["put t/j 1", "get t/a"], []))
    run.ctl("txn -w json", stdin=_txn_input('value("t/a") = "0"', [], ["del t/j --prev-kv"]))
    run.ctl("txn -i", stdin=_txn_input('mod("t/a") = "3"', ["get t/a"], ["get t/b"]))
    run.ctl("txn", stdin=_txn_input("", ["put t/dup 1", "put t/dup 2"], []))
    lease_id = int(lease, 16)
    lease_compares = [
        ("Txn", {"compare": [{"target": "LEASE", "result": result, "key": "t/l", "lease": value}],
                 "success": [{"request_put": {"key": "t/lc", "value": "yes"}}],
                 "failure": [{"request_range": {"key": "t/l"}}]})
        for result, value in (("EQUAL", lease_id), ("EQUAL", 0), ("NOT_EQUAL", lease_id))]
    nested = ("Txn", {
        "compare": [{"target": "VALUE", "result": "EQUAL", "key": "t/a", "value": "2"}],
        "success": [{"request_txn": {
            "compare": [{"target": "VERSION", "result": "GREATER", "key": "t/a", "version": 1}],
            "success": [{"request_put": {"key": "t/nested", "value": "1"}},
                        {"request_range": {"key": "t/a"}}]}}],
    })
    run.grpc(*lease_compares, nested)
    run.ctl("get t/ --prefix -w json")


@session("txn_limits")
def session_txn_limits(run):
    """txn size limit: 128 operations (etcd's --max-txn-ops default) pass, 129 fail."""
    run.ctl("txn", stdin=_txn_input("", ["put t/%03d v" % i for i in range(128)], []))
    run.ctl("txn", stdin=_txn_input("", ["put u/%03d v" % i for i in range(129)], []))
    run.ctl("get u/ --prefix --keys-only")
    run.ctl("get t/ --prefix --limit 3 -w json")


@session("watch")
def session_watch(run):
    """watch with a writer: prefix, range, --prev-kv, -w json, exec-command; then --rev
    historical replay and a watch from a compacted revision."""
    run.ctl("put w/a 0")  # rev 2
    prefix = run.background("watch w/ --prefix")
    ranged = run.background("watch w/a w/c --prev-kv")
    as_json = run.background("watch w/b -w json")
    executor = run.background(["watch", "w/x", "--", "sh", "-c",
                               "echo exec $ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY "
                               "$ETCD_WATCH_VALUE $ETCD_WATCH_REVISION"])
    run.wait_watchers(4)
    run.ctl("put w/a 1")
    run.ctl("put w/b 1")
    run.ctl("put w/x 1")
    run.ctl("del w/a")
    run.ctl("txn", stdin=_txn_input("", ["put w/b 2", "put w/c 1", "del w/x"], []))
    run.ctl("put w/done end")
    prefix.wait_for("end")
    ranged.wait_for("\nw/b\n2\n")
    as_json.wait_for('"revision":7')
    executor.wait_for('exec "DELETE"')
    for handle in (prefix, ranged, as_json, executor):
        handle.stop()
    replay = run.background("watch w/ --prefix --rev 2")
    replay.wait_for("end")
    replay.stop()
    replay_prev = run.background("watch w/b --rev 1 --prev-kv -w json")
    replay_prev.wait_for('"mod_revision":7')
    replay_prev.stop()
    run.ctl("compaction 5")
    compacted = run.background("watch w/a --rev 3")
    compacted.wait_exit()
    compacted.stop()
    future = run.background("watch w/ --prefix --rev 20")
    run.wait_watchers(1)
    for value in range(12):
        run.quiet(["put", "w/future", str(value)])
    run.ctl("put w/future last")
    future.wait_for("last")
    future.stop()


@session("lease")
def session_lease(run):
    """lease grant / list / timetolive (--keys) / keep-alive --once / revoke, expiry, and the
    errors for unknown and revoked leases."""
    first = run.lease_grant(100)
    second = run.lease_grant(200)
    run.ctl("lease grant 300 -w json")
    run.ctl("lease list", unordered=True)
    run.ctl("lease list -w json")
    run.ctl("put l/a 1 --lease=%s" % first)
    run.ctl("put l/b 1 --lease=%s" % first)
    run.ctl("put l/c 1 --lease=%s" % second)
    run.ctl("lease timetolive %s" % first)
    run.ctl("lease timetolive %s --keys" % first)
    run.ctl("lease timetolive %s --keys -w json" % first)
    run.ctl("lease keep-alive --once %s" % first)
    run.ctl("lease keep-alive --once %s -w json" % second)
    run.ctl("lease revoke %s" % first)
    run.ctl("get l/ --prefix")
    run.ctl("lease timetolive %s" % first)
    run.ctl("lease keep-alive --once %s" % first)
    run.ctl("lease revoke %s" % first)
    run.ctl("lease revoke 1234")
    run.ctl("lease timetolive 1234")
    run.ctl("put l/d 1 --lease=1234")
    short = run.lease_grant(3)
    run.ctl("put l/short 1 --lease=%s" % short)
    run.wait_until(lambda: run.quiet("get l/short --keys-only")[0] == "", EXPIRY_WAIT_S)
    run.ctl("get l/ --prefix")
    run.ctl("lease timetolive %s --keys" % short)
    run.ctl("lease list", unordered=True)


@session("maintenance")
def session_maintenance(run):
    """endpoint status / health / hashkv, alarm list, defrag, snapshot save + status."""
    for index in range(5):
        run.quiet(["put", "m/%d" % index, "v%d" % index])
    run.ctl("endpoint status")
    run.ctl("endpoint status -w json")
    run.ctl("endpoint health")
    run.ctl("endpoint health -w json")
    run.ctl("endpoint hashkv")
    run.ctl("endpoint hashkv -w json")
    run.ctl("endpoint hashkv --rev 3")
    run.ctl("alarm list")
    run.ctl("defrag")
    run.ctl("endpoint hashkv")  # the same placeholder as before: defrag changes no content
    run.ctl("put m/5 v5")
    run.ctl("endpoint hashkv")  # a new placeholder
    run.ctl("endpoint hashkv --rev 6")  # the first placeholder again: history is unchanged
    path = os.path.join(run.root, "snapshot.db")
    run.ctl(["snapshot", "save", path], compare="status")
    written = os.path.isfile(path) and os.path.getsize(path) > 0
    run.note("snapshot file written", "snapshot file written: %s" % written)
    # Not compared: `etcdctl snapshot status` (and `snapshot restore`) read the file offline as
    # etcd's bbolt database, and a Chorus snapshot is Chorus's own format (docs/compatibility.md
    # lists this difference). The server's part, the Snapshot stream that `save` checks, is
    # compared above.
    run.ctl("get m/ --prefix --keys-only")


@session("compaction")
def session_compaction(run):
    """compaction (plain and --physical), its errors (again, older, future), reads at
    compacted and future revisions, hashkv's compact revision."""
    for value in range(1, 7):
        run.ctl("put c/a %d" % value)  # revs 2..7
    run.ctl("put c/b 1")  # rev 8
    run.ctl("compaction 3")
    run.ctl("get c/a --rev 2")
    run.ctl("get c/a --rev 3")
    run.ctl("get c/a --rev 4 -w json")
    run.ctl("compaction 3")
    run.ctl("compaction 2")
    run.ctl("compaction 100")
    run.ctl("get c/a --rev 100")
    run.ctl("compaction --physical 6")
    run.ctl("get c/a --rev 5")
    run.ctl("get c/a --rev 6")
    run.ctl("endpoint hashkv -w json")
    run.ctl("defrag")
    run.ctl("endpoint hashkv -w json")
    run.ctl("endpoint status -w json")
    run.ctl("compaction 8")  # the current revision may be compacted
    run.ctl("get c/ --prefix -w json")


@session("lock")
def session_lock(run):
    """lock with a command run under it; contention: a second locker waits for the first."""
    endpoint = run.endpoints()[0]
    run.ctl(["lock", "lock-a", "--", "sh", "-c",
             "echo held $ETCD_LOCK_KEY; %s --endpoints=%s get --prefix lock-a/ --keys-only"
             % (servers.ETCDCTL_BINARY, endpoint)])
    run.ctl("get lock-a/ --prefix")
    holder = run.background("lock lock-a")
    holder.wait_for("lock-a/")
    waiter = run.background(["lock", "lock-a", "--", "echo", "second holder ran"])
    time.sleep(1.0)
    run.note("second locker before release", "second locker output while held: %r" % waiter.stdout())
    run.ctl("get lock-a/ --prefix --keys-only --sort-by=CREATE")
    holder.stop(signal.SIGINT)
    waiter.wait_exit()
    waiter.stop()
    run.ctl("get lock-a/ --prefix")


@session("elect")
def session_elect(run):
    """elect: a campaign, an observer with --listen (stopped by timeout), a second candidate
    that wins when the first resigns."""
    first = run.background("elect election-a proposal-1")
    first.wait_for("proposal-1")
    listener = run.background("elect --listen election-a")
    listener.wait_for("proposal-1")
    time.sleep(0.5)
    listener.stop(signal.SIGINT)
    second = run.background("elect election-a proposal-2")
    time.sleep(1.0)
    run.note("second candidate before resign", "second candidate output: %r" % second.stdout())
    run.ctl("get election-a/ --prefix --sort-by=CREATE")
    first.stop(signal.SIGINT)
    second.wait_for("proposal-2")
    listener = run.background("elect --listen election-a")
    listener.wait_for("proposal-2")
    time.sleep(0.5)
    listener.stop(signal.SIGINT)
    second.stop(signal.SIGINT)
    run.ctl("get election-a/ --prefix")


@session("too_large", extra_flags=["--max-request-bytes", "1024"])
def session_too_large(run):
    """Requests over --max-request-bytes (started with 1024) are refused."""
    run.ctl("put big/small v")
    run.ctl(["put", "big/large", "x" * 2000])
    run.ctl("txn", stdin=_txn_input("", ["put big/t%d %s" % (i, "y" * 300) for i in range(5)], []))
    run.ctl(["put", "big/fits", "z" * 500])
    run.ctl("get big/ --prefix --keys-only")


@session("members", members=3)
def session_members(run):
    """member list / add (voter never started, then removed) / add --learner (started, caught
    up, promoted) / remove, with the errors for unknown ids and promoting a voter."""
    _make_leader(run, "n1")
    run.ctl("member list", unordered=True)
    run.ctl("member list -w json")
    # etcd refuses reconfiguration ("unhealthy cluster") until every member has been connected
    # for 5 s (--strict-reconfig-check, etcdserver HealthInterval); a harness delay, not a test.
    run.wait_since_start(RECONFIG_SETTLE_S)
    spare_port = servers.free_ports(1)[0]
    run.register_member("n4", None, spare_port)
    run.ctl("member add n4 --peer-urls=http://127.0.0.1:%d" % spare_port)
    run.ctl("member list", unordered=True)
    n4 = [i for i, n in run.member_ids.items() if n == "n4"]
    run.ctl("member remove %x" % (n4[0] if n4 else 0))
    run.ctl("member remove 1234")
    run.ctl("member promote 1234")
    n2 = [i for i, n in run.member_ids.items() if n == "n2"][0]
    run.ctl("member promote %x" % n2)
    learner_port = servers.free_ports(1)[0]
    run.register_member("n5", None, learner_port)
    add = run.ctl("member add n5 --learner --peer-urls=http://127.0.0.1:%d" % learner_port)
    run.ctl("member list", unordered=True)
    match = re.search(r'ETCD_INITIAL_CLUSTER="([^"]*)"', add.stdout)
    n5 = [i for i, n in run.member_ids.items() if n == "n5"]
    if match and n5:
        learner = run.cluster.add_member_process("n5", learner_port, match.group(1))
        run.register_member("n5", learner.client_port, learner_port)
        leader_index = lambda: _status(run, "n1").get("raftIndex", 1 << 62)  # noqa: E731
        run.wait_until(lambda: _status(run, "n5").get("raftAppliedIndex", -1) >= leader_index(), 20)
        run.wait_until(lambda: run.quiet("member promote %x" % n5[0])[2] == 0, 20)
        run.note("learner n5 promoted", "promoted once caught up: %s" % (not _is_learner(run, n5[0])))
        run.ctl("member list", unordered=True)
        run.ctl("endpoint status --cluster -w json")
        run.ctl("member promote %x" % n5[0])
        run.ctl("member remove %x" % n5[0])
    run.ctl("member list -w json")


def _make_leader(run, name):
    """Unrecorded: which member wins the first election is chance; sessions that show the
    leader start from a known one."""
    ids = {member_name: i for i, member_name in run.member_ids.items()}
    leader = run.cluster.leader_name()
    if leader and leader != name:
        run.quiet("move-leader %x" % ids[name], on=[leader])
    if not run.wait_until(lambda: run.cluster.leader_name() == name, 15):
        print("    note: %s did not become leader" % name, file=sys.stderr, flush=True)


def _status(run, name):
    out, _, status = run.quiet("endpoint status -w json", on=[name], timeout_s=5)
    try:
        return json.loads(out)[0]["Status"] if status == 0 else {}
    except (ValueError, IndexError, KeyError):
        return {}


def _is_learner(run, member_id):
    out, _, status = run.quiet("member list -w json")
    if status != 0:
        return True
    return any(int(m["ID"]) == member_id and m.get("isLearner") for m in json.loads(out)["members"])


@session("move_leader", members=3)
def session_move_leader(run):
    """move-leader: to a follower (n1 made leader first, unrecorded), to an unknown id, through
    an endpoint that is not the leader; then --cluster health, status and hashkv."""
    ids = {name: i for i, name in run.member_ids.items()}
    _make_leader(run, "n1")
    run.ctl("put ml/a 1")
    run.ctl("move-leader %x" % ids["n2"], on=["n1"])
    run.wait_until(lambda: run.cluster.leader_name() == "n2", 15)
    run.ctl("endpoint status --cluster -w json")
    run.ctl("move-leader 1234", on=["n2"])
    run.ctl("move-leader %x" % ids["n3"], on=["n1"])
    run.ctl("move-leader %x" % ids["n2"], on=["n2"])
    run.ctl("put ml/b 1", on=["n3"])
    run.ctl("get ml/ --prefix -w json", on=["n3"])
    run.ctl("endpoint health --cluster", unordered=True)
    run.ctl("endpoint hashkv --cluster", unordered=True)
    run.ctl("member list", unordered=True)


# ======================================================================================
# Running and comparing
# ======================================================================================


def run_session(spec, kind, chorus_binary, keep_logs, role, mutations=()):
    """Start a fresh cluster of `kind`, run one session, stop it; return its rendered steps.
    With `mutations` (self-test), return a list: the rendered steps, then those of each
    mutation applied to a copy of the recorded steps."""
    root = servers.make_root("chorus-compat-%s-" % spec["name"])
    run = None
    try:
        with servers.Cluster(kind, spec["members"], root, chorus_binary=chorus_binary,
                             extra_flags=spec["extra_flags"]) as cluster:
            run = SessionRun(cluster, root)
            try:
                spec["function"](run)
            except Exception as error:  # a broken session shows up as its last step
                run.steps.append(Step("harness", "", "session raised %s: %s" % (type(error).__name__, error), "error"))
            finally:
                run.stop_backgrounds()
                run.learn_members()
        rendered = render(run, root)
        if not mutations:
            return rendered
        altered = []
        for mutate in mutations:
            steps = copy.deepcopy(run.steps)
            mutate(steps)
            altered.append(render(run, root, steps))
        return [rendered] + altered
    except RuntimeError as error:  # the server did not start
        failed = [("start %s" % kind, "server failed to start:\n%s\n" % error)]
        return [failed] * (1 + len(mutations)) if mutations else failed
    finally:
        if keep_logs:
            target = os.path.join(keep_logs, spec["name"], role)
            os.makedirs(target, exist_ok=True)
            for name in os.listdir(root):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(root, name), target)
        shutil.rmtree(root, ignore_errors=True)


def compare(reference, candidate, reference_name, candidate_name):
    """Unified diffs, one per differing step; empty when the runs match. A server that did
    not start is one failure, not one per step."""
    for name, run in ((reference_name, reference), (candidate_name, candidate)):
        if run and run[0][0].startswith("start ") and run[0][1].startswith("server failed to start"):
            return ["%s: %s" % (name, run[0][1])]
    diffs = []
    for index in range(max(len(reference), len(candidate))):
        ref = reference[index] if index < len(reference) else ("(missing)", "(no such step)\n")
        cand = candidate[index] if index < len(candidate) else ("(missing)", "(no such step)\n")
        if ref[1] != cand[1]:
            diff = difflib.unified_diff(
                ref[1].splitlines(True), cand[1].splitlines(True),
                "%s: step %d: %s" % (reference_name, index + 1, ref[0]),
                "%s: step %d: %s" % (candidate_name, index + 1, cand[0]))
            diffs.append("".join(diff))
    return diffs


def select_sessions(only):
    if not only:
        return SESSIONS
    names = set(only.split(","))
    unknown = names - {s["name"] for s in SESSIONS}
    if unknown:
        raise SystemExit("unknown session(s): %s (see --list)" % ", ".join(sorted(unknown)))
    return [s for s in SESSIONS if s["name"] in names]


def run_all(args, sessions, mutations=None, mutation_results=None):
    """Returns {session name: list of diffs}, printing progress. With mutations
    ({session name: [mutate(steps)]}), mutation_results receives {session name: [diffs per
    mutation]}."""
    results = {}
    start_failures = {}  # member count -> first session where the candidate did not start
    for spec in sessions:
        started = time.monotonic()
        if args.reference_dir:
            with open(os.path.join(args.reference_dir, spec["name"] + ".json")) as handle:
                reference = [tuple(step) for step in json.load(handle)]
        else:
            reference = run_session(spec, args.reference, args.chorus_binary, args.keep_logs, "reference")
        if args.record:
            os.makedirs(args.record, exist_ok=True)
            with open(os.path.join(args.record, spec["name"] + ".json"), "w") as handle:
                json.dump(reference, handle, indent=1)
        names = ("reference " + (args.reference or "recorded"), "candidate %s" % args.candidate)
        if args.candidate and mutations:
            candidates = run_session(spec, args.candidate, args.chorus_binary, args.keep_logs,
                                     "candidate", mutations[spec["name"]])
            diffs = compare(reference, candidates[0], *names)
            mutation_results[spec["name"]] = [compare(reference, c, *names) for c in candidates[1:]]
        elif args.candidate and spec["members"] in start_failures:
            # Fail fast: a candidate that could not start this shape of cluster before would
            # cost a 30 s start deadline per session.
            diffs = ["%s: not run: it failed to start a %d-member cluster in session %s"
                     % (names[1], spec["members"], start_failures[spec["members"]])]
        elif args.candidate:
            candidate = run_session(spec, args.candidate, args.chorus_binary, args.keep_logs, "candidate")
            diffs = compare(reference, candidate, *names)
            if candidate and candidate[0][0].startswith("start "):
                start_failures[spec["members"]] = spec["name"]
        else:
            diffs = []
        results[spec["name"]] = diffs
        print("%-12s %-5s %3d steps  %5.1f s" % (spec["name"], "FAIL" if diffs else "ok",
                                                 len(reference), time.monotonic() - started), flush=True)
        if args.verbose:
            for label, text in reference:
                print("    # %s\n%s" % (label, "".join("    " + l for l in text.splitlines(True))))
    return results


def report(results):
    failed = {name: diffs for name, diffs in results.items() if diffs}
    for name, diffs in failed.items():
        print("\n==== session %s: %d step(s) differ" % (name, len(diffs)))
        for diff in diffs:
            print(diff)
    print("\nsummary: %d session(s), %d passed, %d failed%s" % (
        len(results), len(results) - len(failed), len(failed),
        (": " + ", ".join("%s (%d steps)" % (n, len(d)) for n, d in failed.items())) if failed else ""))
    return 1 if failed else 0


# -- self-test: the comparison must catch deliberate differences ------------------------------


def _mutate_first(predicate, change):
    def mutate(steps):
        for step in steps:
            if predicate(step):
                change(step)
                return
        raise AssertionError("self-test mutation found no step to change")
    return mutate


def _replace_once(field, old, new):
    def change(step):
        setattr(step, field, getattr(step, field).replace(old, new, 1))
    return change


SELF_TEST_MUTATIONS = [
    ("a revision in a JSON header is off by one", "put",
     _mutate_first(lambda s: '"revision":6' in s.stdout, _replace_once("stdout", '"revision":6', '"revision":7'))),
    ("a value is different", "get",
     _mutate_first(lambda s: s.stdout == "k/a\na2\n", _replace_once("stdout", "a2", "a3"))),
    ("two keys come back in the wrong order", "get_sort",
     _mutate_first(lambda s: "--sort-by=KEY --order=ASCEND" in s.label,
                   lambda s: setattr(s, "stdout", s.stdout.replace("k/a\n4\nk/b\n3\n", "k/b\n3\nk/a\n4\n")))),
    ("a lease id equality is broken (a key attached to another lease)", "lease",
     _mutate_first(lambda s: s.label.startswith("etcdctl lease timetolive") and "attached keys" in s.stdout,
                   lambda s: setattr(s, "stdout", re.sub(r"lease [0-9a-f]+", "lease 00000000000000aa", s.stdout)))),
    ("an error message is worded differently", "lease",
     _mutate_first(lambda s: "requested lease not found" in s.stderr,
                   _replace_once("stderr", "requested lease not found", "lease not found"))),
    ("an error is returned as success", "compaction",
     _mutate_first(lambda s: s.status == 1, lambda s: setattr(s, "status", 0))),
    ("a reply comes from an unknown member id", "put",
     _mutate_first(lambda s: '"member_id":' in s.stdout,
                   lambda s: setattr(s, "stdout", re.sub(r'"member_id":\d+', '"member_id":42', s.stdout, 1)))),
    ("the remaining TTL exceeds the granted TTL", "lease",
     _mutate_first(lambda s: "remaining(" in s.stdout,
                   lambda s: setattr(s, "stdout", re.sub(r"remaining\(\d+s\)", "remaining(101s)", s.stdout)))),
    ("a hash changes across a defrag", "maintenance",
     _mutate_first(lambda s: s.label == "etcdctl endpoint hashkv" and s.stdout.count(",") == 1,
                   lambda s: setattr(s, "stdout", re.sub(r", \d+$", ", 1", s.stdout.strip()) + "\n"))),
    ("a watch misses an event", "watch",
     _mutate_first(lambda s: s.label.startswith("etcdctl watch w/ --prefix") and "DELETE" in s.stdout,
                   lambda s: setattr(s, "stdout", s.stdout.replace("DELETE\nw/a\n", "", 1)))),
]


def self_test(args):
    """Reference and candidate are both etcd: the unaltered runs must match, and each
    deliberately altered copy of the candidate's recorded output must be reported."""
    by_session = {}
    for description, name, mutate in SELF_TEST_MUTATIONS:
        by_session.setdefault(name, []).append(mutate)
    sessions = [s for s in SESSIONS if s["name"] in by_session]
    print("self-test: the unaltered runs must match")
    mutation_results = {}
    ok = report(run_all(args, sessions, by_session, mutation_results)) == 0
    index = {name: 0 for name in by_session}
    for description, name, _ in SELF_TEST_MUTATIONS:
        diffs = mutation_results[name][index[name]]
        index[name] += 1
        print("self-test: %-66s %s" % (description, "caught" if diffs else "NOT CAUGHT"))
        if diffs:
            print("".join("    " + line for line in diffs[0].splitlines(True)))
        ok = ok and bool(diffs)
    print("self-test %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", choices=["etcd", "chorus"], default="etcd")
    parser.add_argument("--candidate", choices=["etcd", "chorus"])
    parser.add_argument("--chorus-binary", help="path of the chorus binary (for chorus)")
    parser.add_argument("--only", help="comma-separated session names (see --list)")
    parser.add_argument("--keep-logs", metavar="DIR", help="copy every server log here")
    parser.add_argument("--record", metavar="DIR",
                        help="write the reference's normalised transcripts here (one JSON per session)")
    parser.add_argument("--reference-dir", metavar="DIR",
                        help="compare against transcripts written by --record instead of running the reference")
    parser.add_argument("--self-test", action="store_true",
                        help="check that deliberately altered outputs are caught (etcd vs etcd)")
    parser.add_argument("--list", action="store_true", help="list the sessions and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the reference transcripts")
    args = parser.parse_args()
    if args.list:
        for spec in SESSIONS:
            print("%-12s %d member(s)  %s" % (spec["name"], spec["members"], spec["doc"].split("\n")[0]))
        return 0
    if "chorus" in (args.reference, args.candidate) and not args.chorus_binary:
        parser.error("--chorus-binary is required when chorus is reference or candidate")
    if args.chorus_binary:
        args.chorus_binary = os.path.abspath(args.chorus_binary)
        if not os.access(args.chorus_binary, os.X_OK):
            parser.error("not an executable: %s" % args.chorus_binary)
    if args.keep_logs:
        args.keep_logs = os.path.abspath(args.keep_logs)
    if not args.candidate and not args.record:
        parser.error("give --candidate (compare) or --record DIR (record the reference)")
    servers.install_cleanup()
    started = time.monotonic()
    try:
        if args.self_test:
            if args.candidate is None:
                args.candidate = "etcd"
            status = self_test(args)
        else:
            status = report(run_all(args, select_sessions(args.only)))
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    print("total %.1f s" % (time.monotonic() - started))
    return status


if __name__ == "__main__":
    sys.exit(main())
