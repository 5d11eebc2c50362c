"""Benchmark ``treatykg load`` into Oxigraph's server and Virtuoso, next to one naive request.

Usage::

    python benchmarks/bench_load.py --build /work/corpora/ref/t4400
    python benchmarks/bench_load.py --build /work/corpora/ref/t4400 \\
        --build /work/corpora/ref/t13200 --stores oxigraph,virtuoso \\
        --chunk-sizes 50000,200000 --work /work/corpora/load --markdown load.md
    python benchmarks/bench_load.py --build DIST10M --build /work/corpora/ref/t4400 \
        --stores oxigraph --swap chunked --chunk-sizes 50000 --no-naive

For each store (``oxigraph serve`` from the ``oxigraph`` PyPI package; ``virtuoso-t`` from
Debian's ``virtuoso-opensource``, a throwaway instance on loopback as ``tests/servers.py``
starts it, loaded with the README's Virtuoso recipe) and each ``--build DIR`` (a release
directory holding ``treatykg.nq`` or ``treatykg.nt``), one store at a time, each run on a
fresh, empty store in ``--work``:

* **treatykg load**, once per ``--chunk-sizes`` value: the CLI in a subprocess, as a user runs
  it, with ``--swap`` (atomic, the default, or chunked) and ``--atomic-limit`` passed on.
  Wall time end to end (Python start-up, the checking pass, the chunked Graph Store POSTs
  into the staging graph, the swap: one ``MOVE GRAPH`` update, or chunk by chunk the old
  triples deleted and the staged ones moved in; the count read back) and triples per second;
  the phases, from the times its progress lines reach stderr; the loader's peak memory, the
  kernel's high-water mark of the process and its children (``os.wait4``); the store's
  peak resident memory during the run (sampled every 0.1 s), its RSS and its folder's size
  at the end. A dump's chunks bound the loader's memory: the peak should not grow from one
  build size to the next at the same chunk size, and should grow with the chunk size;
* **kill mid-load** (``--no-kill`` skips it), on the store that has just loaded build A with
  the first chunk size: ``treatykg load`` of build B (the next ``--build`` in the list, round
  robin, or ``--other DIR``, which is not measured itself; with one build, a derived dump in
  ``--work``: every other line of A, its subjects renamed, so that it shares no triple with
  A) is sent SIGKILL once its progress says ``--kill-at`` of B is staged (default 40 %),
  during the chunk POSTs. Then: the target graph must still hold exactly A's triple count,
  A's probes (triples of A's dump read at spread offsets, IRIs only) must still be there and
  B's probes (triples of B not in A) must not; the staging graph left behind is counted (the
  next load drops it); and a full ``treatykg load`` of B must then succeed, leave B's count
  in the target and no staging graph;
* **kill mid-swap** (``--swap chunked`` only): with B now loaded, ``treatykg load`` of A is sent
  SIGKILL once its progress says ``--kill-at`` of A is moved in. The target is then
  incomplete, by design, and must say so (its journal's flag); the same load of A run again
  must finish the swap without staging anew (its time is the resume's), and leave A's count,
  A's probes and no staging or journal graph;
* **the naive peer**: the whole ``treatykg.nt`` in one Graph Store PUT with curl
  (``--data-binary @treatykg.nt``, which reads the file into memory), into the same graph of
  a fresh store, cut off after ``--naive-timeout`` seconds: its wall time, curl's peak memory,
  and the store's memory. Virtuoso gets ``text/turtle`` and digest auth.

A chunked swap keeps every request to a chunk, so the store's memory should stay flat from one
build size to the next; an atomic swap into Oxigraph's server above ``--atomic-limit`` (default
1,000,000 triples there) is refused before anything is sent, and its row says so.

Virtuoso runs with Debian's ``virtuoso.ini`` (``NumberOfBuffers = 10000``, 80 MB of pages;
no ``TransactionAfterImageLimit``, so Virtuoso's default, which a ``MOVE GRAPH`` of 3M triples
exceeds: error SR325; ``MaxQueryExecutionTime = 60`` in ``[SPARQL]``, which a ``MOVE GRAPH``
of 10M triples exceeds: error SR171) unless ``--virtuoso-set KEY=VALUE`` (repeated) sets a
``[Parameters]`` entry, or ``SECTION.KEY=VALUE`` an entry of another section: the README's
recipe is ``TransactionAfterImageLimit=2000000000`` with
``SPARQL.MaxQueryExecutionTime=600``; ``NumberOfBuffers=340000`` with
``MaxDirtyBuffers=250000`` gives it more pages. Oxigraph's server starts
with ``oxigraph serve --location DIR``. A store whose RSS grows past ``--store-memory-cap``
(default half the RAM) is killed and its run reported as failed, so that a store holding a
whole transaction in memory cannot bring the machine down.

Output: a Markdown table of runs per store, the kill checks, and the loader's peak per chunk
size across builds, on stdout and in ``--markdown FILE`` (rewritten after every store, so a
long run leaves what it finished). Linux only (``/proc``, ``os.wait4``). Stores are stopped
and their folders deleted after each run. Nothing here is a test: the numbers go into
benchmarks/README.md and the issue's notes.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from servers import VIRTUOSO_INI, free_port, oxigraph_exe, virtuoso_exe  # noqa: E402

GRAPH = "https://w3id.org/treatykg/graph/release"  # treatykg load's default --graph
STORES = ("oxigraph", "virtuoso")
VIRTUOSO_PASSWORD = "dba"  # Virtuoso's default account: a throwaway instance only
SAMPLE_EVERY = 0.1  # seconds between samples of the store's RSS
PROBES = 8  # dump offsets probed for triples to ASK about
MIB = 1024 * 1024
CURL_TIMED_OUT = 28  # curl's exit status when --max-time runs out
HALF_THE_RAM = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // MIB // 2
_STAGED = re.compile(r"([\d,]+) of ([\d,]+) triples staged")
_MOVED = re.compile(r"([\d,]+) of ([\d,]+) triples moved in")
_STORED = re.compile(r"([\d,]+) triples sent, ([\d,]+) in the store")


###################################################################################
# The stores
###################################################################################


@dataclasses.dataclass
class Store:
    """A running store: its kind, HTTP base URL, server process and database folder."""

    kind: str
    base: str
    process: subprocess.Popen
    folder: Path
    cap_kb: int  # the store is killed when its RSS grows past this

    @property
    def query_url(self) -> str:
        return f"{self.base}/query" if self.kind == "oxigraph" else f"{self.base}/sparql"

    def load_options(self) -> list[str]:
        """``treatykg load``'s endpoint options: the README's recipe for this store."""
        if self.kind == "oxigraph":
            return ["--endpoint", f"{self.base}/store"]
        return [
            "--endpoint", f"{self.base}/sparql-graph-crud-auth", "--graph-param", "graph-uri",
            "--update-endpoint", f"{self.base}/sparql-auth", "--user", "dba", "--auth", "digest",
            "--query-endpoint", f"{self.base}/sparql",
        ]  # fmt: skip

    def put_command(self, dump: Path, graph: str, seconds: float) -> list[str]:
        """The naive peer: curl PUTs the whole dump into ``graph`` in one request, giving up
        after ``seconds``."""
        common = ["curl", "-sS", "--fail-with-body", "-X", "PUT"]  # the body on failure
        common += ["--max-time", f"{seconds:g}"]
        body = ["--data-binary", f"@{dump}"]
        if self.kind == "oxigraph":
            url = f"{self.base}/store?{urllib.parse.urlencode({'graph': graph})}"
            return [*common, "-H", "Content-Type: application/n-triples", *body, url]
        url = f"{self.base}/sparql-graph-crud-auth?{urllib.parse.urlencode({'graph-uri': graph})}"
        auth = ["--digest", "-u", f"dba:{VIRTUOSO_PASSWORD}"]
        return [*common, *auth, "-H", "Content-Type: text/turtle", *body, url]


@contextlib.contextmanager
def store(kind: str, folder: Path, settings: dict[str, str], cap_mb: int) -> Iterator[Store]:
    """Start a fresh ``kind`` store in ``folder`` on a free loopback port; stop and delete it
    afterwards, so that every run starts from an empty store and the disk is given back."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    port = free_port()
    if kind == "oxigraph":
        command = [oxigraph_exe(), "serve", "--location", str(folder / "db")]
        command += ["--bind", f"127.0.0.1:{port}"]
        ready = f"http://127.0.0.1:{port}/"
    else:
        command = [virtuoso_exe() or "virtuoso-t", "+foreground", "+configfile"]
        command.append(str(_virtuoso_ini(folder, port, settings)))
        ready = f"http://127.0.0.1:{port}/sparql"
    log = (folder.parent / f"{folder.name}.log").open("wb")
    process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(ready, process)
        yield Store(kind, f"http://127.0.0.1:{port}", process, folder, cap_mb * 1024)
    finally:
        _stop(process)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _virtuoso_ini(folder: Path, http: int, settings: dict[str, str]) -> Path:
    """Debian's virtuoso.ini pointed at ``folder`` and at loopback ports, as
    ``tests/servers.py`` does (../shared/design/engines.md), with ``settings`` in its
    ``[Parameters]`` section, or ``SECTION.KEY`` in ``[SECTION]`` (replacing the entries
    already there)."""
    text = VIRTUOSO_INI.read_text(encoding="utf-8")
    text = text.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    sql = free_port()
    text = re.sub(r"(\[Parameters\][^\[]*?ServerPort\s*=\s*)\S+", rf"\g<1>127.0.0.1:{sql}", text)
    text = re.sub(r"(\[HTTPServer\][^\[]*?ServerPort\s*=\s*)\S+", rf"\g<1>127.0.0.1:{http}", text)
    text = re.sub(r"(DirsAllowed\s*=\s*)(.*)", rf"\g<1>\g<2>, {folder}", text)
    for name, value in settings.items():
        section, _, key = name.rpartition(".")
        text = re.sub(rf"(?m)^{re.escape(key)}\s*=.*\n", "", text)
        header = f"[{section or 'Parameters'}]\n"
        assert header in text, f"virtuoso.ini has no {header.strip()} section"
        text = text.replace(header, f"{header}{key} = {value}\n", 1)
    ini = folder / "virtuoso.ini"
    ini.write_text(text, encoding="utf-8")
    return ini


def _wait_http(url: str, process: subprocess.Popen, seconds: float = 180) -> None:
    """Wait until ``url`` answers (any HTTP status), or fail if the server exits first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the store exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"the store did not answer at {url}") from None
            time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (Virtuoso checkpoints before it exits), then SIGKILL after a minute."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def query(target: Store, text: str) -> dict:
    """Run a SPARQL query on the store's query endpoint; its JSON results."""
    data = urllib.parse.urlencode({"query": text}).encode()
    request = urllib.request.Request(
        target.query_url, data=data, headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=3600) as response:
        return json.load(response)


def count(target: Store, graph: str) -> int:
    """The triple count of a named graph (0 if it does not exist)."""
    answer = query(target, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(answer["results"]["bindings"][0]["n"]["value"])


def holds(target: Store, graph: str, line: str) -> bool:
    """Whether ``graph`` holds the triple of an N-Triples ``line`` (IRIs only)."""
    return bool(query(target, f"ASK {{ GRAPH <{graph}> {{ {line} }} }}")["boolean"])


def _rss_kb(pid: int) -> int:
    """The resident memory of a process, in KiB (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler:
    """Samples a store's RSS in a thread while a run lasts: its peak and its last value.

    A store past its memory cap is killed (SIGKILL), so that a store that holds a whole
    transaction in memory cannot push the machine into swapping or the OOM killer; the run
    then fails and says so."""

    def __init__(self, target: Store) -> None:
        self.target = target
        self.pid = target.process.pid
        self.peak = self.last = _rss_kb(self.pid)
        self.samples: list[tuple[float, int]] = []  # (time.monotonic(), KiB)
        self.capped = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.wait(SAMPLE_EVERY):
            self.last = _rss_kb(self.pid)
            self.peak = max(self.peak, self.last)
            self.samples.append((time.monotonic(), self.last))
            if self.last > self.target.cap_kb and not self.capped:
                self.capped = True
                self.target.process.kill()

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.last = _rss_kb(self.pid)
        self.peak = max(self.peak, self.last)

    def peak_between(self, start: float, end: float) -> int:
        """The highest sample taken between two ``time.monotonic()`` readings."""
        return max((kb for at, kb in self.samples if start <= at <= end), default=0)


def _folder_mb(folder: Path) -> float:
    """The store's database size on disk."""
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return total / MIB


###################################################################################
# One run of a client: treatykg load or curl
###################################################################################


@dataclasses.dataclass
class Run:
    """What one client run measured."""

    what: str  # "treatykg load", "reload after the kill", "naive PUT"
    chunk: int | None
    seconds: float = 0.0
    exit: int | None = None
    loader_kb: int = 0  # the client's peak RSS (and its children's)
    store_peak_kb: int = 0
    store_end_kb: int = 0
    store_mb: float = 0.0
    triples: int = 0  # sent
    stored: int | None = None  # read back from the store
    phases: dict[str, float] = dataclasses.field(default_factory=dict)
    #: The store's peak while the chunks were staged, and during the swap.
    store_phase_kb: tuple[int, int] | None = None
    killed_at: int | None = None  # triples staged (or moved in) when SIGKILL was sent
    resumed: bool = False  # finished a chunked swap an interrupted load left, staging nothing
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.exit == 0 and not self.error and self.stored == self.triples


def treatykg_command() -> list[str]:
    """The ``treatykg`` console script beside this Python, as a user runs it."""
    exe = Path(sys.executable).with_name("treatykg")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "treatykg.cli"]


@dataclasses.dataclass
class Finished:
    """How a client process ended."""

    started: float  # time.monotonic()
    seconds: float
    exit: int
    peak_kb: int  # ``os.wait4``: the high-water mark of the process and its waited children
    lines: list[tuple[float, str]]  # stderr, with the seconds since the start of each line
    stdout: str
    killed_at: int | None  # triples staged when it was sent SIGKILL


def run_client(
    command: list[str],
    env: dict[str, str] | None = None,
    kill_at: float = 0.0,
    kill_on: re.Pattern[str] = _STAGED,
) -> Finished:
    """Run a client to its end, or SIGKILL it once ``kill_at`` of the dump is staged (or
    moved in, with ``kill_on=_MOVED``): its progress lines say so, at most once a second,
    after a chunk's request."""
    with tempfile.TemporaryFile() as out:
        started = time.monotonic()
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
        )
        lines: list[tuple[float, str]] = []
        killed: list[int] = []  # the triples staged when it was killed

        def read() -> None:
            assert process.stderr is not None
            for raw in process.stderr:
                line = raw.decode("utf-8", "replace").rstrip()
                lines.append((time.monotonic() - started, line))
                staged = kill_on.search(line)
                if kill_at and staged and not killed:
                    sent, total = (int(g.replace(",", "")) for g in staged.groups())
                    if kill_at * total <= sent < total:
                        os.kill(process.pid, signal.SIGKILL)
                        killed.append(sent)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        _, status, usage = os.wait4(process.pid, 0)  # Popen.wait would not give the rusage
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        reader.join()
        assert process.stderr is not None
        process.stderr.close()
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    killed_at = killed[0] if killed else None
    return Finished(started, seconds, process.returncode, usage.ru_maxrss, lines, stdout, killed_at)


def load(
    target: Store,
    build: Path,
    chunk: int,
    what: str,
    options: list[str],
    kill_at: float = 0.0,
    kill_on: re.Pattern[str] = _STAGED,
) -> Run:
    """``treatykg load`` of ``build`` into ``target``'s release graph, measured; ``options``
    are more of its options (``--swap``, ``--atomic-limit``)."""
    command = [*treatykg_command(), "load", *target.load_options(), "--build", str(build)]
    command += ["--chunk-size", str(chunk), *options]
    env = {"TREATYKG_ENDPOINT_PASSWORD": VIRTUOSO_PASSWORD} if target.kind == "virtuoso" else {}
    run = Run(what, chunk)
    with Sampler(target) as sampler:
        done = run_client(command, env, kill_at, kill_on)
    run.seconds, run.exit, run.loader_kb = done.seconds, done.exit, done.peak_kb
    run.killed_at = done.killed_at
    run.store_peak_kb, run.store_end_kb = sampler.peak, sampler.last
    lines = done.lines
    run.phases = _phases(lines, run.seconds)
    run.resumed = any("finishing its swap" in line for _, line in lines)
    if "staging" in run.phases:
        staged = done.started + run.phases["check"]
        swap = staged + run.phases["staging"]
        run.store_phase_kb = (
            sampler.peak_between(staged, swap),
            sampler.peak_between(swap, swap + run.phases.get("swap", 0.0)),
        )
    run.triples = _total(lines)
    stored = _STORED.search(done.stdout)
    run.stored = int(stored.group(2).replace(",", "")) if stored else None
    if run.exit != 0 and run.killed_at is None:
        run.error = lines[-1][1] if lines else f"exit {run.exit}"  # its one line, whole
    if sampler.capped:
        run.error = f"the store was killed past the {_mb(target.cap_kb)} MB cap; {run.error}"
    return run


def _total(lines: list[tuple[float, str]]) -> int:
    for _, line in lines:
        found = re.search(r"([\d,]+) triples in \d+ graph", line)
        if found:
            return int(found.group(1).replace(",", ""))
    return 0


def _phases(lines: list[tuple[float, str]], end: float) -> dict[str, float]:
    """The phases of a load from the times its progress lines arrived: start-up, the checking
    pass and emptying the staging graph; the staging POSTs; the swap (a chunked one: deleting
    the old triples, then moving the staged ones in); the count read back. A chunked load
    that finishes an interrupted swap has no staging."""
    marks: dict[str, float] = {}
    for at, line in lines:
        if "well-formed; staging" in line:
            marks["checked"] = at
        elif "finishing its swap" in line:
            marks["checked"] = marks["swapping"] = at
        elif " in with one update" in line or " in chunk by chunk" in line:
            marks["swapping"] = at
        elif "old triples deleted (100%)" in line:
            marks["cleared"] = at
        elif line.endswith("swapped in"):
            marks["swapped"] = at
    phases: dict[str, float] = {}
    if "checked" in marks:
        phases["check"] = marks["checked"]
        phases["staging"] = marks.get("swapping", end) - marks["checked"]
    if "swapping" in marks:
        phases["swap"] = marks.get("swapped", end) - marks["swapping"]
        if "cleared" in marks:
            phases["delete"] = marks["cleared"] - marks["swapping"]
    if "swapped" in marks:
        phases["count"] = end - marks["swapped"]
    return phases


def naive_put(target: Store, dump: Path, graph: str, triples: int, seconds: float) -> Run:
    """The naive peer: the whole dump in one Graph Store PUT (curl), then the count."""
    run = Run("naive PUT (curl)", None, triples=triples)
    with Sampler(target) as sampler:
        done = run_client(target.put_command(dump, graph, seconds))
    run.seconds, run.exit, run.loader_kb = done.seconds, done.exit, done.peak_kb
    run.store_peak_kb, run.store_end_kb = sampler.peak, sampler.last
    if run.exit == CURL_TIMED_OUT:
        run.error = f"cut off after {seconds:g} s (--naive-timeout)"
    elif run.exit != 0:
        run.error = " ".join([done.stdout, *(line for _, line in done.lines)]).strip()[-500:]
    if sampler.capped:
        run.error = f"the store was killed past the {_mb(target.cap_kb)} MB cap; {run.error}"
    elif run.exit == 0:
        try:
            run.stored = count(target, graph)
        except (OSError, ValueError) as error:
            run.error = f"the store stopped answering: {error}"
    return run


###################################################################################
# Builds, probes and the kill check
###################################################################################


def dump_of(build: Path) -> Path:
    """The dump ``treatykg load`` sends: ``treatykg.nq``, else ``treatykg.nt``."""
    quads = build / "treatykg.nq"
    return quads if quads.is_file() else build / "treatykg.nt"


def probe_lines(dump: Path, n: int = PROBES) -> list[str]:
    """Up to ``n`` triples of ``dump`` with IRIs only (no blank node, no literal, which a store
    may normalise), read at evenly spread offsets: cheap at any size."""
    found: list[str] = []
    size = dump.stat().st_size
    with dump.open("rb") as handle:
        for i in range(n):
            handle.seek(size * i // n)
            if i:
                handle.readline()  # the rest of a line cut by the seek
            for _ in range(10_000):
                raw = handle.readline()
                if not raw:
                    break
                line = raw.decode("utf-8").strip()
                fields = line.split(" ")
                if len(fields) == 4 and all(f.startswith("<") for f in fields[:3]):
                    found.append(line)
                    break
    return sorted(set(found))


def derived_build(build: Path, folder: Path) -> Path:
    """A build B for the kill check when only one is given: every other triple of A with its
    subject renamed, so that B has half A's triples and none of A's."""
    folder.mkdir(parents=True, exist_ok=True)
    namespace = "<https://w3id.org/treatykg/"
    with dump_of(build).open("rb") as source, (folder / "treatykg.nt").open("wb") as out:
        for number, raw in enumerate(source):
            if number % 2 == 0:
                if raw.startswith(namespace.encode()):
                    raw = b"<https://example.org/kill-check/" + raw[len(namespace) :]
                out.write(raw)
    return folder


@dataclasses.dataclass
class KillCheck:
    """The kill mid-load: what the target held afterwards, and the load of B that followed."""

    a: str
    b: str
    a_triples: int
    b_triples: int = 0
    killed_at: int | None = None
    exit: int | None = None
    target_after: int = 0
    a_probes: tuple[int, int] = (0, 0)  # still there, of
    b_probes: tuple[int, int] = (0, 0)  # absent (as they must be), of
    staging_left: int = 0
    reload: Run | None = None
    after_reload: int = 0
    staging_after_reload: int = 0
    b_probes_after: int = 0
    error: str = ""
    swap_kill: SwapKill | None = None  # --swap chunked: then A killed mid-swap over B

    @property
    def intact(self) -> bool:
        """The target is A's, exactly, after the kill."""
        return (
            self.killed_at is not None
            and self.target_after == self.a_triples
            and self.a_probes[0] == self.a_probes[1]
            and self.b_probes[0] == self.b_probes[1]
        )

    @property
    def recovered(self) -> bool:
        """The next load of B succeeded and left no staging graph."""
        return (
            self.reload is not None
            and self.reload.ok
            and self.after_reload == self.b_triples
            and self.staging_after_reload == 0
            and self.b_probes_after == self.b_probes[1]
        )


@dataclasses.dataclass
class SwapKill:
    """A chunked load of A over B killed mid-swap: the target then (incomplete, flagged by its
    journal), and the same load run again, which must finish the swap."""

    killed_at: int | None = None  # triples moved in when SIGKILL was sent
    target_after: int = 0
    flagged: bool = False  # the journal says the target is incomplete
    resume: Run | None = None
    resumed: bool = False  # the rerun said it finished the swap (no staging)
    after_resume: int = 0
    a_probes_after: tuple[int, int] = (0, 0)
    left_after_resume: int = 0  # staging and journal triples
    error: str = ""

    def finished(self, a_triples: int) -> bool:
        return (
            self.resume is not None
            and self.resume.ok
            and self.resumed
            and self.after_resume == a_triples
            and self.a_probes_after[0] == self.a_probes_after[1]
            and self.left_after_resume == 0
        )


def kill_check(
    target: Store, a: Path, a_run: Run, b: Path, chunk: int, at: float, options: list[str]
) -> KillCheck:
    """With A loaded in ``target``, kill a load of B mid-staging and check what is left; then
    load B whole; with ``--swap chunked``, then kill a load of A mid-swap and run it again.
    A store that stops answering (e.g. killed at its memory cap) ends it."""
    check = KillCheck(str(a), str(b), a_run.stored or 0)
    try:
        _kill_and_check(target, check, chunk, at, options)
        if "chunked" in options and check.recovered:
            check.swap_kill = SwapKill()
            _kill_mid_swap(target, check, chunk, at, options)
    except (OSError, ValueError) as error:  # urllib's errors are OSErrors
        if check.swap_kill is not None:
            check.swap_kill.error = f"the store stopped answering: {error}"
        else:
            check.error = f"the store stopped answering: {error}"
    return check


def _kill_mid_swap(
    target: Store, check: KillCheck, chunk: int, at: float, options: list[str]
) -> None:
    """B is loaded: kill a chunked load of A once ``at`` of it is moved in; run it again."""
    from treatykg.sparql.remote import INCOMPLETE, journal_graph, staging_graph

    swap = check.swap_kill
    assert swap is not None
    a = Path(check.a)
    a_probes = probe_lines(dump_of(a))
    killed = load(target, a, chunk, "killed mid-swap", options, at, _MOVED)
    swap.killed_at = killed.killed_at
    if killed.killed_at is None:
        swap.error = f"not killed mid-swap (exit {killed.exit}, {killed.error or 'finished'})"
        return
    swap.target_after = count(target, GRAPH)
    flag = f"ASK {{ GRAPH <{journal_graph(GRAPH)}> {{ <{GRAPH}> <{INCOMPLETE}> true }} }}"
    swap.flagged = bool(query(target, flag)["boolean"])
    _say(
        f"  killed mid-swap at {killed.killed_at:,} moved of {killed.triples:,}: target "
        f"{swap.target_after:,}, flagged incomplete: {swap.flagged}; loading A again…"
    )
    swap.resume = load(target, a, chunk, "rerun after the mid-swap kill", options)
    swap.resume.store_mb = _folder_mb(target.folder)
    swap.resumed = swap.resume.resumed
    swap.after_resume = count(target, GRAPH)
    swap.a_probes_after = (sum(holds(target, GRAPH, line) for line in a_probes), len(a_probes))
    swap.left_after_resume = count(target, staging_graph(GRAPH))
    swap.left_after_resume += count(target, journal_graph(GRAPH))


def _kill_and_check(
    target: Store, check: KillCheck, chunk: int, at: float, options: list[str]
) -> None:
    from treatykg.sparql.remote import staging_graph

    staging = staging_graph(GRAPH)
    a, b = Path(check.a), Path(check.b)
    a_probes = [line for line in probe_lines(dump_of(a)) if holds(target, GRAPH, line)]
    b_probes = [line for line in probe_lines(dump_of(b)) if not holds(target, GRAPH, line)]
    _say(f"  kill check: {len(a_probes)} probes of A, {len(b_probes)} of B not in A")
    killed = load(target, b, chunk, "killed load", options, kill_at=at)
    check.killed_at, check.exit, check.b_triples = killed.killed_at, killed.exit, killed.triples
    if killed.killed_at is None:
        check.error = f"not killed mid-load (exit {killed.exit}, {killed.error or 'finished'})"
        return
    check.target_after = count(target, GRAPH)
    check.a_probes = (sum(holds(target, GRAPH, line) for line in a_probes), len(a_probes))
    check.b_probes = (sum(not holds(target, GRAPH, line) for line in b_probes), len(b_probes))
    check.staging_left = count(target, staging)
    _say(
        f"  killed at {killed.killed_at:,} of {killed.triples:,}: target {check.target_after:,}"
        f" (A {check.a_triples:,}), staging left {check.staging_left:,}; loading B again…"
    )
    check.reload = load(target, b, chunk, "reload after the kill", options)
    check.reload.store_mb = _folder_mb(target.folder)
    check.after_reload = count(target, GRAPH)
    check.staging_after_reload = count(target, staging)
    check.b_probes_after = sum(holds(target, GRAPH, line) for line in b_probes)


###################################################################################
# Per store
###################################################################################


@dataclasses.dataclass
class Settings:
    """The command line, checked."""

    builds: list[Path]
    chunks: list[int]
    kill: bool
    kill_at: float
    naive: bool
    naive_timeout: float
    virtuoso: dict[str, str]  # [Parameters] entries set in virtuoso.ini
    cap_mb: int
    work: Path
    load_options: list[str]  # --swap, --atomic-limit
    other: Path | None  # build B of the kill checks


@dataclasses.dataclass
class BuildResult:
    """Every run of one build into one kind of store."""

    build: Path
    triples: int
    runs: list[Run]
    kill: KillCheck | None


def measure_store(kind: str, settings: Settings) -> list[BuildResult]:
    """Every run of every build into fresh instances of one store."""
    return [measure_build(kind, settings, index) for index in range(len(settings.builds))]


def fresh(kind: str, settings: Settings) -> contextlib.AbstractContextManager[Store]:
    """A new, empty store of this kind."""
    return store(kind, settings.work / f"{kind}-store", settings.virtuoso, settings.cap_mb)


def measure_build(kind: str, settings: Settings, index: int) -> BuildResult:
    """``treatykg load`` of one build per chunk size (the kill check after the first), then
    the naive PUT."""
    build = settings.builds[index]
    runs: list[Run] = []
    check = None
    for number, chunk in enumerate(settings.chunks):
        with fresh(kind, settings) as target:
            _say(f"{kind}: treatykg load {build} --chunk-size {chunk}…")
            run = load(target, build, chunk, "treatykg load", settings.load_options)
            run.store_mb = _folder_mb(target.folder)
            runs.append(run)
            _say(f"{kind}: {_brief(run)}")
            if number == 0 and settings.kill and run.ok:
                other = settings.other or settings.builds[(index + 1) % len(settings.builds)]
                if other == build:
                    _say(f"{kind}: deriving build B from {build} for the kill check…")
                    other = derived_build(build, settings.work / "kill-b")
                check = kill_check(
                    target, build, run, other, chunk, settings.kill_at, settings.load_options
                )
                shutil.rmtree(settings.work / "kill-b", ignore_errors=True)
                if check.reload is not None:
                    runs.append(check.reload)
                    _say(f"{kind}: {_brief(check.reload)}")
                if check.swap_kill is not None and check.swap_kill.resume is not None:
                    runs.append(check.swap_kill.resume)
                    _say(f"{kind}: {_brief(check.swap_kill.resume)}")
    dump = build / "treatykg.nt"
    if settings.naive and dump.is_file():
        with fresh(kind, settings) as target:
            _say(f"{kind}: naive PUT of {dump}…")
            run = naive_put(target, dump, GRAPH, runs[0].triples, settings.naive_timeout)
            run.store_mb = _folder_mb(target.folder)
            runs.append(run)
            _say(f"{kind}: {_brief(run)}")
    return BuildResult(build, runs[0].triples, runs, check)


###################################################################################
# Report
###################################################################################


def _mb(kb: int) -> str:
    return f"{kb / 1024:,.0f}"


def _brief(run: Run) -> str:
    state = "ok" if run.ok else f"FAILED ({run.error or f'exit {run.exit}, stored {run.stored}'})"
    return (
        f"{run.what}: {run.seconds:.1f} s, client peak {_mb(run.loader_kb)} MB, "
        f"store peak {_mb(run.store_peak_kb)} MB, {state}"
    )


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _size(triples: int) -> str:
    if triples >= 1_000_000:
        return f"{triples / 1_000_000:.2f}M"
    return f"{triples / 1000:.0f}k"


def store_table(kind: str, results: list[BuildResult]) -> list[str]:
    """One row per run: time, rate, phases, the client's and the store's memory, the result."""
    lines = [
        f"### {kind}",
        "",
        "| build | triples | run | chunk | wall s | triples/s | check s | staging s | swap s "
        "(delete) | count s | client peak MB | store peak MB (staging / swap) "
        "| store RSS end MB | store disk MB | result |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for run in result.runs:
            phases = [
                f"{run.phases[name]:.1f}" if name in run.phases else "–"
                for name in ("check", "staging", "swap", "count")
            ]
            if "delete" in run.phases:
                phases[2] += f" ({run.phases['delete']:.1f})"
            rate = f"{run.triples / run.seconds:,.0f}" if run.ok and run.seconds else "–"
            if run.ok:
                state = f"{run.stored:,} stored"
            else:
                state = f"FAILED: {run.error or f'exit {run.exit}, stored {run.stored}'}"
            state = _cell(state)
            store_peak = _mb(run.store_peak_kb)
            if run.store_phase_kb:
                store_peak += f" ({' / '.join(_mb(kb) for kb in run.store_phase_kb)})"
            lines.append(
                f"| {result.build.name} | {_size(run.triples)} | {run.what} | "
                f"{run.chunk or '–'} | {run.seconds:.1f} | {rate} | {' | '.join(phases)} | "
                f"{_mb(run.loader_kb)} | {store_peak} | {_mb(run.store_end_kb)} | "
                f"{run.store_mb:,.0f} | {state} |"
            )
    return [*lines, ""]


def kill_table(kind: str, results: list[BuildResult]) -> list[str]:
    """The kill checks: what the target held after SIGKILL, and whether B then loaded."""
    checks = [r.kill for r in results if r.kill is not None]
    if not checks:
        return []
    lines = [
        f"kill mid-load, {kind}: build A loaded, a load of B killed (SIGKILL) mid-staging",
        "",
        "| A | B | killed at | target after the kill | A probes there | B probes absent "
        "| staging left | target | next load of B |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        a, b = Path(c.a).name, Path(c.b).name
        if c.killed_at is None:
            lines.append(f"| {a} | {b} | {_cell(c.error)} | – | – | – | – | NOT CHECKED | – |")
            continue
        killed = f"{c.killed_at:,} of {c.b_triples:,} staged"
        if c.recovered:
            reload = f"ok: {c.after_reload:,}, no staging graph, B probes {c.b_probes_after}"
            reload += f"/{c.b_probes[1]}"
        else:
            why = c.error or (c.reload.error if c.reload else "") or "counts differ"
            reload = f"FAILED (then the target held {c.after_reload:,}, the staging graph "
            reload += f"{c.staging_after_reload:,}): {_cell(why)}"
        lines.append(
            f"| {a} ({c.a_triples:,}) | {b} | {killed} | {c.target_after:,} | "
            f"{c.a_probes[0]}/{c.a_probes[1]} | {c.b_probes[0]}/{c.b_probes[1]} | "
            f"{c.staging_left:,} | {'intact' if c.intact else 'NOT INTACT'} | {reload} |"
        )
    return [*lines, "", *swap_kill_table(kind, checks)]


def swap_kill_table(kind: str, checks: list[KillCheck]) -> list[str]:
    """The kills mid-swap (chunked): the target flagged incomplete, and the rerun that
    finished the swap."""
    rows = [(c, c.swap_kill) for c in checks if c.swap_kill is not None]
    if not rows:
        return []
    lines = [
        f"kill mid-swap, {kind} (--swap chunked): B loaded, a load of A killed (SIGKILL) while "
        "its staged triples were moved in, then the same load run again",
        "",
        "| A | B | killed at | target after the kill | flagged incomplete | rerun "
        "| rerun s | A count, probes after | staging + journal left | result |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c, swap in rows:
        a, b = Path(c.a).name, Path(c.b).name
        if swap.killed_at is None or swap.resume is None:
            lines.append(
                f"| {a} | {b} | {_cell(swap.error)} | – | – | – | – | – | – | NOT CHECKED |"
            )
            continue
        rerun = "finished the swap, staged nothing" if swap.resumed else "loaded anew"
        if not swap.resume.ok:
            rerun = f"FAILED: {_cell(swap.resume.error or f'exit {swap.resume.exit}')}"
        result = "finished" if swap.finished(c.a_triples) else "NOT FINISHED"
        if not swap.flagged:
            result += ", NOT FLAGGED"
        lines.append(
            f"| {a} ({c.a_triples:,}) | {b} | {swap.killed_at:,} of {c.a_triples:,} moved in | "
            f"{swap.target_after:,} | {'yes' if swap.flagged else 'no'} | {rerun} | "
            f"{swap.resume.seconds:.1f} | {swap.after_resume:,}, "
            f"{swap.a_probes_after[0]}/{swap.a_probes_after[1]} | "
            f"{swap.left_after_resume:,} | {result} |"
        )
    return [*lines, ""]


def memory_lines(kind: str, results: list[BuildResult], chunks: list[int]) -> list[str]:
    """The loader's peak per chunk size across builds: bounded by the chunk, not the dump."""
    lines = []
    for chunk in chunks:
        points = [
            (r.triples, run.loader_kb)
            for r in results
            for run in r.runs
            if run.what == "treatykg load" and run.chunk == chunk and run.ok
        ]
        if not points:
            continue
        points.sort()
        peaks = ", ".join(f"{_mb(kb)} MB at {_size(n)}" for n, kb in points)
        line = f"- {kind}, chunk {chunk:,}: loader peak {peaks}"
        if len(points) > 1:
            (n1, m1), (n2, m2) = points[0], points[-1]
            line += f" (dump ×{n2 / n1:.1f}, peak ×{m2 / m1:.2f})"
        lines.append(line)
    return lines


def header(settings: Settings, argv: list[str]) -> list[str]:
    """The command, the machine, the stores' versions and the code measured."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    oxigraph = subprocess.run([oxigraph_exe(), "--version"], capture_output=True, text=True)
    virtuoso = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "virtuoso-opensource-7-bin"],
        capture_output=True,
        text=True,
    )
    described = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    ini = ", ".join(f"{key} = {value}" for key, value in settings.virtuoso.items())
    ini = ini or "Debian's virtuoso.ini"
    loading = " ".join(settings.load_options) or "--swap atomic"
    return [
        f"bench_load {dt.date.today().isoformat()}: "
        f"`python benchmarks/bench_load.py {' '.join(argv)}`",
        "",
        f"machine: {os.cpu_count()} cores, {memory:.0f} GiB RAM, Python "
        f"{platform.python_version()}; {oxigraph.stdout.strip() or 'oxigraph ?'}, Virtuoso "
        f"{virtuoso.stdout.strip() or '?'} ({ini}); treatykg git "
        f"{described.stdout.strip() or '?'}; treatykg load {loading}",
        "",
        "MB are MiB. client peak: the high-water mark of `treatykg load` (or curl) and its "
        "children; store peak: the server's RSS sampled every 0.1 s (killed past "
        f"{settings.cap_mb:,} MB); a fresh store per row except the reload after the kill, "
        "which replaces A in the store of the row above it.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--build",
        action="append",
        type=Path,
        required=True,
        metavar="DIR",
        help="a release directory (treatykg.nq or treatykg.nt); repeat for several sizes",
    )
    parser.add_argument("--stores", default=",".join(STORES), help="oxigraph,virtuoso (both)")
    parser.add_argument(
        "--chunk-sizes",
        default="50000,200000",
        metavar="LIST",
        help="treatykg load --chunk-size values, one load each (default 50000,200000)",
    )
    parser.add_argument("--no-kill", action="store_true", help="skip the kill mid-load check")
    parser.add_argument(
        "--other",
        type=Path,
        metavar="DIR",
        help="build B of the kill checks, not measured itself (default: the next --build)",
    )
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.4,
        metavar="SHARE",
        help="SIGKILL the load of B once this share of it is staged (default 0.4)",
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the naive one-PUT peer")
    parser.add_argument(
        "--naive-timeout",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="give up the naive PUT after this long (default 1800)",
    )
    parser.add_argument(
        "--virtuoso-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a [Parameters] entry of virtuoso.ini, e.g. TransactionAfterImageLimit=2000000000, "
        "or SECTION.KEY=VALUE, e.g. SPARQL.MaxQueryExecutionTime=600 (repeat for several; "
        "default: Debian's virtuoso.ini as it is)",
    )
    parser.add_argument(
        "--swap",
        choices=("atomic", "chunked"),
        default="atomic",
        help="treatykg load --swap (default atomic); chunked adds the kill mid-swap check",
    )
    parser.add_argument(
        "--atomic-limit",
        metavar="TRIPLES",
        help="treatykg load --atomic-limit (default: its own, 1,000,000 on Oxigraph's server)",
    )
    parser.add_argument(
        "--store-memory-cap",
        type=int,
        default=HALF_THE_RAM,
        metavar="MIB",
        help=f"kill a store whose RSS grows past this (default half the RAM: {HALF_THE_RAM})",
    )
    parser.add_argument(
        "--work",
        type=Path,
        metavar="DIR",
        help="where the stores' databases go (a temporary folder inside DIR; default: TMPDIR)",
    )
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report")
    args = parser.parse_args(argv)
    arguments = sys.argv[1:] if argv is None else argv
    kinds = [kind.strip() for kind in args.stores.split(",") if kind.strip()]
    if not kinds or set(kinds) - set(STORES):
        parser.error(f"--stores: choose among {', '.join(STORES)}")
    if "virtuoso" in kinds and virtuoso_exe() is None:
        parser.error("virtuoso-t is not installed: apt-get install -y virtuoso-opensource")
    try:
        chunks = [int(part) for part in args.chunk_sizes.split(",") if part.strip()]
    except ValueError:
        parser.error("--chunk-sizes: numbers separated by commas")
    if not chunks or min(chunks) < 1 or not 0 < args.kill_at < 1:
        parser.error("--chunk-sizes must be positive, --kill-at between 0 and 1")
    entries = [entry.partition("=") for entry in args.virtuoso_set]
    if any(not key.strip() or not sign for key, sign, _ in entries):
        parser.error("--virtuoso-set: KEY=VALUE")
    virtuoso = {key.strip(): value.strip() for key, _, value in entries}
    for build in [*args.build, *([args.other] if args.other else [])]:
        if not dump_of(build).is_file():
            parser.error(f"{build}: not a build (no treatykg.nq or treatykg.nt)")
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench_load-", dir=args.work) as work:
        settings = Settings(
            builds=args.build,
            chunks=chunks,
            kill=not args.no_kill,
            kill_at=args.kill_at,
            naive=not args.no_naive,
            naive_timeout=args.naive_timeout,
            virtuoso=virtuoso,
            cap_mb=args.store_memory_cap,
            work=Path(work),
            other=args.other,
            load_options=["--swap", args.swap]
            + (["--atomic-limit", args.atomic_limit] if args.atomic_limit else []),
        )
        report = header(settings, arguments)
        print("\n".join(report), flush=True)
        memory: list[str] = []
        for kind in kinds:
            results = measure_store(kind, settings)
            lines = store_table(kind, results) + kill_table(kind, results)
            print("\n".join(lines), flush=True)
            report += lines
            memory += memory_lines(kind, results, chunks)
            if args.markdown:  # a long run leaves its finished stores behind
                write(args.markdown, [*report, *_memory_section(memory)])
        print("\n".join(_memory_section(memory)), flush=True)
        if args.markdown:
            write(args.markdown, [*report, *_memory_section(memory)])
    return 0


def _memory_section(memory: list[str]) -> list[str]:
    if not memory:
        return []
    return ["loader peak memory per chunk size, smallest to largest build:", "", *memory, ""]


def write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
