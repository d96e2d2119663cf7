#!/usr/bin/python3
"""bench/latency-breakdown on a tiny put workload: every traced request must be found in a
member's log under its trace id, and the spans must add up (they are consecutive pieces of the
member's total, and the client's latency contains that total).

Usage: latency_breakdown_test.py --chorus-binary PATH
"""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOTAL, EVERY = 400, 10


def main():
    binary = sys.argv[sys.argv.index("--chorus-binary") + 1]
    completed = subprocess.run(
        [os.path.join(REPO, "bench", "latency-breakdown"), "--chorus-binary", binary, "--json",
         "--workload", "put", "--clients", "4", "--conns", "3", "--total", str(TOTAL),
         "--key-space-size", "100", "--trace-every", str(EVERY)],
        stdout=subprocess.PIPE, text=True, timeout=120)
    if completed.returncode != 0:
        print("latency-breakdown exited with status %d" % completed.returncode)
        return 1
    summary = json.loads(completed.stdout.strip().splitlines()[-1])
    failures = []
    if summary["traced"] != TOTAL // EVERY or summary["joined"] != summary["traced"]:
        failures.append("traced %d, joined %d; want %d of each" % (
            summary["traced"], summary["joined"], TOTAL // EVERY))
    for group in ("served_by_leader", "served_by_follower"):
        if not summary[group]:
            failures.append("no request was served by the %s (three conns, one per member)"
                            % group[len("served_by_"):])
    rows = summary["all"]
    pieces = sum(rows[name]["mean"] for name in ("receive", "propose", "commit", "apply",
                                                 "respond"))
    if abs(pieces - rows["total"]["mean"]) > 0.01:
        failures.append("spans sum to %.4f ms on average, the member's total is %.4f ms"
                        % (pieces, rows["total"]["mean"]))
    if rows["client"]["mean"] < rows["total"]["mean"] or rows["outside"]["p50"] <= 0:
        failures.append("the client saw less time than the member spent: %s" % rows)
    if rows["commit"]["p50"] <= 0:
        failures.append("a put's commit span is not positive: %s" % rows["commit"])
    for failure in failures:
        print("FAIL:", failure)
    if not failures:
        print("ok: %d traced puts joined; p50 client %.3f ms, member total %.3f ms, commit %.3f ms"
              % (summary["joined"], rows["client"]["p50"], rows["total"]["p50"],
                 rows["commit"]["p50"]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
