"""The time budgets that used to be asserted in the test suite, measured here instead.

Usage: python benchmarks/bench_budgets.py [--runs N]

Two budgets guard against a regression of a different order of magnitude, not against noise:

* **each serializer under 1 s** on the bundled data (the build needs well under 0.2 s): it
  catches a switch to rdflib's canonical mode (minutes) or pyld's ``from_rdf`` (seconds). The
  naive peer is rdflib's own ``Graph.serialize`` of the same graph;
* **every resource page under 5 s** (about 460 pages): it catches a page view that walks the
  whole graph per page. The naive peer is rdflib writing each resource's concise bounded
  description as Turtle, the obvious way to give every resource a document.

A budget that is exceeded is printed as such (and the exit status is 1), but nothing here runs
in the test suite: timings depend on the machine (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from treatykg import build
from treatykg.namespaces import new_graph
from treatykg.publish.jsonld import build_context, framed
from treatykg.rdf.load import load, load_ontology, load_shapes
from treatykg.rdf.serialize import jsonld, nquads, ntriples, trig, turtle
from treatykg.sparql.catalogue import bundled
from treatykg.web.pages import Pages

SERIALIZER_BUDGET = 1.0
PAGES_BUDGET = 5.0


def _times(function: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s ({min(values):.3f}–{max(values):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per job (default 5)")
    args = parser.parse_args()

    ontology = load_ontology()
    data = new_graph()
    for triple in load().triples((None, None, None)):
        data.add(triple)
    for triple in ontology:
        data.add(triple)
    shapes = load_shapes()
    context = build_context(ontology)

    jobs: list[tuple[str, Callable[[], Any], Callable[[], Any] | None, float]] = [
        ("turtle data", lambda: turtle(data), lambda: data.serialize(format="turtle"), 0),
        ("ntriples data", lambda: ntriples(data), lambda: data.serialize(format="nt"), 0),
        ("trig data", lambda: trig(data), lambda: data.serialize(format="trig"), 0),
        ("nquads data", lambda: nquads(data), None, 0),  # rdflib: only for a Dataset
        ("turtle shapes", lambda: turtle(shapes), lambda: shapes.serialize(format="turtle"), 0),
        (
            "jsonld data",
            lambda: jsonld(data, context),
            lambda: data.serialize(format="json-ld", context=context),
            0,
        ),
        (
            "jsonld shapes",
            lambda: jsonld(shapes, context),
            lambda: shapes.serialize(format="json-ld", context=context),
            0,
        ),
        ("build_context", lambda: build_context(ontology), None, 0),
        ("framed", lambda: framed(data, context), None, 0),
    ]
    jobs = [(name, ours, peer, SERIALIZER_BUDGET) for name, ours, peer, _ in jobs]

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dist"
        build(out)
        graph = Graph()
        for name in ("treatykg.ttl", "void.ttl", "validation-report.ttl"):
            graph.parse(out / name)
    pages = Pages(graph, queries=bundled(), endpoint=None)
    iris = pages.resource_iris()

    def render_pages() -> None:
        for iri in iris:
            pages.resource(iri)

    def naive_documents() -> None:
        for iri in iris:
            graph.cbd(URIRef(iri)).serialize(format="turtle")

    jobs.append((f"every resource page ({len(iris)})", render_pages, naive_documents, PAGES_BUDGET))

    print(f"Time budgets, {args.runs} runs each, median (min–max)\n")
    print("| job | treatykg | naive peer (rdflib) | budget | within |")
    print("|---|---|---|---|---|")
    over = 0
    for name, ours, peer, budget in jobs:
        mine = _times(ours, args.runs)
        theirs = _times(peer, args.runs) if peer else None
        within = statistics.median(mine) <= budget
        over += not within
        print(
            f"| {name} | {_cell(mine)} | {_cell(theirs) if theirs else '–'} | "
            f"{budget:.0f} s | {'yes' if within else '**no**'} |"
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
