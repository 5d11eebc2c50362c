"""Benchmark ``treatykg serve`` under load, next to Oxigraph's own server on the same data.

Usage: python benchmarks/bench_serve.py [--seconds 10] [--connections 16] [--quick]
       python benchmarks/bench_serve.py --soak SECONDS [--soak-servers treatykg,oxigraph]
       python benchmarks/bench_serve.py --build DIST [--workers 2] [--repeat 5]

Builds a release into a temporary directory, starts ``treatykg serve -q`` on it and
``oxigraph serve-read-only`` on its ``treatykg.nt``, and lets ``wrk`` (apt-get install wrk)
hammer one URL at a time with N concurrent connections: a resource IRI dereferenced to
Turtle (the 303), the treaty's Turtle, JSON-LD and HTML documents, the index page, and every
bundled query (federated ones excepted) as ``GET …?query=`` for SPARQL JSON results, sent
identically to treatykg's ``/sparql`` and Oxigraph's ``/query``. Each URL gets one request
first, so that the documents and query caches are warm and only steady-state serving is
measured. Oxigraph is the reference for queries because it runs the same engine
(pyoxigraph is Oxigraph), without the Python web stack around it: the ratio shows what
treatykg's endpoint costs on top of the engine.

treatykg answers a repeated query from its answer cache (exact: the data never changes while
it serves). So that the table also shows what a *new* query costs, every query is sent as
well to a second ``treatykg serve --query-cache 0``, whose every request runs in a worker
("uncached" columns).

Targets: pages and RDF documents at least 1,000 requests/s, queries at least half of
Oxigraph's rate, and a 99th-percentile latency under 50 ms, at 16 clients. wrk, the servers
and the benchmark share the machine, so compare rows within one run. Nothing here is a test.

``--soak SECONDS`` (issue 14) measures something else, and needs no wrk: 16 normal clients
(dereferences, pages, documents, bundled queries, ``ASK {}``) while 4 hostile clients cycle a
catalogue of hostile requests (``benchmarks/soak.py``), against ``treatykg serve -q``,
``treatykg serve -q --query-cache 0`` and ``oxigraph serve-read-only`` in turn, one after the
other; per server: the normal clients' errors and latency per kind, the server's peak memory,
worker restarts and deaths, and how the hostile requests were answered. Target: no error and
p99 ≤ 100 ms for every normal kind. ``tests/web/test_soak.py`` runs 10 s of it.

``--build DIST`` (issue 17) measures serving a given build, large ones included, and needs no
wrk: it starts ``treatykg serve --build DIST`` and reports the start time (to the first answer
of ``ASK {}`` at ``/sparql``), the total RSS of the server's process tree (the server and every
query process, summed ``VmRSS``; PSS beside it) when ready, once the start-up warm-up has ended
(the tree idle for 2 s) and at its peak, and per bundled query the p50/p99 of ``--repeat``
uncached runs (a comment makes each text new, so that neither the warmed answers nor the cache
answer it) with the status codes seen, and one warmed (cached) request. A query that runs out
of time twice is not tried again. ``--serve-option`` passes more options to ``treatykg serve``
(``--serve-option=--store=DIR``).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from servers import oxigraph_server, treatykg_server  # tests/servers.py starts both servers

PAGE_TARGET = 1000.0  # requests/s for a page or an RDF document
QUERY_RATIO_TARGET = 0.5  # treatykg's rate / Oxigraph's, per query
P99_TARGET_MS = 50.0

TREATY = "/eli/treaty/2024/csp"
SPARQL_JSON = "application/sparql-results+json"

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class Load:
    """What wrk measured for one URL."""

    rate: float  # requests/s
    p50: float  # ms
    p99: float  # ms
    refused: int  # responses other than 2xx/3xx
    broken: int  # socket errors: connect, read, write, timeout (no answer within 10 s)

    @property
    def errors(self) -> int:
        return self.refused + self.broken

    def cells(self) -> str:
        """Three table cells; a row with errors says so in front of its (suspect) numbers."""
        rate = f"{self.rate:,.0f}"
        if self.errors:
            kinds = [f"{self.refused} non-2xx/3xx"] if self.refused else []
            kinds += [f"{self.broken} socket errors"] if self.broken else []
            rate = f"ERRORS ({', '.join(kinds)}) {rate}"
        return f"{rate} | {self.p50:.2f} | {self.p99:.2f}"


@dataclass(frozen=True)
class Target:
    """One row: a path on treatykg, and the same request on Oxigraph if it has one."""

    name: str
    path: str
    accept: str
    oxigraph_path: str | None = None


def targets() -> list[Target]:
    """The rows of the table, in the order of the brief: documents first, then queries."""
    from treatykg.sparql import catalogue

    rows = [
        Target("dereference (303, Turtle)", TREATY, "text/turtle"),
        Target("Turtle document", f"{TREATY}.ttl", "text/turtle"),
        Target("JSON-LD document", f"{TREATY}.jsonld", "application/ld+json"),
        Target("HTML resource page", f"{TREATY}.html", "text/html"),
        Target("index page", "/", "text/html"),
    ]
    for item in catalogue.bundled():
        if item.name.startswith("federated/"):
            continue
        encoded = urllib.parse.urlencode({"query": item.text}, quote_via=urllib.parse.quote)
        rows.append(
            Target(f"query {item.name}", f"/sparql?{encoded}", SPARQL_JSON, f"/query?{encoded}")
        )
    return rows


def warm(url: str, accept: str) -> int:
    """One request, not following redirects, so that the server's caches are filled; the
    status, so that a broken URL is reported instead of measured."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with opener.open(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wrk(
    url: str,
    accept: str,
    *,
    seconds: int,
    connections: int,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
) -> Load:
    """Run wrk against ``url`` and parse its report; ``headers`` are sent too, and
    ``script`` is a wrk Lua script (another method, such as a preflight's ``OPTIONS``)."""
    threads = max(1, min(2, connections))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"Accept: {accept}",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


def parse_wrk(report: str) -> Load:
    """Requests/s, p50 and p99 in ms, and the error count, from wrk's ``--latency`` output."""
    rate = _RATE.search(report)
    if rate is None:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{report}")
    latency = {
        percent: float(value) * _UNITS_MS[unit] for percent, value, unit in _LATENCY.findall(report)
    }
    if set(latency) != {"50", "99"}:
        raise RuntimeError(f"no 50%/99% latency lines in wrk's output:\n{report}")
    refused = sum(int(count) for count in _NON_2XX.findall(report))
    socket = _SOCKET.search(report)
    broken = sum(int(count) for count in socket.groups()) if socket else 0
    return Load(float(rate.group(1)), latency["50"], latency["99"], refused, broken)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per URL (10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--quick", action="store_true", help="3 s per URL: a smoke run")
    parser.add_argument(
        "--workers", type=int, default=None, help="treatykg serve --workers (its default)"
    )
    parser.add_argument(
        "--soak",
        type=float,
        metavar="SECONDS",
        help="instead: the soak test (issue 14) for this long against each server",
    )
    parser.add_argument(
        "--soak-servers",
        default=",".join(SOAK_SERVERS),
        metavar="LIST",
        help=f"servers to soak, in order (default: {','.join(SOAK_SERVERS)})",
    )
    parser.add_argument(
        "--memory-cap",
        type=float,
        default=4096,
        metavar="MIB",
        help="soak: kill (and restart) a server whose process tree grows past this (4096)",
    )
    parser.add_argument(
        "--build",
        type=Path,
        metavar="DIST",
        help="instead: start time, memory and per-query p50/p99 of serving this build",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, metavar="N", help="--build: runs per bundled query (5)"
    )
    parser.add_argument(
        "--serve-option",
        action="append",
        default=[],
        metavar="OPTION",
        help="--build: one more option for treatykg serve (repeatable)",
    )
    parser.add_argument(
        "--languages",
        action="store_true",
        help="instead: the index and a resource page in each language (issue 20), p50/p99 "
        "at --connections clients next to the English pages, and the static site's build "
        "time in English alone and in the four languages",
    )
    args = parser.parse_args()
    if args.languages:
        run_languages(3 if args.quick else args.seconds, args.connections, args.workers)
        return
    if args.build is not None:
        workers = 2 if args.workers is None else args.workers
        run_build(args.build, workers, args.repeat, args.serve_option)
        return
    if args.soak is not None:
        names = [name.strip() for name in args.soak_servers.split(",") if name.strip()]
        unknown = sorted(set(names) - set(SOAK_SERVERS))
        if unknown or not names or args.soak <= 0:
            parser.error(f"--soak-servers: choose among {', '.join(SOAK_SERVERS)}")
        run_soak(args.soak, names, int(args.memory_cap * 2**20), args.workers)
        return
    seconds = 3 if args.quick else args.seconds
    if shutil.which("wrk") is None:
        sys.exit("bench_serve.py needs wrk, the HTTP load generator: apt-get install wrk")

    from treatykg.publish.build import build

    options = ["-q"] if args.workers is None else ["-q", "--workers", str(args.workers)]
    # wrk's connections all come from one address, which the endpoint would take for one
    # client and run one query at a time for: here they stand for as many clients.
    options += ["--per-client", str(args.connections)]
    rows: list[tuple[Target, Load, Load | None, Load | None]] = []
    with tempfile.TemporaryDirectory(prefix="treatykg-bench-serve-") as temp, ExitStack() as stack:
        out = Path(temp) / "dist"
        build(out)
        ours = stack.enter_context(treatykg_server(out, *options))
        cold = stack.enter_context(treatykg_server(out, *options, "--query-cache", "0"))
        theirs = stack.enter_context(
            oxigraph_server([out / "treatykg.nt"], Path(temp) / "oxigraph-store")
        )
        for target in targets():
            status = warm(ours + target.path, target.accept)
            if status >= 400:
                print(f"warning: {target.name}: treatykg answered {status}", file=sys.stderr)
            load = wrk(
                ours + target.path, target.accept, seconds=seconds, connections=args.connections
            )
            reference = uncached = None
            if target.oxigraph_path is not None:
                warm(cold + target.path, target.accept)
                uncached = wrk(
                    cold + target.path, target.accept, seconds=seconds, connections=args.connections
                )
                warm(theirs + target.oxigraph_path, target.accept)
                reference = wrk(
                    theirs + target.oxigraph_path,
                    target.accept,
                    seconds=seconds,
                    connections=args.connections,
                )
            rows.append((target, load, uncached, reference))
            print(f"  {target.name}: {load.rate:,.0f} req/s", file=sys.stderr)

    print(
        f"treatykg serve vs oxigraph serve-read-only, wrk -c{args.connections} "
        f"-d{seconds}s, after one warm-up request per URL; latency in ms\n"
    )
    print(
        "| target | treatykg req/s | p50 ms | p99 ms | uncached req/s | p50 | p99 "
        "| oxigraph req/s | p50 | p99 | ratio | uncached ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    misses: list[str] = []
    for target, load, uncached, reference in rows:
        if reference is None or uncached is None:
            other, cold, ratio, cold_ratio = "– | – | –", "– | – | –", "–", "–"
        else:
            other, cold = reference.cells(), uncached.cells()
            ratio, cold_ratio = _ratio(load, reference), _ratio(uncached, reference)
        print(f"| {target.name} | {load.cells()} | {cold} | {other} | {ratio} | {cold_ratio} |")
        misses.extend(_misses(target, load, reference))
        if uncached is not None:
            misses.extend(_misses(Target(f"{target.name} uncached", "", ""), uncached, reference))
    verdict = "all targets met" if not misses else "missed: " + "; ".join(misses)
    print(
        f"\ntargets: pages and documents ≥ {PAGE_TARGET:,.0f} req/s, queries ≥ "
        f"{QUERY_RATIO_TARGET}× Oxigraph, p99 < {P99_TARGET_MS:.0f} ms at "
        f"{args.connections} clients — {verdict}"
    )


def run_languages(seconds: int, connections: int, workers: int | None) -> None:
    """``--languages``: the served index and a resource page in each language under load
    (wrk), the English pages being the reference; then ``treatykg site`` timed in English alone
    (the site before issue 20) and in the four languages, in the same run."""
    from treatykg.publish.build import build
    from treatykg.web import documents as documents_module
    from treatykg.web.languages import LANGUAGES, tagged
    from treatykg.web.site import write_site

    if shutil.which("wrk") is None:
        sys.exit("bench_serve.py --languages needs wrk: apt-get install wrk")
    options = ["-q", "--per-client", str(connections)]
    if workers is not None:
        options += ["--workers", str(workers)]
    rows: list[tuple[str, str, Load]] = []
    sites: list[tuple[str, float, int, int]] = []
    with tempfile.TemporaryDirectory(prefix="treatykg-bench-languages-") as temp:
        out = Path(temp) / "dist"
        build(out)
        with treatykg_server(out, *options) as base:
            for language in LANGUAGES:
                for name, stem in (("index", "/index"), ("Article 4", f"{TREATY}/art_4")):
                    path = f"{tagged(stem, language)}.html"
                    if warm(base + path, "text/html") >= 400:
                        sys.exit(f"{path}: the server answered an error")
                    load = wrk(base + path, "text/html", seconds=seconds, connections=connections)
                    rows.append((language, name, load))
                    print(f"  {language} {name}: {load.rate:,.0f} req/s", file=sys.stderr)
        for label, languages in (("English only", ("en",)), ("four languages", LANGUAGES)):
            with contextlib.ExitStack() as stack:
                stack.enter_context(_patched(documents_module, "LANGUAGES", languages))
                started = time.perf_counter()
                result = write_site(out, Path(temp) / f"site-{len(languages)}")
                sites.append((label, time.perf_counter() - started, result.files, result.bytes))
    english = {name: load for language, name, load in rows if language == "en"}
    print(f"treatykg serve, pages by language, wrk -c{connections} -d{seconds}s; latency in ms\n")
    print("| language | page | req/s | p50 ms | p99 ms | p50 / English | p99 / English |")
    print("|---|---|---|---|---|---|---|")
    for language, name, load in rows:
        ref = english[name]
        print(
            f"| {language} | {name} | {load.cells()} | {load.p50 / ref.p50:.2f} "
            f"| {load.p99 / ref.p99:.2f} |"
        )
    print("\n`treatykg site` of the bundled data (pictures drawn with Graphviz)\n")
    print("| pages | seconds | files | MB |")
    print("|---|---|---|---|")
    for label, seconds_taken, files, size in sites:
        print(f"| {label} | {seconds_taken:.1f} | {files:,} | {size / 1e6:.1f} |")
    print(f"\nfour languages / English only: {sites[1][1] / sites[0][1]:.2f}× the time")


@contextlib.contextmanager
def _patched(module: object, name: str, value: object) -> Iterator[None]:
    """``module.name`` set to ``value`` for the block (a benchmark's reference run)."""
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


#: The servers ``--soak`` runs against, by the name ``--soak-servers`` takes.
SOAK_SERVERS = {
    "treatykg": "treatykg serve -q",
    "uncached": "treatykg serve -q --query-cache 0",
    "oxigraph": "oxigraph serve-read-only",
}


@contextlib.contextmanager
def soak_server(name: str, out: Path, scratch: Path, workers: int | None) -> Iterator[object]:
    """Start one of :data:`SOAK_SERVERS` on a build; yield it as a ``soak.Server``."""
    import soak

    if name == "oxigraph":
        scratch.mkdir(parents=True, exist_ok=True)
        store = scratch / "oxigraph-store"
        with oxigraph_server([out / "treatykg.nt"], store) as base:
            yield soak.Server("oxigraph", base, "/query", False, command=SOAK_SERVERS[name])
        return
    options = ["-q"] if workers is None else ["-q", "--workers", str(workers)]
    if name == "uncached":
        options += ["--query-cache", "0"]
    label = "treatykg, no cache" if name == "uncached" else "treatykg"
    with treatykg_server(out, *options) as base:
        yield soak.Server(
            label, base, "/sparql", True, command=f"treatykg serve {' '.join(options)}"
        )


def run_soak(seconds: float, names: list[str], memory_cap: int, workers: int | None) -> None:
    """The soak test against each server in turn; the report on stdout, progress on stderr."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import soak

    from treatykg.publish.build import build

    reports = []
    with tempfile.TemporaryDirectory(prefix="treatykg-bench-soak-") as temp:
        out = Path(temp) / "dist"
        build(out)
        load = soak.workload(out)
        for name in names:
            with soak_server(name, out, Path(temp) / name, workers) as server:
                assert isinstance(server, soak.Server)
                print(f"  {server.name}: checking the workload", file=sys.stderr)
                soak.check_workload(server, load)
                print(f"  {server.name}: soaking for {seconds:g} s", file=sys.stderr)
                reports.append(soak.soak(server, load, seconds, memory_cap=memory_cap))
    print(
        f"## Soak, {date.today().isoformat()}: {seconds:g} s per server, {os.cpu_count()} cores\n"
    )
    print(soak.format_summary(reports))
    for report in reports:
        print(soak.format_report(report))


# --- one build: start time, memory, per-query latency (--build) ------------------------------


def tree(root: int) -> list[int]:
    """``root`` and every process below it (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def _kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory(root: int) -> tuple[int, int, int]:
    """The process tree's summed VmRSS and PSS (MiB), and how many processes it has."""
    pids = tree(root)
    rss = sum(_kib(Path(f"/proc/{pid}/status"), "VmRSS") for pid in pids)
    pss = sum(_kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss") for pid in pids)
    return rss // 1024, pss // 1024, len(pids)


def cpu_ticks(root: int) -> int:
    """The CPU time the process tree has used, in clock ticks (live processes only)."""
    total = 0
    for pid in tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def ask(base: str, text: str, accept: str = SPARQL_JSON, timeout: float = 120) -> tuple[int, float]:
    """The status of one query and how long its answer took (s)."""
    encoded = urllib.parse.urlencode({"query": text}, quote_via=urllib.parse.quote)
    request = urllib.request.Request(f"{base}/sparql?{encoded}", headers={"Accept": accept})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except OSError:
        status = 0
    return status, time.perf_counter() - started


class Peak(threading.Thread):
    """Samples the process tree's memory every 0.2 s; ``rss``/``pss`` hold the highest sums."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.rss = self.pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            rss, pss, _ = memory(self.root)
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_build(build: Path, workers: int, repeat: int, options: list[str]) -> None:
    """Serve ``build`` and measure its start, memory and bundled queries; a Markdown report."""
    from treatykg.sparql import catalogue

    exe = Path(sys.executable).with_name("treatykg")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "treatykg.cli"]
    command += ["serve", "--build", str(build), "--port", "0", "-q", "--workers", str(workers)]
    command += options
    with tempfile.TemporaryDirectory(prefix="treatykg-bench-build-") as temp:
        log = Path(temp) / "serve.log"
        started = time.perf_counter()
        with open(log, "wb") as err:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=err,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            _measure_build(process, started, command, repeat, catalogue.bundled())
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            print("\nserver log (last lines):\n" + "\n".join(f"    {line}" for line in tail))


def _measure_build(
    process: subprocess.Popen, started: float, command: list[str], repeat: int, queries: list[Any]
) -> None:
    assert process.stdout is not None
    peak = Peak(process.pid)
    peak.start()
    line = process.stdout.readline().decode()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        raise RuntimeError(f"treatykg serve did not announce its address: {line!r}")
    announced = time.perf_counter() - started
    # uvicorn writes to stdout: keep draining it, or the server blocks once the pipe is full.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    base = f"http://127.0.0.1:{match.group(1)}"
    while True:
        status, _ = ask(base, "ASK {}", timeout=5)
        if status == 200:
            break
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        time.sleep(0.05)
    ready = time.perf_counter() - started
    at_ready = memory(process.pid)
    # The warm-up (if any) has ended once the tree has used no CPU for 2 s.
    last, idle_since = cpu_ticks(process.pid), time.perf_counter()
    while time.perf_counter() - idle_since < 2:
        time.sleep(0.25)
        now = cpu_ticks(process.pid)
        if now - last > 5:  # more than 0.05 s of CPU in the last quarter second
            idle_since = time.perf_counter()
        last = now
    warmed = time.perf_counter() - started - 2
    at_warm = memory(process.pid)
    rows = []
    for item in queries:
        if item.name.startswith("federated/"):
            continue
        times, statuses, timeouts = [], collections.Counter(), 0
        for run in range(repeat):
            status, seconds = ask(base, f"{item.text}\n# bench {time.time_ns()} {run}")
            statuses[status] += 1
            times.append(seconds)
            timeouts += status == 503
            if timeouts >= 2:
                break
        _, cached = ask(base, item.text)
        rows.append((item.name, times, statuses, cached))
        print(f"  {item.name}: {dict(statuses)}", file=sys.stderr)
    peak.done.set()
    peak.join()
    after = memory(process.pid)
    print(f"`{' '.join(command[1:])}`\n")
    print(
        f"- announced its address after {announced:.1f} s; "
        f"first answer at /sparql after {ready:.1f} s"
    )
    print(f"- start-up work (warm-up) over after {warmed:.1f} s")
    for name, (rss, pss, count) in (
        ("ready", at_ready),
        ("warm-up over", at_warm),
        ("after the queries", after),
    ):
        print(f"- memory {name}: {rss:,} MiB RSS summed ({pss:,} MiB PSS), {count} processes")
    print(f"- peak memory: {peak.rss:,} MiB RSS summed ({peak.pss:,} MiB PSS)\n")
    print("| query | runs | statuses | p50 ms | p99 ms | warmed ms |")
    print("|---|---|---|---|---|---|")
    for name, times, statuses, cached in rows:
        codes = ", ".join(f"{count}× {code}" for code, count in sorted(statuses.items()))
        p50, p99 = _percentile(times, 0.5) * 1000, _percentile(times, 0.99) * 1000
        print(
            f"| {name} | {len(times)} | {codes} | {p50:,.1f} | {p99:,.1f} | {cached * 1000:,.1f} |"
        )


def _ratio(load: Load, reference: Load) -> str:
    if reference.rate and not (load.errors or reference.errors):
        return f"{load.rate / reference.rate:.2f}×"
    return "–"


def _misses(target: Target, load: Load, reference: Load | None) -> list[str]:
    """Which targets one row misses, in words."""
    if load.errors:
        return [f"{target.name}: {load.errors} errors"]  # its numbers mean nothing then
    missed = []
    if load.p99 >= P99_TARGET_MS:
        missed.append(f"{target.name}: p99 {load.p99:.1f} ms")
    if reference is None:
        if load.rate < PAGE_TARGET:
            missed.append(f"{target.name}: {load.rate:,.0f} req/s")
    elif not reference.errors and reference.rate:
        ratio = load.rate / reference.rate
        if ratio < QUERY_RATIO_TARGET:
            missed.append(f"{target.name}: {ratio:.2f}× Oxigraph")
    return missed


if __name__ == "__main__":
    main()
