#!/usr/bin/python3
"""A scripted python-etcd3 session that asserts what an etcd v3 server must answer.

    etcd3_session.py --endpoint 127.0.0.1:2379
    etcd3_session.py --start etcd
    etcd3_session.py --start chorus --chorus-binary build/src/cli/chorus

With --start, a fresh single-member server is started on free 127.0.0.1 ports in a temporary
directory (the same code and flags as differential.py, see servers.py) and stopped at the end.
Run with /usr/bin/python3: Debian's python3-etcd3 (0.12) is installed for that interpreter only.

Each check is one function; a failed assertion fails that check and the run goes on. Exit
status 0 when every check passed, 1 otherwise.

python-etcd3 0.12 and protobuf: its generated *_pb2 modules predate protobuf 3.20; with
protobuf >= 4 on the C++/upb backend they fail to import with TypeError "Descriptors cannot be
created directly". The remedy is PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python, which must be
set before protobuf is first imported, so `import_etcd3` re-executes the script once with it
set. Debian 12 (python3-protobuf 3.21.12, cpp backend) imports them fine without it.
"""

import argparse
import os
import queue
import shutil
import sys
import threading
import time
import traceback
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import servers  # noqa: E402

WATCH_DEADLINE_S = 10.0
RPC_TIMEOUT_S = 10


def import_etcd3():
    try:
        import etcd3
        return etcd3
    except TypeError as error:
        if ("Descriptors cannot be created directly" not in str(error)
                or os.environ.get("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION") == "python"):
            raise
        os.environ["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
        os.execv(sys.executable, [sys.executable] + sys.argv)


class Session:
    """The checks, against one endpoint, under a key prefix unique to this run."""

    def __init__(self, etcd3, client, started_name=None):
        self.etcd3 = etcd3
        self.client = client
        self.prefix = "/etcd3-session/%s/" % uuid.uuid4().hex[:12]
        self.started_name = started_name  # "n1" when we started the server ourselves

    def key(self, name):
        return self.prefix + name

    # -- checks ---------------------------------------------------------------------------

    def check_put_get_delete(self):
        c = self.client
        response = c.put(self.key("a"), "1")
        first_revision = response.header.revision
        assert first_revision > 0, response
        value, meta = c.get(self.key("a"))
        assert value == b"1", value
        assert meta.key == self.key("a").encode(), meta.key
        assert meta.version == 1 and meta.create_revision == first_revision == meta.mod_revision, meta
        response = c.put(self.key("a"), "2", prev_kv=True)
        assert response.prev_kv.value == b"1", response
        assert response.header.revision == first_revision + 1, response
        value, meta = c.get(self.key("a"))
        assert (value, meta.version, meta.create_revision) == (b"2", 2, first_revision), meta
        assert c.get(self.key("missing")) == (None, None)
        for name in ("b", "c", "d"):
            c.put(self.key(name), name.upper())
        keys = [meta.key for _, meta in c.get_prefix(self.prefix)]
        assert keys == [self.key(n).encode() for n in "abcd"], keys
        descending = [meta.key for _, meta in c.get_prefix(self.prefix, sort_order="descend")]
        assert descending == keys[::-1], descending
        ranged = [v for v, _ in c.get_range(self.key("b"), self.key("d"))]
        assert ranged == [b"B", b"C"], ranged
        assert c.delete(self.key("d")) is True
        assert c.delete(self.key("d")) is False
        response = c.delete(self.key("c"), prev_kv=True, return_response=True)
        assert response.deleted == 1 and response.prev_kvs[0].value == b"C", response
        response = c.delete_prefix(self.prefix)
        assert response.deleted == 2, response
        assert list(c.get_prefix(self.prefix)) == []

    def check_transactions(self):
        c, t = self.client, self.client.transactions
        c.put(self.key("t"), "1")
        c.put(self.key("t"), "2")
        _, meta = c.get(self.key("t"))
        ok, responses = c.transaction(
            compare=[t.value(self.key("t")) == "2", t.version(self.key("t")) > 1,
                     t.create(self.key("t")) == meta.create_revision,
                     t.mod(self.key("t")) == meta.mod_revision],
            success=[t.put(self.key("t-ok"), "yes"), t.get(self.key("t"))],
            failure=[t.put(self.key("t-fail"), "yes")])
        assert ok is True, responses
        assert responses[1][0][0] == b"2", responses
        ok, responses = c.transaction(
            compare=[t.mod(self.key("t")) < meta.mod_revision],
            success=[t.put(self.key("t-ok2"), "yes")],
            failure=[t.delete(self.key("t-ok")), t.get(self.key("t-ok"))])
        assert ok is False, responses
        assert c.get(self.key("t-ok")) == (None, None)
        assert c.get(self.key("t-ok2")) == (None, None)
        assert c.replace(self.key("t"), "2", "3") is True
        assert c.replace(self.key("t"), "2", "4") is False
        assert c.get(self.key("t"))[0] == b"3"
        assert c.put_if_not_exists(self.key("once"), "1") is True
        assert c.put_if_not_exists(self.key("once"), "2") is False
        assert c.get(self.key("once"))[0] == b"1"
        c.delete_prefix(self.prefix)

    def check_leases(self):
        c = self.client
        lease = c.lease(60)
        assert lease.id > 0 and lease.ttl == 60, (lease.id, lease.ttl)
        c.put(self.key("l1"), "x", lease=lease)
        c.put(self.key("l2"), "y", lease=lease.id)
        _, meta = c.get(self.key("l1"))
        assert meta.lease_id == lease.id, meta
        assert 0 < lease.remaining_ttl <= 60, lease.remaining_ttl
        assert lease.granted_ttl == 60, lease.granted_ttl
        assert sorted(lease.keys) == [self.key("l1").encode(), self.key("l2").encode()], lease.keys
        refreshed = list(lease.refresh())
        assert refreshed and refreshed[0].TTL == 60, refreshed
        lease.revoke()
        assert c.get(self.key("l1")) == (None, None)
        assert c.get_lease_info(lease.id).TTL == -1
        short = c.lease(3)
        c.put(self.key("short"), "x", lease=short)
        deadline = time.monotonic() + 15
        while c.get(self.key("short"))[0] is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert c.get(self.key("short")) == (None, None), "a 3 s lease did not expire in 15 s"

    def check_watch_with_writer(self):
        c = self.client
        events = queue.Queue()
        start = c.put(self.key("w/start"), "0").header.revision
        watch_id = c.add_watch_prefix_callback(self.key("w/"), events.put, prev_kv=True)

        def writer():
            time.sleep(0.5)  # after the watch is registered (a late watch misses nothing: see below)
            c.put(self.key("w/a"), "1")
            c.put(self.key("w/a"), "2")
            c.delete(self.key("w/a"))
            c.put(self.key("w/b"), "3")

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        seen = []
        deadline = time.monotonic() + WATCH_DEADLINE_S
        while len(seen) < 4 and time.monotonic() < deadline:
            try:
                response = events.get(timeout=0.5)
            except queue.Empty:
                continue
            assert not isinstance(response, Exception), response
            seen += response.events
        c.cancel_watch(watch_id)
        thread.join(WATCH_DEADLINE_S)
        summary = [(type(e).__name__, e.key, e.value) for e in seen]
        assert summary == [
            ("PutEvent", self.key("w/a").encode(), b"1"),
            ("PutEvent", self.key("w/a").encode(), b"2"),
            ("DeleteEvent", self.key("w/a").encode(), b""),
            ("PutEvent", self.key("w/b").encode(), b"3"),
        ], summary
        assert [e.mod_revision for e in seen] == [start + 1, start + 2, start + 3, start + 4], seen
        assert seen[1].prev_value == b"1" and seen[2].prev_value == b"2", seen
        # Historical replay from the first write's revision.
        replay, cancel = c.watch_prefix(self.key("w/"), start_revision=start + 1)
        replayed = []
        timer = threading.Timer(WATCH_DEADLINE_S, cancel)
        timer.start()
        for event in replay:
            replayed.append((type(event).__name__, event.mod_revision))
            if len(replayed) == 4:
                break
        cancel()
        timer.cancel()
        assert replayed == [("PutEvent", start + 1), ("PutEvent", start + 2),
                            ("DeleteEvent", start + 3), ("PutEvent", start + 4)], replayed
        c.delete_prefix(self.prefix)

    def check_locks(self):
        c = self.client
        first = c.lock(self.prefix + "lock", ttl=10)
        second = c.lock(self.prefix + "lock", ttl=10)
        assert first.acquire(timeout=5) is True
        assert first.is_acquired()
        # timeout=0: python-etcd3 0.12's retry callback does not match the signature newer
        # tenacity (Debian: 8.2) calls, so a contended acquire with a timeout > 0 raises
        # TypeError inside the client. With 0, tenacity stops after the first attempt (the
        # server's answer to the create-revision compare) without calling it.
        assert second.acquire(timeout=0) is False, "two holders of one lock"
        assert not second.is_acquired()
        assert first.release() is True
        assert second.acquire(timeout=5) is True
        assert second.release() is True
        with c.lock(self.prefix + "lock", ttl=10) as held:
            assert held.is_acquired()

    def check_members(self):
        members = list(self.client.members)
        assert len(members) >= 1, members
        assert all(m.id > 0 and m.peer_urls for m in members), [str(m) for m in members]
        if self.started_name:
            assert [m.name for m in members] == [self.started_name], [m.name for m in members]

    def check_status(self):
        status = self.client.status()
        assert status.version and status.version[0].isdigit(), status.version
        assert status.leader is not None, "status names no leader among the members"
        assert status.db_size > 0 and status.raft_index > 0 and status.raft_term > 0, vars(status)

    def check_compaction_and_hash(self):
        c = self.client
        first = c.put(self.key("c"), "1").header.revision
        c.put(self.key("c"), "2")
        c.compact(first)
        try:
            c.compact(first)
        except Exception as error:  # etcd: OutOfRange "required revision has been compacted"
            assert "compacted" in str(error).lower() or "OUT_OF_RANGE" in repr(error), repr(error)
        else:
            raise AssertionError("compacting the same revision twice succeeded")
        assert isinstance(c.hash(), int)
        c.delete_prefix(self.prefix)

    CHECKS = ["put_get_delete", "transactions", "leases", "watch_with_writer", "locks",
              "members", "status", "compaction_and_hash"]

    def run(self):
        failures = 0
        for name in self.CHECKS:
            started = time.monotonic()
            try:
                getattr(self, "check_" + name)()
                print("ok    %-22s %.1f s" % (name, time.monotonic() - started), flush=True)
            except Exception:
                failures += 1
                print("FAIL  %-22s\n%s" % (name, traceback.format_exc()), flush=True)
        print("%d check(s), %d failed" % (len(self.CHECKS), failures))
        return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--endpoint", help="host:port of a running server (loopback only)")
    target.add_argument("--start", choices=["etcd", "chorus"], help="start a fresh single-member server")
    parser.add_argument("--chorus-binary", help="path of the chorus binary (with --start chorus)")
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the started server's log here")
    args = parser.parse_args()
    if args.start == "chorus" and not args.chorus_binary:
        parser.error("--start chorus needs --chorus-binary")

    etcd3 = import_etcd3()
    servers.install_cleanup()
    if args.endpoint:
        host, _, port = args.endpoint.rpartition(":")
        if host not in ("127.0.0.1", "localhost"):
            parser.error("only loopback endpoints (127.0.0.1) are allowed")
        return run_against(etcd3, "127.0.0.1", int(port), None)

    root = servers.make_root("chorus-etcd3-session-")
    try:
        with servers.Cluster(args.start, 1, root, chorus_binary=args.chorus_binary) as cluster:
            member = cluster.members[0]
            print("started %s n1 at %s (data %s)" % (args.start, member.endpoint, member.data_dir))
            return run_against(etcd3, "127.0.0.1", member.client_port, "n1")
    finally:
        if args.keep_logs:
            os.makedirs(args.keep_logs, exist_ok=True)
            for name in os.listdir(root):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(root, name), args.keep_logs)
        shutil.rmtree(root, ignore_errors=True)


def _quiet_closed_watch_thread(hook_args):
    """python-etcd3 0.12's watcher thread may try once more after the client is closed and
    die with "Channel closed"; that is the end of the session, not a failure."""
    if (hook_args.exc_type is ValueError and "Channel closed" in str(hook_args.exc_value)
            and hook_args.thread is not None and hook_args.thread.name.startswith("etcd3_watch")):
        return
    threading.__excepthook__(hook_args)


def run_against(etcd3, host, port, started_name):
    threading.excepthook = _quiet_closed_watch_thread
    # No proxy: grpc honours http_proxy; every request goes straight to 127.0.0.1.
    client = etcd3.client(host=host, port=port, timeout=RPC_TIMEOUT_S,
                          grpc_options=[("grpc.enable_http_proxy", 0)])
    try:
        return Session(etcd3, client, started_name).run()
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
