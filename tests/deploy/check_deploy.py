"""Check the deployment files under deploy/ (docs/deploy.md describes them).

Run with /usr/bin/python3 (standard library plus python3-yaml):

    check_deploy.py --static
        Every JSON and YAML file parses; the Kubernetes objects, the alert rules, the Prometheus
        scrape config, the systemd unit and the Grafana dashboard have the fields operators rely
        on; every metric name they reference is one Chorus exports (METRIC_TYPES below).

    check_deploy.py --chorus-binary PATH
        The static checks, then one real `chorus serve` member on free loopback ports: every
        metric name referenced by the dashboard and the alert rules must appear as
        `# TYPE name ...` in its /metrics. The server is stopped on every exit path.

Exit status 0 when every check passes, 1 otherwise (each failure is printed), 2 on bad usage.
"""

import argparse
import glob
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(REPO, "deploy")
DASHBOARD = os.path.join(DEPLOY, "grafana", "chorus-dashboard.json")
ALERTS = os.path.join(DEPLOY, "prometheus", "alerts.yml")
PROMETHEUS = os.path.join(DEPLOY, "prometheus", "prometheus.yml")
UNIT = os.path.join(DEPLOY, "systemd", "chorus.service")
UNIT_ENV = os.path.join(DEPLOY, "systemd", "chorus.env.example")
KUBERNETES = os.path.join(DEPLOY, "kubernetes")
DEPLOY_DOC = os.path.join(REPO, "docs", "deploy.md")

# The metrics Chorus exports, with their Prometheus types: the only names deploy/ may use.
# A new metric referenced by a dashboard or an alert is added here and to the server together.
METRIC_TYPES = {
    "etcd_server_has_leader": "gauge",
    "etcd_server_is_leader": "gauge",
    "etcd_server_is_learner": "gauge",
    "etcd_server_leader_changes_seen_total": "counter",
    "etcd_server_proposals_committed_total": "gauge",
    "etcd_server_proposals_applied_total": "gauge",
    "etcd_server_proposals_pending": "gauge",
    "etcd_server_proposals_failed_total": "counter",
    "etcd_server_quota_backend_bytes": "gauge",
    "etcd_server_term": "gauge",
    "etcd_disk_wal_fsync_duration_seconds": "histogram",
    "etcd_disk_backend_commit_duration_seconds": "histogram",
    "etcd_network_peer_round_trip_time_seconds": "histogram",
    "etcd_mvcc_db_total_size_in_bytes": "gauge",
    "etcd_debugging_mvcc_current_revision": "gauge",
    "grpc_server_started_total": "counter",
    "grpc_server_handled_total": "counter",
    "grpc_server_handling_seconds": "histogram",
    "process_resident_memory_bytes": "gauge",
    "process_cpu_seconds_total": "counter",
    "process_open_fds": "gauge",
    "process_start_time_seconds": "gauge",
    "chorus_raft_ready_entries": "histogram",
    "chorus_wal_entries_per_fsync": "histogram",
    "chorus_read_index_batch_size": "histogram",
    "chorus_watch_streams": "gauge",
    "chorus_watch_pending_events": "gauge",
    "chorus_space_alarm": "gauge",
}

# What the dashboard must show (the observability issue's list of panels).
DASHBOARD_REQUIRED = {
    "etcd_server_has_leader", "etcd_server_leader_changes_seen_total",
    "etcd_server_proposals_committed_total", "etcd_server_proposals_applied_total",
    "etcd_server_proposals_pending", "etcd_server_proposals_failed_total",
    "etcd_disk_wal_fsync_duration_seconds", "etcd_disk_backend_commit_duration_seconds",
    "etcd_network_peer_round_trip_time_seconds", "etcd_mvcc_db_total_size_in_bytes",
    "etcd_server_quota_backend_bytes", "grpc_server_handled_total", "grpc_server_handling_seconds",
    "process_resident_memory_bytes", "chorus_raft_ready_entries", "chorus_wal_entries_per_fsync",
    "chorus_read_index_batch_size", "chorus_watch_streams", "chorus_watch_pending_events",
}

# Alert name -> the severities it must exist with.
ALERTS_REQUIRED = {
    "ChorusNoLeader": {"critical"},
    "ChorusFrequentLeaderChanges": {"warning"},
    "ChorusSlowFsync": {"warning"},
    "ChorusSlowBackendCommit": {"warning"},
    "ChorusQuotaNearlyFull": {"warning", "critical"},
    "ChorusHighProposalFailures": {"warning"},
    "ChorusMemberDown": {"critical"},
}

# Names that PromQL expressions may use without Chorus exporting them (Prometheus makes `up`).
EXEMPT_NAMES = {"up"}

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

# Bounds, in seconds.
HEALTH_DEADLINE_S = 20.0
HTTP_TIMEOUT_S = 2.0
STOP_GRACE_S = 5.0
POLL_INTERVAL_S = 0.2


class Checker:
    """Collects failures so that one run reports all of them."""

    def __init__(self):
        self.failures = []

    def check(self, condition, message):
        if not condition:
            self.failures.append(message)
        return condition


# -- PromQL metric names ------------------------------------------------------------------------

_LABEL_MATCHERS = re.compile(r"\{[^{}]*\}")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_METRIC = re.compile(r"\b(?:etcd|grpc|process|chorus)_[A-Za-z0-9_]*[A-Za-z0-9]\b|\bup\b")


def metric_names(expr):
    """Metric names in a PromQL expression: identifiers starting etcd_, grpc_, process_ or
    chorus_ (and `up`), outside label matchers, strings and by/without/on clauses, so that a
    label such as grpc_method is not taken for a metric."""
    text = _LABEL_MATCHERS.sub(" ", expr)
    text = _STRING.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    return set(_METRIC.findall(text))


def base_name(name, types):
    """The exported name behind `name`: itself when `types` has it, else the histogram (or
    summary) whose _bucket/_sum/_count series it is; None when neither."""
    if name in types:
        return name
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            if types.get(base) in ("histogram", "summary"):
                return base
    return None


def exported_names(referenced):
    """The exported names behind PromQL names: histograms once, not per series suffix."""
    return {base_name(name, METRIC_TYPES) or name for name in referenced - EXEMPT_NAMES}


def check_metric_parser(checker):
    """The parser must find histograms behind _bucket and skip label names, or the live check
    would pass or fail for the wrong reason."""
    sample = ('histogram_quantile(0.99, sum by (grpc_method, le) (rate('
              'grpc_server_handling_seconds_bucket{job=~"$job", grpc_type="unary"}[5m]))) '
              '/ on (instance) etcd_server_has_leader + up')
    found = metric_names(sample)
    checker.check(found == {"grpc_server_handling_seconds_bucket", "etcd_server_has_leader", "up"},
                  "metric-name parser self-test: got %s" % sorted(found))
    checker.check(base_name("grpc_server_handling_seconds_bucket", METRIC_TYPES)
                  == "grpc_server_handling_seconds", "histogram suffix self-test")
    checker.check(base_name("etcd_server_term_count", METRIC_TYPES) is None,
                  "suffix stripped from a gauge in the self-test")


# -- loading ------------------------------------------------------------------------------------

def load_all(checker):
    """Parse every JSON and YAML file under deploy/. Returns {path: list of documents}."""
    loaded = {}
    paths = sorted(p for p in glob.glob(os.path.join(DEPLOY, "**", "*"), recursive=True)
                   if p.endswith((".json", ".yml", ".yaml")))
    for path in paths:
        relative = os.path.relpath(path, REPO)
        try:
            with open(path, encoding="utf-8") as handle:
                if path.endswith(".json"):
                    loaded[path] = [json.load(handle)]
                else:
                    loaded[path] = [doc for doc in yaml.safe_load_all(handle) if doc is not None]
        except (ValueError, yaml.YAMLError) as error:
            checker.failures.append("%s does not parse: %s" % (relative, error))
    checker.check(any(p.endswith(".json") for p in loaded), "no JSON file under deploy/")
    checker.check(any(p.endswith((".yml", ".yaml")) for p in loaded), "no YAML file under deploy/")
    return loaded


# -- Grafana ------------------------------------------------------------------------------------

def _walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def dashboard_queries(dashboard):
    """Every PromQL text in the dashboard: panel target exprs and template variable queries."""
    queries = [node["expr"] for node in _walk(dashboard.get("panels", []))
               if isinstance(node, dict) and isinstance(node.get("expr"), str)]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable.get("query")
            queries.append(query.get("query", "") if isinstance(query, dict) else str(query))
    return queries


def check_dashboard(checker, loaded):
    if not checker.check(DASHBOARD in loaded, "missing or unparsable %s" % DASHBOARD):
        return set()
    dashboard = loaded[DASHBOARD][0]
    checker.check(dashboard.get("schemaVersion", 0) >= 36, "dashboard schemaVersion below 36")
    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    datasource = variables.get("datasource", {})
    checker.check(datasource.get("type") == "datasource" and datasource.get("query") == "prometheus",
                  "dashboard lacks a Prometheus `datasource` variable")
    for name in ("job", "instance"):
        checker.check(variables.get(name, {}).get("type") == "query",
                      "dashboard lacks a `%s` query variable" % name)
    panels = [p for p in _walk(dashboard.get("panels", [])) if isinstance(p, dict) and "gridPos" in p]
    ids = [p.get("id") for p in panels]
    checker.check(len(ids) == len(set(ids)), "dashboard panel ids are not unique")
    titles = {p.get("title") for p in panels if p.get("type") == "row"}
    checker.check("Chorus batching" in titles, "dashboard lacks the 'Chorus batching' row")
    for panel in panels:
        if panel.get("type") == "row":
            continue
        checker.check(panel.get("datasource", {}).get("uid") == "${datasource}",
                      "panel %r does not use ${datasource}" % panel.get("title"))
        targets = panel.get("targets") or []
        checker.check(targets and all(t.get("expr") for t in targets),
                      "panel %r has no query" % panel.get("title"))
    names = set()
    for query in dashboard_queries(dashboard):
        names |= metric_names(query)
    referenced = {base_name(n, METRIC_TYPES) or n for n in names}
    for missing in sorted(DASHBOARD_REQUIRED - referenced):
        checker.failures.append("dashboard does not show %s" % missing)
    return names


# -- Prometheus ---------------------------------------------------------------------------------

def markdown_anchors(path):
    """GitHub's anchors for the headings of a Markdown file (lower case, spaces to dashes,
    punctuation dropped); empty when the file is missing."""
    try:
        with open(path, encoding="utf-8") as handle:
            headings = [line.lstrip("#").strip() for line in handle if line.startswith("#")]
    except OSError:
        return set()
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}


def check_alerts(checker, loaded):
    if not checker.check(ALERTS in loaded, "missing or unparsable %s" % ALERTS):
        return set()
    documents = loaded[ALERTS]
    groups = documents[0].get("groups", []) if documents else []
    checker.check(bool(groups), "alerts.yml has no rule groups")
    severities = {}
    names = set()
    doc_anchors = markdown_anchors(DEPLOY_DOC)
    for group in groups:
        checker.check(bool(group.get("name")), "a rule group has no name")
        for rule in group.get("rules", []):
            alert = rule.get("alert", "<no alert name>")
            for field in ("alert", "expr", "for"):
                checker.check(bool(rule.get(field)), "alert %s lacks `%s`" % (alert, field))
            severity = (rule.get("labels") or {}).get("severity")
            checker.check(severity in ("warning", "critical"),
                          "alert %s: labels.severity is %r" % (alert, severity))
            annotations = rule.get("annotations") or {}
            for field in ("summary", "description"):
                checker.check(bool(annotations.get(field)),
                              "alert %s lacks annotations.%s" % (alert, field))
            anchors = re.findall(r"docs/deploy\.md#([a-z0-9-]+)", annotations.get("description", ""))
            checker.check(bool(anchors), "alert %s: the description does not link to docs/deploy.md"
                          % alert)
            for anchor in anchors:
                checker.check(anchor in doc_anchors,
                              "alert %s links to docs/deploy.md#%s, which has no such heading"
                              % (alert, anchor))
            severities.setdefault(alert, set()).add(severity)
            names |= metric_names(str(rule.get("expr", "")))
    for alert, wanted in ALERTS_REQUIRED.items():
        checker.check(wanted <= severities.get(alert, set()),
                      "alert %s missing with severity %s" % (alert, sorted(wanted)))
    return names


def check_scrape_config(checker, loaded):
    if not checker.check(PROMETHEUS in loaded, "missing or unparsable %s" % PROMETHEUS):
        return
    config = loaded[PROMETHEUS][0]
    checker.check("alerts.yml" in (config.get("rule_files") or []),
                  "prometheus.yml does not load alerts.yml")
    jobs = config.get("scrape_configs") or []
    chorus = [job for job in jobs if "chorus" in job.get("job_name", "")]
    if not checker.check(len(chorus) == 1, "prometheus.yml needs one job named *chorus*"):
        return
    job = chorus[0]
    checker.check(job.get("metrics_path", "/metrics") == "/metrics", "scrape path is not /metrics")
    targets = [t for static in job.get("static_configs", []) for t in static.get("targets", [])]
    checker.check(len(targets) == 3 and all(t.endswith(":2379") for t in targets),
                  "prometheus.yml should scrape 3 members on port 2379, has %s" % targets)


# -- Kubernetes ---------------------------------------------------------------------------------

def _container_port(container, port):
    """A probe port (a number or a container port name) as a number."""
    if isinstance(port, int):
        return port
    for entry in container.get("ports", []):
        if entry.get("name") == port:
            return entry.get("containerPort")
    return None


def check_kubernetes(checker, loaded):
    objects = [doc for path, docs in loaded.items()
               if path.startswith(KUBERNETES + os.sep) for doc in docs]
    services = [o for o in objects if o.get("kind") == "Service"]
    sets = [o for o in objects if o.get("kind") == "StatefulSet"]
    headless = [s for s in services if s.get("spec", {}).get("clusterIP") == "None"]
    clients = [s for s in services if s.get("spec", {}).get("clusterIP") != "None"]
    if not checker.check(len(headless) == 1, "need one headless Service (clusterIP: None)"):
        return
    checker.check(len(clients) >= 1, "need a client Service")
    if not checker.check(len(sets) == 1, "need one StatefulSet"):
        return
    peer = headless[0]
    peer_ports = {p.get("port") for p in peer["spec"].get("ports", [])}
    checker.check({2379, 2380} <= peer_ports, "headless Service ports %s lack 2379/2380" % peer_ports)
    checker.check(peer["spec"].get("publishNotReadyAddresses") is True,
                  "headless Service needs publishNotReadyAddresses: true")
    for client in clients:
        checker.check(2379 in {p.get("port") for p in client["spec"].get("ports", [])},
                      "client Service %s lacks port 2379" % client["metadata"]["name"])

    statefulset = sets[0]
    spec = statefulset.get("spec", {})
    checker.check(spec.get("replicas") == 3, "StatefulSet replicas is not 3")
    checker.check(spec.get("podManagementPolicy") == "Parallel", "podManagementPolicy is not Parallel")
    checker.check(spec.get("serviceName") == peer["metadata"]["name"],
                  "StatefulSet serviceName is not the headless Service")
    template = spec.get("template", {})
    labels = template.get("metadata", {}).get("labels", {})
    for service in services:
        selector = service["spec"].get("selector", {})
        checker.check(selector.items() <= labels.items(),
                      "Service %s selects no StatefulSet pod" % service["metadata"]["name"])
    checker.check(spec.get("selector", {}).get("matchLabels", {}).items() <= labels.items(),
                  "StatefulSet selector does not match its pod labels")
    annotations = template.get("metadata", {}).get("annotations", {})
    checker.check(annotations.get("prometheus.io/scrape") == "true",
                  "pods lack the prometheus.io/scrape annotation")
    claims = {c.get("metadata", {}).get("name") for c in spec.get("volumeClaimTemplates", [])}
    containers = template.get("spec", {}).get("containers", [])
    if not checker.check(len(containers) == 1, "the pod needs one container"):
        return
    container = containers[0]
    mounts = {m.get("mountPath"): m.get("name") for m in container.get("volumeMounts", [])}
    checker.check(mounts.get("/var/lib/chorus") in claims,
                  "/var/lib/chorus is not mounted from a volumeClaimTemplate")
    command = " ".join(container.get("command", []) + container.get("args", []))
    checker.check(re.search(r"\bchorus serve\b", command) is not None,
                  "the pod does not run chorus serve")
    name = peer["metadata"]["name"]
    checker.check("--name=$(POD_NAME)" in command, "--name is not $(POD_NAME)")
    checker.check("--initial-advertise-peer-urls=http://$(POD_NAME).%s.$(NAMESPACE).svc:2380" % name
                  in command, "peer URL is not http://$(POD_NAME).%s.$(NAMESPACE).svc:2380" % name)
    for index in range(3):
        checker.check("%s-%d=http://%s-%d.%s.$(NAMESPACE).svc:2380"
                      % (statefulset["metadata"]["name"], index, statefulset["metadata"]["name"],
                         index, name) in command, "--initial-cluster lacks member %d" % index)
    checker.check("--initial-cluster-token=" in command, "no --initial-cluster-token")
    env = {e.get("name"): e for e in container.get("env", [])}
    checker.check({"POD_NAME", "NAMESPACE"} <= env.keys(), "POD_NAME or NAMESPACE not in env")
    for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
        get = container.get(probe, {}).get("httpGet", {})
        checker.check(get.get("path") == path and _container_port(container, get.get("port")) == 2379,
                      "%s is not HTTP GET %s on 2379" % (probe, path))


# -- systemd ------------------------------------------------------------------------------------

def parse_unit(text):
    """{section: {key: [values]}} of a systemd unit, backslash continuations joined."""
    sections = {}
    current = None
    lines = iter(text.splitlines())
    for line in lines:
        line = line.strip()
        while line.endswith("\\"):
            line = line[:-1] + " " + next(lines, "").strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif current is not None and "=" in line:
            key, value = line.split("=", 1)
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


def check_systemd(checker):
    try:
        with open(UNIT, encoding="utf-8") as handle:
            unit = parse_unit(handle.read())
        with open(UNIT_ENV, encoding="utf-8") as handle:
            defined = {line.split("=", 1)[0].strip() for line in handle
                       if "=" in line and not line.lstrip().startswith("#")}
    except OSError as error:
        checker.failures.append("cannot read the systemd files: %s" % error)
        return
    for section in ("Unit", "Service", "Install"):
        checker.check(section in unit, "chorus.service lacks [%s]" % section)
    service = unit.get("Service", {})
    expected = {"Type": "simple", "User": "chorus", "Restart": "on-failure",
                "LimitNOFILE": "65536", "EnvironmentFile": "/etc/default/chorus",
                "NoNewPrivileges": "true", "ProtectSystem": "strict", "PrivateTmp": "true",
                "ReadWritePaths": "/var/lib/chorus"}
    for key, value in expected.items():
        checker.check(service.get(key) == [value], "chorus.service: %s is %s, not %s"
                      % (key, service.get(key), value))
    exec_start = service.get("ExecStart", [""])
    checker.check(len(exec_start) == 1, "chorus.service needs one ExecStart")
    words = exec_start[0].split()
    checker.check(len(words) >= 2 and os.path.basename(words[0]) == "chorus" and words[1] == "serve",
                  "ExecStart does not run `chorus serve`")
    checker.check("--data-dir /var/lib/chorus" in exec_start[0],
                  "ExecStart --data-dir is not /var/lib/chorus")
    for variable in re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)\}?", exec_start[0]):
        checker.check(variable in defined,
                      "ExecStart uses $%s, which chorus.env.example lacks" % variable)


# -- the live check -----------------------------------------------------------------------------

def free_ports(count):
    """`count` distinct free TCP ports on 127.0.0.1 (all sockets held until every port is
    chosen, so the kernel cannot hand one out twice)."""
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


# Loopback only: an HTTP(S)_PROXY from the environment must not intercept the requests.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url):
    """(status, body) of one GET; status None when the connection failed."""
    try:
        with _OPENER.open(url, timeout=HTTP_TIMEOUT_S) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return None, ""


def stop(process):
    """SIGTERM, then SIGKILL after STOP_GRACE_S; always reaps. Only this one process."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_GRACE_S)


def exported_types(metrics_text):
    """{name: type} from the `# TYPE name type` lines of a Prometheus exposition."""
    types = {}
    for line in metrics_text.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "#" and parts[1] == "TYPE":
            types[parts[2]] = parts[3]
    return types


def scrape_member(binary, work_dir):
    """Start one member, wait for /health, return its /metrics text. Raises RuntimeError."""
    client, peer, metrics = free_ports(3)
    client_url = "http://127.0.0.1:%d" % client
    peer_url = "http://127.0.0.1:%d" % peer
    metrics_url = "http://127.0.0.1:%d" % metrics
    command = [binary, "serve", "--name", "n1", "--data-dir", os.path.join(work_dir, "n1.data"),
               "--listen-client-urls", client_url, "--advertise-client-urls", client_url,
               "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
               "--initial-cluster", "n1=" + peer_url, "--listen-metrics-urls", metrics_url]
    log_path = os.path.join(work_dir, "n1.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + HEALTH_DEADLINE_S
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            status, _ = http_get(metrics_url + "/health")
            if status == 200:
                break
            time.sleep(POLL_INTERVAL_S)
        if status != 200:
            with open(log_path, encoding="utf-8", errors="replace") as log:
                tail = log.read()[-2000:]
            raise RuntimeError("no 200 from %s/health within %.0f s (last status %s, exit %s); log:\n%s"
                               % (metrics_url, HEALTH_DEADLINE_S, status, process.poll(), tail))
        status, body = http_get(metrics_url + "/metrics")
        if status != 200:
            raise RuntimeError("GET %s/metrics answered %s" % (metrics_url, status))
        return body
    finally:
        stop(process)


def check_live(checker, binary, referenced):
    with tempfile.TemporaryDirectory(prefix="chorus-deploy-") as work_dir:
        try:
            metrics_text = scrape_member(binary, work_dir)
        except (RuntimeError, OSError) as error:
            checker.failures.append("live check: %s" % error)
            return
    types = exported_types(metrics_text)
    # Reported by exported name: a histogram once, not as _bucket, _sum and _count.
    missing = sorted(exported_names({name for name in referenced if base_name(name, types) is None}))
    if missing:
        checker.failures.append("metrics referenced by deploy/ but with no `# TYPE` line in "
                                "/metrics (%d missing; it has %d names):\n    %s"
                                % (len(missing), len(types), "\n    ".join(missing)))
    else:
        print("live check: all %d referenced metrics are exported" % len(exported_names(referenced)))


# -- main ---------------------------------------------------------------------------------------

def _raise_system_exit(signum, frame):
    raise SystemExit(128 + signum)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--static", action="store_true", help="check the files only")
    mode.add_argument("--chorus-binary", help="also check the metric names against this chorus")
    options = parser.parse_args()
    # `finally` blocks (which stop the server) must run on SIGTERM and SIGHUP as on Ctrl-C.
    signal.signal(signal.SIGTERM, _raise_system_exit)
    signal.signal(signal.SIGHUP, _raise_system_exit)

    checker = Checker()
    check_metric_parser(checker)
    loaded = load_all(checker)
    referenced = check_dashboard(checker, loaded) | check_alerts(checker, loaded)
    check_scrape_config(checker, loaded)
    check_kubernetes(checker, loaded)
    check_systemd(checker)
    unknown = sorted({n for n in referenced - EXEMPT_NAMES if base_name(n, METRIC_TYPES) is None})
    checker.check(not unknown, "deploy/ references metrics Chorus does not export: %s" % unknown)
    if options.chorus_binary:
        check_live(checker, options.chorus_binary, referenced)

    for failure in checker.failures:
        print("FAIL: " + failure)
    if checker.failures:
        print("%d check(s) failed" % len(checker.failures))
        return 1
    print("deploy/ checks passed (%d metrics referenced)" % len(exported_names(referenced)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
