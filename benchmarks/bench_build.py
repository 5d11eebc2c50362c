"""Benchmark `treatykg build` against the obvious way of doing the same job.

Usage: python benchmarks/bench_build.py [--runs N]

For each of N runs it times, per stage:

* **treatykg**: ``treatykg.publish.build.build()`` on the bundled ontology, data and shapes, into a
  fresh temporary directory (the stage timings the build itself records);
* **naive peer**: the same steps done the obvious way: rdflib ``Graph.parse`` of every file,
  pySHACL with ``inference="rdfs"`` and the ontology mixed in, rdflib ``serialize`` to Turtle,
  N-Triples and JSON-LD, and writing the files.

It also times the CLI start-up (``treatykg --help`` in a fresh process). It prints a Markdown
table of medians with the spread (min–max) and the speed-up. Nothing here is a test: numbers
vary with the machine, so they go into benchmarks/README.md and the issue notes, not into
assertions.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _treatykg_run(workdir: Path) -> dict[str, float]:
    from treatykg.publish.build import build

    started = time.perf_counter()
    result = build(workdir / "dist")
    total = time.perf_counter() - started
    timings = dict(result.timings)
    timings["total"] = total
    return timings


NAIVE_CONFORMS: list[bool] = []


def _naive_run(workdir: Path) -> dict[str, float]:
    import pyshacl
    from rdflib import Graph

    from treatykg import resources

    timings: dict[str, float] = {}
    started = time.perf_counter()

    mark = time.perf_counter()
    data, ontology, shapes = Graph(), Graph(), Graph()
    for path in resources.data_files():
        data.parse(path, format="turtle")
    for path in resources.ontology_files():
        ontology.parse(path, format="turtle")
    for path in resources.shape_files():
        shapes.parse(path, format="turtle")
    timings["load"] = time.perf_counter() - mark

    mark = time.perf_counter()
    conforms, _graph, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="rdfs", advanced=True
    )
    timings["validate"] = time.perf_counter() - mark
    # With RDFS inference the closed shapes see inferred types and report violations; the
    # naive peer publishes anyway, which is part of why it is naive.
    NAIVE_CONFORMS.append(bool(conforms))

    dump = data + ontology
    out = workdir / "naive"
    out.mkdir(parents=True)
    for stage, fmt, name in (
        ("turtle", "turtle", "treatykg.ttl"),
        ("ntriples", "nt", "treatykg.nt"),
        ("jsonld", "json-ld", "treatykg.jsonld"),
    ):
        mark = time.perf_counter()
        content = dump.serialize(format=fmt, encoding="utf-8")
        timings[stage] = time.perf_counter() - mark
        mark = time.perf_counter()
        (out / name).write_bytes(content)
        timings["write"] = timings.get("write", 0.0) + time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    return timings


def _cli_start() -> float:
    exe = shutil.which("treatykg")
    command = [exe, "--help"] if exe else [sys.executable, "-m", "treatykg.cli", "--help"]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def _cell(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):.3f} s ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="builds per contender (default 7)")
    args = parser.parse_args()

    ours: list[dict[str, float]] = []
    naive: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        _treatykg_run(Path(tmp) / "warm-up")  # imports and first-call caches, not measured
        for run in range(args.runs):
            ours.append(_treatykg_run(Path(tmp) / f"ours-{run}"))
            naive.append(_naive_run(Path(tmp) / f"naive-{run}").copy())
    starts = [_cli_start() for _ in range(args.runs)]

    stages = list(dict.fromkeys([*ours[0], *naive[0]]))
    stages.remove("total")
    print(f"treatykg build vs the naive peer, {args.runs} runs each, median (min–max)\n")
    print("| stage | treatykg | naive peer (rdflib + pySHACL rdfs) | speed-up |")
    print("|---|---|---|---|")
    for stage in [*stages, "total"]:
        mine = [run[stage] for run in ours if stage in run]
        theirs = [run[stage] for run in naive if stage in run]
        ratio = (
            f"{statistics.median(theirs) / statistics.median(mine):.1f}×"
            if mine and theirs and statistics.median(mine) > 0
            else "–"
        )
        label = f"**{stage}**" if stage == "total" else stage
        print(f"| {label} | {_cell(mine)} | {_cell(theirs)} | {ratio} |")
    print(f"\n`treatykg --help` in a fresh process: {_cell(starts)}")
    print(
        "\n(the naive peer writes only Turtle, N-Triples and JSON-LD; treatykg also writes "
        "the framed view, context, ontology, shapes, report, VoID and manifest)"
    )
    if not all(NAIVE_CONFORMS):
        print(
            "(with inference='rdfs' pySHACL finds violations in the bundled data: inferred "
            "types such as rdfs:Resource break the closed shapes; treatykg validates with the "
            "ontology mixed in and no inference)"
        )


if __name__ == "__main__":
    main()
