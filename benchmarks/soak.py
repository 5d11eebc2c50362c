"""A soak test of a SPARQL server: normal clients measured while hostile clients attack it.

Used by ``benchmarks/bench_serve.py --soak SECONDS`` and by ``tests/web/test_soak.py``; it talks
to the server over HTTP only (stdlib, asyncio and httpx), so it runs unchanged against
``treatykg serve`` and ``oxigraph serve-read-only``.

* **Normal clients** (16 by default) each loop for the duration: one request, then a think
  time (50 ms), cycling the kinds ``dereference`` (a resource IRI with ``Accept: text/turtle``,
  a 303 expected and not followed), ``page`` (HTML), ``document`` (``.ttl``, ``.jsonld``),
  and ``query`` (a bundled query, POSTed as a form exactly as its file has it, for SPARQL
  JSON). One more client, the issue's "fifth client", asks ``ask``: an ``ASK {}`` made new
  each time by a comment, so that no answer cache holds it and every one meets the hostile
  queries at the query workers (``127.0.1.200``). A server without linked data (Oxigraph)
  gets only the two query kinds. Any answer but the expected status (and a well-formed body
  for queries) is an error, and so is a transport error or no answer within the client's
  timeout (10 s).
* **Hostile clients** (4 by default) cycle a catalogue (:func:`catalogue`): runaway joins,
  deep operator chains of every kind, deep nesting, SERVICE to a canary socket that counts
  the connections it gets, oversized and endless bodies, slow readers and slow writers,
  disconnects, large results as HTML. Each has two requests in flight at all times: one lane
  cycles the runaway queries (so that the query workers never rest), the other the rest of
  the catalogue, each client from a different place in it. Every request has a timeout
  (15 s), slow connections are held 5 s at most, and what answers each request is tallied,
  never counted as an error; how much of the catalogue is sent depends on how fast the
  server answers it.
* Every client has its own source address on loopback (normal client i: ``127.0.1.(i+1)``,
  hostile client j: ``127.0.2.(j+1)``; Linux routes all of 127.0.0.0/8 to ``lo``), so that a
  server can tell them apart by peer address, as it would real clients.
* A monitor thread follows the server's process tree through ``/proc``: the resident memory
  of the server and all its descendants (summed, every 0.2 s; the peak is reported), the
  worker processes (every 0.05 s: each PID not seen at start-up is a worker restart), and
  the server itself: if it dies it is started again with the same command line, so that the
  run goes on, and the death is counted. A server tree over the memory cap (4 GiB) is killed
  first (Oxigraph has no query timeout: a runaway ORDER BY grows by ~200 MB/s until the
  machine runs out), and counted.

The run is bounded: hostile clients are cancelled at the deadline; normal clients start no
request after it and each in-flight one ends within its timeout. Linux only (``/proc``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BASE = "https://w3id.org/treatykg/"
SPARQL_JSON = "application/sparql-results+json"
SPARQL_QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"
QUERIES = Path(__file__).resolve().parents[1] / "queries"

#: The SPARQL query size cap of ``treatykg serve`` (64 KiB) and its request body cap (128 KiB):
#: hostile queries are made just under the first, oversized bodies well over the second.
QUERY_CAP = 64 * 1024
BODY_CAP = 128 * 1024
NEAR_CAP = 63_000

NORMAL_KINDS = ("dereference", "page", "document", "query", "ask")
QUERY_KINDS = ("query", "ask")
ASK = "ASK {}"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

#: The issue's target for the normal clients: no error, and p99 at most this, per kind.
P99_TARGET_MS = 100.0


# --- what the clients ask ------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """A server under soak: its base URL (``http://127.0.0.1:PORT``), the path of its SPARQL
    endpoint, whether it serves linked data (pages, documents, resource IRIs), and the PID of
    its process (found from the listening port when not given)."""

    name: str
    base: str
    query_path: str
    linked_data: bool
    pid: int | None = None
    command: str = ""  # how it was started, for the report

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.base).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        port = urllib.parse.urlsplit(self.base).port
        assert port is not None, self.base
        return port


@dataclass(frozen=True)
class Workload:
    """What the normal clients request: resource IRIs' paths, pages, documents and queries."""

    resources: list[str]
    pages: list[str]
    documents: list[str]
    queries: list[tuple[str, str]]  # (name, text exactly as its file has it)


def bundled_queries(folder: Path = QUERIES) -> list[tuple[str, str]]:
    """``queries/*.rq`` and ``queries/qc/*.rq`` (not ``federated/``), by name, as written."""
    files = sorted(folder.glob("*.rq")) + sorted((folder / "qc").glob("*.rq"))
    return [
        (path.relative_to(folder).with_suffix("").as_posix(), path.read_text(encoding="utf-8"))
        for path in files
    ]


def workload(build: Path, queries: Path = QUERIES) -> Workload:
    """The normal clients' requests for a build: every subject of its dump under the namespace
    (hash IRIs aside) is a resource IRI to dereference, with its HTML page, Turtle and JSON-LD
    documents; plus the index, queries, vocabulary and dataset pages."""
    dump = build / "treatykg.nt"
    resources = set()
    with dump.open(encoding="utf-8") as lines:
        for line in lines:
            subject = line.split(" ", 1)[0]
            if subject.startswith(f"<{BASE}") and "#" not in subject:
                resources.add("/" + subject[len(BASE) + 1 : -1])
    ordered = sorted(resources)
    pages = ["/", "/queries.html", "/def.html", "/dataset.html"]
    pages += [f"{path}.html" for path in ordered]
    documents = [f"{path}.{suffix}" for path in ordered for suffix in ("ttl", "jsonld")]
    return Workload(ordered, pages, documents, bundled_queries(queries))


def check_workload(
    server: Server, load: Workload, *, per_kind: int | None = None, timeout: float = 30.0
) -> None:
    """Request everything once (or ``per_kind`` requests of each kind, spread over the
    list), one at a time, before the soak: the answers must be the expected ones (else the
    workload, not the server under load, is wrong), and the server's caches are warm, so
    that steady-state serving is what the soak measures."""
    problems = []
    with httpx.Client(base_url=server.base, timeout=timeout, trust_env=False) as client:
        for kind in NORMAL_KINDS if server.linked_data else QUERY_KINDS:
            requests = _requests(kind, server, load)
            step = max(1, len(requests) // per_kind) if per_kind else 1
            for request in requests[::step]:
                response = client.request(
                    request.method, request.path, content=request.body, headers=request.headers
                )
                outcome = _judge(kind, response.status_code, response.headers, response.content)
                if outcome != "ok":
                    problems.append(f"{request.method} {request.path[:60]}: {outcome}")
    if problems:
        raise RuntimeError(
            f"{server.name} does not answer the workload as expected ({len(problems)} "
            "requests):\n" + "\n".join(problems[:20])
        )


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


def _requests(kind: str, server: Server, load: Workload) -> list[_Request]:
    if kind == "dereference":
        return [_Request("GET", path, {"Accept": "text/turtle"}) for path in load.resources]
    if kind == "page":
        return [_Request("GET", path, {"Accept": "text/html"}) for path in load.pages]
    if kind == "document":
        accept = {"ttl": "text/turtle", "jsonld": "application/ld+json"}
        return [
            _Request("GET", path, {"Accept": accept[path.rpartition(".")[2]]})
            for path in load.documents
        ]
    texts = [text for _, text in load.queries] if kind == "query" else [ASK]
    headers = {"Accept": SPARQL_JSON, "Content-Type": FORM}
    return [
        _Request(
            "POST", server.query_path, headers, urllib.parse.urlencode({"query": text}).encode()
        )
        for text in texts
    ]


def _judge(kind: str, status: int, headers: httpx.Headers, body: bytes) -> str:
    """``ok``, or what is wrong with a normal client's answer."""
    expected = 303 if kind == "dereference" else 200
    if status != expected:
        return str(status)
    if kind == "dereference" and not headers.get("location"):
        return "303 without Location"
    if kind in QUERY_KINDS:
        try:
            document = json.loads(body)
        except ValueError:
            return "bad JSON"
        if kind == "ask" and document.get("boolean") is not True:
            return "ASK not true"
        if kind == "query" and "results" not in document and "boolean" not in document:
            return "bad JSON"
    return "ok"


# --- the server's processes ----------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (every thread's), from ``/proc``."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as file:
                found.extend(int(child) for child in file.read().split())
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    found, pending = [], children(pid)
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(children(child))
    return found


def rss(pid: int) -> int:
    """Resident set size in bytes, 0 for a process that is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/statm") as file:
            return int(file.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def dead(pid: int) -> bool:
    """Whether ``pid`` has exited (gone, or a zombie its parent has not reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            state = file.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return [part.decode(errors="replace") for part in file.read().split(b"\0") if part]
    except OSError:
        return []


def listening_pid(port: int, host: str = "127.0.0.1") -> int:
    """The process, among this one's descendants, that listens on ``host:port`` (the one
    nearest to this process if several hold the socket)."""
    packed = socket.inet_aton(host)[::-1].hex().upper()
    wanted = f"{packed}:{port:04X}"
    inodes = set()
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[1] == wanted and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    pending, seen = children(os.getpid()), set()
    while pending:  # breadth first: the nearest holder wins
        level, pending = pending, []
        for pid in level:
            if pid in seen:
                continue
            seen.add(pid)
            with contextlib.suppress(OSError):
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    with contextlib.suppress(OSError):
                        if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                            return pid
            pending.extend(children(pid))
    raise RuntimeError(f"no process of ours listens on {host}:{port}")


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers(url: str) -> bool:
    """Whether anything answers HTTP at ``url`` (an error status is an answer)."""
    try:
        _NO_PROXY.open(url, timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


class Monitor(threading.Thread):
    """Follows a server's process tree: peak memory, worker restarts, deaths (and restarts
    the server after each, with its own command line, on the same port)."""

    def __init__(self, server: Server, pid: int, *, memory_cap: int, restart: bool = True) -> None:
        super().__init__(name=f"soak-monitor-{server.name}", daemon=True)
        self.server = server
        self.root = pid
        self.memory_cap = memory_cap
        self.restart = restart
        self.argv = cmdline(pid)
        self.cwd = os.readlink(f"/proc/{pid}/cwd")
        if "--port" in self.argv:  # treatykg serve --port 0: come back on the same port
            at = self.argv.index("--port") + 1
            self.argv[at] = str(server.port)
        self.started = time.monotonic()
        self.peak_rss = 0
        self.peak_processes = 0
        self.deaths = 0
        self.memory_kills = 0
        self.events: list[str] = []
        self._names: dict[int, list[str]] = {}
        self.workers_at_start: set[int] = set()
        self.workers_seen: set[int] = set()
        self.processes: list[subprocess.Popen] = []  # the restarted servers
        self._quit = threading.Event()
        self._note_workers(initial=True)

    def _workers(self) -> set[int]:
        """The server's descendants, except multiprocessing's resource tracker."""
        found = set()
        for pid in descendants(self.root):
            name = self._names.get(pid)
            if name is None:
                name = self._names[pid] = cmdline(pid)
            if not any("resource_tracker" in part for part in name):
                found.add(pid)
        return found

    def _note_workers(self, initial: bool = False) -> None:
        workers = self._workers()
        if initial:
            self.workers_at_start |= workers
        self.workers_seen |= workers

    @property
    def worker_restarts(self) -> int | None:
        """Worker processes started during the run (None for a server without workers)."""
        if not self.workers_seen:
            return None
        return len(self.workers_seen - self.workers_at_start)

    def run(self) -> None:
        for tick in itertools.count():
            if self._quit.wait(0.05):
                return
            try:
                self._sample(with_memory=tick % 4 == 0)
            except Exception as error:  # a sampling hiccup must not end the monitoring
                self.events.append(f"{self._clock()}: monitor error {error!r}")

    def _clock(self) -> str:
        return f"{time.monotonic() - self.started:.1f} s"

    def _sample(self, with_memory: bool) -> None:
        if dead(self.root):
            self.deaths += 1
            self.events.append(f"{self._clock()}: the server process died")
            if self.restart and not self._quit.is_set():
                self._start_again()
            return
        self._note_workers()
        if with_memory:
            tree = [self.root, *descendants(self.root)]
            total = sum(rss(pid) for pid in tree)
            self.peak_rss = max(self.peak_rss, total)
            self.peak_processes = max(self.peak_processes, len(tree))
            if total > self.memory_cap:
                self.memory_kills += 1
                self.events.append(
                    f"{self._clock()}: killed at {total / 2**20:,.0f} MiB (cap "
                    f"{self.memory_cap / 2**20:,.0f} MiB)"
                )
                for pid in reversed(tree):
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)

    def _start_again(self) -> None:
        """Start the server again with its own command line; if it dies before it answers
        (a hostile request was waiting for it), that is one more death, and one more start."""
        while not self._quit.is_set():
            process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.processes.append(process)
            self.root = process.pid
            deadline = time.monotonic() + 60
            while not self._quit.is_set() and process.poll() is None:
                if _answers(self.server.base + "/"):
                    self._note_workers(initial=True)
                    self.events.append(f"{self._clock()}: started again (PID {process.pid})")
                    return
                if time.monotonic() > deadline:
                    self.events.append(f"{self._clock()}: no answer 60 s after a restart")
                    self.restart = False
                    return
                time.sleep(0.05)
            if process.poll() is not None:
                self.deaths += 1
                self.events.append(f"{self._clock()}: died again before it answered")

    def stop(self) -> None:
        """Stop monitoring (the servers this monitor restarted stay up until :meth:`close`)."""
        self._quit.set()
        self.join(timeout=70)

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)


# --- the SERVICE canary --------------------------------------------------------------------------


class Canary:
    """A socket that a federated query would call: counts the connections it gets and
    answers each with an empty SPARQL result."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        body = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
        try:
            with contextlib.suppress(TimeoutError, asyncio.IncompleteReadError):
                await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


# --- the hostile catalogue -----------------------------------------------------------------------


@dataclass
class HostileContext:
    """What a hostile client sends with: its address, its HTTP client, the server, the canary."""

    server: Server
    local: str
    client: httpx.AsyncClient
    canary: int
    hold: float  # how long a slow request holds its connection at most


Send = Callable[[HostileContext, int], Awaitable[str]]


@dataclass(frozen=True)
class Hostile:
    """One entry of the catalogue: its name, its family, how to send it (nonce → outcome)."""

    name: str
    family: str
    send: Send
    runaway: bool = False


def fill(head: str, unit: str, tail: str, size: int = NEAR_CAP) -> str:
    """``head + unit * n + tail`` with n as large as keeps it within ``size`` bytes."""
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


def nest(head: str, opening: str, core: str, closing: str, tail: str, depth: int) -> str:
    """``depth`` levels of ``opening … closing`` around ``core``, fewer if they would not fit
    within :data:`NEAR_CAP` bytes."""
    room = (NEAR_CAP - len(head) - len(core) - len(tail)) // (len(opening) + len(closing))
    depth = min(depth, room)
    return head + opening * depth + core + closing * depth + tail


def deep_queries() -> dict[str, str]:
    """Deep operator chains and deep nestings of every kind, by name: long chains filled to
    just under the 64 KiB query cap (and the counts issue 14 gives), nestings 3,000 deep or
    as deep as fits (``{`` and ``(`` also as deep as fits)."""
    p = "PREFIX p: <urn:p:> "
    chains = {
        "not ×10,000": "ASK { FILTER(" + "!" * 10_000 + "true) }",
        "plus ×8,000": "SELECT (1" + "+1" * 8_000 + " AS ?x) WHERE {}",
        "or ×10,000": "ASK { FILTER(0" + "||0" * 10_000 + ") }",
        "and ×10,000": "ASK { FILTER(1" + "&&1" * 10_000 + ") }",
        "not chain": fill("ASK { FILTER(", "!", "true) }"),
        "plus chain": fill("SELECT (1", "+1", " AS ?x) WHERE {}"),
        "minus chain": fill("SELECT (1", "-1", " AS ?x) WHERE {}"),
        "unary minus chain": fill("SELECT (", "- ", "1 AS ?x) WHERE {}"),
        "times chain": fill("SELECT (1", "*1", " AS ?x) WHERE {}"),
        "divide chain": fill("SELECT (1", "/1", " AS ?x) WHERE {}"),
        "or chain": fill("ASK { FILTER(0", "||0", ") }"),
        "and chain": fill("ASK { FILTER(1", "&&1", ") }"),
        "concat args": fill('SELECT (CONCAT("a"', ',"a"', ") AS ?x) WHERE {}"),
        "IN list": fill("ASK { FILTER(1 IN (0", ",0", ")) }"),
        "path sequence": fill(p + "ASK { ?s p:a", "/p:a", " ?o }"),
        "path alternative": fill(p + "ASK { ?s p:a", "|p:a", " ?o }"),
        "path inverse chain": fill(p + "ASK { ?s p:a", "/^p:a", " ?o }"),
        "UNION chain": fill("SELECT * WHERE { {?s ?p ?o}", " UNION {?s ?p ?o}", " }"),
        "OPTIONAL chain": fill("SELECT * WHERE { ?s ?p ?o", " OPTIONAL {?s ?p ?o}", " }"),
        "MINUS chain": fill("SELECT * WHERE { ?s ?p ?o", " MINUS {?s ?p ?o}", " }"),
        "FILTER chain": fill("SELECT * WHERE { ?s ?p ?o", " FILTER(true)", " }"),
        "triple chain": fill(p + "SELECT * WHERE { ?s p:a ?o", " ; p:a ?o", " }"),
        "VALUES rows": fill("SELECT * WHERE { VALUES ?x { 0", " 0", " } }"),
    }
    binds = "SELECT * WHERE { BIND(0 AS ?v0)"
    count = 1
    while len(binds) < NEAR_CAP - 40:
        binds += f" BIND(?v{count - 1}+1 AS ?v{count})"
        count += 1
    chains["BIND chain"] = binds + " }"
    depth = 3_000
    nestings = {
        "groups { ×3,000": nest("SELECT * WHERE ", "{", "", "}", "", depth),
        "groups { to the cap": nest("SELECT * WHERE ", "{", "", "}", "", NEAR_CAP),
        "brackets ( ×3,000": nest("SELECT (", "(", "1", ")", " AS ?x) WHERE {}", depth),
        "brackets ( to the cap": nest("SELECT (", "(", "1", ")", " AS ?x) WHERE {}", NEAR_CAP),
        "not-bracket nesting": nest("ASK { FILTER(", "!(", "true", ")", ") }", depth),
        "function nesting": nest("SELECT (", "STR(", '"x"', ")", " AS ?x) WHERE {}", depth),
        "IF nesting": nest("SELECT (", "IF(true,", "1", ",0)", " AS ?x) WHERE {}", depth),
        "path group nesting": nest(p + "ASK { ?s ", "(", "p:a", ")", " ?o }", depth),
        "path star nesting": nest(p + "ASK { ?s ", "(", "p:a", ")*", " ?o }", depth),
        "path inverse nesting": nest(p + "ASK { ?s ", "^(", "p:a", ")", " ?o }", depth),
        "subquery nesting": nest(
            "SELECT * WHERE ", "{ SELECT * WHERE ", "{ ?s ?p ?o }", " }", "", depth
        ),
        "OPTIONAL nesting": nest(
            "SELECT * WHERE { ?s ?p ?o ", "OPTIONAL { ?s ?p ?o ", "", "} ", "}", depth
        ),
        "EXISTS nesting": nest(
            "SELECT * WHERE { ?s ?p ?o ", "FILTER EXISTS { ?s ?p ?o ", "", "} ", "}", depth
        ),
        "UNION nesting": nest("SELECT * WHERE ", "{ {} UNION ", "{}", " }", "", depth),
        "blank node nesting": nest(p + "ASK { ?s p:a ", "[ p:a ", "?o", " ]", " }", depth),
        "collection nesting": nest(p + "ASK { ?s p:a ", "( ", "?o", " )", " }", depth),
    }
    queries = {**chains, **nestings}
    for name, text in queries.items():
        assert len(text.encode()) <= NEAR_CAP, (name, len(text))
    return queries


def service_queries(port: int) -> dict[str, str]:
    """SERVICE to the canary, in every spelling and place we could think of."""
    iri = f"<http://127.0.0.1:{port}/sparql>"
    return {
        "SERVICE": f"SELECT * WHERE {{ SERVICE {iri} {{ ?s ?p ?o }} }}",
        "SERVICE SILENT": f"SELECT * WHERE {{ SERVICE SILENT {iri} {{ ?s ?p ?o }} }}",
        "service, lower case": f"SELECT * WHERE {{ service {iri} {{ ?s ?p ?o }} }}",
        "SERVICE ?variable": (
            f"SELECT * WHERE {{ VALUES ?e {{ {iri} }} SERVICE ?e {{ ?s ?p ?o }} }}"
        ),
        "SERVICE after a comment": f"SELECT * WHERE {{ SERVICE#x\n{iri} {{ ?s ?p ?o }} }}",
        "SERVICE via \\u escapes": (f"SELECT * WHERE {{ \\u0053ERVICE {iri} {{ ?s ?p ?o }} }}"),
        "SERVICE prefixed name": (
            f"PREFIX c: <http://127.0.0.1:{port}/> "
            "SELECT * WHERE { SERVICE c:sparql { ?s ?p ?o } }"
        ),
        "SERVICE relative IRI": (
            f"BASE <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}"
        ),
        "SERVICE in EXISTS": (f"ASK {{ FILTER EXISTS {{ SERVICE {iri} {{ ?s ?p ?o }} }} }}"),
        "SERVICE in a subquery": (
            f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE {iri} {{ ?s ?p ?o }} }} }} }}"
        ),
        "SERVICE in OPTIONAL": (
            f"SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE {iri} {{ ?s ?p ?o }} }} }} LIMIT 1"
        ),
    }


CROSS = "?a ?b ?c . ?d ?e ?f"


def _unique(nonce: int, variable: str = "?a") -> str:
    """A filter that keeps every row but makes the query text unique, so that no answer
    cache has it (an OFFSET would change the work, a comment may be dropped from a key)."""
    return f"FILTER({variable} != <urn:nonce:{nonce}>)"


JOIN4 = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l"


def runaway_queries() -> dict[str, Callable[[int], str]]:
    """Queries that run until stopped (each made unique, so that no answer cache has it)."""
    return {
        "join ×4, ORDER BY": (
            lambda n: f"SELECT * WHERE {{ {JOIN4} {_unique(n)} }} ORDER BY ?l ?a ?g LIMIT 10"
        ),
        "join ×4, COUNT": (lambda n: f"SELECT (COUNT(*) AS ?n) WHERE {{ {JOIN4} {_unique(n)} }}"),
        "join ×2, REGEX": (
            lambda n: (
                f"SELECT (COUNT(*) AS ?n) WHERE {{ {CROSS} "
                f'FILTER(REGEX(CONCAT(STR(?c), STR(?f), "{n}"), "^(a|b|ab)*c$", "i")) }}'
            )
        ),
        "path closure × join": (
            lambda n: (
                "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:x>|!<urn:x>)* ?b . "
                f"?c ?d ?e {_unique(n, '?b')} }}"
            )
        ),
    }


async def _post(
    ctx: HostileContext, text: str, *, accept: str = SPARQL_JSON, form: bool = False
) -> str:
    if form:
        body = urllib.parse.urlencode({"query": text}).encode()
        kind = FORM
    else:
        body, kind = text.encode(), SPARQL_QUERY
    headers = {"Accept": accept, "Content-Type": kind}
    response = await ctx.client.post(ctx.server.query_path, content=body, headers=headers)
    return str(response.status_code)


def _query(text: Callable[[int], str] | str, *, accept: str = SPARQL_JSON) -> Send:
    async def send(ctx: HostileContext, nonce: int) -> str:
        body = text(nonce) if callable(text) else f"{text}\n# {nonce}\n"
        return await _post(ctx, body, accept=accept)

    return send


async def _open(
    ctx: HostileContext, *, buffer: int | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A raw connection from the client's own address; ``buffer`` shrinks the receive
    buffers (the kernel's and the reader's), so that a slow reader really holds the server."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        if buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer)
        sock.bind((ctx.local, 0))
        await loop.sock_connect(sock, (ctx.server.host, ctx.server.port))
    except BaseException:
        sock.close()
        raise
    return await asyncio.open_connection(sock=sock, limit=buffer or 2**16)


def _head(ctx: HostileContext, headers: dict[str, str], *, method: str = "POST") -> bytes:
    lines = [f"{method} {ctx.server.query_path} HTTP/1.1", f"Host: {ctx.server.host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _direct(ctx: HostileContext, text: str, accept: str = SPARQL_JSON) -> bytes:
    body = text.encode()
    headers = {
        "Accept": accept,
        "Content-Type": SPARQL_QUERY,
        "Content-Length": str(len(body)),
        "Connection": "close",
    }
    return _head(ctx, headers) + body


async def _status(reader: asyncio.StreamReader) -> str:
    line = await reader.readline()
    if not line:
        return "closed"
    parts = line.split()
    return parts[1].decode() if len(parts) > 1 and line.startswith(b"HTTP/") else "garbled"


async def _status_within(reader: asyncio.StreamReader, seconds: float, otherwise: str) -> str:
    try:
        return await asyncio.wait_for(_status(reader), seconds)
    except TimeoutError:
        return otherwise


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()


def _disconnect(text: Callable[[int], str], accept: str = SPARQL_JSON) -> Send:
    """Send, and hang up after 0.1 s (``dropped``) unless an answer came first."""

    async def send(ctx: HostileContext, nonce: int) -> str:
        reader, writer = await _open(ctx)
        try:
            writer.write(_direct(ctx, text(nonce), accept))
            await writer.drain()
            return await _status_within(reader, 0.1, "dropped")
        finally:
            _close(writer)

    return send


def _large(n: int) -> str:
    return f"SELECT * WHERE {{ {CROSS} {_unique(n)} }} LIMIT 20000"


async def _slow_reader(ctx: HostileContext, nonce: int) -> str:
    """A large result (~9 MB of JSON) read one byte every 10 ms through 4 KiB buffers."""
    reader, writer = await _open(ctx, buffer=4096)
    try:
        writer.write(_direct(ctx, _large(nonce)))
        await writer.drain()
        deadline = time.monotonic() + ctx.hold
        status = await asyncio.wait_for(_status(reader), ctx.hold)
        while time.monotonic() < deadline and await reader.read(1):
            await asyncio.sleep(0.01)
        return status
    finally:
        _close(writer)


async def _no_reader(ctx: HostileContext, nonce: int) -> str:
    """A large result asked for and never read; the connection is held open."""
    reader, writer = await _open(ctx, buffer=4096)
    try:
        writer.write(_direct(ctx, _large(nonce)))
        await writer.drain()
        await asyncio.sleep(ctx.hold)
        return await _status_within(reader, 0.01, "held")
    finally:
        _close(writer)


async def _race(reader: asyncio.StreamReader, sending: Awaitable[None], hold: float) -> str:
    """Send while watching for an answer: the answer's status, ``closed`` (the server hung up
    or reset), or ``held`` (still sending, or waiting, when the hold time is over)."""
    answer = asyncio.ensure_future(_status(reader))
    sender = asyncio.ensure_future(sending)
    try:
        done, _ = await asyncio.wait({answer}, timeout=hold)
        if not done and sender.done() and sender.exception() is not None:
            # the server stopped taking our bytes: an answer may still be on its way
            done, _ = await asyncio.wait({answer}, timeout=1)
        if done:
            return answer.result() if answer.exception() is None else "closed"
        return "held"
    finally:
        for task in (answer, sender):
            task.cancel()
        await asyncio.gather(answer, sender, return_exceptions=True)


async def _slow_headers(ctx: HostileContext, nonce: int) -> str:
    """Slowloris: the request head, one byte every 100 ms."""
    reader, writer = await _open(ctx)
    head = _head(ctx, {"Accept": SPARQL_JSON, "X-Nonce": str(nonce)}, method="GET")

    async def sending() -> None:
        for byte in head:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)

    try:
        return await _race(reader, sending(), ctx.hold)
    finally:
        _close(writer)


async def _stalled_body(ctx: HostileContext, nonce: int) -> str:
    """A Content-Length of 100,000 and 1,000 bytes sent: the rest never comes."""
    reader, writer = await _open(ctx)
    headers = {"Content-Type": SPARQL_QUERY, "Content-Length": "100000"}
    try:
        writer.write(_head(ctx, headers) + f"# {nonce} ".encode().ljust(1000, b"x"))
        await writer.drain()
        return await _status_within(reader, ctx.hold, "held")
    finally:
        _close(writer)


def _chunked(size: int, pause: float) -> Send:
    """A chunked upload of 1 KiB chunks (64 KiB when fast), a pause between them, that ends
    only after ``size`` bytes (never, for ``size=0``)."""

    async def send(ctx: HostileContext, nonce: int) -> str:
        reader, writer = await _open(ctx)
        headers = {"Content-Type": SPARQL_QUERY, "Transfer-Encoding": "chunked"}
        chunk = 1024 if pause else 65_536
        piece = b"%x\r\n" % chunk + f"# {nonce} ".encode().ljust(chunk - 1, b"x") + b"\n\r\n"

        async def sending() -> None:
            writer.write(_head(ctx, headers))
            sent = 0
            while size == 0 or sent < size:
                writer.write(piece)
                await writer.drain()
                sent += chunk
                await asyncio.sleep(pause)
            writer.write(b"0\r\n\r\n")
            await writer.drain()

        try:
            return await _race(reader, sending(), ctx.hold)
        finally:
            _close(writer)

    return send


def _oversized(kind: str) -> Send:
    async def send(ctx: HostileContext, nonce: int) -> str:
        padding = "#" + "x" * (2 * BODY_CAP) + "\n"
        text = f"ASK {{}} # {nonce}\n{padding}"
        if kind == "form":
            return await _post(ctx, text, form=True)
        return await _post(ctx, text)

    return send


def catalogue(canary: int) -> list[Hostile]:
    """The hostile requests: the runaway queries (and hang-ups from them) first, then the
    others (quick refusals, slow connections, large results), in the order they are cycled."""
    others: list[Hostile] = []
    for name, text in deep_queries().items():
        others.append(Hostile(name, "deep", _query(text)))
    for name, text in service_queries(canary).items():
        others.append(Hostile(name, "SERVICE", _query(text)))
    over_cap = "ASK {}\n#" + "x" * (QUERY_CAP + 1000) + "\n"
    others += [
        Hostile("query over 64 KiB", "oversized", _query(over_cap)),
        Hostile("form, 256 KiB", "oversized", _oversized("form")),
        Hostile("direct, 256 KiB", "oversized", _oversized("direct")),
        Hostile("chunked, endless", "oversized", _chunked(0, 0.02)),
        Hostile("chunked, 16 MiB", "oversized", _chunked(16 * 2**20, 0)),
        Hostile("body never ends", "slow", _stalled_body),
        Hostile("head, 1 B/100 ms", "slow", _slow_headers),
        Hostile("read 1 B/10 ms", "slow", _slow_reader),
        Hostile("never read", "slow", _no_reader),
        Hostile(
            "HTML, LIMIT 100000",
            "large HTML",
            _query(
                lambda n: f"SELECT * WHERE {{ {CROSS} {_unique(n)} }} LIMIT 100000",
                accept="text/html",
            ),
        ),
        Hostile("HTML, LIMIT 20000", "large HTML", _query(_large, accept="text/html")),
        Hostile(
            "HTML, 9 columns × 10000",
            "large HTML",
            _query(
                lambda n: f"SELECT * WHERE {{ {CROSS} . ?g ?h ?i {_unique(n)} }} LIMIT 10000",
                accept="text/html",
            ),
        ),
        Hostile("HTML, hang up", "disconnect", _disconnect(_large, "text/html")),
    ]
    runaways = [
        Hostile(name, "runaway", _query(text), runaway=True)
        for name, text in runaway_queries().items()
    ]
    runaways.append(
        Hostile(
            "join ×4, hang up",
            "disconnect",
            _disconnect(runaway_queries()["join ×4, COUNT"]),
            runaway=True,
        )
    )
    # spread the families: deep ones are many, so deal them out among the others
    random.Random(14).shuffle(others)
    return runaways + others


# --- running -------------------------------------------------------------------------------------


@dataclass
class KindStats:
    """One normal kind's requests: latencies (s, every request, errors included) and errors."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Report:
    """What one soak measured."""

    server: str
    command: str
    seconds: float  # the soak's duration, as asked
    elapsed: float  # wall time, end of the last request included
    normal_clients: int
    hostile_clients: int
    normal: dict[str, KindStats]  # by kind; kinds that do not apply are missing
    hostile: dict[str, Counter[str]]  # by catalogue entry: outcome → count
    families: dict[str, str]  # catalogue entry → family
    peak_rss: int
    peak_processes: int
    worker_restarts: int | None
    server_deaths: int
    memory_kills: int
    memory_cap: int
    canary_connections: int
    answers_after: bool
    loop_lag: float  # the client's own event loop: the longest it was late, s
    loop_lag_p99: float
    client_cpu: float  # CPU time this process (clients, monitor) used during the soak, s
    client_nice: int  # the event loop thread's nice value during the soak
    events: list[str]

    @property
    def errors(self) -> int:
        return sum(sum(stats.errors.values()) for stats in self.normal.values())

    def misses(self, p99_ms: float = P99_TARGET_MS) -> list[str]:
        """The issue's targets this run missed, in words: no error, p99 ≤ 100 ms per kind,
        the server alive throughout and answering afterwards."""
        missed = []
        for kind, stats in self.normal.items():
            if stats.errors:
                missed.append(f"{kind}: {sum(stats.errors.values())} errors")
            if stats.latencies and stats.percentile(0.99) * 1000 > p99_ms:
                missed.append(f"{kind}: p99 {stats.percentile(0.99) * 1000:,.0f} ms")
        if self.server_deaths:
            missed.append(f"the server died {self.server_deaths}×")
        if not self.answers_after:
            missed.append("no answer after the soak")
        return missed


def _client(server: Server, local: str | None, timeout: float) -> httpx.AsyncClient:
    """An HTTP client whose connections all come from ``local``. Plain HTTP on loopback: no
    TLS, so no certificate store is loaded (that takes ~20 ms per client, long enough to stall
    every other client's clock), and no proxy from the environment."""
    transport = httpx.AsyncHTTPTransport(local_address=local, verify=False)
    return httpx.AsyncClient(
        transport=transport, base_url=server.base, timeout=timeout, trust_env=False
    )


@dataclass
class _Run:
    """What the clients of one soak collect."""

    stats: dict[str, KindStats]
    tally: dict[str, Counter[str]]
    families: dict[str, str]
    lags: list[float] = field(default_factory=list)
    canary: int = 0
    elapsed: float = 0.0


async def _normal_client(
    index: int,
    client: httpx.AsyncClient,
    lists: dict[str, list[_Request]],
    run: _Run,
    deadline: float,
    *,
    think: float,
    timeout: float,
) -> None:
    kinds = list(lists)
    limit = max(1, int((deadline - time.monotonic()) / think) + 1)  # bounded in count too
    for turn in range(limit):
        if time.monotonic() >= deadline:
            return
        kind = kinds[(index + turn) % len(kinds)]
        choices = lists[kind]
        request = choices[(index * 7 + turn // len(kinds)) % len(choices)]
        if kind == "ask":
            # A new question every time (a comment makes the text new): no answer cache can
            # hold it, so every ASK meets the hostile queries at the query workers.
            text = f"{ASK} # client {index}, turn {turn}"
            body = urllib.parse.urlencode({"query": text}).encode()
            request = _Request(request.method, request.path, request.headers, body)
        start = time.perf_counter()
        try:
            response = await asyncio.wait_for(
                client.request(
                    request.method, request.path, content=request.body, headers=request.headers
                ),
                timeout,
            )
            outcome = _judge(kind, response.status_code, response.headers, response.content)
        except (TimeoutError, httpx.TimeoutException):
            outcome = "timeout"
        except httpx.ConnectError:
            outcome = "refused"
        except (httpx.RemoteProtocolError, httpx.ReadError):
            outcome = "closed"
        except httpx.HTTPError as error:
            outcome = type(error).__name__
        run.stats[kind].latencies.append(time.perf_counter() - start)
        if outcome != "ok":
            run.stats[kind].errors[outcome] += 1
        await asyncio.sleep(think)


async def _hostile_client(
    ctx: HostileContext,
    first: int,
    cycle: list[Hostile],
    run: _Run,
    deadline: float,
    *,
    think: float,
    timeout: float,
    nonces: Iterator[int],
) -> None:
    limit = max(1, int((deadline - time.monotonic()) / think) + 1)
    for turn in range(limit):
        if time.monotonic() >= deadline:
            return
        entry = cycle[(first + turn) % len(cycle)]
        try:
            outcome = await asyncio.wait_for(entry.send(ctx, next(nonces)), timeout)
        except (TimeoutError, httpx.TimeoutException):
            outcome = "timeout"
        except (httpx.ConnectError, ConnectionRefusedError):
            outcome = "refused"
        except (httpx.RemoteProtocolError, ConnectionError, httpx.ReadError):
            outcome = "closed"
        except (httpx.HTTPError, OSError) as error:
            outcome = type(error).__name__
        except asyncio.CancelledError:
            run.tally[entry.name]["cut"] += 1
            raise
        run.tally[entry.name][outcome] += 1
        await asyncio.sleep(think)


async def _loop_lag(deadline: float, lags: list[float]) -> None:
    """How late this process's event loop wakes up: if it is busy, latencies include it."""
    while time.monotonic() < deadline:
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - before - 0.01)


def _alive(server: Server) -> bool:
    """Whether the server answers ``ASK {}`` (within 10 s) after the soak."""
    try:
        response = httpx.post(
            server.base + server.query_path,
            data={"query": ASK},
            headers={"Accept": SPARQL_JSON},
            timeout=10,
            trust_env=False,
        )
    except httpx.HTTPError:
        return False
    return _judge("ask", response.status_code, response.headers, response.content) == "ok"


async def _soak(
    server: Server,
    load: Workload,
    seconds: float,
    *,
    normal: int,
    hostile: int,
    think: float,
    hostile_think: float,
    timeout: float,
    hostile_timeout: float,
    hold: float,
) -> _Run:
    canary = Canary()
    await canary.start()
    cycle = catalogue(canary.port)
    kinds = NORMAL_KINDS if server.linked_data else QUERY_KINDS
    lists = {kind: _requests(kind, server, load) for kind in kinds}
    run = _Run(
        stats={kind: KindStats() for kind in kinds},
        tally={entry.name: Counter() for entry in cycle},
        families={entry.name: entry.family for entry in cycle},
    )
    nonces = itertools.count(random.randrange(10**9))
    # everything is made before the clock starts
    normal_clients = [_client(server, f"127.0.1.{i + 1}", timeout) for i in range(normal)]
    probe = _client(server, "127.0.1.200", timeout)
    contexts = [
        HostileContext(
            server,
            f"127.0.2.{j + 1}",
            _client(server, f"127.0.2.{j + 1}", hostile_timeout),
            canary.port,
            hold,
        )
        for j in range(hostile)
    ]
    began = time.monotonic()
    deadline = began + seconds
    lag = asyncio.create_task(_loop_lag(deadline, run.lags))
    cycling = {kind: requests for kind, requests in lists.items() if kind != "ask"}
    normals = [
        asyncio.create_task(
            _normal_client(i, client, cycling, run, deadline, think=think, timeout=timeout)
        )
        for i, client in enumerate(normal_clients)
    ]
    normals.append(  # the fifth client: a new ASK {} after each think time
        asyncio.create_task(
            _normal_client(
                0, probe, {"ask": lists["ask"]}, run, deadline, think=think, timeout=timeout
            )
        )
    )
    # each hostile client has two requests in flight at all times, both from its address:
    # one lane cycles the runaway queries, so that the query workers never rest, the other
    # the rest of the catalogue; the clients start at different places in each
    lanes = [
        [entry for entry in cycle if entry.runaway],
        [entry for entry in cycle if not entry.runaway],
    ]
    hostiles = [
        asyncio.create_task(
            _hostile_client(
                ctx,
                j * len(lane) // hostile,
                lane,
                run,
                deadline,
                think=hostile_think,
                timeout=hostile_timeout,
                nonces=nonces,
            )
        )
        for j, ctx in enumerate(contexts)
        for lane in lanes
    ]
    try:
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))
        for task in hostiles:
            task.cancel()
        # normal clients start nothing after the deadline; in-flight requests end by timeout
        await asyncio.wait(normals, timeout=timeout + 1)
    finally:
        for task in [*normals, *hostiles, lag]:
            task.cancel()
        results = await asyncio.gather(*normals, *hostiles, lag, return_exceptions=True)
        run.elapsed = time.monotonic() - began
        for client in [*normal_clients, probe, *(ctx.client for ctx in contexts)]:
            with contextlib.suppress(Exception):
                await client.aclose()
        await canary.stop()
    for result in results:
        if isinstance(result, Exception):
            raise result
    run.canary = canary.connections
    return run


def soak(
    server: Server,
    load: Workload,
    seconds: float,
    *,
    normal: int = 16,
    hostile: int = 4,
    think: float = 0.05,
    hostile_think: float = 0.1,
    timeout: float = 10.0,
    hostile_timeout: float = 15.0,
    hold: float = 5.0,
    memory_cap: int = 4 * 2**30,
    restart: bool = True,
    nice: int = -10,
) -> Report:
    """Soak ``server`` for ``seconds`` and report (see the module's docstring).

    ``timeout`` bounds each normal request, ``hostile_timeout`` each hostile one, ``hold``
    how long a slow hostile connection is kept open. The whole run takes at most
    ``seconds + timeout + 1`` seconds, plus whatever restarting a dead server takes."""
    if normal > 254 or hostile > 254:
        raise ValueError("one source address per client: at most 254 of each")
    pid = server.pid or listening_pid(server.port, server.host)
    monitor = Monitor(server, pid, memory_cap=memory_cap, restart=restart)
    monitor.start()
    # The clients would be on other machines: give this thread (the event loop) priority over
    # the servers, if allowed, so that a busy server delays its answers, not our clock. On
    # Linux the nice value is per thread: the monitor and the servers it restarts keep theirs.
    before = os.getpriority(os.PRIO_PROCESS, 0)
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    priority = os.getpriority(os.PRIO_PROCESS, 0)
    cpu = time.process_time()
    try:
        run = asyncio.run(
            _soak(
                server,
                load,
                seconds,
                normal=normal,
                hostile=hostile,
                think=think,
                hostile_think=hostile_think,
                timeout=timeout,
                hostile_timeout=hostile_timeout,
                hold=hold,
            )
        )
        cpu = time.process_time() - cpu
        answers = _alive(server)
    finally:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, before)
        monitor.stop()
        monitor.close()
    return Report(
        server=server.name,
        command=server.command,
        seconds=seconds,
        elapsed=run.elapsed,
        normal_clients=normal,
        hostile_clients=hostile,
        normal=run.stats,
        hostile=run.tally,
        families=run.families,
        peak_rss=monitor.peak_rss,
        peak_processes=monitor.peak_processes,
        worker_restarts=monitor.worker_restarts,
        server_deaths=monitor.deaths,
        memory_kills=monitor.memory_kills,
        memory_cap=memory_cap,
        canary_connections=run.canary,
        answers_after=answers,
        loop_lag=max(run.lags, default=0.0),
        loop_lag_p99=KindStats(run.lags).percentile(0.99) if run.lags else 0.0,
        client_cpu=cpu,
        client_nice=priority,
        events=monitor.events,
    )


# --- the report ----------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "–"
    return f"{seconds * 1000:,.1f}" if seconds < 10 else f"{seconds * 1000:,.0f}"


def _counts(counter: Counter[str], sep: str = ", ") -> str:
    return sep.join(f"{name} ×{count}" for name, count in counter.most_common()) or "–"


def _compact(counter: Counter[str]) -> str:
    return " ".join(f"{name}×{count}" for name, count in counter.most_common()) or "–"


def format_report(report: Report, width: int = 80) -> str:
    """Markdown: the normal clients' table, the server's line, the hostile requests' table."""
    import textwrap

    def para(text: str) -> str:
        return textwrap.fill(text, width=width, break_on_hyphens=False)

    out = [
        f"### {report.server}",
        "",
        *([f"`{report.command}`", ""] if report.command else []),
        para(
            f"{report.seconds:g} s soak ({report.elapsed:.1f} s with the last answers), "
            f"{report.normal_clients} normal clients and {report.hostile_clients} hostile "
            "ones; latency in ms, every request counted (errors too)"
        ),
        "",
        "| normal kind | requests | errors | p50 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    every = KindStats()
    for kind in NORMAL_KINDS:
        stats = report.normal.get(kind)
        if stats is None:
            out.append(f"| {kind} | n/a | n/a | n/a | n/a | n/a |")
            continue
        every.latencies += stats.latencies
        every.errors.update(stats.errors)
        out.append(_kind_row(kind, stats))
    out.append(_kind_row("**all**", every))
    out.append("")
    for kind, stats in report.normal.items():
        if stats.errors:
            out.append(para(f"errors, {kind}: {_counts(stats.errors)}"))
    restarts = "n/a" if report.worker_restarts is None else f"{report.worker_restarts:,}"
    out.append(
        para(
            f"server: peak RSS {report.peak_rss / 2**20:,.0f} MiB (the process tree, up to "
            f"{report.peak_processes} processes, sampled every 0.2 s); worker restarts "
            f"{restarts}; server deaths {report.server_deaths} (killed at the "
            f"{report.memory_cap / 2**30:g} GiB memory cap: {report.memory_kills}); SERVICE "
            f"canary connections {report.canary_connections}; answers ASK {{}} afterwards: "
            f"{'yes' if report.answers_after else 'NO'}"
        )
    )
    out.append(
        para(
            f"load generator (this process, nice {report.client_nice}): "
            f"{report.client_cpu:.1f} s of CPU in {report.elapsed:.1f} s; its event loop "
            f"late by {report.loop_lag_p99 * 1000:.0f} ms at p99, "
            f"{report.loop_lag * 1000:.0f} ms at most (the latencies include it)"
        )
    )
    for event in report.events[:6]:
        out.append(f"* {event}")
    if len(report.events) > 6:
        out.append(f"* … and {len(report.events) - 6} more events")
    missed = report.misses()
    out += [
        "",
        para(
            f"target (0 errors, p99 ≤ {P99_TARGET_MS:.0f} ms per kind, server up): "
            + ("met" if not missed else "missed: " + "; ".join(missed))
        ),
        "",
        "| family | hostile request | sent | answers |",
        "|---|---|---:|---|",
    ]
    sent = Counter[str]()
    names = sorted(report.hostile, key=lambda name: (report.families[name], name))
    for name in names:
        outcomes = report.hostile[name]
        total = sum(outcomes.values())
        sent.update(outcomes)
        out.append(f"| {report.families[name]} | {name} | {total:,} | {_compact(outcomes)} |")
    out.append("")
    out.append(para(f"all hostile requests: {sum(sent.values()):,} sent; {_counts(sent)}"))
    out.append("")
    out.append(
        para(
            "answers: an HTTP status; closed: the server hung up without one; refused: no "
            "server to connect to; held: the connection still open at the end of the hold "
            "time; dropped: we hung up on purpose; timeout: no answer within the hostile "
            "timeout; cut: still running when the soak ended."
        )
    )
    return "\n".join(out) + "\n"


def _kind_row(kind: str, stats: KindStats) -> str:
    errors = sum(stats.errors.values())
    return (
        f"| {kind} | {len(stats.latencies):,} | {errors:,} | {_ms(stats.percentile(0.5))} "
        f"| {_ms(stats.percentile(0.99))} | {_ms(max(stats.latencies, default=math.nan))} |"
    )


def format_summary(reports: list[Report]) -> str:
    """One table side by side: errors and p99 per normal kind and server."""
    head = "| kind | " + " | ".join(report.server for report in reports) + " |"
    out = [
        "errors / p99 ms of the normal clients, per server",
        "",
        head,
        "|---|" + "---|" * len(reports),
    ]
    for kind in NORMAL_KINDS:
        cells = []
        for report in reports:
            stats = report.normal.get(kind)
            if stats is None:
                cells.append("n/a")
            else:
                cells.append(f"{sum(stats.errors.values()):,} / {_ms(stats.percentile(0.99))}")
        out.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


__all__ = [
    "Canary",
    "Hostile",
    "Monitor",
    "Report",
    "Server",
    "Workload",
    "catalogue",
    "check_workload",
    "format_report",
    "format_summary",
    "soak",
    "workload",
]
