"""Talk to a remote triplestore (Oxigraph, Jena Fuseki, GraphDB, Virtuoso …): run a query on
its SPARQL 1.1 endpoint, or load a build into it (:func:`push`, staged in bounded chunks with
the Graph Store Protocol and swapped in with one SPARQL Update; see the comment above it).

SPARQLWrapper does the protocol. Queries are sent by POST (long queries overflow GET URLs),
with a timeout, and with basic or digest credentials when given. The password never comes
from the command line: it is read from an environment variable (see :data:`PASSWORD_ENV`).
Every failure a user can cause (endpoint unreachable, timeout, HTTP 4xx/5xx) becomes one
:class:`~treatykg.errors.UsageError` line with the status and the server's own text.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import http.client
import json
import os
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any, BinaryIO, cast

import pyoxigraph as ox

from treatykg.errors import InputError, TreatykgError, UsageError, syntax_cause
from treatykg.rdf.formats import by_key

#: Environment variable holding the endpoint password (never a command-line option).
PASSWORD_ENV = "TREATYKG_ENDPOINT_PASSWORD"
_MAX_SERVER_TEXT = 300
# SPARQLWrapper turns these HTTP statuses into exceptions of its own, keeping the body.
_STATUS = {
    "QueryBadFormed": "400 Bad Request",
    "Unauthorized": "401 Unauthorized",
    "EndPointNotFound": "404 Not Found",
    "URITooLong": "414 URI Too Long",
    "EndPointInternalError": "500 Internal Server Error",
}


@dataclass(frozen=True)
class Endpoint:
    url: str
    timeout: float = 60.0
    user: str | None = None
    auth: str = "basic"  # or "digest"
    #: Sent as ``default-graph-uri``: the graph(s) the query's default graph is made of.
    default_graph: str | None = None


@dataclass(frozen=True)
class RemoteResult:
    """What came back: ``kind`` is "select", "ask" or "graph"."""

    kind: str
    variables: tuple[str, ...] = ()
    #: SELECT rows as SPARQL JSON bindings ({"var": {"type": …, "value": …}}).
    bindings: tuple[dict[str, Any], ...] = ()
    boolean: bool = False
    #: CONSTRUCT/DESCRIBE: the graph as N-Triples text.
    ntriples: str = ""
    #: The raw response for csv/tsv/json output.
    raw: bytes = b""


def run(endpoint: Endpoint, text: str, *, form: str, result_format: str = "json") -> RemoteResult:
    """Send ``text`` (whose query form is ``form``: select, ask, construct, describe)."""
    # Here, not at the top, to keep start-up fast: SPARQLWrapper takes ~0.2 s to import and
    # only `treatykg query --endpoint` needs it (`treatykg load` speaks HTTP itself).
    from SPARQLWrapper import (
        CSV,
        DIGEST,
        JSON,
        N3,
        POST,
        TSV,
        URLENCODED,
        SPARQLWrapper,
    )

    client = SPARQLWrapper(endpoint.url)
    client.setMethod(POST)
    client.setRequestMethod(URLENCODED)
    client.setTimeout(int(max(endpoint.timeout, 1)))
    if endpoint.user:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            raise UsageError(f"--user given but no password: set {PASSWORD_ENV}")
        if endpoint.auth == "digest":
            client.setHTTPAuth(DIGEST)
        client.setCredentials(endpoint.user, password)
    client.setQuery(text)
    if endpoint.default_graph:
        client.addDefaultGraph(endpoint.default_graph)
    graph = form in ("construct", "describe")
    if graph:
        client.setReturnFormat(N3)  # asks for Turtle/N-Triples; parsed below by pyoxigraph
    else:
        client.setReturnFormat({"csv": CSV, "tsv": TSV}.get(result_format, JSON))
    raw = _send(client, endpoint)
    if graph:
        return RemoteResult("graph", raw=raw, ntriples=_as_ntriples(raw))
    if result_format in ("csv", "tsv"):
        return RemoteResult(form, raw=raw)
    try:
        document = json.loads(raw)
    except ValueError:
        raise UsageError(f"{endpoint.url}: the answer is not SPARQL JSON results") from None
    if "boolean" in document:
        return RemoteResult("ask", boolean=bool(document["boolean"]), raw=raw)
    return RemoteResult(
        "select",
        variables=tuple(document.get("head", {}).get("vars", [])),
        bindings=tuple(document.get("results", {}).get("bindings", [])),
        raw=raw,
    )


def holds_release(endpoint: Endpoint, graph: str | None = None) -> bool:
    """Whether the store behind ``endpoint`` has triples in the named graph ``graph`` (by
    default the release graph :func:`push` fills).

    Why: ``treatykg load`` puts the release in a named graph, and a store whose default graph
    is not the union of its graphs (Oxigraph's server unless told, TDB2) then answers every
    query with no rows. An empty answer is checked with this, so that it is never silent.
    """
    asked = Endpoint(endpoint.url, endpoint.timeout, endpoint.user, endpoint.auth)
    named = graph or DEFAULT_GRAPH  # (defined with the loading code below)
    answer = run(asked, f"ASK {{ GRAPH <{named}> {{ ?s ?p ?o }} }}", form="ask")
    return answer.boolean


def _send(client: Any, endpoint: Endpoint) -> bytes:
    try:
        response = client.query().response
        return response.read()
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace") if hasattr(error, "read") else ""
        raise UsageError(
            f"{endpoint.url}: HTTP {error.code} {error.reason}: {_short(body)}"
        ) from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise UsageError(f"{endpoint.url}: no answer within {endpoint.timeout:g} s") from None
        raise UsageError(f"{endpoint.url}: cannot reach the endpoint: {reason}") from None
    except TimeoutError:
        raise UsageError(f"{endpoint.url}: no answer within {endpoint.timeout:g} s") from None
    except Exception as error:  # SPARQLWrapper wraps 400/401/404/414/500 in its own types
        status = _STATUS.get(type(error).__name__)
        if status is None:
            raise
        text = _server_text(str(error))
        raise UsageError(f"{endpoint.url}: HTTP {status}: {_short(text) or error}") from None


def _server_text(message: str) -> str:
    """The server's body, which SPARQLWrapper keeps only as ``repr(bytes)`` in the message."""
    _, marker, body = message.partition("Response:\n")
    if not marker:
        return ""
    try:
        value = ast.literal_eval(body.strip())
    except (ValueError, SyntaxError):
        return body.strip()
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _as_ntriples(raw: bytes) -> str:
    for fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
        try:
            triples = list(ox.parse(raw, format=fmt))
        except SyntaxError:
            continue
        return _ntriples(triples).decode("utf-8")
    raise UsageError("the endpoint's graph answer is neither N-Triples nor Turtle")


def _ntriples(triples: Iterable[Any]) -> bytes:
    """N-Triples: the bytes pyoxigraph returns when given no output to write to (its stubs
    say ``bytes | None`` for both ways of calling it)."""
    return cast(bytes, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SERVER_TEXT else text[: _MAX_SERVER_TEXT - 1] + "…"


# --- pushing a build into a triplestore: staged in chunks, then swapped in -----------------
#
# A load never holds the dump in memory, and a failure always says what the store holds:
#
# 1. the dump (treatykg.nq or treatykg.nt) is parsed once, streaming, only to check it and
#    count its triples per graph (and, for a chunked swap, to take its SHA-256): a malformed
#    dump is refused before anything is sent;
# 2. the staging graph of each target graph (``urn:treatykg:staging:<UUIDv5 of the target's
#    IRI>``) is emptied with SPARQL Update, which also proves the update endpoint works;
# 3. the dump is parsed again, streaming, and sent in chunks of at most ``chunk_size``
#    triples with Graph Store Protocol POSTs (append) into the staging graphs. Triples with a
#    blank node are held back (in memory up to 8 MiB, then in a temporary file) and sent last,
#    in one request per graph, because a blank node's scope is one document: split over two
#    requests, one blank node would become two;
# 4. the staging graphs replace their targets, one of two ways (``swap``):
#
#    * ``atomic`` (the default): ONE SPARQL Update moves every staging graph onto its target
#      (``MOVE GRAPH <staging> TO GRAPH <target>`` per graph, ``;``-separated). A store that
#      runs an update request as one transaction (Oxigraph, Fuseki/TDB2, Virtuoso) switches
#      the whole dataset at once: readers of the target graphs see all the old graphs or all
#      the new ones. MOVE is not SILENT on purpose: if a staging graph vanished meanwhile, the
#      swap fails instead of emptying its target. The store copies the staged triples inside
#      that request, so it may take as long as all the chunks together (``timeout`` per
#      chunk). A store keeps a transaction's changes until it commits, and Oxigraph's server
#      keeps them in memory (RocksDB's indexed write batch, and the update's solutions before
#      it: about 3.5 GB per million triples moved with 0.5.13), so that no swap that
#      replaces a graph is both atomic and bounded there. On Oxigraph's server (its ``Server``
#      header says so), a dump of more than ``atomic_limit`` triples (default
#      :data:`OXIGRAPH_ATOMIC_LIMIT`) is therefore refused before anything is sent, rather
#      than driving the server out of memory; other stores are limited only when asked.
#    * ``chunked`` (asked for): bounded memory in the store too, not atomic for readers. No
#      request changes more than ``chunk_size`` triples: for each target in turn, its old
#      triples are deleted, then the staged ones moved into it (``DELETE … INSERT … WHERE {
#      SELECT … LIMIT n }``), each request a transaction of its own. Meanwhile, readers of
#      that target see it incomplete (part of the old graph, then part of the new one). A
#      journal graph per target (``urn:treatykg:journal:<UUIDv5 of the target's IRI>``) holds
#      the step reached and the dump's SHA-256, and ``<target> <urn:treatykg:load#incomplete>
#      true`` from the first deletion until the load ends: readers can ask whether the target
#      is whole. A load stopped during the swap leaves its journal and the rest of the staged
#      triples; the next chunked load of the same dump finishes the swap where it stopped
#      (each chunk moved whole or not at all, so the staging graph holds exactly what is
#      left), and a load of another dump starts anew (the target stays marked incomplete).
#      An atomic load refuses to run over a journal: finishing is the chunked load's job.
#
# Any failure before the swap (HTTP error, connection lost, timeout, a dump that changed and
# no longer parses, Ctrl-C) empties the staging graphs (best effort) and leaves the targets as
# they were. A staging graph that could not be emptied (the store went away) is emptied by the
# next load of the same target, since its name depends only on the target.

DEFAULT_GRAPH = "https://w3id.org/treatykg/graph/release"
#: Triples per Graph Store request (``treatykg load --chunk-size``), and per update of a
#: chunked swap.
DEFAULT_CHUNK_SIZE = 50_000
#: Staging graphs are named ``urn:treatykg:staging:<UUIDv5 of the target graph's IRI>``.
STAGING_PREFIX = "urn:treatykg:staging:"
#: A chunked swap's journal graphs: ``urn:treatykg:journal:<UUIDv5 of the target's IRI>``.
JOURNAL_PREFIX = "urn:treatykg:journal:"
#: In a journal graph, ``<target> INCOMPLETE true`` while readers see the target incomplete.
INCOMPLETE = "urn:treatykg:load#incomplete"
#: How the staged graphs replace their targets (``treatykg load --swap``).
SWAPS = ("atomic", "chunked")
#: The largest dump an atomic swap sends to Oxigraph's server unless told otherwise
#: (``--atomic-limit``): its MOVE of a million triples peaked at 4.4 GB of server memory
#: (0.5.13, benchmarks/bench_load.py), and of three million passed 10 GB.
OXIGRAPH_ATOMIC_LIMIT = 1_000_000
_STEP = "urn:treatykg:load#step"
_DUMP = "urn:treatykg:load#dump"
#: A chunked load's steps, in order: the swap runs from "clearing" to "done".
_STEPS = ("staging", "staged", "clearing", "filling", "done")
_SPOOL_IN_MEMORY = 8 * 2**20  # blank-node triples beyond this wait in a temporary file
_CLEANUP_TIMEOUT = 15.0
_UNCHANGED = "not sent: the store is unchanged"
#: The media type of what the Graph Store requests send.
_NTRIPLES = by_key("ntriples").media_type


@dataclass(frozen=True)
class Loaded:
    """One graph pushed: its name, the triples sent, and the triples the store then held."""

    graph: str
    sent: int
    stored: int | None


@dataclass(frozen=True)
class Progress:
    """What :func:`push` reports as it goes.

    ``stage`` is ``"checked"`` (the dump is well-formed and the update endpoint answered;
    nothing sent yet), ``"sent"`` (one more request stored in the staging graph of
    ``graph``), ``"swapping"`` (the swap begins), ``"swapped"`` (targets replaced). A chunked
    swap also reports ``"resuming"`` (before the swap: an earlier load of the same dump
    stopped during its swap, which this load finishes), ``"cleared"`` (``sent`` of the
    ``total`` old triples of ``graph`` deleted) and ``"moved"`` (``sent`` of the ``total``
    staged triples moved into their targets).
    """

    stage: str
    sent: int
    total: int
    graphs: int
    graph: str = ""


class LoadInterrupted(KeyboardInterrupt):
    """Ctrl-C during a load, once the staging graphs are dealt with; ``str()`` says what the
    store holds."""


def staging_graph(target: str) -> str:
    """The staging graph of ``target``: the same for every load of it, unlike any real graph."""
    return STAGING_PREFIX + str(uuid.uuid5(uuid.NAMESPACE_URL, target))


def journal_graph(target: str) -> str:
    """The journal graph of a chunked load of ``target``, named like its staging graph."""
    return JOURNAL_PREFIX + str(uuid.uuid5(uuid.NAMESPACE_URL, target))


def default_update_url(store_url: str) -> str | None:
    """Oxigraph's SPARQL Update endpoint, ``/update`` beside its Graph Store ``/store``."""
    base = store_url.rstrip("/")
    return base[: -len("store")] + "update" if base.endswith("/store") else None


def push(
    store_url: str,
    build: Path,
    *,
    graph: str = DEFAULT_GRAPH,
    query_url: str | None = None,
    update_url: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    timeout: float = 120.0,
    user: str | None = None,
    auth: str = "basic",
    graph_param: str = "graph",
    swap: str = "atomic",
    atomic_limit: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> list[Loaded]:
    """Replace graphs in a triplestore with a build's dump, in bounded chunks.

    The build's default graph goes to ``graph``; named graphs (from ``treatykg.nq``) keep
    their names. How (staging graphs, then an atomic or a chunked ``swap``), the
    ``atomic_limit`` and what a failure leaves: see the comment above. ``store_url`` is the
    Graph Store Protocol endpoint (``graph_param`` names the graph: ``graph`` in the
    standard, ``graph-uri`` on Virtuoso); ``update_url`` the SPARQL Update endpoint (default:
    Oxigraph's, see :func:`default_update_url`); ``query_url`` the SPARQL endpoint, which
    reads the journals, and afterwards each graph's triple count (a chunked swap needs it).
    """
    if chunk_size < 1:
        raise UsageError(f"--chunk-size must be at least 1, got {chunk_size}")
    if swap not in SWAPS:
        raise UsageError(f"--swap must be one of {', '.join(SWAPS)}, got {swap!r}")
    if atomic_limit is not None and atomic_limit < 1:
        raise UsageError(f"--atomic-limit must be at least 1, got {atomic_limit}")
    try:
        ox.NamedNode(graph)
    except ValueError:
        raise UsageError(f"--graph {graph!r} is not an absolute IRI") from None
    update_url = update_url or default_update_url(store_url)
    if update_url is None:
        raise UsageError(
            f"{store_url}: give --update-endpoint too: the load ends with a SPARQL Update that "
            "swaps the graphs in (only Oxigraph's, /update beside /store, is guessed)"
        )
    if swap == "chunked" and query_url is None:
        raise UsageError(
            f"{store_url}: --swap chunked needs --query-endpoint too: it reads its journal "
            "and what is left to move from the store"
        )
    dump = build / "treatykg.nq" if (build / "treatykg.nq").is_file() else build / "treatykg.nt"
    if not dump.is_file():
        raise InputError(str(build), "not a treatykg build (no treatykg.nq or treatykg.nt)")
    fmt = ox.RdfFormat.N_QUADS if dump.suffix == ".nq" else ox.RdfFormat.N_TRIPLES
    store = _Store(store_url, update_url, query_url, timeout, user, auth, graph_param)
    # One open file for both passes: a build swapped in meanwhile is not mixed in.
    try:
        stream = open(dump, "rb")  # noqa: SIM115 (closed by the with below)
    except OSError as error:
        raise InputError(str(dump), (error.strerror or str(error)).lower()) from None
    with stream:
        digest = hashlib.sha256() if swap == "chunked" else None
        counts = _check(_Hashing(stream, digest) if digest else stream, str(dump), fmt, graph)
        load = _Load(store, stream, str(dump), fmt, graph, counts, chunk_size, progress)
        if digest is None:
            load.run_atomic(atomic_limit)
        else:
            load.run_chunked("sha256:" + digest.hexdigest())
    loaded = []
    for name, sent in counts.items():
        stored = None
        if query_url:
            try:
                stored = _count(query_url, name, timeout, user, auth)
            except TreatykgError as error:
                raise UsageError(
                    f"the graphs were replaced, but reading their counts back failed: {error}"
                ) from None
        loaded.append(Loaded(name, sent, stored))
    return loaded


class _Hashing:
    """A binary file whose bytes are hashed as the parser reads them: a chunked load's
    fingerprint of the dump, taken in the checking pass at no extra read."""

    def __init__(self, file: BinaryIO, digest: Any) -> None:
        self.file = file
        self.digest = digest

    def read(self, size: int = -1) -> bytes:
        block = self.file.read(size)
        self.digest.update(block)
        return block


def _check(stream: Any, dump: str, fmt: Any, default_target: str) -> dict[str, int]:
    """Parse the whole dump, streaming, and count its triples per target graph (sorted)."""
    try:
        if fmt == ox.RdfFormat.N_TRIPLES:
            total = sum(1 for _ in ox.parse(stream, format=fmt))
            names: Counter[Any] = Counter({ox.DefaultGraph(): total} if total else {})
        else:
            names = Counter(quad.graph_name for quad in ox.parse(stream, format=fmt))
    except SyntaxError as error:
        raise _syntax_error(dump, error, _UNCHANGED) from None
    except OSError as error:
        raise InputError(dump, (error.strerror or str(error)).lower()) from None
    counts: Counter[str] = Counter()
    for name, count in names.items():
        if isinstance(name, ox.BlankNode):
            message = "a graph is named by a blank node, which a store cannot address"
            raise InputError(dump, f"{message}; {_UNCHANGED}")
        target = default_target if isinstance(name, ox.DefaultGraph) else name.value
        if target.startswith((STAGING_PREFIX, JOURNAL_PREFIX)):
            message = f"graph <{target}> has a name reserved for staging graphs and journals"
            raise InputError(dump, f"{message}; {_UNCHANGED}")
        counts[target] += count
    if not counts:
        raise InputError(dump, f"holds no triples; {_UNCHANGED}")
    return dict(sorted(counts.items()))


@dataclass
class _Journal:
    """A target's journal as a chunked load left it: the step reached, the dump's SHA-256,
    and whether readers see the target incomplete."""

    step: str = ""
    dump: str = ""
    incomplete: bool = False


class _Load:
    """One load under way: the sending pass, the swap, and the cleanup after a failure."""

    def __init__(
        self,
        store: _Store,
        stream: BinaryIO,
        dump: str,
        fmt: Any,
        default_target: str,
        counts: dict[str, int],
        chunk_size: int,
        progress: Callable[[Progress], None] | None,
    ) -> None:
        self.store = store
        self.stream = stream
        self.dump = dump
        self.fmt = fmt
        self.default_target = default_target
        self.counts = counts
        self.total = sum(counts.values())
        self.staging = {target: staging_graph(target) for target in counts}
        self.journal = {target: journal_graph(target) for target in counts}
        self.chunk_size = chunk_size
        self.progress = progress
        self.sent = 0
        self.swapping = False
        self.chunked = False
        self.incomplete: set[str] = set()  # targets readers see incomplete (chunked swap)
        self.spool_files: dict[str, Any] = {}

    def report(self, stage: str, graph: str = "", sent: int = -1, total: int = -1) -> None:
        if self.progress is not None:
            sent = self.sent if sent < 0 else sent
            total = self.total if total < 0 else total
            self.progress(Progress(stage, sent, total, len(self.counts), graph))

    # --- the atomic swap ---------------------------------------------------------------------

    def run_atomic(self, limit: int | None) -> None:
        """Stage everything, then swap it all in with one update (see the comment above)."""
        drops = " ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in self.staging.values())
        try:
            if self.store.query_url:
                self._refuse_journals()
            self.store.update(drops)
        except TreatykgError as error:
            raise UsageError(f"{error}; {_UNCHANGED}") from None
        self._refuse_above(limit)
        self.report("checked")
        self._guarded(self._stage_and_move)
        self.report("swapped")

    def _refuse_journals(self) -> None:
        """An interrupted chunked load is finished by a chunked load, not swept aside."""
        left = self._journals()
        if left:
            state = "is incomplete" if any(j.incomplete for j in left.values()) else "is whole"
            names = ", ".join(f"<{target}>" for target in left)
            raise UsageError(
                f"a chunked load of {names} stopped midway (its journal is in the store, and "
                f"the target {state}): finish it with --swap chunked"
            )

    def _refuse_above(self, limit: int | None) -> None:
        """Refuse a swap that would drive Oxigraph's server out of memory, before sending."""
        if limit is None and self.store.is_oxigraph:
            limit = OXIGRAPH_ATOMIC_LIMIT
        if limit is None or self.total <= limit:
            return
        store = f"the store ({self.store.server})" if self.store.server else "the store"
        raise UsageError(
            f"{self.total:,} triples are more than --atomic-limit ({limit:,}) for one atomic "
            f"swap: {store} would hold it in memory (Oxigraph's server: about 3.5 GB per "
            "million triples). Give --swap chunked to load in bounded memory (not atomic: "
            "readers see the target incomplete while it is replaced), or a higher "
            f"--atomic-limit if the server has the memory; {_UNCHANGED}"
        )

    def _stage_and_move(self) -> None:
        self._send_all()
        self.report("swapping")
        self.swapping = True
        # The store copies every staged triple inside this one request: give it as long as
        # all the chunks together were given.
        chunks = -(-self.total // self.chunk_size)
        self.store.update(
            " ;\n".join(
                f"MOVE GRAPH <{staging}> TO GRAPH <{target}>"
                for target, staging in self.staging.items()
            ),
            self.store.timeout * chunks,
        )

    def _guarded(self, work: Callable[[], None]) -> None:
        """Run ``work``; on any failure, clean up and say what the store holds."""
        try:
            work()
        except TreatykgError as error:
            raise _with_note(error, self._abort(error)) from None
        except KeyboardInterrupt as stop:
            raise LoadInterrupted(self._abort(stop)) from None
        except BaseException as bug:  # clean up, then let it show its traceback
            self._abort(bug)
            raise

    # --- the chunked swap ----------------------------------------------------------------------

    def run_chunked(self, fingerprint: str) -> None:
        """Stage everything (unless an interrupted load of this dump already did), then
        replace each target chunk by chunk, journalled (see the comment above)."""
        self.chunked = True
        try:
            journals = self._journals()
        except TreatykgError as error:
            raise UsageError(f"{error}; {_UNCHANGED}") from None
        self.incomplete = {t for t, j in journals.items() if j.incomplete}
        finishing = set(journals) == set(self.counts) and all(
            j.dump == fingerprint and j.step in _STEPS[1:] for j in journals.values()
        )
        if finishing:
            self.swapping = True
            self._guarded(lambda: self._finish(journals))
        else:
            try:
                self._restart(fingerprint)
            except TreatykgError as error:
                raise UsageError(f"{error}; {self._not_sent()}") from None
            self.report("checked")
            self._guarded(lambda: self._stage_for_chunks(fingerprint))
        self.report("swapped")

    def _finish(self, journals: dict[str, _Journal]) -> None:
        """Finish the swap an earlier load of this same dump left midway."""
        left = sum(self.store.count(staging) for staging in self.staging.values())
        self.report("resuming", sent=left)
        self._swap_chunks(journals, moved=self.total - left)

    def _not_sent(self) -> str:
        if not self.incomplete:
            return _UNCHANGED
        names = _names(self.incomplete)
        return f"not sent: {names} still incomplete (a chunked load stopped midway)"

    def _restart(self, fingerprint: str) -> None:
        """Empty the staging graphs (an earlier load's leftovers), chunk by chunk, and
        journal this load as staging."""
        for staging in self.staging.values():
            self.store.empty(staging, self.chunk_size)
        self._write_journals("staging", fingerprint)

    def _stage_for_chunks(self, fingerprint: str) -> None:
        self._send_all()
        self._write_journals("staged", fingerprint)
        self.report("swapping")
        self.swapping = True
        self._swap_chunks({t: _Journal("staged", fingerprint) for t in self.counts})

    def _write_journals(self, step: str, fingerprint: str) -> None:
        """Every target's journal, in one update: the step, the dump, whether incomplete."""
        updates = []
        for target, journal in self.journal.items():
            data = f'<{target}> <{_STEP}> "{step}" ; <{_DUMP}> "{fingerprint}"'
            if target in self.incomplete:
                data += f" ; <{INCOMPLETE}> true"
            updates.append(f"DROP SILENT GRAPH <{journal}>")
            updates.append(f"INSERT DATA {{ GRAPH <{journal}> {{ {data} }} }}")
        self.store.update(" ;\n".join(updates))

    def _step(self, target: str, step: str) -> None:
        """Record that ``target`` reached ``step``: from "clearing" to "done" readers see it
        incomplete, and its journal says so."""
        journal = self.journal[target]
        text = (
            f"DELETE WHERE {{ GRAPH <{journal}> {{ <{target}> <{_STEP}> ?step }} }} ;\n"
            f'INSERT DATA {{ GRAPH <{journal}> {{ <{target}> <{_STEP}> "{step}" }} }}'
        )
        flag = f"GRAPH <{journal}> {{ <{target}> <{INCOMPLETE}> true }}"
        if step == "clearing" and target not in self.incomplete:
            text += f" ;\nINSERT DATA {{ {flag} }}"
        elif step == "done":
            text += f" ;\nDELETE DATA {{ {flag} }}"
        self.store.update(text)
        if step == "clearing":
            self.incomplete.add(target)
        elif step == "done":
            self.incomplete.discard(target)

    def _swap_chunks(self, journals: dict[str, _Journal], moved: int = 0) -> None:
        """Each target in turn: delete its old triples, then move the staged ones in, no
        request changing more than a chunk; then drop the journals, all at once."""
        for target, staging in self.staging.items():
            step = journals[target].step
            if step in ("staged", "clearing"):
                self._step(target, "clearing")
                old = self.store.count(target)
                self._chunks(_delete_chunk(target, self.chunk_size), target, "cleared", old)
                step = "filling"
                self._step(target, step)
            if step == "filling":
                moving = _move_chunk(staging, target, self.chunk_size)
                moved = self._chunks(moving, staging, "moved", self.total, moved, target)
                self._step(target, "done")
        graphs = [g for t in self.counts for g in (self.journal[t], self.staging[t])]
        self.store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
        self.incomplete.clear()

    def _chunks(
        self, text: str, graph: str, stage: str, total: int, done: int = 0, target: str = ""
    ) -> int:
        """Run the update ``text`` until ``graph`` is empty, reporting ``stage`` after each
        request (``done`` of ``total``, as far as chunks tell); the new ``done``."""
        moved = [done]

        def each() -> None:
            moved[0] = min(moved[0] + self.chunk_size, total)
            self.report(stage, target or graph, moved[0], total)

        self.store.drain(text, graph, self.chunk_size, each=each)
        return moved[0]

    def _journals(self) -> dict[str, _Journal]:
        """The journals of this load's targets found in the store, by target."""
        graphs = " ".join(f"<{j}>" for j in self.journal.values())
        rows = self.store.select(
            f"SELECT ?j ?p ?o WHERE {{ VALUES ?j {{ {graphs} }} GRAPH ?j {{ ?t ?p ?o }} }}"
        )
        targets = {journal: target for target, journal in self.journal.items()}
        found: dict[str, _Journal] = {}
        for row in rows:
            journal = found.setdefault(targets[row["j"]["value"]], _Journal())
            predicate, value = row["p"]["value"], row["o"]["value"]
            if predicate == _STEP:
                journal.step = value
            elif predicate == _DUMP:
                journal.dump = value
            elif predicate == INCOMPLETE:
                journal.incomplete = value in ("true", "1")
        return found

    # --- staging -----------------------------------------------------------------------------
    def _send_all(self) -> None:
        """Stream the dump into the staging graphs, holding at most ``chunk_size`` triples."""
        regular: dict[str, list[Any]] = {}  # the chunk being gathered, per target
        blank: dict[str, list[Any]] = {}  # quads with a blank node, on their way to a spool
        self.spooled: Counter[str] = Counter()
        self.streamed: Counter[str] = Counter()
        named, literal = ox.NamedNode, ox.Literal
        target = self.default_target
        quads = self.fmt == ox.RdfFormat.N_QUADS
        held = 0
        with contextlib.ExitStack() as self.spools:
            self.stream.seek(0)
            try:
                for quad in ox.parse(self.stream, format=self.fmt):
                    if quads:
                        name = quad.graph_name
                        target = name.value if type(name) is named else self.default_target
                    kind = type(quad.object)
                    if type(quad.subject) is named and (kind is named or kind is literal):
                        regular.setdefault(target, []).append(quad)
                    else:  # a blank node (or an RDF-star quoted triple) in it
                        blank.setdefault(target, []).append(quad)
                    held += 1
                    if held >= self.chunk_size:
                        self._flush(regular, blank)
                        held = 0
            except SyntaxError as error:
                raise _syntax_error(self.dump, error, "it changed during the load") from None
            except OSError as error:
                raise InputError(self.dump, (error.strerror or str(error)).lower()) from None
            self._flush(regular, blank)
            if self.streamed != Counter(self.counts):
                raise InputError(self.dump, "it changed during the load (other triple counts)")
            for target, spool in self.spool_files.items():
                length = spool.tell()
                self.store.post(self.staging[target], _Replayable(spool, length), length)
                self.sent += self.spooled[target]
                self.report("sent", target)

    def _flush(self, regular: dict[str, list[Any]], blank: dict[str, list[Any]]) -> None:
        """Send the gathered chunk; move its blank-node triples to their spools."""
        nt = ox.RdfFormat.N_TRIPLES
        named_graphs = self.fmt == ox.RdfFormat.N_QUADS

        def triples(quads: list[Any]) -> Iterable[Any]:
            return (quad.triple for quad in quads) if named_graphs else quads

        for target, quads in blank.items():
            if quads:
                if target not in self.spool_files:
                    spool = tempfile.SpooledTemporaryFile(_SPOOL_IN_MEMORY)  # noqa: SIM115
                    self.spool_files[target] = self.spools.enter_context(spool)  # closes it
                ox.serialize(triples(quads), self.spool_files[target], nt)
                self.spooled[target] += len(quads)
                self.streamed[target] += len(quads)
                quads.clear()
        for target, quads in regular.items():
            if quads:
                body = _ntriples(triples(quads))
                self.store.post(self.staging[target], body, len(body))
                self.streamed[target] += len(quads)
                self.sent += len(quads)
                quads.clear()
                self.report("sent", target)

    def _abort(self, failure: BaseException) -> str:
        """Clean up what can be (the staging graphs, before the swap); say what the store
        now holds."""
        one = len(self.counts) == 1
        targets = f"<{next(iter(self.counts))}> is" if one else "the target graphs are"
        staging = "the staging graph" if one else "the staging graphs"
        if self.chunked:
            return self._abort_chunked(targets, staging)
        if not self.swapping:
            state = f"stopped after {self.sent:,} of {self.total:,} triples were staged: "
            state += f"{targets} unchanged"
        elif isinstance(failure, _RefusedError):  # the store answered: the update did not run
            state = f"the swap was refused: {targets} unchanged"
        else:
            state = "the swap's outcome is unknown: the store replaced every target graph or none"
        if self.store.drop(self.staging.values()):
            return f"{state}, {staging} dropped"
        names = ", ".join(f"<{s}>" for s in self.staging.values())
        return f"{state}; {staging} {names} could not be dropped (the next load drops it)"

    def _abort_chunked(self, targets: str, staging: str) -> str:
        """A chunked load stopped: during the swap, everything stays for the next load of the
        same dump to finish; before it, the staging graphs are emptied if that is quick."""
        if self.swapping:
            again = "load the same dump again with --swap chunked to finish the swap"
            if not self.incomplete:
                whole = "it is whole" if len(self.counts) == 1 else "each is whole, old or new"
                return f"the swap stopped with no target half replaced ({whole}); {again}"
            one = len(self.incomplete) == 1
            return (
                f"the swap stopped midway: {_names(self.incomplete)} {'is' if one else 'are'} "
                f"incomplete, as {'its journal says' if one else 'their journals say'}; {again}"
            )
        state = f"stopped after {self.sent:,} of {self.total:,} triples were staged: "
        if self.incomplete:
            state += f"{_names(self.incomplete)} still incomplete (a chunked load stopped midway)"
        else:
            state += f"{targets} unchanged"
        if self._empty_staging():
            return f"{state}, {staging} emptied"
        return f"{state}; {staging} and journal stay in the store (the next load empties them)"

    def _empty_staging(self) -> bool:
        """Empty the staging graphs within the cleanup time, then drop the journals of the
        targets that are whole; False when that could not be done in time."""
        deadline = time.monotonic() + _CLEANUP_TIMEOUT
        try:
            for graph in self.staging.values():
                if not self.store.empty(graph, self.chunk_size, deadline):
                    return False
            whole = [j for t, j in self.journal.items() if t not in self.incomplete]
            if whole:
                self.store.update(" ;\n".join(f"DROP SILENT GRAPH <{j}>" for j in whole))
        except TreatykgError:
            return False
        return True


def _names(targets: Iterable[str]) -> str:
    return ", ".join(f"<{target}>" for target in sorted(targets))


def _delete_chunk(graph: str, size: int) -> str:
    """A SPARQL Update deleting at most ``size`` triples of ``graph``."""
    return (
        f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ {{ SELECT ?s ?p ?o WHERE "
        f"{{ GRAPH <{graph}> {{ ?s ?p ?o }} }} LIMIT {size} }} }}"
    )


def _move_chunk(source: str, target: str, size: int) -> str:
    """A SPARQL Update moving at most ``size`` triples from ``source`` to ``target``: one
    transaction, so each triple is in one graph or the other, never both or neither. Blank
    nodes keep their identity (a variable bound to one inserts that very node)."""
    return (
        f"DELETE {{ GRAPH <{source}> {{ ?s ?p ?o }} }} "
        f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ {{ SELECT ?s ?p ?o WHERE "
        f"{{ GRAPH <{source}> {{ ?s ?p ?o }} }} LIMIT {size} }} }}"
    )


def _with_note(error: TreatykgError, note: str) -> TreatykgError:
    if isinstance(error, InputError):
        return InputError(error.path, f"{error.message}; {note}", error.line, error.column)
    return UsageError(f"{error}; {note}")


def _syntax_error(dump: str, error: SyntaxError, note: str) -> InputError:
    return InputError(dump, f"{syntax_cause(error)}; {note}", error.lineno, error.offset)


class _RefusedError(UsageError):
    """The server answered with an HTTP error status: the request did not take effect."""


class _Replayable:
    """A file body that restarts from its beginning each time it is sent: urllib sends a
    request again after a 401 challenge (digest authentication)."""

    def __init__(self, file: Any, length: int) -> None:
        self.file = file
        self.length = length

    def __iter__(self) -> Iterator[bytes]:
        self.file.seek(0)
        left = self.length
        while left > 0:
            block = self.file.read(min(left, 1 << 16))
            if not block:
                return
            left -= len(block)
            yield block


class _Store:
    """The store's Graph Store Protocol, SPARQL Update and query endpoints, with credentials;
    ``server`` is the ``Server`` header its update endpoint last sent."""

    def __init__(
        self,
        store_url: str,
        update_url: str,
        query_url: str | None,
        timeout: float,
        user: str | None,
        auth: str,
        graph_param: str,
    ) -> None:
        self.store_url = store_url
        self.update_url = update_url
        self.query_url = query_url
        self.timeout = timeout
        self.graph_param = graph_param
        self.server = ""
        urls = [url for url in (store_url, update_url, query_url) if url]
        self.opener = _opener(urls, user, auth)

    @property
    def is_oxigraph(self) -> bool:
        """Oxigraph's server, which holds a transaction's changes in memory."""
        return self.server.lower().startswith("oxigraph")

    def _graph_url(self, graph: str) -> str:
        return f"{self.store_url}?{urllib.parse.urlencode({self.graph_param: graph})}"

    def post(self, graph: str, body: Any, length: int) -> None:
        """Append N-Triples to ``graph`` (SPARQL 1.1 Graph Store Protocol POST)."""
        headers = {"Content-Type": _NTRIPLES, "Content-Length": str(length)}
        request = urllib.request.Request(
            self._graph_url(graph), data=body, method="POST", headers=headers
        )
        _http(self.opener, request, self.store_url, self.timeout)

    def update(self, text: str, timeout: float | None = None) -> None:
        """Run one SPARQL Update request (form-encoded POST, SPARQL 1.1 Protocol)."""
        request = urllib.request.Request(
            self.update_url,
            data=urllib.parse.urlencode({"update": text}).encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        _, headers = _http(self.opener, request, self.update_url, timeout or self.timeout)
        self.server = headers.get("Server", "") or self.server

    def select(self, text: str) -> list[dict[str, Any]]:
        """The SPARQL JSON bindings of a SELECT (or ``[{"boolean": …}]`` for an ASK)."""
        assert self.query_url is not None  # push() checked it
        request = urllib.request.Request(
            self.query_url,
            data=urllib.parse.urlencode({"query": text}).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
        )
        body, _ = _http(self.opener, request, self.query_url, self.timeout)
        try:
            document = json.loads(body)
            if "boolean" in document:
                return [{"boolean": bool(document["boolean"])}]
            return list(document["results"]["bindings"])
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"{self.query_url}: the answer is not SPARQL JSON results") from None

    def has_triples(self, graph: str) -> bool:
        return bool(self.select(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["boolean"])

    def count(self, graph: str) -> int:
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        return int(self.select(text)[0]["n"]["value"])

    def empty(self, graph: str, chunk: int, deadline: float | None = None) -> bool:
        """Delete ``graph`` a chunk per update (see :meth:`drain`), then the graph itself;
        False if ``deadline`` (``time.monotonic()``) passed first."""
        if not self.drain(_delete_chunk(graph, chunk), graph, chunk, deadline=deadline):
            return False
        self.update(f"DROP SILENT GRAPH <{graph}>")
        return True

    def drain(
        self,
        text: str,
        graph: str,
        chunk: int,
        *,
        deadline: float | None = None,
        each: Callable[[], None] | None = None,
    ) -> bool:
        """Run the update ``text``, which takes at most ``chunk`` triples out of ``graph``,
        until ``graph`` is empty, so that no transaction of the store holds more than a
        chunk; ``each`` after every update. False if ``deadline`` passed first. A store that
        does not take a chunk out per update is an error, not an endless loop."""
        rounds = -(-self.count(graph) // chunk) + 1
        while self.has_triples(graph):
            if deadline is not None and time.monotonic() > deadline:
                return False
            if rounds == 0:
                raise UsageError(
                    f"{self.update_url}: <{graph}> still holds triples after the updates that "
                    f"should have emptied it, {chunk:,} triples at a time"
                )
            self.update(text)
            rounds -= 1
            if each is not None:
                each()
        return True

    def drop(self, graphs: Iterable[str]) -> bool:
        """Drop ``graphs``, best effort: True when the store confirmed it."""
        graphs = list(graphs)
        timeout = min(self.timeout, _CLEANUP_TIMEOUT)
        try:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs), timeout)
            return True
        except TreatykgError:
            pass
        try:  # the update endpoint may be what failed: try the Graph Store's DELETE
            for graph in graphs:
                request = urllib.request.Request(self._graph_url(graph), method="DELETE")
                try:
                    _http(self.opener, request, self.store_url, timeout)
                except _RefusedError as error:
                    if ": HTTP 404 " not in str(error):
                        raise
            return True
        except TreatykgError:
            return False


# --- the same endpoints for `treatykg load --update` (treatykg.changes.apply) -----------------

#: The store answered with an HTTP error status, so the request did not take effect.
StoreRefused = _RefusedError


def connect(
    store_url: str,
    *,
    update_url: str,
    query_url: str,
    timeout: float,
    user: str | None = None,
    auth: str = "basic",
    graph_param: str = "graph",
) -> _Store:
    """A store's Graph Store, SPARQL Update and query endpoints, with credentials (as
    :func:`push` reaches them): its ``post``, ``update``, ``select``, ``count`` and ``drop``
    raise one-line :class:`~treatykg.errors.UsageError` s (:data:`StoreRefused` when the
    store answered with an error status)."""
    return _Store(store_url, update_url, query_url, timeout, user, auth, graph_param)


def _count(query_url: str, graph: str, timeout: float, user: str | None, auth: str) -> int:
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
    answer = run(Endpoint(query_url, timeout, user, auth), text, form="select")
    return int(answer.bindings[0]["n"]["value"])


def _opener(urls: list[str], user: str | None, auth: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if user:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            raise UsageError(f"--user given but no password: set {PASSWORD_ENV}")
        if auth == "digest":
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, urls, user, password)
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        else:  # basic: send the credentials up front, not each chunk twice (after a 401)
            prior = urllib.request.HTTPPasswordMgrWithPriorAuth()
            prior.add_password(None, urls, user, password, is_authenticated=True)
            handlers.append(urllib.request.HTTPBasicAuthHandler(prior))
    return urllib.request.build_opener(*handlers)


def _http(
    opener: urllib.request.OpenerDirector,
    request: urllib.request.Request,
    url: str,
    timeout: float,
) -> tuple[bytes, Message]:
    """Send ``request``: the answer's body and headers. Every way it can fail becomes one
    :class:`UsageError` line."""
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.read(), response.headers
    except urllib.error.HTTPError as error:
        try:
            body = error.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            body = ""
        raise _RefusedError(f"{url}: HTTP {error.code} {error.reason}: {_short(body)}") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise UsageError(f"{url}: no answer within {timeout:g} s") from None
        raise UsageError(f"{url}: cannot reach the store: {error.reason}") from None
    except TimeoutError:
        raise UsageError(f"{url}: no answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as error:
        reason = str(error) or type(error).__name__
        raise UsageError(f"{url}: connection lost: {reason}") from None
