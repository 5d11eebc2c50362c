"""Benchmark `treatykg build` on the synthetic corpus at growing sizes, against issue 17's targets.

Usage::

    python benchmarks/bench_scale.py                         # 10k, 100k and 1M triples
    python benchmarks/bench_scale.py --sizes 2k,10k --peer-timeout 60
    python benchmarks/bench_scale.py --sizes 100k,1M,3M,10M --no-peer --corpora /work/corpora \\
        --reference-commit HEAD --markdown scale.md

For each size (in triples: ``100k``, ``1M``, ``3M``, ``10M`` or a plain number) it takes the
corpus ``DIR/t<treaties>`` of ``--corpora DIR`` when there is one (so that 10M, 690 MB of
Turtle, is not written again every run), else writes it with ``benchmarks/gen_corpus.py``
(44 treaties per 10k triples, ~227 triples each: 10M is ``--treaties 44000``). Then it
measures, each in a fresh child process so that peak memory is that size's alone:

* **treatykg**: ``treatykg.publish.build.build(out, data=[corpus], progress=...)`` with the
  bundled ontology and shapes: wall time end to end and per stage (the build's own
  ``BuildResult.timings``, in the order it reports them, whatever the stages are called) and
  peak RSS per stage and of the whole build; then the bundled queries (``queries/**/*.rq``
  except ``federated/``) on the embedded pyoxigraph store over the published dump
  (``treatykg.nq``, else ``treatykg.nt``), loaded once, each query run once with its
  parameters bound to the first synthetic treaty;
* **the reference** (``--reference-commit SHA`` and/or ``--reference-dirs DIR``): the release
  files of another version of the code for the same corpus, compared with treatykg's byte for
  byte, every file (identical, differing, only on one side). With ``--reference-commit`` the
  commit is checked out with ``git worktree add`` into a temporary folder and built by the
  same child with ``PYTHONPATH=<worktree>/src`` (its time and peak are reported next to
  treatykg's), at sizes up to ``--reference-max`` (default 1M: the code before issue 17
  needs 1.7–2.6 GB per million triples, so 10M would not fit in memory). Where the commit is
  not built, ``--reference-dirs DIR`` compares with the existing build ``DIR/t<treaties>``
  (e.g. ``/work/corpora/ref/t13200``);
* **the naive peer** (sizes up to ``--peer-max``, default 1M; ``--no-peer`` skips it): the
  same job done the obvious way: rdflib ``Graph.parse`` of every corpus, ontology and shapes
  file, pySHACL with ``inference="rdfs"``, ``advanced=True`` and the ontology as
  ``ont_graph``, rdflib ``serialize`` to Turtle, N-Triples and JSON-LD, and writing the
  files. It is killed at ``--peer-timeout`` (default 600 s) and reported as cut off in the
  stage it was in;
* **validation agreement** (by default for sizes up to 100k): the same corpus with the
  defects of ``gen_corpus.py --inject``, validated by ``treatykg.validation.validate.validate``
  (default engine) and by pySHACL called exactly as treatykg calls it with ``engine="pyshacl"``
  (``inference="none"``, ``advanced=True``, ontology as ``ont_graph``); treatykg's results
  (focus node, path, constraint component, source shape) are compared with pySHACL's, and
  (focus node, source shape, constraint component) with ``injected.tsv``. Capped at
  ``--peer-timeout`` too.

Peak memory is resident set size (RSS) of the whole process tree: the parent samples, every
5 ms, the RSS (``/proc/PID/statm``) of the child and of every process below it (found through
``/proc/PID/task/TID/children`` every 50 ms) and sums them, so a build that starts worker
processes or an external sort is measured with them. The child, at every stage switch, also
reads its own exact high-water mark (``VmHWM``) and resets it (``/proc/self/clear_refs``).
A stage's peak is the higher of the two, so it is exact for a single process and sampled for
several (shared pages of forked workers then count once per process, and a spike shorter
than 5 ms may be missed). The build's peak is the highest of its stages' peaks. MB are MiB.
Times exclude interpreter start-up and imports (every child imports its libraries before the
clock starts; the start-up time is reported apart).

Output: a Markdown table per size, a summary table (per size: triples, time, peak, the
targets, the reference and its byte identity), the exponents ``b`` of time and of peak memory
(``y ∝ n^b``, n the data triples; fitted by least squares of ln y on ln n over the sizes
from ``--fit-min``, default 100k, and between each consecutive pair) and per stage, and
PASS/FAIL against issue 17's targets: 1M triples built in ≤ 25 s with peak RSS ≤ 1536 MB,
10M in ≤ 360 s with ≤ 6144 MB, time exponent ≤ 1.1, memory exponent < 1, validation results
identical to pySHACL's, every release file byte-identical to the reference's. The report is
rewritten to ``--markdown`` after every size, so a long run leaves its finished sizes behind.
Linux only (``/proc``). Nothing here is a test: the numbers go into benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import functools
import importlib.util
import itertools
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
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
#: gen_corpus.py writes ~227 triples per treaty: 44 treaties make ~10k triples.
TREATIES_PER_10K = 44
SAMPLE_EVERY = 0.005  # seconds between RSS samples
TREE_EVERY = 10  # samples between two looks for the processes the child started
STARTUP_LIMIT = 120.0  # seconds a child may take to import its libraries, beyond its timeout
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024
#: Issue 17: requested size in triples -> (end-to-end seconds, peak MiB) at most.
TARGETS: dict[int, tuple[float, float]] = {
    1_000_000: (25.0, 1536.0),
    10_000_000: (360.0, 6144.0),
}
TARGET_TIME_EXPONENT = 1.1  # at most
TARGET_MEMORY_EXPONENT = 1.0  # strictly below: memory grows sublinearly
COMPARE_CHUNK = 1 << 20  # bytes read at a time when comparing release files


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


#: Imported before the clock starts: imports are not what we measure (the bench_build warm-up
#: does the same). A module the code being measured does not have is skipped.
WARM_UP = (
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
)


def _child_build(corpus: Path, work: Path, *, queries: bool) -> None:
    """Build ``corpus`` into ``work/dist``; then, if ``queries``, run the bundled queries.

    The reference code runs this too (``queries=False``: only its build is compared), so it
    uses nothing but ``build()``'s long-standing signature, and records which treatykg it
    imported so that the parent can check that ``PYTHONPATH`` took effect.
    """
    for name in WARM_UP:
        with contextlib.suppress(ImportError):
            __import__(name)
    import treatykg
    from treatykg.publish.build import build

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
        "code": str(Path(treatykg.__file__).resolve().parent),
    }
    if queries:
        _run_queries(corpus, out, events, result)
    events.close()
    result["build_peak_kb"] = build_peak_kb
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _write_result(work, result)


def _run_queries(corpus: Path, out: Path, events: _Events, result: dict[str, Any]) -> None:
    """The bundled queries on the embedded store over the published dump, once each."""
    import pyoxigraph as ox

    from treatykg.sparql import catalogue, execute, guard

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


CHILDREN: dict[str, Callable[[Path, Path], None]] = {
    "treatykg": functools.partial(_child_build, queries=True),
    "reference": functools.partial(_child_build, queries=False),
    "peer": _child_peer,
    "check": _child_check,
}


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
        self.processes = 0  # the most processes of the child's tree seen alive at once
        self.startup: float | None = None  # seconds from launch to the first stage
        self.cut_off: str | None = None  # the stage it was in when killed
        self.limit = 0.0
        self.error: str | None = None
        self.failed_in: str | None = None  # the stage it was in when it died

    @property
    def ok(self) -> bool:
        return self.cut_off is None and self.error is None and "wall" in self.result


def _process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it.

    Read from ``/proc/PID/task/TID/children`` (Linux ≥ 3.5), every thread's own list, since
    a worker pool may be started from any thread. A process that ends meanwhile is skipped.
    """
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                todo += _children(f"/proc/{current}/task/{task}/children")
    return found


def _children(path: str) -> list[int]:
    """The process ids in one ``children`` file; none if the thread has ended."""
    try:
        with open(path, encoding="ascii") as handle:
            return [int(child) for child in handle.read().split()]
    except (OSError, ValueError):
        return []


def _tree_rss(pids: list[int]) -> tuple[int, int]:
    """The summed RSS in bytes of ``pids`` and how many of them are still alive."""
    total = alive = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
            alive += 1
        except (OSError, ValueError, IndexError):
            pass
    return total, alive


def run_child(
    kind: str, corpus: Path, work: Path, timeout: float, env: dict[str, str] | None = None
) -> Run:
    """Run ``kind`` in a fresh process on ``corpus``, sampling the RSS of its process tree;
    kill it ``timeout`` seconds (0: never) after its first stage started (start-up and imports
    not counted). ``env`` replaces the environment (the reference's ``PYTHONPATH``)."""
    work.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    command += ["--corpus", str(corpus), "--work", str(work)]
    samples: list[tuple[float, int]] = []
    run = Run()
    run.limit = timeout
    events = work / "events.tsv"
    with (work / "stdout.txt").open("wb") as out, (work / "stderr.txt").open("wb") as err:
        launched = time.monotonic()
        child = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True, env=env)
        exact_peak_kb = -1
        started: float | None = None  # when the child's first stage started
        tree, tick = [child.pid], 0
        while child.poll() is None:
            if tick % TREE_EVERY == 0:
                tree = _process_tree(child.pid)
            tick += 1
            now = time.monotonic()
            rss, alive = _tree_rss(tree)
            if alive:
                samples.append((now, rss))
                run.processes = max(run.processes, alive)
            if started is None and events.is_file():
                first = events.read_text(encoding="utf-8").partition("\n")
                if first[1]:
                    started = float(first[0].split("\t")[0])
                    run.startup = started - launched
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
# The reference: another commit's code, or existing builds, compared byte for byte
###################################################################################


@contextlib.contextmanager
def worktree(commit: str) -> Iterator[tuple[str, Path]]:
    """The full SHA of ``commit`` and the ``src`` folder of a temporary ``git worktree`` of it.

    A worktree, not this checkout: the code being measured is usually uncommitted changes in
    this checkout, and the reference is what the commit before them writes.
    """
    sha = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{commit}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench_scale-reference-") as folder:
        tree = Path(folder) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-f", str(tree), sha],
            check=True,
            capture_output=True,
        )
        try:
            # Compiled now, as this checkout's code already is: a lazy import inside a stage
            # must not compile its module on the reference's clock only.
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", str(tree / "src")],
                check=True,
                capture_output=True,
            )
            yield sha, tree / "src"
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )


def _with_pythonpath(src: Path) -> dict[str, str]:
    """This environment with ``src`` first on ``PYTHONPATH`` (before the editable install)."""
    rest = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), *([rest] if rest else [])])}


@dataclasses.dataclass
class Comparison:
    """The release files of treatykg's build against the reference's, by relative path."""

    reference: str  # what the report calls it
    identical: list[str]
    differing: list[str]
    only_ours: list[str]
    only_reference: list[str]

    @property
    def same(self) -> bool:
        return bool(self.identical) and not (
            self.differing or self.only_ours or self.only_reference
        )

    def text(self, *, files: int = 4) -> str:
        """``17/17 identical`` or what differs, the first ``files`` names of each kind."""

        def names(found: list[str]) -> str:
            more = f" and {len(found) - files} more" if len(found) > files else ""
            return ", ".join(found[:files]) + more

        total = len(self.identical) + len(self.differing) + len(self.only_ours)
        text = f"{len(self.identical)}/{total} identical"
        for label, found in (
            ("differ", self.differing),
            ("only in treatykg's", self.only_ours),
            ("only in the reference", self.only_reference),
        ):
            if found:
                text += f"; {label}: {names(found)}"
        return text


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def same_bytes(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes (what ``cmp`` says), reading a chunk at a time."""
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as one, b.open("rb") as other:
        while True:
            chunk = one.read(COMPARE_CHUNK)
            if chunk != other.read(COMPARE_CHUNK):
                return False
            if not chunk:
                return True


def compare_releases(ours: Path, reference: Path, name: str) -> Comparison:
    """Every file under ``ours`` against the same path under ``reference`` (called ``name``),
    and the files only one of them has (a file the new code stops or starts writing is a
    difference too)."""
    mine, theirs = _files(ours), _files(reference)
    both = sorted(mine & theirs)
    identical = [name for name in both if same_bytes(ours / name, reference / name)]
    return Comparison(
        name,
        identical,
        [name for name in both if name not in set(identical)],
        sorted(mine - theirs),
        sorted(theirs - mine),
    )


def existing_reference(directories: list[Path], treaties: int) -> Path | None:
    """The first ``DIR/t<treaties>`` (or ``DIR`` itself when so named) that exists."""
    name = f"t{treaties}"
    for directory in directories:
        for candidate in (directory / name, directory):
            if candidate.name == name and candidate.is_dir():
                return candidate
    return None


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


def _b(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


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

    def __init__(self, target: int, treaties: int, corpus: Path, triples: int) -> None:
        self.target, self.label = target, size_label(target)  # the size asked for
        self.treaties, self.corpus, self.triples = treaties, corpus, triples
        self.reused = False  # the corpus came from --corpora
        self.ours = Run()
        self.reference: Run | None = None  # the reference commit's build, when it ran here
        self.comparison: Comparison | None = None
        self.peer: Run | None = None
        self.check: Run | None = None
        self.expected: set[tuple[str, str, str]] = set()

    def runs(self) -> list[tuple[str, Run]]:
        """The builds measured at this size, treatykg's first."""
        named = [("treatykg", self.ours), ("reference", self.reference), ("peer", self.peer)]
        return [(name, run) for name, run in named if run is not None]


def size_table(size: Size) -> list[str]:
    runs = size.runs()
    ours = size.ours
    lines = [
        f"### {size.label}: {size.treaties} treaties, {size.triples:,} data triples"
        + (f" ({ours.result['statements']:,} published with the ontology)" if ours.ok else ""),
        "",
        "| stage | " + " | ".join(f"{name} s | {name} peak MB" for name, _ in runs) + " |",
        "|---|" + "---|---|" * len(runs),
    ]
    for name in dict.fromkeys(stage for _, run in runs for stage in run.stages):
        cells = []
        for _, run in runs:
            seconds = run.stages.get(name)
            cut = run.cut_off == name
            cells += [
                f"≥ {_s(seconds)} (cut off)" if cut else _s(seconds),
                _mb(run.peaks.get(name)),
            ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    outside = [run.result["wall"] - sum(run.stages.values()) if run.ok else None for _, run in runs]
    if any(value is not None and value >= 0.0005 for value in outside):
        cells = [f"{_s(value)} | –" if value is not None else "– | –" for value in outside]
        lines.append("| (between stages) | " + " | ".join(cells) + " |")
    cells = [f"**{_total(run)}** | **{_mb(run.build_peak)}**" for _, run in runs]
    lines.append("| **build, end to end** | " + " | ".join(cells) + " |")
    if ours.ok:
        result, rest = ours.result, " | –" * (2 * len(runs) - 2)
        lines.append(
            f"| queries: load {result['dump']} into pyoxigraph | {_s(result['store_load'])} | "
            f"{_mb(ours.peaks.get('store load'))}{rest} |"
        )
        lines.append(
            f"| queries: {len(result['per_query'])} bundled, once each | "
            f"{_s(result['queries'])} | {_mb(ours.peaks.get('queries'))}{rest} |"
        )
    return [*lines, "", *[f"* {note}" for note in size_notes(size)], ""]


def size_notes(size: Size) -> list[str]:
    """The lines under a size's table: corpus, treatykg, reference, peer, validation."""
    ours, peer = size.ours, size.peer
    notes = [f"corpus: {size.corpus}" + (" (reused, --corpora)" if size.reused else "")]
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
            f"(engine {result['engine']}); start-up and imports {_s(ours.startup)} s (not "
            f"counted); memory after imports {_mb(ours.baseline)} MB, whole run incl. queries "
            f"{_mb(ours.peak)} MB; slowest query {slowest[0]} {_s(slowest[1])} s "
            f"({slowest[2]} rows)"
        )
    for name, run in size.runs():
        if run.processes > 1:
            notes.append(
                f"{name}: up to {run.processes} processes at once; their peaks are the sampled "
                "sum of the processes' RSS"
            )
    if size.reference is not None:
        notes.append(reference_note(size))
    if size.comparison is not None:
        notes.append(
            f"release files against {size.comparison.reference}: {size.comparison.text(files=20)}"
        )
    if peer is not None and peer.ok:
        notes.append(
            f"peer: pySHACL with inference='rdfs' reports {peer.result['violations']:,} "
            f"violations ({'conforms' if peer.result['conforms'] else 'does not conform'}; "
            "inferred types such as rdfs:Resource break the closed shapes); memory after "
            f"imports {_mb(peer.baseline)} MB"
        )
    elif peer is not None and peer.cut_off:
        notes.append(
            f"peer: killed at {peer.limit:.0f} s during {peer.cut_off}; the stages before it "
            "are complete, the cut-off stage shows the time it had run"
        )
    if size.check is not None:
        notes.append(check_summary(size))
    return notes


def reference_note(size: Size) -> str:
    """The reference commit's build at this size, next to treatykg's."""
    reference, ours = size.reference, size.ours
    assert reference is not None
    if not reference.ok:
        return f"reference build {_total(reference)}"
    text = (
        f"the reference commit's build: end to end {_s(reference.result['wall'])} s, "
        f"peak {_mb(reference.build_peak)} MB"
    )
    if ours.ok:
        text += (
            f"; treatykg takes {ours.result['wall'] / reference.result['wall']:.2f}× its time "
            f"and {ours.build_peak / reference.build_peak:.2f}× its peak"
        )
    return text


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
    """``b = ln(t2/t1) / ln(n2/n1)``: the exponent between two sizes."""
    if t1 <= 0 or t2 <= 0 or n1 == n2:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def fit_exponent(points: list[tuple[int, float]]) -> float | None:
    """The least-squares slope of ln y on ln n over ``(n, y)`` points: ``y ∝ n^b``.

    Over all sizes rather than the two largest, so that one noisy run weighs less."""
    logs = [(math.log(n), math.log(y)) for n, y in points if n > 0 and y > 0]
    if len({x for x, _ in logs}) < 2:
        return None
    mean_x = sum(x for x, _ in logs) / len(logs)
    mean_y = sum(y for _, y in logs) / len(logs)
    spread = sum((x - mean_x) ** 2 for x, _ in logs)
    return sum((x - mean_x) * (y - mean_y) for x, y in logs) / spread


def fitted(sizes: list[Size], fit_min: int) -> tuple[list[Size], list[Size]]:
    """The sizes to fit exponents over, smallest first, and those in range left out.

    Fitted: the sizes built to the end from ``fit_min`` on (below it start-up costs and the
    interpreter's own memory flatten the curve), or all built ones if fewer than two reach it.
    Left out: sizes from ``fit_min`` on that were cut off or failed."""
    built = sorted((s for s in sizes if s.ours.ok), key=lambda s: s.triples)
    chosen = [s for s in built if s.target >= fit_min]
    missing = [s for s in sizes if not s.ours.ok and s.target >= fit_min]
    return (chosen if len(chosen) >= 2 else built), missing


#: What the exponents are fitted for: a name and how to read it off a size built to the end.
QUANTITIES: tuple[tuple[str, str, Callable[[Size], float]], ...] = (
    ("build time, end to end", "s", lambda s: s.ours.result["wall"]),
    ("peak RSS of the build", "MB", lambda s: s.ours.build_peak),
    ("peak RSS above the imports", "MB", lambda s: s.ours.build_peak - s.ours.baseline),
)


def _pairs(chosen: list[Size]) -> list[tuple[Size, Size]]:
    return list(itertools.pairwise(chosen))


def exponents(sizes: list[Size], fit_min: int) -> list[str]:
    """The table of time and memory per size with their fitted and pairwise exponents."""
    chosen, missing = fitted(sizes, fit_min)
    if len(chosen) < 2:
        return ["Exponents: need two sizes built to the end.", ""]
    labels = ", ".join(s.label for s in chosen)
    pairs = _pairs(chosen)
    lines = [
        f"Exponents b (y ∝ n^b, n the data triples; b = 1 is linear): least squares of ln y on "
        f"ln n over {labels}, and between each consecutive pair"
        + (f"; not built to the end: {', '.join(s.label for s in missing)}" if missing else "")
        + ":",
        "",
        "| quantity | "
        + " | ".join(s.label for s in chosen)
        + " | b, fit | "
        + " | ".join(f"b, {a.label}→{b.label}" for a, b in pairs)
        + " |",
        "|---|" + "---|" * (len(chosen) + 1 + len(pairs)),
    ]
    for name, unit, value in QUANTITIES:
        values = [value(s) for s in chosen]
        shown = [_s(v) if unit == "s" else _mb(v) for v in values]
        fit = fit_exponent([(s.triples, v) for s, v in zip(chosen, values, strict=True)])
        pairwise = [exponent(value(a), value(b), a.triples, b.triples) for a, b in pairs]
        lines.append(
            f"| {name} ({unit}) | "
            + " | ".join(shown)
            + f" | **{_b(fit)}** | "
            + " | ".join(_b(e) for e in pairwise)
            + " |"
        )
    return [*lines, "", *stage_scaling(chosen)]


def stage_scaling(chosen: list[Size]) -> list[str]:
    """Per stage: seconds and peak MB at each fitted size, with the fitted exponents."""
    names = dict.fromkeys(n for s in reversed(chosen) for n in s.ours.stages)
    lines = [
        "Per stage (b fitted as above, over the sizes where the stage ran):",
        "",
        "| stage | "
        + " | ".join(f"{s.label} s" for s in chosen)
        + " | b, time | "
        + " | ".join(f"{s.label} MB" for s in chosen)
        + " | b, peak |",
        "|---|" + "---|" * (2 * len(chosen) + 2),
    ]
    for name in names:
        seconds = [s.ours.stages.get(name) for s in chosen]
        peaks = [s.ours.peaks.get(name) for s in chosen]
        b_time = fit_exponent([(s.triples, t) for s, t in zip(chosen, seconds, strict=True) if t])
        b_peak = fit_exponent([(s.triples, p) for s, p in zip(chosen, peaks, strict=True) if p])
        lines.append(
            f"| {name} | "
            + " | ".join(_s(t) for t in seconds)
            + f" | {_b(b_time)} | "
            + " | ".join(_mb(p) for p in peaks)
            + f" | {_b(b_peak)} |"
        )
    return [*lines, ""]


def size_verdicts(size: Size) -> list[tuple[str, str, str]]:
    """(target, PASS / FAIL / not determined, the figure) for a size that has targets."""
    if size.target not in TARGETS:
        return []
    seconds, limit = TARGETS[size.target]
    ours = size.ours
    on_time = f"{size.label} built end to end in ≤ {seconds:.0f} s"
    in_memory = f"{size.label} peak RSS of the build ≤ {limit:.0f} MB"
    if ours.ok:
        wall = ours.result["wall"]
        return [
            (on_time, "PASS" if wall <= seconds else "FAIL", f"{_s(wall)} s"),
            (
                in_memory,
                "PASS" if ours.build_peak <= limit else "FAIL",
                f"{_mb(ours.build_peak)} MB",
            ),
        ]
    # Cut off or failed: not built end to end; its memory fails only if it already went over.
    over = ours.build_peak > limit
    return [
        (on_time, "FAIL", _total(ours)),
        (
            in_memory,
            "FAIL" if over else "not determined",
            f"{_mb(ours.build_peak)} MB before it stopped",
        ),
    ]


def summary(sizes: list[Size], fit_min: int) -> list[str]:
    lines = [
        "### Summary",
        "",
        "| size | data triples | build s | peak MB | targets | reference s | reference peak MB"
        " | release files = reference | queries s | peer total s | peer peak MB | speed-up |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        ours, peer, reference = size.ours, size.peer, size.reference
        queries = _s(ours.result["store_load"] + ours.result["queries"]) if ours.ok else "–"
        verdicts = [verdict for _, verdict, _ in size_verdicts(size)]  # time, memory
        judged = f"time {verdicts[0]}, memory {verdicts[1]}" if verdicts else "–"
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
            f"| {size.label} | {size.triples:,} | {_total(ours)} | {_mb(ours.build_peak)}"
            f"{f' ({ours.processes} processes)' if ours.processes > 1 else ''} | "
            f"{judged} | {_total(reference) if reference else '–'} | "
            f"{_mb(reference.build_peak) if reference else '–'} | "
            f"{size.comparison.text() if size.comparison else '–'} | {queries} | "
            f"{peer_text} | {peer_peak} | {ratio} |"
        )
    return [*lines, "", *exponents(sizes, fit_min), *targets(sizes, fit_min)]


def targets(sizes: list[Size], fit_min: int) -> list[str]:
    lines = ["Targets (issue 17):", ""]
    for target, (seconds, limit) in TARGETS.items():
        size = next((s for s in sizes if s.target == target), None)
        if size is None:
            label = size_label(target)
            lines.append(
                f"* {label} in ≤ {seconds:.0f} s and ≤ {limit:.0f} MB: not measured "
                f"(no {label} in this run)"
            )
            continue
        lines += [
            f"* {what}: {verdict} ({figure})" for what, verdict, figure in size_verdicts(size)
        ]
    lines += exponent_verdicts(sizes, fit_min)
    lines.append(validation_verdict(sizes))
    lines.append(identity_verdict(sizes))
    return [*lines, ""]


def exponent_verdicts(sizes: list[Size], fit_min: int) -> list[str]:
    """Time exponent ≤ 1.1 and memory exponent < 1, fitted over the sizes built."""
    chosen, missing = fitted(sizes, fit_min)
    over = ", ".join(s.label for s in chosen)
    lines = []
    for what, value, passes in (
        (
            f"time exponent ≤ {TARGET_TIME_EXPONENT}",
            QUANTITIES[0][2],
            lambda b: b <= TARGET_TIME_EXPONENT,
        ),
        (
            f"memory exponent < {TARGET_MEMORY_EXPONENT:.0f}",
            QUANTITIES[1][2],
            lambda b: b < TARGET_MEMORY_EXPONENT,
        ),
    ):
        b = fit_exponent([(s.triples, value(s)) for s in chosen]) if len(chosen) >= 2 else None
        if b is None:
            lines.append(f"* {what}: not measured (needs two sizes built to the end)")
        elif missing:
            left_out = ", ".join(s.label for s in missing)
            lines.append(
                f"* {what}: not determined ({left_out} not built to the end; b = {b:.3f} "
                f"over {over})"
            )
        else:
            lines.append(
                f"* {what}: {'PASS' if passes(b) else 'FAIL'} (b = {b:.3f}, fit over {over})"
            )
    return lines


def validation_verdict(sizes: list[Size]) -> str:
    """treatykg's validation results against pySHACL's, over the sizes checked."""
    checked = [s for s in sizes if s.check is not None]
    if not checked:
        return "* validation results identical to pySHACL's: not checked in this run"
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
    return f"* validation results identical to pySHACL's ({labels}): {state}"


def identity_verdict(sizes: list[Size]) -> str:
    """Every release file byte-identical to the reference's, over the sizes compared."""
    compared = [s for s in sizes if s.comparison is not None]
    unbuilt_text = "".join(
        f"; {s.label}: reference build {_total(s.reference)}"
        for s in sizes
        if s.reference is not None and not s.reference.ok
    )
    if not compared:
        return f"* release files byte-identical to the reference: not checked{unbuilt_text}"
    labels = ", ".join(s.label for s in compared)
    bad = [s for s in compared if s.comparison is not None and not s.comparison.same]
    details = "; ".join(f"{s.label}: {s.comparison.text()}" for s in compared if s.comparison)
    return (
        f"* every release file byte-identical to the reference ({labels}): "
        f"{'FAIL' if bad else 'PASS'} ({details}{unbuilt_text})"
    )


def code_version() -> str:
    """``git describe`` of this checkout, ``-dirty`` when it has uncommitted changes."""
    try:
        described = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return described.stdout.strip()


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10k,100k,1M",
        help="comma-separated corpus sizes in triples (default 10k,100k,1M; issue 17: "
        "100k,1M,3M,10M)",
    )
    parser.add_argument("--seed", type=int, default=0, help="gen_corpus seed (default 0)")
    parser.add_argument(
        "--corpora",
        type=Path,
        metavar="DIR",
        help="use the corpus DIR/t<treaties> where it exists (e.g. /work/corpora/t44000 for "
        "10M) instead of generating it",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=0.0,
        help="kill the treatykg build (and the reference's) after this many seconds "
        "(default: never)",
    )
    parser.add_argument(
        "--reference-commit",
        metavar="SHA",
        help="also build each size with this commit's code (a temporary git worktree) and "
        "compare every release file byte for byte",
    )
    parser.add_argument(
        "--reference-max",
        default="1M",
        metavar="SIZE",
        help="build with --reference-commit only up to this size (default 1M)",
    )
    parser.add_argument(
        "--reference-dirs",
        default="",
        metavar="DIR[,DIR...]",
        help="existing reference builds: DIR/t<treaties> (or a DIR so named) is compared "
        "where the reference commit is not built",
    )
    parser.add_argument(
        "--fit-min",
        default="100k",
        metavar="SIZE",
        help="fit the exponents over the sizes from this one on (default 100k)",
    )
    parser.add_argument("--no-peer", action="store_true", help="do not run the naive peer")
    parser.add_argument(
        "--peer-max",
        default="1M",
        metavar="SIZE",
        help="run the naive peer only up to this size (default 1M)",
    )
    parser.add_argument(
        "--peer-timeout",
        type=float,
        default=600.0,
        help="kill the naive peer (and the validation check) after this many seconds (default 600)",
    )
    parser.add_argument(
        "--check-validation",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="compare validation results on the corpus with injected defects "
        "(default: for sizes up to 100k)",
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep corpora, builds and logs in DIR"
    )
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write the report to FILE"
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    return parser


@dataclasses.dataclass
class Settings:
    """The parsed command line of a measuring run."""

    sizes: list[int]
    seed: int
    corpora: Path | None
    timeout: float
    reference: tuple[str, Path] | None  # the reference commit's SHA and its src folder
    reference_max: int
    reference_dirs: list[Path]
    fit_min: int
    peer: bool
    peer_max: int
    peer_timeout: float
    check_validation: bool | None
    keep: bool


def measure(settings: Settings, gen: ModuleType, root: Path, target: int) -> Size:
    """Build one size with treatykg, the reference, the peer and the validation check."""
    label = size_label(target)
    treaties = max(1, round(target * TREATIES_PER_10K / 10_000))
    base = root / label
    if base.exists():
        shutil.rmtree(base)
    reusable = settings.corpora / f"t{treaties}" if settings.corpora else None
    if reusable is not None and reusable.is_dir():
        corpus = reusable
    else:
        corpus = base / "corpus"
        gen.generate(treaties, settings.seed, corpus)
    _say(f"{label}: {treaties} treaties in {corpus}; counting triples…")
    size = Size(target, treaties, corpus, gen.count_triples(corpus))
    size.reused = corpus == reusable
    _say(f"{label}: {size.triples:,} triples; treatykg build…")
    size.ours = run_child("treatykg", corpus, base / "treatykg", settings.timeout)
    _say(f"{label}: treatykg {_brief(size.ours)}")
    reference = reference_release(settings, size, base)
    if reference is not None and size.ours.ok:
        _say(f"{label}: comparing the release files with {reference}…")
        built = size.reference is not None and size.reference.ok
        name = "the reference commit's build" if built else str(reference)
        size.comparison = compare_releases(base / "treatykg" / "dist", reference, name)
        _say(f"{label}: {size.comparison.text()}")
    if not settings.keep:  # 10M writes gigabytes: only the corpora outlive a size
        for name in ("treatykg", "reference"):
            shutil.rmtree(base / name / "dist", ignore_errors=True)
    if settings.peer and target <= settings.peer_max:
        _say(f"{label}: naive peer (limit {settings.peer_timeout:.0f} s)…")
        size.peer = run_child("peer", corpus, base / "peer", settings.peer_timeout)
        _say(f"{label}: peer {_total(size.peer)}")
    check = settings.check_validation
    if check or (check is None and target <= 100_000):
        injected = base / "injected"
        size.expected = set(gen.generate(treaties, settings.seed, injected, inject=True))
        _say(f"{label}: validation agreement (limit {settings.peer_timeout:.0f} s)…")
        size.check = run_child("check", injected, base / "check", settings.peer_timeout)
    return size


def reference_release(settings: Settings, size: Size, base: Path) -> Path | None:
    """Where the reference's release files for this size are: a build made now by the
    reference commit (up to ``--reference-max``: it also gives the reference's time and
    peak), else an existing build from ``--reference-dirs``, else None."""
    existing = existing_reference(settings.reference_dirs, size.treaties)
    if settings.reference is None or size.target > settings.reference_max:
        return existing
    sha, src = settings.reference
    _say(f"{size.label}: reference build (commit {sha[:10]})…")
    env = _with_pythonpath(src)
    size.reference = run = run_child(
        "reference", size.corpus, base / "reference", settings.timeout, env
    )
    _say(f"{size.label}: reference {_brief(run)}")
    if run.ok and not Path(run.result["code"]).is_relative_to(src.resolve()):
        run.error = f"imported treatykg from {run.result['code']}, not from {src}"
    return base / "reference" / "dist" if run.ok else existing


def _settings(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    """The command line checked; ``reference`` is filled in once the worktree exists."""
    try:
        sizes = [parse_size(part) for part in args.sizes.split(",") if part.strip()]
        limits = [parse_size(v) for v in (args.reference_max, args.fit_min, args.peer_max)]
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if not sizes:
        parser.error("--sizes is empty")
    directories = [Path(part) for part in args.reference_dirs.split(",") if part.strip()]
    for directory in [*directories, *([args.corpora] if args.corpora else [])]:
        if not directory.is_dir():
            parser.error(f"not a directory: {directory}")
    return Settings(
        sizes=sizes,
        seed=args.seed,
        corpora=args.corpora,
        timeout=args.timeout,
        reference=None,
        reference_max=limits[0],
        reference_dirs=directories,
        fit_min=limits[1],
        peer=not args.no_peer,
        peer_max=limits[2],
        peer_timeout=args.peer_timeout,
        check_validation=args.check_validation,
        keep=args.keep is not None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.child:
        CHILDREN[args.child](args.corpus, args.work)
        return 0
    settings = _settings(parser, args)
    with contextlib.ExitStack() as stack:
        if args.reference_commit:
            try:
                settings.reference = stack.enter_context(worktree(args.reference_commit))
            except subprocess.CalledProcessError as error:
                parser.error(
                    f"--reference-commit {args.reference_commit}: "
                    f"{(error.stderr or b'').decode(errors='replace').strip()}"
                )
        root = args.keep or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="bench_scale-"))
        )
        report = header(settings, argv)
        print("\n".join(report), flush=True)
        sizes: list[Size] = []
        gen = _gen_corpus()
        for target in settings.sizes:
            sizes.append(measure(settings, gen, root, target))
            lines = size_table(sizes[-1])
            print("\n".join(lines), flush=True)
            report += lines
            if args.markdown:  # a long run leaves its finished sizes behind
                write(args.markdown, [*report, *summary(sizes, settings.fit_min)])
        lines = summary(sizes, settings.fit_min)
        print("\n".join(lines), flush=True)
        if args.markdown:
            write(args.markdown, [*report, *lines])
    return 0


def header(settings: Settings, argv: list[str] | None) -> list[str]:
    """The command, the machine, and which code is measured against which reference."""
    import treatykg

    arguments = " ".join(argv if argv is not None else sys.argv[1:])
    code = Path(treatykg.__file__).resolve().parent
    if settings.reference is not None:
        reference = (
            f"commit {settings.reference[0]} (a git worktree) up to "
            f"{size_label(settings.reference_max)}"
        )
        if settings.reference_dirs:
            reference += f", then the builds in {', '.join(map(str, settings.reference_dirs))}"
    elif settings.reference_dirs:
        reference = f"the builds in {', '.join(map(str, settings.reference_dirs))}"
    else:
        reference = "none"
    return [
        f"bench_scale {dt.date.today().isoformat()}: "
        f"`python benchmarks/bench_scale.py {arguments}`",
        "",
        f"machine: {machine()}",
        "",
        f"code: treatykg from {code}, git {code_version()}; reference: {reference}",
        "",
    ]


def write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _brief(run: Run) -> str:
    """A build's time and peak for the progress lines."""
    if not run.ok:
        return _total(run)
    return f"{_total(run)} s, peak {_mb(run.build_peak)} MB"


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
