"""What runs inside a query process: load its store once, then answer jobs until the pipe closes.

A worker's store is a :class:`Source`: a dump it loads into memory (a copy of its own), or a
store on disk that every worker opens read-only (:mod:`treatykg.web.endpoint.disk_store`).

pyoxigraph has no query timeout and cannot be interrupted by a signal, so every query runs in
a process of its own that the server can kill (:mod:`treatykg.web.endpoint.pool`). The server
sends a :class:`Job` down the pipe and reads back ``(status, payload)``: ``("ok", bytes)``,
``("syntax", message)``, ``("too large", None)`` or ``("error", message)``.

Nothing here writes: a worker only ever calls ``Store.query``. pyoxigraph serializes a result
into a buffer that refuses to grow past the cap, so an answer is whole or an error, never
truncated. The limits the operating system holds a worker to are in
:mod:`treatykg.web.endpoint.sandbox`.
"""

from __future__ import annotations

import io
import json
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from treatykg.errors import UsageError
from treatykg.rdf.formats import by_key
from treatykg.rdf.jsonld_types import types_as_keyword
from treatykg.sparql import execute, guard
from treatykg.web.endpoint import disk_store, sandbox

#: The job format of an HTML results page: the worker sends SPARQL JSON results holding the
#: first rows (``html_rows``) and the total count, so that the server parses and renders a
#: page's worth, off the event loop, however large the result.
HTML_ROWS = "HTML_ROWS"
#: The job format of JSON-LD, whose node types the worker writes as ``@type``.
_JSON_LD = by_key("jsonld").parser


@dataclass(frozen=True)
class Source:
    """Where a worker's store comes from: a dump to load into memory, or (``on_disk``) a store
    made by :func:`~treatykg.web.endpoint.disk_store.prepare_store`, opened read-only."""

    path: str
    on_disk: bool = False


class ResultTooLargeError(Exception):
    """The serialized result passed the cap (raised inside a worker, by the output buffer)."""


@dataclass(frozen=True)
class Job:
    """What a worker needs to answer one query; picklable, small."""

    text: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    graph: bool  # CONSTRUCT/DESCRIBE (RdfFormat) rather than SELECT/ASK (QueryResultsFormat)
    format: str  # the name of the pyoxigraph format, e.g. "JSON" or "TURTLE", or HTML_ROWS
    cap: int
    rows: int = 0  # HTML_ROWS: how many rows to send


class _CappedBuffer(io.BytesIO):
    """Where pyoxigraph writes a result: raises :class:`ResultTooLargeError` (which pyoxigraph
    lets through) rather than hold more than ``cap`` bytes."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap

    def write(self, data: Any) -> int:
        if self.tell() + memoryview(data).nbytes > self.cap:
            raise ResultTooLargeError
        return super().write(data)


def serve_queries(
    conn: Connection, source: Source, memory_limit: int | None, isolate_network: bool
) -> None:
    """The worker's main loop: open its store, say ready, then answer jobs until the pipe
    closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    sandbox.die_with_parent()
    try:
        # Opened before unsharing: the files may be ours only.
        store, triples, union = _open(source)
        isolated = isolate_network and sandbox.unshare_network()
    except Exception as error:  # reported to the parent, which raises it
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    if memory_limit is not None and source.on_disk:
        memory_limit += disk_store.CACHES  # RocksDB's caches fill as queries read the store
    try:
        # Queries run on a thread with a stack for the largest one (execute.on_query_stack:
        # the 8 MB of this main thread overflow on a long chain of operators); it starts
        # before the memory cap, which counts thread stacks, so that the cap leaves the
        # budget whole.
        execute.on_query_stack(_answer_jobs, conn, store, (triples, union, isolated), memory_limit)
    except UsageError as error:  # no such thread on this machine: the parent says why
        conn.send(("failed", str(error)))


def _open(source: Source) -> tuple[ox.Store, int, bool]:
    """The worker's store, its number of triples and whether it has named graphs: a store on
    disk opened read-only (nothing to load: its files are shared with the other workers
    through the page cache), or the dump loaded into a store of this worker's own."""
    if source.on_disk:
        info = disk_store.read_info(Path(source.path))
        return ox.Store.read_only(source.path), info.triples, info.named_graphs
    dump = Path(source.path)
    data = dump.read_bytes()
    store = ox.Store()
    store.bulk_load(data, ox.RdfFormat.from_extension(dump.suffix.lstrip(".")))
    del data
    return store, len(store), next(iter(store.named_graphs()), None) is not None


def _answer_jobs(
    conn: Connection,
    store: ox.Store,
    ready: tuple[int, bool, bool],
    memory_limit: int | None,
) -> None:
    """Say ready (with the store's triples, whether it has named graphs, whether the network
    is cut off), then answer jobs until the pipe closes (on the query thread)."""
    if memory_limit is not None:
        sandbox.limit_memory(memory_limit)
    conn.send(("ready", *ready))
    union = ready[1]
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(answer(store, union, job))


def answer(store: ox.Store, union: bool, job: Job) -> tuple[str, Any]:
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
        body = buffer.getvalue()
        if graph and job.format == _JSON_LD:  # shorter for it: within the cap still
            body = types_as_keyword(body)
        return "ok", body
    except SyntaxError as error:
        return "syntax", guard.syntax_message(error, job.text)
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
