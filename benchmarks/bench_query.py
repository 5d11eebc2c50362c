"""Benchmark every bundled query on the embedded store, rdflib, Virtuoso and Jena.

Usage: python benchmarks/bench_query.py [--runs N] [--no-virtuoso] [--no-jena]

All engines hold the same graph (the bundled ontology and data; Virtuoso and Jena read the
release that ``treatykg build`` writes). Each query runs N times on each after one warm-up run,
and the table gives the median latency per query:

* **embedded**: pyoxigraph, as ``treatykg query`` runs it;
* **rdflib**: rdflib's SPARQL engine on the same graph, the naive peer;
* **Virtuoso** (Debian's ``virtuoso-opensource``): a throwaway instance on loopback loaded with
  ``treatykg load``; each run is an HTTP request on the release graph, so it includes the
  round trip and the JSON results, as a user's client sees them;
* **Jena ARQ** (Debian's ``libapache-jena-java``): ``arq.sparql --time --repeat`` over the dump,
  its own timing of the query alone (without starting Java and loading the data).

An engine that is not installed is left out and says so; an engine that fails a query shows
``error``. Federated queries are left out: they need the network. Nothing here is a test; the
numbers go into benchmarks/README.md and issue notes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from servers import jena_installed, jena_java, virtuoso_exe, virtuoso_server

RELEASE_GRAPH = "https://w3id.org/treatykg/graph/release"


def _time(run, runs: int) -> float:
    run()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _virtuoso(release: Path, folder: Path, items, runs: int) -> dict[str, float | None]:
    """Median latency of each query over HTTP on a throwaway Virtuoso (None: it failed)."""
    import httpx

    times: dict[str, float | None] = {}
    with virtuoso_server(folder) as base:
        treatykg = Path(sys.executable).with_name("treatykg")
        subprocess.run(
            [str(treatykg), "load",
             "--endpoint", f"{base}/sparql-graph-crud-auth", "--graph-param", "graph-uri",
             "--update-endpoint", f"{base}/sparql-auth", "--user", "dba", "--auth", "digest",
             "--query-endpoint", f"{base}/sparql", "--build", str(release)],
            check=True, capture_output=True,
            env={**os.environ, "TREATYKG_ENDPOINT_PASSWORD": "dba"},
        )  # fmt: skip
        with httpx.Client(timeout=60) as client:
            for item in items:

                def run(item=item) -> None:
                    response = client.post(
                        f"{base}/sparql",
                        data={"query": item.text, "default-graph-uri": RELEASE_GRAPH},
                        headers={"Accept": "application/sparql-results+json"},
                    )
                    response.raise_for_status()
                    response.json()

                try:
                    times[item.name] = _time(run, runs)
                except httpx.HTTPError:
                    times[item.name] = None
    return times


def _jena(release: Path, folder: Path, items, runs: int) -> dict[str, float | None]:
    """Median of ARQ's own timing of each query (None: it failed)."""
    java = jena_java(folder)
    times: dict[str, float | None] = {}
    for item in items:
        query = folder / "query.rq"
        query.write_text(item.text, encoding="utf-8")
        done = subprocess.run(
            [*java, "arq.sparql", "--data", str(release / "treatykg.nt"), "--query", str(query),
             "--time", f"--repeat=1,{runs}", "--results=none"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        printed = done.stdout + done.stderr  # ARQ prints its timings on stderr
        samples = [float(t) for t in re.findall(r"^Time: ([\d.]+) sec", printed, re.M)]
        ok = done.returncode == 0 and len(samples) > 1
        times[item.name] = statistics.median(samples[1:]) if ok else None  # after the warm-up
    return times


def _ms(seconds: float | None, digits: int = 2) -> str:
    return "error" if seconds is None else f"{seconds * 1000:.{digits}f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per query and engine")
    parser.add_argument("--no-virtuoso", action="store_true", help="leave Virtuoso out")
    parser.add_argument("--no-jena", action="store_true", help="leave Jena out")
    args = parser.parse_args()

    from rdflib import Graph

    from treatykg import resources
    from treatykg.publish.build import build
    from treatykg.sparql import catalogue, execute

    store = execute.embedded_store()
    graph = Graph()
    for path in [*resources.ontology_files(), *resources.data_files()]:
        graph.parse(path, format="turtle")
    items = [q for q in catalogue.bundled() if not q.name.startswith("federated/")]

    notes = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        release = work / "dist"
        build(release)
        virtuoso: dict[str, float | None] | None = None
        jena: dict[str, float | None] | None = None
        if args.no_virtuoso:
            notes.append("Virtuoso left out (--no-virtuoso)")
        elif virtuoso_exe() is None:
            notes.append("Virtuoso left out: not installed (apt-get install virtuoso-opensource)")
        else:
            virtuoso = _virtuoso(release, work / "virtuoso", items, args.runs)
        if args.no_jena:
            notes.append("Jena left out (--no-jena)")
        elif not jena_installed():
            notes.append("Jena left out: not installed (apt-get install libapache-jena-java)")
        else:
            (work / "jena").mkdir()
            jena = _jena(release, work / "jena", items, args.runs)

    columns = ["embedded (pyoxigraph)", "rdflib", "speed-up"]
    columns += ["Virtuoso (HTTP)"] if virtuoso is not None else []
    columns += ["Jena ARQ"] if jena is not None else []
    print(f"bundled queries, {args.runs} runs each, median latency\n")
    print("| query | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    worst_ratio, slowest = float("inf"), 0.0
    errors = {"Virtuoso": 0, "Jena": 0}
    for item in items:
        ours = _time(lambda item=item: list(execute.run(item.text, store)), args.runs)
        theirs = _time(lambda item=item: list(graph.query(item.text)), args.runs)
        ratio = theirs / ours if ours else float("inf")
        worst_ratio, slowest = min(worst_ratio, ratio), max(slowest, ours)
        cells = [_ms(ours), _ms(theirs, 1), f"{ratio:.0f}×"]
        for name, times in (("Virtuoso", virtuoso), ("Jena", jena)):
            if times is not None:
                cells.append(_ms(times[item.name]))
                errors[name] += times[item.name] is None
        print(f"| {item.name} | " + " | ".join(cells) + " |")
    print(
        f"\nslowest on the embedded store: {slowest * 1000:.2f} ms; "
        f"smallest speed-up over rdflib: {worst_ratio:.0f}×"
    )
    for name, times in (("Virtuoso", virtuoso), ("Jena", jena)):
        if times is not None:
            print(f"{name}: {errors[name]} of {len(items)} queries failed")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
