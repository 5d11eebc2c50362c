"""A read-only SPARQL 1.1 Protocol endpoint on the embedded store (pyoxigraph).

``treatykg serve`` mounts :meth:`SparqlService.handle` at ``/sparql``. The design follows the
traps measured in the project's perf-and-security notes (sections 12 and 13A):

* pyoxigraph has no query timeout and cannot be interrupted by a signal, so queries run in a
  pool of worker processes, each holding the build's dump in memory. A query over its time is
  stopped the only way that works: its worker is killed (SIGKILL) and another one started. A
  query that crashes its worker (the memory cap) costs that worker only. Queries run on a
  thread with a stack for the largest query the size cap admits
  (:func:`treatykg.query.on_query_stack`): no chain of operators or patterns overflows it.
* pyoxigraph sends ``SERVICE`` requests anywhere and cannot be told not to, so SERVICE is
  refused before any worker sees the query (:func:`treatykg.query.uses_service`); where Linux
  allows it, workers also run in an empty network namespace, so a SERVICE the check missed
  would find no network.
* Nothing writes: workers only ever call ``Store.query``; SPARQL Update in any guise is 403.
* pyoxigraph serializes the results into a buffer that refuses to grow past a cap, so an
  answer is complete or an error (422, 503, 500): never an HTTP 200 with a truncated body.
* Requests are checked before they cost anything: body and query size (413), nesting depth,
  percent-encoding, IRIs, ``Accept``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import dataclasses
import functools
import io
import json
import logging
import math
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response

from treatykg import negotiate, query
from treatykg.admission import Admission, RefusedError, Ticket
from treatykg.errors import InputError, UsageError

try:
    import resource
except ImportError:  # Windows: no memory cap for workers
    resource = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

#: Renders the HTML page: (query text, SPARQL JSON results, error message) -> HTML.
HtmlRenderer = Callable[[str | None, dict | None, str | None], str]

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

JSON_RESULTS = "application/sparql-results+json"
HTML = "text/html"
#: The job format of an HTML results page: the worker sends SPARQL JSON results holding the
#: first rows (``html_rows``) and the total count, so that the server parses and renders a
#: page's worth, off the event loop, however large the result.
HTML_ROWS = "HTML_ROWS"
#: Result media types of SELECT and ASK, default first, with pyoxigraph's format for each.
RESULT_TYPES: dict[str, str] = {
    JSON_RESULTS: "JSON",
    "application/sparql-results+xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
    "application/json": "JSON",
}
#: Media types of CONSTRUCT and DESCRIBE graphs (and of the service description), default first.
GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
}
#: The W3C format IRI of each media type, for the service description's sd:resultFormat.
FORMAT_IRIS: dict[str, str] = {
    JSON_RESULTS: "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
}
#: ``format=`` (or ``output=``) names: the media type for results, then the one for graphs.
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": (JSON_RESULTS, "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "n3": (None, "text/turtle"),
    "ntriples": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
    "rdfxml": (None, "application/rdf+xml"),
    "rdf+xml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
    "html": (HTML, HTML),
}

#: On every answer: browsers must not guess that a result is HTML and run it.
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
READ_ONLY = "this endpoint is read-only: SPARQL Update is refused"
#: The CPU niceness of a worker running a long query: on a machine with few cores, the short
#: queries and the server's own event loop come first.
LONG_QUERY_NICENESS = 10
#: More default-graph-uri or named-graph-uri values than this are refused.
MAX_GRAPHS = 64
#: How long a worker may take to load the dump before start() gives up.
LOAD_TIMEOUT = 300.0
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_MAX_FIELDS = 64
_MAX_MESSAGE = 400


class ResultTooLargeError(Exception):
    """The serialized result passed the cap (raised inside a worker, by the output buffer)."""


class AnswerCache:
    """The most recently used answers, by query, dataset and format, within a byte budget.

    Exact, not approximate: the endpoint is read-only and its store never changes while the
    server runs, so the same query always has the same answer. Serving repeats from memory
    spares the workers for new questions (the bundled queries and their forms are asked
    again and again). Answers larger than an eighth of the budget are not kept.
    """

    def __init__(self, budget: int) -> None:
        self.budget = max(0, budget)
        self.size = 0
        self.hits = self.misses = 0
        self._answers: collections.OrderedDict[Hashable, bytes] = collections.OrderedDict()

    def get(self, job: Hashable) -> bytes | None:
        body = self._answers.get(job)
        if body is None:
            self.misses += 1
            return None
        self.hits += 1
        self._answers.move_to_end(job)
        return body

    def put(self, job: Hashable, body: bytes) -> None:
        if len(body) > self.budget // 8 or job in self._answers:
            return
        self._answers[job] = body
        self.size += len(body)
        while self.size > self.budget:
            _, evicted = self._answers.popitem(last=False)
            self.size -= len(evicted)


class _HttpError(Exception):
    """An HTTP error answer, raised from wherever a request is found wanting."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        incident: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.incident = incident  # the query ran out of time or was stopped: its client's fault
        self.query: str | None = None  # shown again on the HTML page, to be corrected


@dataclass(eq=False)
class _Worker:
    """One query process and our end of its pipe."""

    process: BaseProcess
    conn: Connection


@dataclass(frozen=True)
class _Job:
    """What a worker needs to answer one query; picklable, small."""

    text: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    graph: bool  # CONSTRUCT/DESCRIBE (RdfFormat) rather than SELECT/ASK (QueryResultsFormat)
    format: str  # the name of the pyoxigraph format, e.g. "JSON" or "TURTLE", or HTML_ROWS
    cap: int
    rows: int = 0  # HTML_ROWS: how many rows to send


class SparqlService:
    """The SPARQL endpoint: a pool of query processes behind an ASGI request handler."""

    def __init__(
        self,
        dump: Path,
        *,
        workers: int = 2,
        timeout: float = 10.0,
        max_result_bytes: int = 16 * 1024 * 1024,
        max_body_bytes: int = 128 * 1024,
        queue_timeout: float = 5.0,
        endpoint_url: str = "https://w3id.org/treatykg/sparql",
        html: HtmlRenderer | None = None,
        memory_limit: int | None = 1024 * 1024 * 1024,
        isolate_network: bool = True,
        cache_bytes: int = 32 * 1024 * 1024,
        per_client: int = 1,
        grace: float = 0.1,
        penalty: float = 30.0,
        spares: int = 1,
        warm: bool = True,
        html_rows: int = 1000,
    ) -> None:
        """``memory_limit`` caps what each worker may allocate beyond its loaded store (a query
        that needs more crashes its worker, not the machine; None for no cap);
        ``isolate_network`` puts workers in an empty network namespace where Linux allows;
        ``cache_bytes`` bounds the cache of answers (0: no cache, every query runs).

        ``workers`` queries run at once; ``spares`` more processes wait loaded, so that a
        worker killed (a timeout, a query stopped to make room) is replaced at once.
        ``per_client``, ``grace`` and ``penalty`` are the admission rules of
        :mod:`treatykg.admission`. ``warm`` answers every bundled query at start-up, in every
        result format, so that they never wait for a worker (kept outside the cache's budget).
        """
        if workers < 1:
            raise UsageError("the SPARQL endpoint needs at least one worker")
        self.dump = Path(dump)
        self.workers = workers
        self.spares = max(0, spares)
        self.timeout = timeout
        self.max_result_bytes = max_result_bytes
        self.max_body_bytes = max_body_bytes
        self.queue_timeout = queue_timeout
        self.endpoint_url = endpoint_url
        self._html = html
        self.html_rows = html_rows
        self._memory_limit = memory_limit
        self._isolate_network = isolate_network
        self._context = _process_context()
        # Idle workers and the requests waiting for one (first come, first served). Both are
        # touched only on the event loop's thread; other threads hand workers back through
        # loop.call_soon_threadsafe (see _give_back).
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool: set[_Worker] = set()
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._spawner: ThreadPoolExecutor | None = None
        self._running = False
        #: Filled in by start() from what the workers report once they have loaded the dump.
        self.triples = 0
        self.named_graphs = False
        self.network_isolated = False
        self._descriptions: dict[str, bytes] = {}
        self.cache = AnswerCache(cache_bytes)
        self.admission = Admission(workers, per_client=per_client, grace=grace, penalty=penalty)
        self._warm = warm
        #: Bundled answers computed at start-up, by job (never evicted), and what it cost.
        self.warmed: dict[_Job, bytes] = {}
        self.warm_seconds = 0.0
        self.restarts = 0

    # --- the pool ----------------------------------------------------------------------------

    def start(self) -> None:
        """Spawn the worker processes and block until each has loaded the dump.

        Workers are started with multiprocessing's "spawn", which re-imports the program's
        main module: a script that calls this needs the ``if __name__ == "__main__":`` guard.
        """
        if self._running:
            return
        if not self.dump.is_file():
            raise InputError(str(self.dump), "no such file")
        if ox.RdfFormat.from_extension(self.dump.suffix.lstrip(".")) is None:
            raise InputError(str(self.dump), "not an RDF file this endpoint can load")
        self._executor = ThreadPoolExecutor(self.workers + 2, thread_name_prefix="sparql")
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="sparql-spawner")
        self._running = True
        spawned = [self._spawn() for _ in range(self.workers + self.spares)]
        try:
            for worker in spawned:
                self._await_ready(worker)
            if self._warm and self.cache.budget:
                self._warm_up(spawned)
        except BaseException:
            self.close()
            raise
        for worker in spawned:
            self._idle.append(worker)  # no request runs before start() returns

    def close(self) -> None:
        """Stop every worker; requests from now on are answered 503."""
        self._running = False
        with self._lock:
            pool, self._pool = list(self._pool), set()
        for worker in pool:
            _stop(worker)
        for executor in (self._executor, self._spawner):
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)

    @property
    def idle(self) -> int:
        """How many workers wait for a query right now (approximate, for tests and metrics)."""
        return len(self._idle)

    def _spawn(self) -> _Worker:
        """Start a worker from the spawner thread, which lives as long as the service: the
        kernel kills a worker when the thread that started it ends (PR_SET_PDEATHSIG)."""
        assert self._spawner is not None
        return self._spawner.submit(self._start_process).result()

    def _start_process(self) -> _Worker:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_serve_queries,
            args=(child, str(self.dump), self._memory_limit, self._isolate_network),
            name="treatykg-sparql",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._pool.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        """Wait for the worker's "ready" (with the dump's size) or raise why it failed."""
        try:
            if not worker.conn.poll(LOAD_TIMEOUT):
                raise InputError(str(self.dump), f"not loaded after {LOAD_TIMEOUT:g} s")
            message = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(1)
            code = worker.process.exitcode
            raise InputError(str(self.dump), f"the query process died (exit code {code})") from None
        if message[0] != "ready":
            raise InputError(str(self.dump), message[1])
        _, self.triples, self.named_graphs, self.network_isolated = message

    def _warm_up(self, workers: list[_Worker]) -> None:
        """Answer every bundled query in every format, on all the workers at once, before
        serving: the data never changes while serving, so these answers stay true, and the
        questions the pages offer never wait for a worker however busy the pool is.

        The answers are kept within the cache's budget (``cache_bytes``), first come first
        kept; a bundled query that runs past the timeout is not kept (its worker is
        replaced), as it would not be when asked."""
        started = time.perf_counter()
        html_rows = self.html_rows if self._html is not None else None
        pending = collections.deque(dict.fromkeys(_bundled_jobs(self.max_result_bytes, html_rows)))
        busy: dict[int, tuple[_Job, float]] = {}  # index in workers -> job, deadline
        idle = list(range(len(workers)))
        kept = 0
        while pending or busy:
            while pending and idle:
                index = idle.pop()
                job = pending.popleft()
                busy[index] = (job, time.monotonic() + self.timeout)
                workers[index].conn.send(job)
            for index, (job, deadline) in list(busy.items()):
                worker = workers[index]
                if not worker.conn.poll(0.005):
                    if time.monotonic() > deadline:
                        log.warning("bundled query over the timeout, not cached: %.80r", job.text)
                        del busy[index]
                        self._discard(worker)
                        workers[index] = self._spawn()
                        self._await_ready(workers[index])
                        idle.append(index)
                    continue
                status, body = worker.conn.recv()
                del busy[index]
                idle.append(index)
                if status == "ok" and kept + len(body) <= self.cache.budget:
                    self.warmed[_warm_key(job)] = body
                    kept += len(body)
        self.warm_seconds = time.perf_counter() - started
        log.info("answered %d bundled queries in %.2f s", len(self.warmed), self.warm_seconds)

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker now (it may be busy with a runaway query) and replace it in the
        background, so that the pool keeps serving meanwhile."""
        self.restarts += 1
        worker.process.kill()
        with self._lock:
            self._pool.discard(worker)
        if self._running:
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
        else:
            _stop(worker)

    def _replace(self, old: _Worker) -> None:
        """Stop ``old`` and start its successor (three tries; the pool shrinks if all fail)."""
        _stop(old)
        for attempt in range(3):
            worker = None
            try:
                worker = self._spawn()
                self._await_ready(worker)
            except Exception:
                if worker is not None:
                    self._discard(worker)
                if not self._running:  # closing: the spawner refuses new work
                    return
                log.exception("could not start a SPARQL worker (attempt %d of 3)", attempt + 1)
                time.sleep(1 + attempt)
                continue
            if self._running:
                self._give_back(worker)
            else:
                self._discard(worker)
            return

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._pool.discard(worker)
        _stop(worker)

    def _give_back(self, worker: _Worker) -> None:
        """Return a worker to the pool from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self._idle.append(worker)
        else:
            loop.call_soon_threadsafe(self._release, worker)

    def _release(self, worker: _Worker) -> None:
        """Hand a free worker to the longest-waiting request, or put it with the idle ones."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    async def _take(self) -> _Worker:
        """An idle, live worker; requests queue in arrival order for up to ``queue_timeout``
        (then 503), woken by the event loop the moment a worker is free, not by polling."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        deadline = loop.time() + self.queue_timeout
        while True:
            if not self._running:
                raise _HttpError(503, "the SPARQL service is not running")
            if self._idle:
                worker = self._idle.popleft()
            else:
                waiter: asyncio.Future[_Worker] = loop.create_future()
                self._waiters.append(waiter)
                try:
                    worker = await asyncio.wait_for(waiter, max(0.0, deadline - loop.time()))
                except TimeoutError:
                    if waiter.done() and not waiter.cancelled():
                        worker = waiter.result()  # handed over just as the wait ran out
                    else:
                        raise _HttpError(
                            503,
                            f"all {self.workers} query processes are busy; try again shortly",
                            headers={"Retry-After": str(max(1, math.ceil(self.timeout / 2)))},
                        ) from None
            if worker.process.is_alive():
                return worker
            self._retire(worker)

    async def _admitted(self, request: Request, job: _Job) -> bytes:
        """Run one job once the admission rules let its client have a worker."""
        client = request.client.host if request.client else "unknown"
        try:
            ticket = await self.admission.enter(client, self.queue_timeout)
        except RefusedError as refused:
            raise _HttpError(
                refused.status,
                refused.message,
                headers={"Retry-After": str(refused.retry_after)},
            ) from None
        incident = False
        try:
            return await self._run(request, job, ticket)
        except _HttpError as error:
            incident = error.incident
            raise
        finally:
            self.admission.leave(ticket, incident=incident)

    async def _run(self, request: Request, job: _Job, ticket: Ticket) -> bytes:
        """Run one job on a worker; the worker goes back to the pool only if it answered."""
        worker = await self._take()
        lowered = False

        def lower() -> None:
            nonlocal lowered
            lowered = _set_priority(worker, LONG_QUERY_NICENESS)

        self.admission.running(ticket, lower)
        answered = False
        try:
            reply = await self._exchange(request, worker, job, ticket)
            answered = True
        finally:
            # A worker whose priority was lowered and cannot be raised again (only a
            # privileged process may) is replaced rather than kept slow.
            if answered and (not lowered or _set_priority(worker, 0)):
                self._release(worker)
            else:
                self._retire(worker)
        status, payload = reply
        if status == "ok":
            return payload
        if status == "too large":
            raise _HttpError(
                422,
                f"the result is larger than the server's cap of {_size(self.max_result_bytes)}; "
                "add LIMIT or narrow the query",
            )
        if status == "syntax":
            raise _HttpError(400, _short(payload))
        raise _HttpError(400, _short(f"the query failed: {payload}"))

    async def _exchange(
        self, request: Request, worker: _Worker, job: _Job, ticket: Ticket
    ) -> tuple[str, Any]:
        """Send the job and await the reply without blocking the event loop: the loop watches
        the pipe (add_reader) and the ticket's stop, waking every half second to notice a
        client that went away."""
        loop = asyncio.get_running_loop()
        try:
            worker.conn.send(job)  # small (the query is capped) and the idle worker reads it
        except (OSError, EOFError, ValueError):
            raise _HttpError(500, await self._crash(worker)) from None
        readable: asyncio.Future[None] = loop.create_future()
        fileno = worker.conn.fileno()

        def ready() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(fileno, ready)
        stop = asyncio.ensure_future(ticket.stop.wait())
        try:
            deadline = loop.time() + self.timeout
            while not readable.done():
                left = deadline - loop.time()
                if left <= 0:
                    log.warning("SPARQL query stopped after %g s: %.200r", self.timeout, job.text)
                    raise _HttpError(
                        503,
                        f"query stopped after {self.timeout:g} s (the server's timeout)",
                        headers={"Retry-After": str(max(1, math.ceil(self.admission.penalty)))},
                        incident=True,
                    )
                await asyncio.wait(
                    (readable, stop), timeout=min(left, 0.5), return_when=asyncio.FIRST_COMPLETED
                )
                if readable.done():
                    break
                if stop.done():
                    log.warning("SPARQL query %s: %.200r", ticket.why, job.text)
                    raise _HttpError(
                        503,
                        ticket.why,
                        headers={"Retry-After": str(max(1, math.ceil(self.admission.penalty)))},
                        incident=True,
                    )
                if await request.is_disconnected():
                    # Its worker must be killed to stop the query: a client that does this
                    # with a long query costs a process, as a timeout does.
                    ran = loop.time() - (deadline - self.timeout)
                    raise _HttpError(
                        499, "the client went away", incident=ran >= self.admission.grace
                    )
        finally:
            stop.cancel()
            loop.remove_reader(fileno)
            # uvloop (libuv) makes a watched descriptor non-blocking and leaves it so; the
            # pipe's reads and writes below and next time expect a blocking one.
            os.set_blocking(fileno, True)
        try:
            # The worker writes its whole answer at once (at most the result cap), so this
            # read is a memory copy, not a wait.
            return worker.conn.recv()
        except (OSError, EOFError):
            raise _HttpError(500, await self._crash(worker)) from None

    async def _crash(self, worker: _Worker) -> str:
        """Why the worker died, in words, once it has."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, worker.process.join, 2)
        code = worker.process.exitcode
        log.warning("SPARQL worker died (exit code %s)", code)
        if code == -signal.SIGABRT:
            why = "it ran out of memory or stack"
        elif code is not None and code < 0:
            why = f"signal {signal.Signals(-code).name}"
        else:
            why = f"exit code {code}"
        return f"the query crashed its query process ({why}); the process has been restarted"

    # --- HTTP --------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        """Answer one SPARQL Protocol request (GET, HEAD or POST)."""
        try:
            return await self._answer(request)
        except _HttpError as refused:
            return self._error(request, refused)

    async def _answer(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD", "POST"):
            raise _HttpError(
                405,
                f"{request.method} is not allowed: this endpoint only answers queries "
                "(GET or POST); it is read-only",
                headers={"Allow": "GET, HEAD, POST"},
            )
        params = await self._params(request)
        if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
            raise _HttpError(403, READ_ONLY)
        texts = params.pop("query", [])
        if len(texts) > 1:
            raise _HttpError(400, "give one query, not several")
        if texts:
            try:
                return await self._query(request, texts[0], params)
            except _HttpError as refused:
                refused.query = texts[0]
                raise
        if request.method == "POST":
            raise _HttpError(
                400, "no query: send query=… or a body of type application/sparql-query"
            )
        unknown = sorted(set(params) - {"format", "output"})
        if unknown:
            raise _HttpError(400, f"no query parameter (got {', '.join(unknown)})")
        return self._description(request, params)

    async def _params(self, request: Request) -> dict[str, list[str]]:
        """The request's parameters: from the URL, and from the body of a POST."""
        params = _parse_form(request.scope.get("query_string", b""), "URL")
        if request.method != "POST":
            return params
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/sparql-update":
            raise _HttpError(403, READ_ONLY)
        if kind == "application/x-www-form-urlencoded":
            for name, values in _parse_form(await self._body(request), "form body").items():
                params.setdefault(name, []).extend(values)
        elif kind == "application/sparql-query":
            try:
                text = (await self._body(request)).decode("utf-8")
            except UnicodeDecodeError:
                raise _HttpError(400, "the query is not valid UTF-8") from None
            params.setdefault("query", []).append(text)
        else:
            raise _HttpError(
                415,
                "send the query as application/x-www-form-urlencoded (query=…) "
                "or as application/sparql-query",
            )
        return params

    async def _body(self, request: Request) -> bytes:
        """The request body, refused (413) once it passes the cap: by its Content-Length
        before reading anything, and by counting as it streams in (chunked uploads)."""
        too_large = _HttpError(
            413, f"the request body is larger than the server's cap of {_size(self.max_body_bytes)}"
        )
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                raise _HttpError(400, "malformed Content-Length header")
            if int(declared) > self.max_body_bytes:
                raise too_large
        chunks, total = [], 0
        try:
            async for chunk in request.stream():
                total += len(chunk)
                if total > self.max_body_bytes:
                    raise too_large
                chunks.append(chunk)
        except ClientDisconnect:  # hung up halfway through its body: nobody to answer
            raise _HttpError(499, "the client went away") from None
        return b"".join(chunks)

    async def _query(self, request: Request, text: str, params: dict[str, list[str]]) -> Response:
        # The checks read the whole text (up to 64 KiB: tens of milliseconds): a long one in
        # a thread, so that the event loop goes on serving meanwhile.
        form = (
            _checked_form(text)
            if len(text) < 2048
            else await asyncio.to_thread(_checked_form, text)
        )
        graph = form in ("construct", "describe")
        default_graphs = _graph_iris(params, "default-graph-uri")
        named_graphs = _graph_iris(params, "named-graph-uri")
        offered = list(GRAPH_TYPES if graph else RESULT_TYPES)
        if self._html is not None and not graph:
            offered.append(HTML)
        media, by_accept = self._choose(request, params, offered, graph)
        headers = {"Vary": "Accept"} if by_accept else {}
        fmt = HTML_ROWS if media == HTML else (GRAPH_TYPES if graph else RESULT_TYPES)[media]
        rows = self.html_rows if fmt == HTML_ROWS else 0
        job = _Job(text, default_graphs, named_graphs, graph, fmt, self.max_result_bytes, rows)
        body = self.warmed.get(_warm_key(job)) or self.cache.get(job)
        headers["X-Treatykg-Cache"] = "miss" if body is None else "hit"
        if body is None:
            try:
                body = await self._admitted(request, job)
            except _HttpError as refused:
                refused.headers.update(headers)
                raise
            self.cache.put(job, body)
        if media == HTML and self._html is not None:
            # Parsing and rendering take time in proportion to the rows (at most a page's
            # worth): in a thread, so that the event loop goes on serving everyone else.
            page = await asyncio.to_thread(self._html, text, json.loads(body), None)
            return HTMLResponse(page, headers={**NOSNIFF, **headers})
        return _response(body, media, headers)

    def _choose(
        self, request: Request, params: dict[str, list[str]], offered: list[str], graph: bool
    ) -> tuple[str, bool]:
        """The media type to answer with, and whether Accept chose it (so: Vary: Accept).

        A ``format=`` (or ``output=``) parameter wins over ``Accept``: browsers cannot set
        headers on a link, and SPARQLWrapper sends it.
        """
        names = params.get("format") or params.get("output")
        if names:
            name = names[-1].strip().lower()
            media = name if "/" in name else FORMAT_NAMES.get(name, (None, None))[graph]
            if media is None or media not in offered:
                raise _HttpError(
                    406, f"format={names[-1]!r} is not offered here; {_offer(offered)}"
                )
            return media, False
        try:
            media = negotiate.choose(_accept(request), offered)
        except negotiate.BadAccept as error:
            raise _HttpError(400, f"malformed Accept header: {error}") from None
        if media is None:
            raise _HttpError(
                406,
                f"nothing the Accept header asks for is offered here; {_offer(offered)}",
                headers={"Vary": "Accept"},
            )
        return media, True

    def _description(self, request: Request, params: dict[str, list[str]]) -> Response:
        """The SPARQL 1.1 Service Description (or the HTML query form, for browsers)."""
        offered = list(GRAPH_TYPES) + ([HTML] if self._html is not None else [])
        media, by_accept = self._choose(request, params, offered, graph=True)
        headers = {"Vary": "Accept"} if by_accept else {}
        if media == HTML and self._html is not None:
            return HTMLResponse(self._html(None, None, None), headers={**NOSNIFF, **headers})
        if media not in self._descriptions:
            self._descriptions[media] = (
                ox.serialize(
                    self._description_triples(),
                    format=getattr(ox.RdfFormat, GRAPH_TYPES[media]),
                    prefixes={"sd": SD, "void": VOID, "formats": FORMATS},
                )
                or b""
            )  # serialize returns None only when given an output to write to
        return _response(self._descriptions[media], media, headers)

    def _description_triples(self) -> list[ox.Triple]:
        service, dataset, graph = (ox.BlankNode(name) for name in ("service", "dataset", "graph"))

        def sd(name: str) -> ox.NamedNode:
            return ox.NamedNode(SD + name)

        triples = [
            ox.Triple(service, RDF_TYPE, sd("Service")),
            ox.Triple(service, sd("endpoint"), ox.NamedNode(self.endpoint_url)),
            ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
            *(
                ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + name))
                for name in FORMAT_IRIS.values()
            ),
        ]
        if self.named_graphs:
            triples.append(ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")))
        return [
            *triples,
            ox.Triple(service, sd("defaultDataset"), dataset),
            ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
            ox.Triple(dataset, sd("defaultGraph"), graph),
            ox.Triple(graph, RDF_TYPE, sd("Graph")),
            ox.Triple(graph, ox.NamedNode(VOID + "triples"), ox.Literal(self.triples)),
        ]

    def _error(self, request: Request, refused: _HttpError) -> Response:
        """A short plain-text error, or the HTML page with the message for a browser."""
        headers = {**NOSNIFF, **refused.headers}
        if self._html is not None and _prefers_html(request):
            page = self._html(refused.query, None, refused.message)
            return HTMLResponse(page, status_code=refused.status, headers=headers)
        return Response(
            refused.message + "\n",
            status_code=refused.status,
            media_type="text/plain; charset=utf-8",
            headers=headers,
        )


# --- request helpers (pure functions) --------------------------------------------------------


def _parse_form(raw: bytes, where: str) -> dict[str, list[str]]:
    """``application/x-www-form-urlencoded`` parameters, strictly: malformed percent-encoding
    (``%zz``) or bytes that are not UTF-8 (``%ff``) are a 400, never a guess or a 500.

    Clients repeat the same requests (dashboards, the bundled queries), so parses are
    memoized; the caller gets its own copy to change."""
    parsed = _parse_form_cached(raw, where)
    if isinstance(parsed, _HttpError):
        raise _HttpError(parsed.status, parsed.message)
    return {name: list(values) for name, values in parsed.items()}


@functools.lru_cache(maxsize=256)
def _parse_form_cached(raw: bytes, where: str) -> dict[str, tuple[str, ...]] | _HttpError:
    try:
        return {name: tuple(values) for name, values in _parse_form_uncached(raw, where).items()}
    except _HttpError as error:
        return error


def _parse_form_uncached(raw: bytes, where: str) -> dict[str, list[str]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _HttpError(400, f"the {where} is not valid UTF-8") from None
    if _BAD_PERCENT.search(text):
        raise _HttpError(
            400, f"malformed percent-encoding in the {where}: a % must be followed by 2 hex digits"
        )
    try:
        pairs = urllib.parse.parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise _HttpError(400, f"percent-encoded bytes in the {where} are not valid UTF-8") from None
    except ValueError:
        raise _HttpError(400, f"more than {_MAX_FIELDS} parameters in the {where}") from None
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def _checked_form(text: str) -> str:
    """The query's form, once the query is known to be safe to hand to a worker."""
    if len(text.encode("utf-8", "surrogatepass")) > query.MAX_QUERY_BYTES:
        raise _HttpError(413, f"the query is larger than {query.MAX_QUERY_BYTES // 1024} KiB")
    if query.is_update(text):
        raise _HttpError(403, READ_ONLY)
    depth = query.nesting(text)
    if depth > query.MAX_NESTING:
        raise _HttpError(
            400, f"the query nests {{ }}, ( ) or [ ] {depth} deep; the limit is {query.MAX_NESTING}"
        )
    if query.uses_service(text):
        raise _HttpError(
            400,
            "SERVICE (federated query) is refused: this endpoint does not fetch from other "
            "servers (a prefix or name containing 'service' can trigger this; rename it)",
        )
    try:
        return query.form(text)
    except UsageError as error:
        raise _HttpError(400, str(error)) from None


def _graph_iris(params: dict[str, list[str]], name: str) -> tuple[str, ...]:
    """The ``default-graph-uri`` or ``named-graph-uri`` values, each checked to be an IRI."""
    values = params.get(name, [])
    if len(values) > MAX_GRAPHS:
        raise _HttpError(400, f"more than {MAX_GRAPHS} {name} values")
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise _HttpError(400, _short(f"{name} is not a valid IRI: {value!r}")) from None
    return tuple(values)


def _accept(request: Request) -> str | None:
    """The Accept header, several of them joined as RFC 9110 says; None when absent."""
    values = request.headers.getlist("accept")
    return ", ".join(values) if values else None


def _prefers_html(request: Request) -> bool:
    try:
        return negotiate.choose(_accept(request), ["text/plain", HTML]) == HTML
    except negotiate.BadAccept:
        return False


def _response(body: bytes, media: str, headers: dict[str, str]) -> Response:
    return Response(
        body,
        media_type=f"{media}; charset=utf-8",
        headers={**NOSNIFF, **headers},
    )


def _offer(offered: list[str]) -> str:
    return "this endpoint answers with " + ", ".join(offered)


def _size(count: int) -> str:
    mib = count / (1024 * 1024)
    return f"{mib:g} MiB" if mib >= 1 else f"{count / 1024:g} KiB"


def _short(message: str) -> str:
    """One line of at most a few hundred characters: pyoxigraph's "expected one of …" lists
    can run to pages."""
    message = " ".join(message.split())
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def _stop(worker: _Worker) -> None:
    """Kill a worker, reap it, close its pipe."""
    try:
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
    except (OSError, ValueError):
        pass


# --- the worker process ----------------------------------------------------------------------


class _CappedBuffer(io.BytesIO):
    """Where pyoxigraph writes a result: raises :class:`ResultTooLargeError` (which pyoxigraph lets
    through) rather than hold more than ``cap`` bytes."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def write(self, data: Any) -> int:
        if self.tell() + memoryview(data).nbytes > self.cap:
            raise ResultTooLargeError
        return super().write(data)


def _serve_queries(
    conn: Connection, dump: str, memory_limit: int | None, isolate_network: bool
) -> None:
    """The worker's main loop: load the dump, say ready, then answer jobs until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent()
    try:
        data = Path(dump).read_bytes()  # read before unsharing: the file may be ours only
        isolated = isolate_network and _unshare_network()
        store = ox.Store()
        store.bulk_load(data, ox.RdfFormat.from_extension(Path(dump).suffix.lstrip(".")))
        del data
    except Exception as error:  # reported to the parent, which raises it
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    union = next(iter(store.named_graphs()), None) is not None
    try:
        # Queries run on a thread with a stack for the largest one (query.on_query_stack: the
        # 8 MB of this main thread overflow on a long chain of operators); it starts before
        # the memory cap, which counts thread stacks, so that the cap leaves the budget whole.
        query.on_query_stack(_answer_jobs, conn, store, union, memory_limit, isolated)
    except UsageError as error:  # no such thread on this machine: the parent says why
        conn.send(("failed", str(error)))


def _answer_jobs(
    conn: Connection, store: ox.Store, union: bool, memory_limit: int | None, isolated: bool
) -> None:
    """Say ready, then answer jobs until the pipe closes (on the query thread)."""
    if memory_limit is not None:
        _limit_memory(memory_limit)
    conn.send(("ready", len(store), union, isolated))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_execute(store, union, job))


def _execute(store: ox.Store, union: bool, job: _Job) -> tuple[str, Any]:
    """Run one query and serialize its result with pyoxigraph, within the byte cap."""
    options: dict[str, Any] = {}
    if job.default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
    elif union:
        options["use_default_graph_as_union"] = True
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
    try:
        result = store.query(job.text, **options)
        graph = isinstance(result, ox.QueryTriples)
        if graph != job.graph:
            return "error", "the query's form is not the one its first keyword names"
        if job.format == HTML_ROWS:
            return "ok", _page_of_results(result, job.rows, job.cap)
        kind = ox.RdfFormat if graph else ox.QueryResultsFormat
        buffer = _CappedBuffer(job.cap)
        result.serialize(buffer, getattr(kind, job.format))
        return "ok", buffer.getvalue()
    except SyntaxError as error:
        return "syntax", query.syntax_message(error, job.text)
    except ResultTooLargeError:
        return "too large", None
    except Exception as error:  # evaluation errors, for the client
        return "error", str(error) or type(error).__name__


def _page_of_results(result: Any, shown: int, cap: int) -> bytes:
    """SPARQL JSON results with the first ``shown`` rows and ``total``, the count of all of
    them: what an HTML page shows, built in the worker, whatever the result's size."""
    if isinstance(result, bool):
        return json.dumps({"head": {}, "boolean": result}).encode()
    names = [variable.value for variable in result.variables]
    rows, total = [], 0
    for solution in result:
        total += 1
        if total <= shown:
            rows.append(
                {name: _json_term(solution[name]) for name in names if solution[name] is not None}
            )
    body = json.dumps(
        {"head": {"vars": names}, "results": {"bindings": rows}, "total": total},
        ensure_ascii=False,
    ).encode()
    if len(body) > cap:
        raise ResultTooLargeError
    return body


def _json_term(term: Any) -> dict[str, str]:
    """One RDF term as a SPARQL 1.1 JSON results binding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        found = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            found["datatype"] = term.datatype.value
        return found
    return {"type": "literal", "value": str(term)}  # a quoted triple (RDF-star), as text


def _bundled_jobs(cap: int, html_rows: int | None) -> list[_Job]:
    """Every bundled query (not the federated ones) in every format the endpoint offers, as
    the query page's forms send them and as ``treatykg query --endpoint`` does."""
    jobs = []
    for item in query.bundled():
        if item.name.startswith("federated/") or not _warmable(item.text):
            continue
        graph = query.form(item.text) in ("construct", "describe")
        formats = set((GRAPH_TYPES if graph else RESULT_TYPES).values())
        if html_rows is not None and not graph:
            formats.add(HTML_ROWS)
        for text in dict.fromkeys((item.text, query.bind(item, {}))):
            jobs += [
                _Job(text, (), (), graph, fmt, cap, (html_rows or 0) if fmt == HTML_ROWS else 0)
                for fmt in sorted(formats)
            ]
    return jobs


def _warmable(text: str) -> bool:
    """A query whose meaning does not change if its line breaks are CRLF (browsers send a
    textarea's lines so): no long strings, whose line breaks are part of their value."""
    return '"""' not in text and "'''" not in text


def _warm_key(job: _Job) -> _Job:
    """The key of a warmed answer: the job with its line breaks as LF (see _warmable)."""
    return dataclasses.replace(job, text=job.text.replace("\r\n", "\n"))


def _set_priority(worker: _Worker, niceness: int) -> bool:
    """Set the worker process's CPU niceness; False where the system does not allow it."""
    try:
        os.setpriority(os.PRIO_PROCESS, worker.process.pid or 0, niceness)
    except (OSError, AttributeError):
        return False
    return True


def _process_context() -> (
    multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext
):
    """How query processes start: forked from a server process that has imported treatykg
    already ("forkserver", where the platform has it), so that replacing a killed worker
    costs the loading of the dump and not a new interpreter and its imports (0.3 s of CPU
    each, which a client killing workers on purpose would make the server spend); "spawn"
    elsewhere. Never plain "fork": the server has threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _die_with_parent() -> None:
    """Linux: have the kernel kill this worker if the server dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            _libc().prctl(1, signal.SIGKILL, 0, 0, 0)


def _unshare_network() -> bool:
    """Linux, best effort: move this process into a new, empty network namespace (as its own
    unprivileged user namespace when needed), where no socket reaches anything. Whatever the
    query checks miss, a worker then cannot fetch. False where the kernel does not allow it."""
    if not sys.platform.startswith("linux"):
        return False
    clone_newuser, clone_newnet = 0x10000000, 0x40000000
    try:
        libc = _libc()
        return any(
            libc.unshare(flags) == 0 for flags in (clone_newuser | clone_newnet, clone_newnet)
        )
    except (OSError, AttributeError):
        return False


def _limit_memory(budget: int) -> None:
    """Cap the data this process may allocate at what it holds now plus ``budget``: a query that
    wants more makes its allocation fail (and its worker die), not the machine swap."""
    if resource is None:
        return
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            held = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmData"))
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        soft = held + budget if hard == resource.RLIM_INFINITY else min(held + budget, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
    except (OSError, ValueError, StopIteration):
        pass
