"""Benchmark ``treatykg diff`` between two 1M-triple releases that differ in 1% of treaties, and
applying its patch to Oxigraph's server against reloading the whole release (issue 21).

Usage::

    python benchmarks/bench_diff.py                      # 4400 treaties (~1M triples), 1%
    python benchmarks/bench_diff.py --runs 5 --fresh-reload --markdown diff.md
    python benchmarks/bench_diff.py --treaties 440 --no-store --no-peer   # a quick look

**The two releases.** Release A is ``benchmarks/gen_corpus.py --treaties N --seed S`` plus a
``dataset.ttl`` saying ``dcat:version "1.0.0"`` (4400 treaties: 1,042,249 statements in its
``treatykg.nt``, the ontology's included). Release B is A with ``--share`` of the
treaties (default 1%: 44 of 4400) touched, chosen with a random generator seeded from S, and
``dcat:version "1.1.0"``:

* half of them (22) **changed**, one statement on each of three resources: the treaty's
  English ``rdfs:label`` corrected (``Synthetic Treaty 0042`` → ``Synthetic Treaty 0042
  (corrected title)``), its text's ``dcterms:issued`` a week later (a date), its preamble's
  ``dcterms:description`` reworded ("recall" → "reaffirm");
* a quarter (11) **removed**: the treaty's file is left out, so every resource of it goes;
* a quarter (11) **added**: new treaties numbered N+1…, drawn by the generator's own
  ``Treaty`` and ``treaty_nodes`` from a second seeded generator;
* and the dataset's ``dcat:version`` 1.0.0 → 1.1.0 (one more changed resource).

B is written by replaying the generator with A's seed (every untouched treaty file must come
out byte-identical to A's, which is checked), so nothing in ``gen_corpus.py`` changed for
this. Both are built with ``treatykg build --data DIR --out DIR``. The corpora and builds go
under ``--corpora`` (default ``/work/corpora``: ``diff-1m-a/``, ``diff-1m-b/``) and are kept:
a corpus is written again only when its recipe changed (N, seed, share, the generator's or
this file's derivation code), a build only when its data's SHA-256 or treatykg's version
changed (``--rebuild`` forces both builds).

**What is measured**, in one run, each in a child process of its own so that its peak memory
(the kernel's high-water mark, ``ru_maxrss`` from ``os.wait4``, taken by a small wrapper that
forks the command, so that none of this benchmark's own memory is counted) is its alone; the
wall times include Python's start-up and imports, as a user sees them:

* ``treatykg diff A B --rdf-patch FILE --sparql-update FILE`` (``--runs`` times; the median
  and the spread);
* the same through the Python API in one process (``open_side``, ``diff``, ``patch.write``,
  ``update.update``, ``summary.to_json``): the counts of the table come from it (statements
  removed and added, resources added, removed and changed), checked against what was planted;
  its patch must be byte-identical to the CLI's;
* **the naive peer**: rdflib parses both ``treatykg.nt`` into two ``Graph``s and takes the
  two set differences, then writes them as RDF Patch rows, cut off after ``--peer-timeout``
  seconds. Blank nodes are compared by their labels (one ``bnode_context`` for both files),
  which is right here only because both builds label the ontology's lists alike; rdflib's
  default, fresh blank nodes per parse, would list all 58 of their statements as removed and
  added;
* **applying the patch** (``--no-store`` skips it): ``oxigraph serve`` (the ``oxigraph`` PyPI
  package) on a free loopback port with a temporary ``--location``; ``treatykg load`` of A
  into its release graph (``--swap chunked`` by default: A holds 1,042,249 statements, over
  the 1,000,000 of ``--atomic-limit`` on that server, whose atomic swap costs ~4 GB per
  million); then (a) ``treatykg load --update PATCH`` (checked and atomic), after which the
  graph must hold B's count; then (b) ``treatykg load --build B`` over it, the full reload,
  checked by its count. After each of (a) and (b) the graph is read back whole (Graph Store
  GET): (a) must leave exactly the statements (b) leaves (ground statements as a set, plus
  the number of statements with blank nodes), and what (b) leaves is compared with B's dump
  (Oxigraph gives back ``xsd:positiveInteger`` literals as ``xsd:integer``; the report says
  so). The reload runs on the store (a) left, holding B: a chunked (or atomic) swap deletes
  every old statement and moves every staged one in, whatever the two share, so the old
  graph's content does not change its work (``--fresh-reload`` loads A into a second fresh
  store first, to be sure). Per step: wall time, the client's peak, and the server's RSS when
  the step starts and at its peak (sampled every 0.1 s).

Targets (issue 21): ``treatykg diff`` of the 1M releases in ≤ 15 s and ≤ 1.5 GB (1,536 MiB);
the table says PASS or FAIL. MB are MiB. Linux only (``/proc``, ``os.wait4``). Nothing here
is a test: the numbers go into benchmarks/README.md and the issue's notes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import importlib.util
import inspect
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import bench_load  # noqa: E402  (also puts tests/ on sys.path, for servers)

GRAPH = bench_load.GRAPH
MIB = 1024 * 1024
TARGET_SECONDS = 15.0
TARGET_MB = 1536.0
OLD_VERSION, NEW_VERSION = "1.0.0", "1.1.0"
CHANGED_TITLE = " (corrected title)"
ISSUED_SHIFT = dt.timedelta(days=8)  # gen_corpus: a day after the signing
DATASET_TTL = """# The synthetic dataset's description: only its version, which a changeset names.
PREFIX dcat: <http://www.w3.org/ns/dcat#>

<https://w3id.org/treatykg/dataset> dcat:version "{version}" .
"""


def _gen_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_corpus", HERE / "gen_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


###################################################################################
# The two corpora and their builds
###################################################################################


@dataclasses.dataclass
class Plan:
    """Which treaties B changes, leaves out and adds."""

    changed: list[int]
    removed: list[int]
    added: list[int]

    @classmethod
    def of(cls, treaties: int, seed: int, share: float) -> Plan:
        touched = max(4, round(treaties * share))
        picked = random.Random(f"bench_diff {seed}").sample(range(1, treaties + 1), touched)
        n_changed = touched // 2
        n_removed = (touched - n_changed) // 2
        n_added = touched - n_changed - n_removed
        return cls(
            sorted(picked[:n_changed]),
            sorted(picked[n_changed : n_changed + n_removed]),
            list(range(treaties + 1, treaties + 1 + n_added)),
        )


@dataclasses.dataclass
class Expected:
    """What the diff of A and B must find, counted while B is written."""

    removed: int = 0  # statements
    added: int = 0
    resources_removed: int = 0
    resources_added: int = 0
    resources_changed: int = 0


def _statements(nodes: dict[str, dict[str, list[str]]]) -> int:
    return sum(len(objects) for node in nodes.values() for objects in node.values())


def change_treaty(gen: ModuleType, nodes: dict[str, dict[str, list[str]]], t: Any) -> int:
    """The changes B makes to a kept treaty, one statement each on three resources: the
    treaty's English label corrected, its text's publication date (``dcterms:issued`` of its
    source) a week later, and its preamble's description reworded. (Not an event's date: an
    event's IRI starts with its day, so a corrected date is a new event.) Returns the
    statements replaced."""
    treaty = nodes[t.iri]
    old_title = gen.lit(t.title, "en")
    treaty["rdfs:label"] = [
        gen.lit(t.title + CHANGED_TITLE, "en") if value == old_title else value
        for value in treaty["rdfs:label"]
    ]
    nodes[t.source]["dcterms:issued"] = [gen.date(t.signed + ISSUED_SHIFT)]
    preamble = nodes[f"{t.iri}/preamble"]
    (description,) = preamble["dcterms:description"]
    preamble["dcterms:description"] = [description.replace("recall", "reaffirm")]
    return 3


def write_b(gen: ModuleType, a: Path, b: Path, treaties: int, seed: int, plan: Plan) -> Expected:
    """Corpus B from A's recipe: the generator replayed with A's seed, the plan's treaties
    changed or left out, new ones added. Every untouched file must equal A's, byte for byte."""
    expected = Expected(resources_changed=1)  # the dataset: its version
    expected.removed = expected.added = 1
    rng = random.Random(seed)
    changed, removed = set(plan.changed), set(plan.removed)
    shutil.copyfile(a / "shared.ttl", b / "shared.ttl")
    for number in range(1, treaties + 1):
        t = gen.Treaty(number, rng)  # every treaty, to keep the generator in step with A's
        nodes = gen.treaty_nodes(t)
        name = f"treaty-{number:04d}.ttl"
        if number in removed:
            expected.removed += _statements(nodes)
            expected.resources_removed += len(nodes)
            continue
        if number in changed:
            replaced = change_treaty(gen, nodes, t)
            expected.removed += replaced
            expected.added += replaced
            expected.resources_changed += 3
        text = gen.turtle(nodes, f"Synthetic treaty {number:04d} (seed {seed}).")
        (b / name).write_text(text, encoding="utf-8")
        if number not in changed and (b / name).read_bytes() != (a / name).read_bytes():
            raise SystemExit(f"{b / name} differs from A's: the generator is not replayed")
    extra = random.Random(f"bench_diff {seed} added")
    for number in plan.added:
        t = gen.Treaty(number, extra)
        nodes = gen.treaty_nodes(t)
        expected.added += _statements(nodes)
        expected.resources_added += len(nodes)
        text = gen.turtle(nodes, f"Synthetic treaty {number:04d} (added by bench_diff.py).")
        (b / f"treaty-{number:04d}.ttl").write_text(text, encoding="utf-8")
    return expected


def _recipe(treaties: int, seed: int, share: float, side: str) -> dict[str, Any]:
    """What a corpus is made from: written beside it, compared to decide whether to rewrite."""
    code = inspect.getsource(write_b) + inspect.getsource(change_treaty) + inspect.getsource(Plan)
    code += DATASET_TTL + CHANGED_TITLE + str(ISSUED_SHIFT)
    return {
        "side": side,
        "treaties": treaties,
        "seed": seed,
        "share": share if side == "b" else None,
        "generator": _sha256(HERE / "gen_corpus.py"),
        "derivation": hashlib.sha256(code.encode()).hexdigest() if side == "b" else None,
    }


def make_corpora(
    prefix: Path, treaties: int, seed: int, share: float
) -> tuple[Path, Path, Plan, Expected]:
    """Corpus A and B under ``prefix``-a/data and ``prefix``-b/data, kept between runs."""
    gen = _gen_corpus()
    plan = Plan.of(treaties, seed, share)
    a, b = Path(f"{prefix}-a") / "data", Path(f"{prefix}-b") / "data"
    recipe_a, recipe_b = _recipe(treaties, seed, share, "a"), _recipe(treaties, seed, share, "b")
    stamp_a, stamp_b = a.parent / "data.json", b.parent / "data.json"
    if not _stamped(stamp_a, recipe_a, a):
        _say(f"writing corpus A ({treaties} treaties, seed {seed}) into {a}…")
        shutil.rmtree(a, ignore_errors=True)
        stamp_b.unlink(missing_ok=True)  # B is derived from A
        gen.generate(treaties, seed, a)
        (a / "dataset.ttl").write_text(DATASET_TTL.format(version=OLD_VERSION), encoding="utf-8")
        _stamp(stamp_a, recipe_a)
    if _stamped(stamp_b, recipe_b, b):
        expected = Expected(**json.loads(stamp_b.read_text(encoding="utf-8"))["expected"])
    else:
        _say(f"writing corpus B ({len(plan.changed)} changed, {len(plan.removed)} removed, "
             f"{len(plan.added)} added treaties) into {b}…")  # fmt: skip
        shutil.rmtree(b, ignore_errors=True)
        b.mkdir(parents=True)
        expected = write_b(gen, a, b, treaties, seed, plan)
        (b / "dataset.ttl").write_text(DATASET_TTL.format(version=NEW_VERSION), encoding="utf-8")
        _stamp(stamp_b, {**recipe_b, "expected": dataclasses.asdict(expected)})
    return a, b, plan, expected


def _stamped(stamp: Path, recipe: dict[str, Any], folder: Path) -> bool:
    if not (stamp.is_file() and folder.is_dir()):
        return False
    kept = json.loads(stamp.read_text(encoding="utf-8"))
    return {k: v for k, v in kept.items() if k != "expected"} == recipe


def _stamp(stamp: Path, content: dict[str, Any]) -> None:
    stamp.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def data_hash(folder: Path) -> str:
    """The SHA-256 of a corpus: every file's name and content, in name order."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(f"{path.relative_to(folder)}\0{_sha256(path)}\n".encode())
    return digest.hexdigest()


def build(data: Path, out: Path, rebuild: bool) -> str:
    """``treatykg build --data DATA --out OUT``, unless OUT was built from the same data by the
    same treatykg version. Returns a line saying what the build took (or when it was kept)."""
    import treatykg

    stamp = out.parent / "build.json"
    inputs = {"data": data_hash(data), "treatykg": treatykg.__version__}
    kept = not rebuild and stamp.is_file() and (out / "treatykg.nt").is_file()
    if kept:
        done = json.loads(stamp.read_text(encoding="utf-8"))
        if {key: done.get(key) for key in inputs} == inputs:
            if "seconds" not in done:
                return "kept from an earlier run"
            took = f"{done['seconds']:.1f} s, peak {done['mb']:,.0f} MB"
            return f"kept from the run of {done['date']} (it took {took})"
    stamp.unlink(missing_ok=True)
    _say(f"treatykg build --data {data} --out {out}…")
    command = [*bench_load.treatykg_command(), "build", "--data", str(data), "--out", str(out)]
    built = run_child([*command, "-q"], timeout=1800)
    if built.exit != 0:
        raise SystemExit(
            f"the build of {data} failed (exit {built.exit}):\n{built.stdout}{built.stderr}"
        )
    today = dt.date.today().isoformat()
    _stamp(stamp, {**inputs, "date": today, "seconds": built.seconds, "mb": built.peak_kb / 1024})
    return f"built now: {built.seconds:.1f} s, peak {built.peak_kb / 1024:,.0f} MB"


###################################################################################
# Child processes
###################################################################################


@dataclasses.dataclass
class Child:
    """How a child process ended."""

    seconds: float
    exit: int
    peak_kb: int  # the kernel's high-water mark of its resident memory (os.wait4)
    stdout: str
    stderr: str
    timed_out: bool = False


#: Runs a command in a child forked from this small process and reports its wall time, exit
#: status and peak RSS. Why not ``os.wait4`` on the command itself: a process spawned by a
#: large one (this benchmark holds a million statements while it checks the store) starts in
#: its parent's memory (vfork), and ``ru_maxrss`` keeps that high-water mark across ``exec``.
_MEASURE = """
import os, sys, time
report, command = sys.argv[1], sys.argv[2:]
started = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.monotonic() - started
with open(report, "w") as out:
    out.write(f"{seconds} {os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_child(command: list[str], timeout: float = 3600.0) -> Child:
    """Run ``command`` to its end (SIGKILL after ``timeout`` seconds): wall time, exit status,
    peak RSS (see :data:`_MEASURE`)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as folder,
    ):
        report = Path(folder) / "measured"
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", _MEASURE, str(report), *command],
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group, killed whole at the time-out
        )
        timed_out = threading.Event()

        def cut_off() -> None:
            timed_out.set()
            os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, cut_off)
        timer.start()
        try:
            process.wait()
        finally:
            timer.cancel()
        seconds, status, peak_kb = time.monotonic() - started, -9, 0
        if report.is_file():
            measured = report.read_text(encoding="ascii").split()
            seconds, status, peak_kb = float(measured[0]), int(measured[1]), int(measured[2])
        out.seek(0)
        err.seek(0)
        return Child(
            seconds,
            status,
            peak_kb,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            timed_out.is_set(),
        )


def child_api_diff(old: str, new: str, out: str) -> None:
    """In a child: the diff through the Python API, its files written into ``out``; prints a
    JSON line of counts and its own time (imports excluded)."""
    from treatykg.changes import patch, summary, update
    from treatykg.changes.diff import diff
    from treatykg.changes.releases import open_side

    started = time.perf_counter()
    folder = Path(out)
    with tempfile.TemporaryDirectory() as work:
        changeset = diff(open_side(old, Path(work)), open_side(new, Path(work)))
    opened = time.perf_counter()
    (folder / "api.rdfp").write_bytes(patch.write(changeset))
    removed = [line for group in changeset.groups for line in group.removed]
    added = [line for group in changeset.groups for line in group.added]
    (folder / "api.ru").write_text(update.update(removed, added), encoding="utf-8")
    (folder / "api.json").write_bytes(summary.to_json(summary.Summary.of(changeset)))
    finished = time.perf_counter()
    print(
        json.dumps(
            {
                "seconds": finished - started,
                "diff_seconds": opened - started,
                "removed": changeset.removed,
                "added": changeset.added,
                "before": changeset.before,
                "after": changeset.after,
                "resources_added": changeset.count("added"),
                "resources_removed": changeset.count("removed"),
                "resources_changed": changeset.count("changed"),
            }
        )
    )


def child_rdflib_diff(old: str, new: str, out: str) -> None:
    """In a child, the naive peer: rdflib parses both dumps into Graphs and takes the set
    differences, written as RDF Patch rows; prints a JSON line of counts.

    Both files are parsed with one ``bnode_context``, so that a blank node label means the
    same node in both: by default rdflib gives every parse fresh blank nodes, and the
    ontology's 58 blank-node statements would all show as removed and added. Comparing labels
    is right here only because both builds label the ontology's blank nodes alike."""
    from rdflib import Graph

    started = time.perf_counter()
    graphs = []
    labels: dict[str, Any] = {}  # one blank node per label across both files (see the docstring)
    for side in (old, new):
        graph = Graph()
        graph.parse(Path(side) / "treatykg.nt", format="nt", bnode_context=labels)
        graphs.append(graph)
    parsed = time.perf_counter()
    before, after = graphs
    removed = sorted(" ".join(term.n3() for term in t) for t in before if t not in after)
    added = sorted(" ".join(term.n3() for term in t) for t in after if t not in before)
    rows = [f"D {line} ." for line in removed] + [f"A {line} ." for line in added]
    Path(out, "rdflib.rdfp").write_text("TX .\n" + "\n".join(rows) + "\nTC .\n", encoding="utf-8")
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "parse_seconds": parsed - started,
                "removed": len(removed),
                "added": len(added),
                "before": len(before),
                "after": len(after),
            }
        )
    )


CHILDREN = {"api-diff": child_api_diff, "rdflib-diff": child_rdflib_diff}


def _child(name: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", name, *args]


###################################################################################
# The diffs
###################################################################################


def has_command(*words: str, option: str | None = None) -> bool:
    """Whether this treatykg has ``treatykg WORDS`` (and ``option`` in its help)."""
    done = subprocess.run(
        [*bench_load.treatykg_command(), *words, "--help"], capture_output=True, text=True
    )
    if done.returncode != 0:
        return False
    return option is None or re.search(rf"{re.escape(option)}(?![\w-])", done.stdout) is not None


@dataclasses.dataclass
class DiffRow:
    what: str
    runs: list[Child]
    counts: dict[str, Any]
    note: str = ""
    judged: bool = True  # held to the targets

    @property
    def ok(self) -> bool:
        return all(run.exit == 0 and not run.timed_out for run in self.runs)

    @property
    def median(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(run.peak_kb for run in self.runs) / 1024


def measure_diffs(
    a: Path, b: Path, work: Path, runs: int, peer: bool, timeout: float
) -> list[DiffRow]:
    cli = [*bench_load.treatykg_command(), "diff", str(a), str(b)]
    cli += ["--rdf-patch", str(work / "cli.rdfp"), "--sparql-update", str(work / "cli.ru")]
    done = []
    for number in range(runs):
        _say(f"treatykg diff, run {number + 1} of {runs}…")
        done.append(run_child(cli, timeout))
    rows = [DiffRow("`treatykg diff A B --rdf-patch … --sparql-update …`", done, {})]
    done = []
    counts: dict[str, Any] = {}
    for number in range(runs):
        _say(f"diff through the Python API, run {number + 1} of {runs}…")
        run = run_child(_child("api-diff", str(a), str(b), str(work)), timeout)
        done.append(run)
        if run.exit == 0:
            counts = json.loads(run.stdout.strip().splitlines()[-1])
    inside = ""
    if counts:  # the last run's own clock: no interpreter start-up, no imports
        inside = (
            f"last run, imports excluded: {counts['seconds']:.2f} s, of which opening both "
            f"sides and diffing {counts['diff_seconds']:.2f} s"
        )
    rows.append(
        DiffRow("Python API in one process (diff, patch, update, summary)", done, counts, inside)
    )
    cli_patch, api_patch = work / "cli.rdfp", work / "api.rdfp"
    same = cli_patch.is_file() and cli_patch.read_bytes() == api_patch.read_bytes()
    rows[0].counts = counts
    rows[0].note = "patch = the API's, byte for byte" if same else "PATCH DIFFERS from the API's"
    if peer:
        _say(f"the naive peer: rdflib, cut off after {timeout:g} s…")
        run = run_child(_child("rdflib-diff", str(a), str(b), str(work)), timeout)
        peer_counts = json.loads(run.stdout.strip().splitlines()[-1]) if run.exit == 0 else {}
        note = ""
        if peer_counts and counts:
            same = all(peer_counts[k] == counts[k] for k in ("removed", "added"))
            note = "same statements as treatykg's" if same else "NOT the statements treatykg found"
            if same and not _same_rows(work / "rdflib.rdfp", work / "api.rdfp"):
                note = "as many statements as treatykg's, but OTHERS"
        rows.append(
            DiffRow(
                "naive: rdflib parses both dumps, two set differences",
                [run],
                peer_counts,
                note,
                judged=False,
            )
        )
    for row in rows:
        for run in row.runs:
            if run.exit != 0:
                _say(f"{row.what} failed (exit {run.exit}): {run.stderr.strip()[-800:]}")
    return rows


def _same_rows(one: Path, other: Path) -> bool:
    """Whether two RDF Patch files delete and add the same ground statements (their blank-node
    rows only counted: labels differ), as sets of statements parsed by pyoxigraph."""
    return _patch_rows(one) == _patch_rows(other)


def _patch_rows(path: Path) -> tuple[set[tuple[str, str]], int]:
    import pyoxigraph as ox

    ground: set[tuple[str, str]] = set()
    blank = 0
    for raw in path.read_bytes().splitlines():
        op, _, rest = raw.partition(b" ")
        if op not in (b"A", b"D"):
            continue
        (triple,) = ox.parse(rest + b"\n", format=ox.RdfFormat.N_TRIPLES)
        if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode):
            blank += 1
        else:
            ground.add((op.decode(), str(triple)))
    return ground, blank


###################################################################################
# The store: the patch applied, against the whole release reloaded
###################################################################################


@dataclasses.dataclass
class StoreRow:
    what: str
    seconds: float
    client_kb: int
    server_kb: tuple[int, int]  # RSS at the start, peak
    count: int | None
    check: str
    ok: bool


def _server_step(
    target: bench_load.Store, what: str, command: list[str]
) -> tuple[Child, tuple[int, int]]:
    """Run a client against the server: how it ended, and the server's RSS (KiB) when it
    started and at its peak meanwhile."""
    with bench_load.Sampler(target) as sampler:
        start = sampler.peak
        done = run_child(command)
    if done.exit != 0:
        _say(f"{what} failed (exit {done.exit}): {done.stderr.strip()[-800:]}")
    return done, (start, sampler.peak)


def load_build(target: bench_load.Store, build_dir: Path, swap: str, what: str) -> StoreRow:
    command = [*bench_load.treatykg_command(), "load", *target.load_options()]
    command += ["--build", str(build_dir), "--swap", swap, "-q"]
    _say(f"{what}…")
    done, server = _server_step(target, what, command)
    counted = bench_load.count(target, GRAPH) if done.exit == 0 else None
    expected = dump_statements(build_dir)
    ok = done.exit == 0 and counted == expected
    check = f"count {'=' if counted == expected else '≠'} {expected:,}"
    return StoreRow(what, done.seconds, done.peak_kb, server, counted, check, ok)


def apply_patch(target: bench_load.Store, patch_file: Path) -> StoreRow:
    command = [*bench_load.treatykg_command(), "load", *target.load_options()]
    command += ["--update", str(patch_file), "-q"]
    what = "(a) `treatykg load --update PATCH`, the changeset applied"
    _say(f"{what}…")
    done, server = _server_step(target, what, command)
    counted = bench_load.count(target, GRAPH)
    return StoreRow(what, done.seconds, done.peak_kb, server, counted, "", done.exit == 0)


def dump_statements(build_dir: Path) -> int:
    with (build_dir / "treatykg.nt").open("rb") as handle:
        return sum(1 for line in handle if line.strip() and not line.startswith(b"#"))


Statements = tuple[set[str], int]


def _statement_sets(lines: bytes) -> Statements:
    """The ground statements of N-Triples text as a set of canonical strings, and the number
    of statements with a blank node (whose labels mean nothing across stores)."""
    import pyoxigraph as ox

    ground: set[str] = set()
    blank = 0
    for triple in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES):
        if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode):
            blank += 1
        else:
            ground.add(str(triple))
    return ground, blank


def read_back(target: bench_load.Store) -> Statements:
    """The release graph's statements, read back whole (Graph Store GET as N-Triples)."""
    url = f"{target.base}/store?{urllib.parse.urlencode({'graph': GRAPH})}"
    request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=3600) as response:
        return _statement_sets(response.read())


def differences(got: Statements, wanted: Statements) -> str:
    """How two sets of statements differ, in words ("" when they do not)."""
    if got == wanted:
        return ""
    missing, extra = wanted[0] - got[0], got[0] - wanted[0]
    text = f"{len(missing):,} statements missing, {len(extra):,} extra"
    if missing and _untyped(missing) == _untyped(extra):
        kinds = sorted({m.group(1) for m in map(_DATATYPE.search, missing) if m})
        text += f" (the same but for their literals' datatype: {', '.join(kinds)})"
    if got[1] != wanted[1]:
        text += f", {got[1]} blank-node statements instead of {wanted[1]}"
    return text


_DATATYPE = re.compile(r"\^\^<([^>]*)>$")


def _untyped(statements: set[str]) -> set[str]:
    return {_DATATYPE.sub("", statement) for statement in statements}


def measure_store(
    a: Path, b: Path, patch_file: Path, work: Path, swap: str, fresh_reload: bool, cap_mb: int
) -> tuple[list[StoreRow], list[str]]:
    """Load A; (a) apply the patch; (b) reload B whole. Returns the rows and notes."""
    rows: list[StoreRow] = []
    b_count = dump_statements(b)
    with bench_load.store("oxigraph", work / "oxigraph", {}, cap_mb) as target:
        rows.append(
            load_build(target, a, swap, f"`treatykg load` A into an empty store (--swap {swap})")
        )
        if not rows[-1].ok:
            return rows, []
        applied = apply_patch(target, patch_file)
        applied.check = f"count {'=' if applied.count == b_count else '≠'} {b_count:,}"
        applied.ok = applied.ok and applied.count == b_count
        rows.append(applied)
        after_update = read_back(target)
        if not fresh_reload:
            what = f"(b) `treatykg load` B over it, the full reload (--swap {swap})"
            rows.append(load_build(target, b, swap, what))
            after_reload = read_back(target)
    if fresh_reload:
        with bench_load.store("oxigraph", work / "oxigraph", {}, cap_mb) as target:
            rows.append(load_build(target, a, swap, "`treatykg load` A into a second empty store"))
            what = f"(b) `treatykg load` B over A, the full reload (--swap {swap})"
            rows.append(load_build(target, b, swap, what))
            after_reload = read_back(target)
    differ = differences(after_update, after_reload)
    applied.check += "; read back, the same statements as after (b)" if not differ else ""
    applied.check += f"; NOT what (b) loaded: {differ}" if differ else ""
    applied.ok = applied.ok and not differ
    notes = [
        f"after (a), the graph read back (Graph Store GET) holds {len(after_update[0]):,} "
        f"ground and {after_update[1]} blank-node statements: "
        + ("exactly what the full reload (b) left" if not differ else f"NOT (b)'s: {differ}")
    ]
    against_dump = differences(after_reload, _statement_sets((b / "treatykg.nt").read_bytes()))
    if against_dump:
        notes.append(f"after (b), the graph read back differs from B's dump: {against_dump}")
    else:
        notes.append("after (b), the graph read back equals B's dump")
    return rows, notes


###################################################################################
# Report
###################################################################################


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "–"


def diff_table(rows: list[DiffRow], expected: Expected) -> list[str]:
    lines = [
        "| job | wall s, median (min–max) | peak RSS MB | statements removed / added "
        "| resources added / removed / changed | target ≤ 15 s, ≤ 1,536 MB |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        times = [run.seconds for run in row.runs]
        spread = f"{row.median:.2f}"
        if len(times) > 1:
            spread += f" ({min(times):.2f}–{max(times):.2f})"
        if not row.ok:
            cut = any(run.timed_out for run in row.runs)
            spread = f"cut off at {max(times):.0f} s" if cut else f"FAILED ({spread} s)"
        c = row.counts
        statements = f"{_n(c.get('removed'))} / {_n(c.get('added'))}"
        resources = "–"
        if "resources_added" in c:
            resources = " / ".join(_n(c[f"resources_{k}"]) for k in ("added", "removed", "changed"))
        if row.judged:
            within = row.ok and row.median <= TARGET_SECONDS and row.peak_mb <= TARGET_MB
            verdict = "PASS" if within else "FAIL"
        else:
            verdict = "–"
        what = row.what + (f" ({row.note})" if row.note else "")
        lines.append(
            f"| {what} | {spread} | {row.peak_mb:,.0f} | {statements} | {resources} | {verdict} |"
        )
    lines.append(
        f"| as planted in B | – | – | {expected.removed:,} / {expected.added:,} | "
        f"{expected.resources_added:,} / {expected.resources_removed:,} / "
        f"{expected.resources_changed:,} | – |"
    )
    return lines


def store_table(rows: list[StoreRow]) -> list[str]:
    lines = [
        "| step on `oxigraph serve` | wall s | client peak MB | server RSS MB, start → peak "
        "| graph after "
        "| result |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.what} | {row.seconds:.2f} | {row.client_kb / 1024:,.0f} | "
            f"{row.server_kb[0] / 1024:,.0f} → {row.server_kb[1] / 1024:,.0f} | {_n(row.count)} | "
            f"{'ok' if row.ok else 'FAILED'}: {row.check} |"
        )
    return lines


def header(argv: list[str], a: Path, b: Path, plan: Plan, builds: dict[str, str]) -> list[str]:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    described = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    size_a, size_b = dump_statements(a), dump_statements(b)
    lines = [
        f"bench_diff {dt.date.today().isoformat()}: `python benchmarks/bench_diff.py "
        f"{' '.join(argv)}`",
        "",
        f"machine: {os.cpu_count()} cores, {memory:.0f} GiB RAM, Python "
        f"{platform.python_version()}; treatykg git {described.stdout.strip() or '?'}",
        "",
        f"A: {a} ({size_a:,} statements in treatykg.nt, version {OLD_VERSION}); "
        f"B: {b} ({size_b:,}, version {NEW_VERSION}): {len(plan.changed)} treaties changed "
        f"(English label, source's date, preamble's description), {len(plan.removed)} "
        f"removed, {len(plan.added)} added",
    ]
    lines += ["", *(f"build {side}: {text}" for side, text in builds.items())]
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument(
        "--treaties", type=int, default=4400, help="treaties in A (default 4400, ~1M statements)"
    )
    parser.add_argument("--seed", type=int, default=0, help="gen_corpus seed (default 0)")
    parser.add_argument(
        "--share", type=float, default=0.01, help="share of A's treaties B touches (default 0.01)"
    )
    parser.add_argument(
        "--corpora",
        type=Path,
        default=Path("/work/corpora"),
        help="where the corpora and builds are kept (default /work/corpora)",
    )
    parser.add_argument(
        "--name",
        default=None,
        help="their folder prefix (default diff-1m at 4400 treaties, else diff-tN)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build both releases again")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each treatykg diff (default 3)"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the naive rdflib peer")
    parser.add_argument(
        "--peer-timeout",
        type=float,
        default=900.0,
        help="cut the peer off after this (default 900 s)",
    )
    parser.add_argument("--no-store", action="store_true", help="skip the Oxigraph server part")
    parser.add_argument(
        "--swap",
        choices=("atomic", "chunked"),
        default="chunked",
        help="treatykg load --swap (default chunked)",
    )
    parser.add_argument(
        "--fresh-reload",
        action="store_true",
        help="reload B over A in a second fresh store, not over the store (a) left",
    )
    parser.add_argument(
        "--store-memory-cap", type=int, default=bench_load.HALF_THE_RAM, metavar="MIB",
        help="kill the server past this RSS (default half the RAM)",
    )  # fmt: skip
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report")
    args = parser.parse_args(argv)
    if args.child:
        CHILDREN[args.child[0]](*args.child[1:])
        return 0
    arguments = sys.argv[1:] if argv is None else argv
    started = time.monotonic()
    if args.treaties < 8 or not 0 < args.share < 1 or args.runs < 1:
        parser.error("--treaties ≥ 8, 0 < --share < 1, --runs ≥ 1")
    for words, option in ((["diff"], "--rdf-patch"), (["load"], "--update")):
        if not has_command(*words, option=option):
            parser.error(f"this treatykg has no `treatykg {words[0]} {option}`")
    name = args.name or ("diff-1m" if args.treaties == 4400 else f"diff-t{args.treaties}")
    prefix = args.corpora / name
    data_a, data_b, plan, expected = make_corpora(prefix, args.treaties, args.seed, args.share)
    build_a, build_b = data_a.parent / "build", data_b.parent / "build"
    builds = {"A": build(data_a, build_a, args.rebuild), "B": build(data_b, build_b, args.rebuild)}
    report = header(arguments, build_a, build_b, plan, builds)
    with tempfile.TemporaryDirectory(prefix="bench_diff-", dir=args.corpora) as folder:
        work = Path(folder)
        rows = measure_diffs(build_a, build_b, work, args.runs, not args.no_peer, args.peer_timeout)
        report += ["treatykg diff A B, each job in a child process of its own", ""]
        report += diff_table(rows, expected)
        patch_file = work / ("cli.rdfp" if (work / "cli.rdfp").is_file() else "api.rdfp")
        size = patch_file.stat().st_size if patch_file.is_file() else 0
        update_file = patch_file.with_suffix(".ru")
        report += [
            "",
            f"RDF Patch {size / 1024:,.0f} KB, SPARQL Update "
            f"{(update_file.stat().st_size if update_file.is_file() else 0) / 1024:,.0f} KB",
            "",
        ]
        print("\n".join(report), flush=True)
        if not args.no_store and patch_file.is_file():
            store_rows, notes = measure_store(
                build_a, build_b, patch_file, work, args.swap, args.fresh_reload,
                args.store_memory_cap,
            )  # fmt: skip
            version = subprocess.run(
                [bench_load.oxigraph_exe(), "--version"], capture_output=True, text=True
            ).stdout.strip()
            lines = [f"applying the patch vs reloading, {version or 'oxigraph'}", ""]
            lines += [*store_table(store_rows), "", *(f"* {note}" for note in notes), ""]
            print("\n".join(lines), flush=True)
            report += lines
    report.append(f"whole run: {time.monotonic() - started:.0f} s")
    print(report[-1])
    if args.markdown:
        args.markdown.write_text("\n".join(report) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
