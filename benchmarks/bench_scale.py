"""Benchmark `treatykg build` on the synthetic corpus at growing sizes, next to the naive peer.

Usage::

    python benchmarks/bench_scale.py                         # 10k, 100k and 1M triples
    python benchmarks/bench_scale.py --sizes 2k,10k --peer-timeout 60
    python benchmarks/bench_scale.py --no-peer --markdown scale.md

For each size (in triples: ``10k``, ``100k``, ``1M`` or a plain number) it writes a corpus
with ``benchmarks/gen_corpus.py`` (44 treaties per 10k triples, ~227 triples each) and then
measures, each in a fresh child process so that peak memory is that size's alone:

* **treatykg**: ``treatykg.publish.build.build(out, data=[corpus], progress=...)`` with the bundled
  ontology and shapes: wall time per stage (the build's own ``BuildResult.timings``, in the
  order it reports them, whatever the stages are called) and peak RSS per stage; then the
  bundled queries (``queries/**/*.rq`` except ``federated/``) on the embedded pyoxigraph
  store over the published dump (``treatykg.nq``, else ``treatykg.nt``), loaded once, each
  query run once with its parameters bound to the first synthetic treaty;
* **the naive peer**: the same job done the obvious way: rdflib ``Graph.parse`` of every
  corpus, ontology and shapes file, pySHACL with ``inference="rdfs"``, ``advanced=True`` and
  the ontology as ``ont_graph``, rdflib ``serialize`` to Turtle, N-Triples and JSON-LD, and
  writing the files. It is killed at ``--peer-timeout`` (default 600 s) and reported as cut
  off in the stage it was in;
* **validation agreement** (by default for sizes up to 100k): the same corpus with the
  defects of ``gen_corpus.py --inject``, validated by
  ``treatykg.validation.validate.validate`` (default
  engine) and by pySHACL called exactly as treatykg calls it with ``engine="pyshacl"``
  (``inference="none"``, ``advanced=True``, ontology as ``ont_graph``); treatykg's results
  (focus node, path, constraint component, source shape) are compared with pySHACL's, and
  (focus node, source shape, constraint component) with ``injected.tsv``. Capped at
  ``--peer-timeout`` too.

Peak memory: the parent samples the child's RSS (``/proc/PID/statm``) every 5 ms, and the
child, at every stage switch, reads its exact high-water mark (``VmHWM``) and resets it
(``/proc/self/clear_refs``), so a stage's peak is exact where the kernel allows that and
sampled otherwise. MB are MiB. Times exclude interpreter start-up and imports (both children
import their libraries before the clock starts).

Output: a Markdown table per size, a summary table, and the scaling exponent
``b = ln(t2/t1) / ln(n2/n1)`` between the two largest sizes (end to end and per stage), with
PASS/FAIL against issue 7's targets: 1M triples built in <= 60 s and <= 4096 MB peak,
validation results identical to pySHACL's, b <= 1.1. Linux only (``/proc``). Nothing here is
a test: the numbers go into benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
#: gen_corpus.py writes ~227 triples per treaty: 44 treaties make ~10k triples.
TREATIES_PER_10K = 44
SAMPLE_EVERY = 0.005  # seconds between RSS samples
STARTUP_LIMIT = 120.0  # seconds a child may take to import its libraries, beyond its timeout
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024
TARGET_SECONDS = 60.0
TARGET_MB = 4096.0
TARGET_EXPONENT = 1.1


def _gen_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_corpus", HERE / "gen_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


###################################################################################
# Child side: runs in a fresh process, reports events and a result as files
###################################################################################


def _status_kb(field: str, pid: str = "self") -> int:
    """A ``kB`` field of /proc/PID/status (``VmHWM``, ``VmRSS``); -1 if unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


class _Events:
    """Writes ``time<TAB>stage<TAB>peak kB of the interval that just ended`` per stage switch.

    The peak is the kernel's exact high-water mark, reset at every switch when
    ``/proc/self/clear_refs`` accepts it (-1 otherwise: the parent's samples decide).
    """

    def __init__(self, path: Path) -> None:
        self._file = path.open("w", encoding="utf-8", buffering=1)
        self._exact = self._reset()

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
                handle.write("5")
            return True
        except OSError:
            return False

    def __call__(self, stage: str) -> None:
        peak = _status_kb("VmHWM") if self._exact else -1
        if self._exact:
            self._reset()
        self._file.write(f"{time.monotonic():.6f}\t{stage}\t{peak}\n")
        self._file.flush()

    def close(self) -> None:
        self("end")
        self._file.close()


def _write_result(work: Path, result: dict[str, Any]) -> None:
    temporary = work / "result.json.part"
    temporary.write_text(json.dumps(result, indent=1), encoding="utf-8")
    temporary.replace(work / "result.json")


def _child_treatykg(corpus: Path, work: Path) -> None:
    for name in (  # imports are not what we measure: the bench_build warm-up does the same
        "pyoxigraph",
        "rdflib",
        "pyshacl",
        "pyshacl_turbo",
        "treatykg.validation.engine",
        "treatykg.publish.build",
        "treatykg.validation.validate",
        "treatykg.rdf.serialize",
        "treatykg.publish.jsonld",
        "treatykg.link.mappings",
        "treatykg.link.wikidata_view",
        "treatykg.publish.void",
        "treatykg.sparql.catalogue",
        "treatykg.sparql.guard",
        "treatykg.sparql.execute",
    ):
        with contextlib.suppress(ImportError):
            __import__(name)
    import pyoxigraph as ox

    from treatykg.publish.build import build
    from treatykg.sparql import catalogue, execute, guard

    events = _Events(work / "events.tsv")
    out = work / "dist"
    started = time.perf_counter()
    built = build(out, data=[corpus], progress=events)
    wall = time.perf_counter() - started
    build_peak_kb = _status_kb("VmHWM")  # since the last reset: the last stage's peak
    result: dict[str, Any] = {
        "timings": [[stage, seconds] for stage, seconds in built.timings.items()],
        "wall": wall,
        "statements": built.statements,
        "conforms": built.report.conforms,
        "engine": getattr(built.report, "engine", "?"),
        "violations": len(built.report.results),
    }

    # The bundled queries on the embedded store over the published dump.
    dump = next(p for p in (out / "treatykg.nq", out / "treatykg.nt") if p.is_file())
    events("store load")
    mark = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(dump), format=ox.RdfFormat.from_extension(dump.suffix[1:]))
    result["store_load"] = time.perf_counter() - mark
    result["dump"] = dump.name
    first = (corpus / "treaty-0001.ttl").read_text(encoding="utf-8")
    found = re.search(r"<(https://w3id\.org/treatykg/eli/treaty/\d+/syn\d+)>", first)
    treaty = found.group(1) if found else "https://w3id.org/treatykg/eli/treaty/2024/csp"
    params = {
        "treaty": treaty,
        "entity": treaty,
        "article": f"{treaty}/art_1",
        "agent": "https://w3id.org/treatykg/id/org/syn-news-agency",
    }
    items = [q for q in catalogue.bundled() if not q.name.startswith("federated/")]
    texts = []
    for item in items:
        text = catalogue.bind(item, {n: params[n] for n in item.parameter_names if n in params})
        guard.check(text)
        texts.append((item.name, text))
    events("queries")
    per_query = []
    mark = time.perf_counter()
    for name, text in texts:
        one = time.perf_counter()
        answer = execute.run(text, store)
        rows = 1 if isinstance(answer, ox.QueryBoolean) else sum(1 for _ in answer)
        per_query.append([name, time.perf_counter() - one, rows])
    result["queries"] = time.perf_counter() - mark
    result["per_query"] = per_query
    events.close()
    result["build_peak_kb"] = build_peak_kb
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _write_result(work, result)


def _child_peer(corpus: Path, work: Path) -> None:
    import pyshacl
    from rdflib import Graph
    from rdflib.namespace import SH

    from treatykg import resources

    events = _Events(work / "events.tsv")
    timings: dict[str, float] = {}

    def timed(stage: str) -> float:
        events(stage)
        return time.perf_counter()

    def done(stage: str, mark: float) -> None:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - mark

    started = time.perf_counter()
    mark = timed("load")
    data, ontology, shapes = Graph(), Graph(), Graph()
    for path in sorted(corpus.glob("*.ttl")):
        data.parse(path, format="turtle")
    for path in resources.ontology_files():
        ontology.parse(path, format="turtle")
    for path in resources.shape_files():
        shapes.parse(path, format="turtle")
    done("load", mark)

    mark = timed("validate")
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="rdfs", advanced=True
    )
    done("validate", mark)
    violations = sum(1 for _ in report.subjects(SH.resultSeverity, SH.Violation))

    mark = timed("merge")
    dump = data + ontology
    done("merge", mark)
    out = work / "naive"
    out.mkdir()
    for stage, fmt, name in (
        ("turtle", "turtle", "treatykg.ttl"),
        ("ntriples", "nt", "treatykg.nt"),
        ("jsonld", "json-ld", "treatykg.jsonld"),
    ):
        mark = timed(stage)
        content = dump.serialize(format=fmt, encoding="utf-8")
        done(stage, mark)
        mark = timed("write")
        (out / name).write_bytes(content)
        done("write", mark)
    wall = time.perf_counter() - started
    build_peak_kb = _status_kb("VmHWM")
    events.close()
    _write_result(
        work,
        {
            "timings": list(map(list, timings.items())),
            "wall": wall,
            "statements": len(dump),
            "conforms": bool(conforms),
            "violations": violations,
            "build_peak_kb": build_peak_kb,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        },
    )


def _keys(results: Any) -> list[list[str]]:
    """(focus node, path, constraint component, source shape) of every result, sorted;
    blank nodes (random labels) read ``_:``."""
    from rdflib import BNode

    def text(term: Any) -> str:
        return "" if term is None else "_:" if isinstance(term, BNode) else str(term)

    return sorted(
        [
            text(r.focus_node),
            text(r.result_path),
            text(r.constraint_component),
            text(r.source_shape),
        ]
        for r in results
    )


def _child_check(corpus: Path, work: Path) -> None:
    import pyshacl
    from rdflib import Graph

    from treatykg.rdf.load import load, load_ontology, load_shapes
    from treatykg.validation.report import results_from_graph
    from treatykg.validation.validate import validate

    events = _Events(work / "events.tsv")
    result: dict[str, Any] = {}

    events("treatykg")
    mark = time.perf_counter()
    report = validate(load([corpus]))
    result["treatykg"] = {
        "seconds": time.perf_counter() - mark,
        "keys": _keys(report.results),
        "engine": getattr(report, "engine", "?"),
    }
    _write_result(work, result)

    # pySHACL as treatykg.validation.validate calls it with engine="pyshacl": the union of the
    # loaded data as a plain Graph, a copy of the shapes, the ontology as ont_graph, no inference.
    events("pyshacl")
    union, shapes = Graph(bind_namespaces="none"), Graph(bind_namespaces="none")
    for s, p, o, _ in load([corpus]).quads((None, None, None, None)):
        union.add((s, p, o))
    for triple in load_shapes():
        shapes.add(triple)
    mark = time.perf_counter()
    _conforms, graph, _text = pyshacl.validate(
        data_graph=union,
        shacl_graph=shapes,
        ont_graph=load_ontology(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
    )
    result["pyshacl"] = {
        "seconds": time.perf_counter() - mark,
        "keys": _keys(results_from_graph(graph)),
    }
    events.close()
    _write_result(work, result)


CHILDREN = {"treatykg": _child_treatykg, "peer": _child_peer, "check": _child_check}


###################################################################################
# Parent side: runs a child, samples its memory, enforces the time limit
###################################################################################


class Run:
    """What one child process did: per-stage seconds and peak MB, or where it was cut off."""

    def __init__(self) -> None:
        self.result: dict[str, Any] = {}
        self.stages: dict[str, float] = {}  # seconds, in order
        self.peaks: dict[str, float] = {}  # MB
        self.baseline = 0.0  # MB after imports, before the first stage
        self.peak = 0.0  # MB, the whole measured run
        self.build_peak = 0.0  # MB, up to the end of the build (before the queries)
        self.cut_off: str | None = None  # the stage it was in when killed
        self.limit = 0.0
        self.error: str | None = None
        self.failed_in: str | None = None  # the stage it was in when it died

    @property
    def ok(self) -> bool:
        return self.cut_off is None and self.error is None and "wall" in self.result


def run_child(kind: str, corpus: Path, work: Path, timeout: float) -> Run:
    """Run ``kind`` in a fresh process on ``corpus``, sampling its RSS; kill it ``timeout``
    seconds (0: never) after its first stage started (start-up and imports not counted)."""
    work.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    command += ["--corpus", str(corpus), "--work", str(work)]
    samples: list[tuple[float, int]] = []
    run = Run()
    run.limit = timeout
    events = work / "events.tsv"
    with (work / "stdout.txt").open("wb") as out, (work / "stderr.txt").open("wb") as err:
        launched = time.monotonic()
        child = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
        statm = f"/proc/{child.pid}/statm"
        exact_peak_kb = -1
        started: float | None = None  # when the child's first stage started
        while child.poll() is None:
            now = time.monotonic()
            try:
                with open(statm, "rb") as handle:
                    pages = int(handle.read().split()[1])
                samples.append((now, pages * PAGE))
            except (OSError, ValueError, IndexError):
                pass
            if started is None and events.is_file():
                first = events.read_text(encoding="utf-8").partition("\n")
                if first[1]:
                    started = float(first[0].split("\t")[0])
            late = (
                now - started > timeout
                if started is not None
                else now - launched > timeout + STARTUP_LIMIT
            )
            if timeout and late:
                exact_peak_kb = _status_kb("VmHWM", str(child.pid))
                os.killpg(child.pid, signal.SIGKILL)  # the child's own session, nothing else
                child.wait()
                run.cut_off = "start-up"
                break
            time.sleep(SAMPLE_EVERY)
        ended = time.monotonic()
    _attribute(run, work, samples, ended, exact_peak_kb)
    if run.cut_off is None and child.returncode != 0:
        lines = (work / "stderr.txt").read_text(encoding="utf-8", errors="replace").splitlines()
        run.error = lines[-1] if lines else f"exit code {child.returncode}"
    return run


def _attribute(
    run: Run, work: Path, samples: list[tuple[float, int]], ended: float, exact_last_kb: int
) -> None:
    """Fill ``run`` from the child's events and result and the parent's samples."""
    events: list[tuple[float, str, int]] = []
    path = work / "events.tsv"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                events.append((float(parts[0]), parts[1], int(parts[2])))
    if (work / "result.json").is_file():
        run.result = json.loads((work / "result.json").read_text(encoding="utf-8"))
    if events:
        run.baseline = events[0][2] * 1024 / MIB if events[0][2] >= 0 else 0.0
    # Stage i runs from its event to the next; its exact peak is written with the next event.
    seconds: dict[str, float] = {}
    for index, (start, stage, _) in enumerate(events):
        if stage == "end":
            continue
        if index + 1 < len(events):
            end, exact_kb = events[index + 1][0], events[index + 1][2]
        elif run.cut_off:  # killed during this stage
            end, exact_kb = ended, exact_last_kb
            run.cut_off = stage
        else:  # died during this stage: the error says why
            end, exact_kb = ended, -1
            run.failed_in = stage
        # Without the exact mark, the last sample before the stage stands for its start.
        before = [rss for t, rss in samples if t <= start][-1:] if exact_kb < 0 else []
        during = [rss for t, rss in samples if start <= t <= end]
        peak = max([*before, *during, exact_kb * 1024], default=0) / MIB
        run.peaks[stage] = max(run.peaks.get(stage, 0.0), peak)
        seconds[stage] = seconds.get(stage, 0.0) + end - start
        run.peak = max(run.peak, peak)
        if stage not in ("store load", "queries"):
            run.build_peak = max(run.build_peak, peak)
    # The build's own timings when it finished; the event intervals when it was cut off.
    timings = run.result.get("timings")
    run.stages = {stage: value for stage, value in timings} if timings else seconds
    # ru_maxrss and VmHWM at the end only count from the child's last reset of the high-water
    # mark, so they can only confirm the per-stage peaks, never replace them.
    for key, attribute in (("build_peak_kb", "build_peak"), ("maxrss_kb", "peak")):
        if key in run.result:
            value = max(getattr(run, attribute), run.result[key] / 1024)
            setattr(run, attribute, value)


###################################################################################
# Report
###################################################################################


def parse_size(text: str) -> int:
    """``10k``, ``1M``, ``2500`` -> a number of triples."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 10k, 100k, 1M)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def size_label(triples: int) -> str:
    if triples >= 1_000_000 and triples % 1_000_000 == 0:
        return f"{triples // 1_000_000}M"
    if triples >= 1_000 and triples % 1_000 == 0:
        return f"{triples // 1_000}k"
    return str(triples)


def _s(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value >= 0.995 else f"{value:.3f}"


def _mb(value: float | None) -> str:
    return "–" if not value else f"{value:,.0f}"


def _total(run: Run) -> str:
    if run.cut_off:
        return f"cut off at {run.limit:.0f} s in stage {run.cut_off}"
    if run.error:
        where = f" in stage {run.failed_in}" if run.failed_in else ""
        error = run.error if len(run.error) <= 100 else run.error[:99] + "…"
        return f"failed{where}: {error}"
    return _s(run.result.get("wall"))


class Size:
    """Everything measured for one corpus size."""

    def __init__(self, label: str, treaties: int, triples: int) -> None:
        self.label, self.treaties, self.triples = label, treaties, triples
        self.ours = Run()
        self.peer: Run | None = None
        self.check: Run | None = None
        self.expected: set[tuple[str, str, str]] = set()


def size_table(size: Size) -> list[str]:
    ours, peer = size.ours, size.peer
    lines = [
        f"### {size.label}: {size.treaties} treaties, {size.triples:,} data triples"
        + (f" ({ours.result['statements']:,} published with the ontology)" if ours.ok else ""),
        "",
        "| stage | treatykg s | treatykg peak MB | peer s | peer peak MB |",
        "|---|---|---|---|---|",
    ]
    peer_stages = peer.stages if peer else {}
    names = [n for n in ours.stages] + [n for n in peer_stages if n not in ours.stages]
    for name in names:
        mine = ours.stages.get(name)
        theirs = peer_stages.get(name)
        if peer is not None and peer.cut_off == name:
            theirs_text = f"≥ {_s(theirs)} (cut off)"
        else:
            theirs_text = _s(theirs)
        lines.append(
            f"| {name} | {_s(mine)} | {_mb(ours.peaks.get(name))} | {theirs_text} | "
            f"{_mb(peer.peaks.get(name) if peer else None)} |"
        )
    if ours.ok:
        outside = ours.result["wall"] - sum(ours.stages.values())
        if outside >= 0.0005:
            lines.append(f"| (between stages) | {_s(outside)} | – | – | – |")
    peer_total = _total(peer) if peer else "not run"
    peer_peak = _mb(peer.peak) if peer else "–"
    lines.append(
        f"| **build, end to end** | **{_total(ours)}** | **{_mb(ours.build_peak)}** | "
        f"**{peer_total}** | **{peer_peak}** |"
    )
    if ours.ok:
        result = ours.result
        per_query = result["per_query"]
        lines.append(
            f"| queries: load {result['dump']} into pyoxigraph | {_s(result['store_load'])} | "
            f"{_mb(ours.peaks.get('store load'))} | – | – |"
        )
        lines.append(
            f"| queries: {len(per_query)} bundled, once each | {_s(result['queries'])} | "
            f"{_mb(ours.peaks.get('queries'))} | – | – |"
        )
    lines.append("")
    notes = []
    if not ours.ok and ours.stages:
        notes.append(
            f"treatykg {_total(ours)}: its stage times are the intervals between progress "
            "calls, so work outside any stage counts in the stage before it"
        )
    if ours.ok:
        result = ours.result
        slowest = max(result["per_query"], key=lambda row: row[1])
        notes.append(
            f"treatykg: {'conforms' if result['conforms'] else 'does not conform'} "
            f"(engine {result['engine']}); memory after imports {_mb(ours.baseline)} MB, "
            f"whole run incl. queries {_mb(ours.peak)} MB; slowest query {slowest[0]} "
            f"{_s(slowest[1])} s ({slowest[2]} rows)"
        )
    if peer is not None and peer.ok:
        result = peer.result
        notes.append(
            f"peer: pySHACL with inference='rdfs' reports {result['violations']:,} violations"
            f" ({'conforms' if result['conforms'] else 'does not conform'}; inferred types "
            "such as rdfs:Resource break the closed shapes); memory after imports "
            f"{_mb(peer.baseline)} MB"
        )
    elif peer is not None and peer.cut_off:
        notes.append(
            f"peer: killed at {peer.limit:.0f} s during {peer.cut_off}; the stages before it "
            "are complete, the cut-off stage shows the time it had run"
        )
    if size.check is not None:
        notes.append(check_summary(size))
    return lines + [f"* {note}" for note in notes] + [""]


SHORT = (
    ("http://www.w3.org/ns/shacl#", "sh:"),
    ("https://w3id.org/treatykg/shapes#", "shapes:"),
    ("https://w3id.org/treatykg/def#", "tkg:"),
    ("https://w3id.org/treatykg/", ":"),
)


def _short(term: str) -> str:
    for namespace, prefix in SHORT:
        if term.startswith(namespace):
            return prefix + term[len(namespace) :]
    return term or "-"


def _compare(name: str, got: list[list[str]], reference: list[list[str]], ref: str):
    """``name = ref: identical`` or the differences (a few shown), and whether identical.

    The results compare as multisets: one result too many or too few is a difference."""
    a, b = Counter(tuple(k) for k in got), Counter(tuple(k) for k in reference)
    if a == b:
        return f"{name} = {ref}: identical ({len(got)} results)", True
    only_a, only_b = sorted(a - b), sorted(b - a)
    shown = "; ".join(
        [f"only {name}: {' '.join(map(_short, k))}" for k in only_a[:2]]
        + [f"only {ref}: {' '.join(map(_short, k))}" for k in only_b[:2]]
    )
    return (
        f"{name} ≠ {ref}: {len(got)} vs {len(reference)} results, {len(only_a)} only in "
        f"{name}, {len(only_b)} only in {ref} ({shown})"
    ), False


def check_verdicts(size: Size) -> list[tuple[str, bool | None]]:
    """Each comparison's text and whether it agreed (None: not run to the end)."""
    check = size.check
    assert check is not None
    result, verdicts = check.result, []
    planted = sorted(list(k) for k in size.expected)
    ours = result.get("treatykg", {}).get("keys")
    reference = result.get("pyshacl", {}).get("keys")
    if ours is not None and reference is not None:
        verdicts.append(_compare("treatykg", ours, reference, "pySHACL"))
    for name, keys in (("treatykg", ours), ("pySHACL", reference)):
        if keys is not None:  # injected.tsv has focus node, source shape, component
            short = [[k[0], k[3], k[2]] for k in keys]
            verdicts.append(_compare(name, short, planted, "injected.tsv"))
    if reference is None:
        where = f"cut off at {check.limit:.0f} s in {check.cut_off}" if check.cut_off else ""
        verdicts.append((f"pySHACL: not run to the end ({where or check.error})", None))
    return verdicts


def check_summary(size: Size) -> str:
    check = size.check
    assert check is not None
    seconds = ", ".join(
        f"{name} {_s(check.result[name]['seconds'])} s"
        + (f" (engine {check.result[name]['engine']})" if "engine" in check.result[name] else "")
        for name in ("treatykg", "pyshacl")
        if name in check.result
    )
    texts = "".join(f"\n  * {text}" for text, _ in check_verdicts(size))
    return (
        f"validation agreement on the corpus with injected defects ({len(size.expected)} "
        f"planted results; validation time: {seconds or 'none finished'}):{texts}"
    )


def exponent(t1: float, t2: float, n1: int, n2: int) -> float | None:
    if t1 <= 0 or t2 <= 0 or n1 == n2:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def summary(sizes: list[Size]) -> list[str]:
    lines = [
        "### Summary",
        "",
        "| size | data triples | treatykg build s | treatykg peak MB | queries s | "
        "peer total s | peer peak MB | speed-up |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        ours, peer = size.ours, size.peer
        queries = _s(ours.result["store_load"] + ours.result["queries"]) if ours.ok else "–"
        if peer is None:
            peer_text, peer_peak, ratio = "not run", "–", "–"
        else:
            peer_text, peer_peak = _total(peer), _mb(peer.peak)
            if ours.ok and peer.ok:
                ratio = f"{peer.result['wall'] / ours.result['wall']:.1f}×"
            elif ours.ok and peer.cut_off:
                ratio = f"> {peer.limit / ours.result['wall']:.1f}×"
            else:
                ratio = "–"
        lines.append(
            f"| {size.label} | {size.triples:,} | {_total(ours)} | {_mb(ours.build_peak)} | "
            f"{queries} | {peer_text} | {peer_peak} | {ratio} |"
        )
    lines.append("")
    lines += scaling(sizes)
    lines += targets(sizes)
    return lines


def _pair(sizes: list[Size]) -> tuple[Size, Size, float, bool] | None:
    """The two largest sizes to fit the exponent on, b, and whether b is only a lower bound
    (the larger build was cut off: its time is at least the limit)."""
    ranked = sorted((s for s in sizes if s.ours.ok or s.ours.cut_off), key=lambda s: s.triples)
    if len(ranked) < 2:
        return None
    large = ranked[-1]
    smaller = [s for s in ranked[:-1] if s.ours.ok]
    if not smaller:
        return None
    small = smaller[-1]
    t1 = small.ours.result["wall"]
    t2 = large.ours.result["wall"] if large.ours.ok else large.ours.limit
    b = exponent(t1, t2, small.triples, large.triples)
    return None if b is None else (small, large, b, not large.ours.ok)


def scaling(sizes: list[Size]) -> list[str]:
    pair = _pair(sizes)
    if pair is None:
        return ["Scaling exponent: needs two sizes built to the end.", ""]
    small, large, b, bound = pair
    n1, n2 = small.triples, large.triples
    if bound:
        return [
            f"Scaling exponent between {small.label} and {large.label}: b ≥ {b:.2f} "
            f"({large.label} {_total(large.ours)}; b = ln(t2/t1) / ln(n2/n1) with t2 the "
            "limit)",
            "",
        ]
    lines = [
        f"Scaling exponent b = ln(t2/t1) / ln(n2/n1) between {small.label} and {large.label} "
        f"({n1:,} → {n2:,} data triples; b = 1 is linear):",
        "",
        f"| stage | {small.label} s | {large.label} s | b |",
        "|---|---|---|---|",
    ]
    rows = [(n, small.ours.stages.get(n), large.ours.stages.get(n)) for n in large.ours.stages]
    rows.append(("**build, end to end**", small.ours.result["wall"], large.ours.result["wall"]))
    for name, t1, t2 in rows:
        e = exponent(t1 or 0.0, t2 or 0.0, n1, n2)
        lines.append(f"| {name} | {_s(t1)} | {_s(t2)} | {'–' if e is None else f'{e:.2f}'} |")
    return [*lines, ""]


def targets(sizes: list[Size]) -> list[str]:
    lines = ["Targets (issue 7):", ""]
    big = [s for s in sizes if s.triples >= 950_000]
    if big:
        size = big[-1]
        if size.ours.ok:
            wall, peak = size.ours.result["wall"], size.ours.build_peak
            ok_time, ok_mem = wall <= TARGET_SECONDS, peak <= TARGET_MB
            lines.append(
                f"* {size.label} built end to end in ≤ {TARGET_SECONDS:.0f} s: "
                f"{'PASS' if ok_time else 'FAIL'} ({_s(wall)} s)"
            )
            lines.append(
                f"* {size.label} peak memory ≤ {TARGET_MB:.0f} MB: "
                f"{'PASS' if ok_mem else 'FAIL'} ({_mb(peak)} MB)"
            )
        elif size.ours.cut_off:
            lines.append(
                f"* {size.label} end to end ≤ 60 s and ≤ 4096 MB: FAIL ({_total(size.ours)})"
            )
        else:
            lines.append(
                f"* {size.label} end to end ≤ 60 s and ≤ 4096 MB: not measured, the build "
                f"{_total(size.ours)}"
            )
    else:
        lines.append(
            "* 1M triples in ≤ 60 s and ≤ 4096 MB: not measured (no size ≥ 1M in this run)"
        )
    checked = [s for s in sizes if s.check is not None]
    if checked:
        verdicts = [  # treatykg against pySHACL; None where pySHACL did not finish
            ok
            for s in checked
            for text, ok in check_verdicts(s)
            if ok is None or text.startswith(("treatykg = pySHACL", "treatykg ≠ pySHACL"))
        ]
        if False in verdicts:
            state = "FAIL"
        elif None not in verdicts:
            state = "PASS"
        elif True in verdicts:
            state = "PASS where compared (pySHACL cut off for some sizes)"
        else:
            state = "not determined (pySHACL cut off)"
        labels = ", ".join(s.label for s in checked)
        lines.append(f"* validation results identical to pySHACL's ({labels}): {state}")
    else:
        lines.append("* validation results identical to pySHACL's: not checked in this run")
    pair = _pair(sizes)
    if pair is None:
        lines.append("* scaling exponent ≤ 1.1: not measured (needs two sizes built)")
    else:
        small, large, b, bound = pair
        if not bound:
            verdict, value = ("PASS" if b <= TARGET_EXPONENT else "FAIL"), f"b = {b:.3f}"
        else:
            verdict = "FAIL" if b > TARGET_EXPONENT else "not determined"
            value = f"b ≥ {b:.3f}, {large.label} cut off"
        lines.append(
            f"* scaling exponent ≤ {TARGET_EXPONENT} between {small.label} and "
            f"{large.label}: {verdict} ({value})"
            + ("" if large.triples >= 950_000 else "; the target is between 100k and 1M")
        )
    return [*lines, ""]


def machine() -> str:
    import pyoxigraph
    import pyshacl
    import rdflib

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB RAM, Python {platform.python_version()}, "
        f"pyoxigraph {pyoxigraph.__version__}, rdflib {rdflib.__version__}, "
        f"pySHACL {pyshacl.__version__}"
    )


###################################################################################
# Main
###################################################################################


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10k,100k,1M",
        help="comma-separated corpus sizes in triples (default 10k,100k,1M)",
    )
    parser.add_argument("--seed", type=int, default=0, help="gen_corpus seed (default 0)")
    parser.add_argument(
        "--peer-timeout",
        type=float,
        default=600.0,
        help="kill the naive peer (and the validation check) after this many seconds (default 600)",
    )
    parser.add_argument("--no-peer", action="store_true", help="do not run the naive peer")
    parser.add_argument(
        "--timeout",
        type=float,
        default=0.0,
        help="kill the treatykg build after this many seconds (default: never)",
    )
    parser.add_argument(
        "--check-validation",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="compare validation results on the corpus with injected defects "
        "(default: for sizes up to 100k)",
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep corpora and outputs in DIR")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write the report to FILE"
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        CHILDREN[args.child](args.corpus, args.work)
        return 0
    try:
        targets_ = [parse_size(part) for part in args.sizes.split(",") if part.strip()]
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if not targets_:
        parser.error("--sizes is empty")

    gen = _gen_corpus()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_scale-"))
    report = [
        f"bench_scale {dt.date.today().isoformat()}: `python benchmarks/bench_scale.py "
        f"{' '.join(argv if argv is not None else sys.argv[1:])}`",
        "",
        f"machine: {machine()}",
        "",
    ]
    print("\n".join(report), flush=True)
    sizes: list[Size] = []
    try:
        for target in targets_:
            label = size_label(target)
            treaties = max(1, round(target * TREATIES_PER_10K / 10_000))
            base = root / label
            if base.exists():
                shutil.rmtree(base)
            corpus = base / "corpus"
            gen.generate(treaties, args.seed, corpus)
            size = Size(label, treaties, gen.count_triples(corpus))
            sizes.append(size)
            _say(f"{label}: {treaties} treaties, {size.triples:,} triples; treatykg build…")
            size.ours = run_child("treatykg", corpus, base / "treatykg", args.timeout)
            _say(f"{label}: treatykg {_total(size.ours)}")
            if not args.no_peer:
                _say(f"{label}: naive peer (limit {args.peer_timeout:.0f} s)…")
                size.peer = run_child("peer", corpus, base / "peer", args.peer_timeout)
                _say(f"{label}: peer {_total(size.peer)}")
            check = args.check_validation
            if check or (check is None and target <= 100_000):
                injected = base / "injected"
                size.expected = set(gen.generate(treaties, args.seed, injected, inject=True))
                _say(f"{label}: validation agreement (limit {args.peer_timeout:.0f} s)…")
                size.check = run_child("check", injected, base / "check", args.peer_timeout)
            lines = size_table(size)
            print("\n".join(lines), flush=True)
            report += lines
        lines = summary(sizes)
        print("\n".join(lines), flush=True)
        report += lines
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if args.markdown:
        args.markdown.write_text("\n".join(report) + "\n", encoding="utf-8")
    return 0


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
