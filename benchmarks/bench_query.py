"""Benchmark every bundled query on the embedded store against rdflib's SPARQL engine.

Usage: python benchmarks/bench_query.py [--runs N]

Both engines hold the same graph (the bundled ontology and data). Each query runs N times on
each (after one warm-up run, so rdflib's first-query cost is not counted), and the table gives
the median latency per query and the ratio. Federated queries are left out: they need the
network. Nothing here is a test; the numbers go into benchmarks/README.md and issue notes.
"""

from __future__ import annotations

import argparse
import statistics
import time


def _time(run, runs: int) -> float:
    run()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per query and engine")
    args = parser.parse_args()

    from rdflib import Graph

    from treatykg import query, resources

    store = query.embedded_store()
    graph = Graph()
    for path in [*resources.ontology_files(), *resources.data_files()]:
        graph.parse(path, format="turtle")
    items = [q for q in query.bundled() if not q.name.startswith("federated/")]

    print(f"bundled queries, {args.runs} runs each, median latency\n")
    print("| query | embedded (pyoxigraph) | rdflib | speed-up |")
    print("|---|---|---|---|")
    worst_ratio, slowest = float("inf"), 0.0
    for item in items:
        ours = _time(lambda item=item: list(query.run(item.text, store)), args.runs)
        theirs = _time(lambda item=item: list(graph.query(item.text)), args.runs)
        ratio = theirs / ours if ours else float("inf")
        worst_ratio, slowest = min(worst_ratio, ratio), max(slowest, ours)
        print(f"| {item.name} | {ours * 1000:.2f} ms | {theirs * 1000:.1f} ms | {ratio:.0f}× |")
    print(
        f"\nslowest on the embedded store: {slowest * 1000:.2f} ms; "
        f"smallest speed-up: {worst_ratio:.0f}×"
    )


if __name__ == "__main__":
    main()
