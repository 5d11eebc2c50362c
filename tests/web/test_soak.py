"""Issue 14: hostile clients must cost the normal ones nothing (a 10-second soak).

``benchmarks/soak.py`` (also behind ``benchmarks/bench_serve.py --soak``) runs 16 normal
clients (dereferences, pages, documents, bundled queries, ``ASK {}``) while 4 hostile ones
cycle runaway joins, deep operator chains and nestings, SERVICE to a canary socket, oversized
and endless bodies, slow readers and writers, disconnects and large HTML results, each client
from its own loopback address. Here for 10 seconds against ``treatykg serve`` as users run
it: the bundled queries are answered from the answers computed at start-up (by design they
never wait for a worker), and every ``ASK {}`` is a new text, so that it meets the hostile
queries at the query workers, where fairness is at stake. The normal clients must see no
error at all and a 99th percentile within a generous bound (the benchmark's target is
100 ms); the server must stay up, answer afterwards, log no traceback
(``treatykg_server(log=…)`` checks that when it stops) and never call the canary.
"""

from __future__ import annotations

import sys
from pathlib import Path

from locations import ROOT
from servers import treatykg_server

sys.path.insert(0, str(ROOT / "benchmarks"))

import soak  # benchmarks/soak.py

SECONDS = 10
P99_BOUND = 1.0  # seconds, per kind of normal request


def test_normal_clients_see_no_error_while_hostile_ones_attack(
    release: Path, tmp_path: Path
) -> None:
    load = soak.workload(release)
    options = ("-q",)
    with treatykg_server(release, *options, log=tmp_path / "serve.log") as base:
        server = soak.Server(
            "treatykg", base, "/sparql", True, command=f"treatykg serve {' '.join(options)}"
        )
        soak.check_workload(server, load, per_kind=20)
        # restart=False: a server that dies stays dead, and the test says so
        report = soak.soak(server, load, SECONDS, timeout=5.0, hold=3.0, restart=False)
        text = soak.format_report(report)
        # asserted before the server stops: its log is checked for tracebacks after that
        assert report.server_deaths == 0, text
        assert report.answers_after, text
        assert report.canary_connections == 0, text
        assert set(report.normal) == set(soak.NORMAL_KINDS), text
        for kind, stats in report.normal.items():
            assert stats.latencies, f"no {kind} request finished\n{text}"
        assert report.errors == 0, text
        slow = {
            kind: round(stats.percentile(0.99), 3)
            for kind, stats in report.normal.items()
            if stats.percentile(0.99) > P99_BOUND
        }
        assert not slow, f"p99 over {P99_BOUND} s: {slow}\n{text}"
        assert sum(sum(outcomes.values()) for outcomes in report.hostile.values()) >= 8, text
