#!/usr/bin/python3
"""A fake 3-member Chorus cluster for developing and testing the dashboard without the C++ server.

Each fake member listens on its own port and serves, like a real member:
  GET /dashboard, /dashboard/app.js, /dashboard/style.css   the files next to this script
                                                             (re-read on every request)
  GET /dashboard/api/cluster                                 that member's view of the cluster
and, for tests only:
  POST /fixture/kill?member=<id|name|leader>                 the member stops answering: its port
                                                             closes, as if the process were killed;
                                                             if it led, another one is elected ~0.8 s later

Throughput, latency histograms, indexes and sizes change every 100 ms so the charts move.

  /usr/bin/python3 web/dashboard/fixture_server.py --port 8080      # members on 8080, 8081, 8082
  /usr/bin/python3 web/dashboard/fixture_server.py --ports 9001,9002,9003 --kill-leader-after 20

Standard library only.
"""

import argparse
import json
import math
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC = {
    "/dashboard": ("index.html", "text/html; charset=utf-8"),
    "/dashboard/": ("index.html", "text/html; charset=utf-8"),
    "/dashboard/index.html": ("index.html", "text/html; charset=utf-8"),
    "/dashboard/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/dashboard/style.css": ("style.css", "text/css; charset=utf-8"),
}
# The same bucket bounds (seconds) as the real server's request-latency histogram.
LE = [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048,
      4.096]
IDS = ["8e9e05c52164694d", "91bc3c398fb3c146", "fd422379fda50e48"]
CLUSTER_ID = "cdf818194e3a8c32"
QUOTA = 2 * 1024 ** 3
ELECTION_DELAY_S = 0.8


def now_ms():
    return int(time.time() * 1000)


def lognormal_cdf(x, median, sigma):
    return 0.5 * (1.0 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2.0))))


class Member:
    def __init__(self, idx, host, port):
        self.id = IDS[idx]
        self.name = f"n{idx + 1}"
        self.client_url = f"http://{host}:{port}"
        self.peer_url = f"http://{host}:{port + 10000 if port + 10000 < 65536 else port - 10000}"
        self.port = port
        self.alive = True
        self.requests = 0.0
        self.hist = [0.0] * len(LE)   # cumulative, as floats; floored when served
        self.count = 0.0
        self.lat_sum = 0.0
        self.applied = 0.0
        self.db_size = 24 * 1024 * 1024 + idx * 512 * 1024
        self.server = None


class Cluster:
    def __init__(self, host, ports, alarm):
        self.lock = threading.Lock()
        self.members = [Member(i, host, p) for i, p in enumerate(ports)]
        self.start = time.time()
        self.term = 2
        self.leader = self.members[0].id
        self.commit = 1000.0
        self.revision = 500.0
        self.elect_at = None
        self.spike_until = 0.0
        t = now_ms()
        self.history = [{"time_ms": t - 95000, "term": 1, "leader": IDS[1], "name": "n2"},
                        {"time_ms": t - 60200, "term": 1, "leader": "", "name": ""},
                        {"time_ms": t - 60000, "term": 2, "leader": IDS[0], "name": "n1"}]
        self.events = [{"time_ms": t - 95000, "text": "n2 elected leader (term 1)"},
                       {"time_ms": t - 60200, "text": "n2 unreachable"},
                       {"time_ms": t - 60000, "text": "n1 elected leader (term 2)"},
                       {"time_ms": t - 40000, "text": "n2 reachable again"}]
        self.alarms = [{"member": IDS[2], "alarm": alarm}] if alarm else []
        if alarm:
            self.event(f"alarm {alarm} raised on n3")

    def by_id(self, mid):
        return next((m for m in self.members if m.id == mid), None)

    def event(self, text):
        self.events.append({"time_ms": now_ms(), "text": text})
        del self.events[:-50]

    def set_leader(self, mid):
        self.leader = mid
        m = self.by_id(mid)
        self.history.append({"time_ms": now_ms(), "term": self.term, "leader": mid,
                             "name": m.name if m else ""})
        del self.history[:-50]

    def step(self, dt):
        """Advances the fake cluster by dt seconds (called every 100 ms)."""
        with self.lock:
            now = time.time()
            if self.elect_at is not None and now >= self.elect_at:
                alive = [m for m in self.members if m.alive]
                if len(alive) * 2 > len(self.members):
                    self.elect_at = None
                    self.term += 1
                    self.set_leader(alive[0].id)
                    self.event(f"{alive[0].name} elected leader (term {self.term})")
                else:
                    self.elect_at = now + ELECTION_DELAY_S
            t = now - self.start
            electing = not self.leader
            rate = max(0.0, 900 + 350 * math.sin(t / 9.0) + random.gauss(0, 40))
            if electing:
                rate *= 0.05   # writes stall without a leader
            alive = [m for m in self.members if m.alive]
            # Latency: ~1.5 ms median normally, a spike right after a leader change.
            spike = now < self.spike_until
            for m in alive:
                n = rate * dt / len(alive)
                median = 0.040 if spike else (0.0022 if m.id == self.leader else 0.0012)
                sigma = 1.1 if spike else 0.75
                m.requests += n
                m.count += n
                m.lat_sum += n * median * math.exp(sigma * sigma / 2)
                for i, b in enumerate(LE):
                    m.hist[i] += n * lognormal_cdf(b, median, sigma)
            if not electing:
                writes = rate * dt * 0.4
                self.commit += writes
                self.revision += writes * 0.9
                for m in alive:
                    behind = 0 if m.id == self.leader else random.choice([0, 0, 1, 2, 5])
                    m.applied = max(m.applied, self.commit - behind)
                    m.db_size += int(writes * 180)

    def kill(self, who):
        with self.lock:
            if who == "leader":
                who = self.leader
            m = self.by_id(who) or next((x for x in self.members if x.name == who), None)
            if m is None or not m.alive:
                return None
            m.alive = False
            self.event(f"{m.name} unreachable")
            if m.id == self.leader:
                self.leader = ""
                self.history.append({"time_ms": now_ms(), "term": self.term, "leader": "",
                                     "name": ""})
                self.event(f"leader {m.name} lost (term {self.term})")
                self.elect_at = time.time() + ELECTION_DELAY_S
                self.spike_until = time.time() + ELECTION_DELAY_S + 3.0
        # Close its port as a killed process would; shutdown() waits for serve_forever, so not
        # from under the lock, and in another thread in case the caller is that server's handler.
        threading.Thread(target=lambda: (m.server.shutdown(), m.server.server_close()),
                         daemon=True).start()
        return m

    def view(self, served):
        """The JSON a real member would answer on /dashboard/api/cluster."""
        with self.lock:
            leader = self.by_id(self.leader)
            members = []
            for m in self.members:
                d = {"id": m.id, "name": m.name, "client_urls": [m.client_url],
                     "peer_urls": [m.peer_url], "is_learner": False, "reachable": m.alive}
                if m.alive:
                    applied = int(m.applied)
                    d.update({
                        "role": "leader" if m.id == self.leader else "follower",
                        "term": self.term, "leader": self.leader,
                        "commit": int(self.commit) if m.id == self.leader else applied,
                        "applied": applied, "revision": int(self.revision),
                        "db_size": m.db_size, "quota": QUOTA,
                        "healthy": bool(self.leader),
                        "lag": max(0, int(self.commit) - applied) if leader else 0,
                        "requests_total": int(m.requests),
                        "latency": {"le": LE, "counts": [int(c) for c in m.hist],
                                    "count": int(m.count), "sum": round(m.lat_sum, 6)},
                    })
                members.append(d)
            return {
                "served_by": {"id": served.id, "name": served.name},
                "cluster_id": CLUSTER_ID,
                "time_ms": now_ms(),
                "leader": self.leader,
                "members": members,
                "leader_history": list(self.history),
                "alarms": list(self.alarms),
                "events": list(self.events),
            }


def make_handler(cluster, member, verbose):
    class Handler(BaseHTTPRequestHandler):
        server_version = "chorus-fixture"

        def log_message(self, fmt, *args):
            if verbose:
                sys.stderr.write(f"[{member.name}] {fmt % args}\n")

        def send(self, code, body, ctype, extra=None):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/":
                self.send(302, b"", "text/plain", {"Location": "/dashboard"})
            elif path in STATIC:
                name, ctype = STATIC[path]
                with open(os.path.join(HERE, name), "rb") as f:
                    self.send(200, f.read(), ctype)
            elif path == "/dashboard/api/cluster":
                body = json.dumps(cluster.view(member)).encode()
                self.send(200, body, "application/json")
            else:
                self.send(404, b"not found\n", "text/plain")

        do_HEAD = do_GET

        def do_POST(self):
            url = urlsplit(self.path)
            if url.path != "/fixture/kill":
                self.send(404, b"not found\n", "text/plain")
                return
            who = parse_qs(url.query).get("member", ["leader"])[0]
            killed = cluster.kill(who)
            if killed is None:
                self.send(409, b"no such live member\n", "text/plain")
            else:
                body = json.dumps({"killed": killed.id, "name": killed.name}).encode()
                self.send(200, body, "application/json")

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080,
                    help="first member's port; the others use the next two (default 8080)")
    ap.add_argument("--ports", help="the three members' ports, comma separated")
    ap.add_argument("--kill-leader-after", type=float, metavar="S",
                    help="after S seconds the leader stops answering and another is elected")
    ap.add_argument("--alarm", metavar="NAME", help="show an active alarm (e.g. NOSPACE) on n3")
    ap.add_argument("--verbose", action="store_true", help="log every request")
    args = ap.parse_args()

    ports = [int(p) for p in args.ports.split(",")] if args.ports else \
        [args.port, args.port + 1, args.port + 2]
    if len(ports) != 3:
        ap.error("--ports needs three ports")

    cluster = Cluster(args.host, ports, args.alarm)
    for m in cluster.members:
        m.server = ThreadingHTTPServer((args.host, m.port), make_handler(cluster, m, args.verbose))
        m.server.daemon_threads = True
        threading.Thread(target=m.server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()
        print(f"fixture: {m.name} ({m.id}) {m.client_url}/dashboard", flush=True)

    killed_at = time.time() + args.kill_leader_after if args.kill_leader_after else None
    last = time.time()
    try:
        while True:
            time.sleep(0.1)
            t = time.time()
            cluster.step(t - last)
            last = t
            if killed_at is not None and t >= killed_at:
                killed_at = None
                m = cluster.kill("leader")
                if m:
                    print(f"fixture: killed leader {m.name}", flush=True)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
