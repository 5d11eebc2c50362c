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
import http.client
import json
import os
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
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


# --- pushing a build into a triplestore: staged in chunks, swapped in one update ----------
#
# A load never holds the dump in memory and never leaves a half-loaded target graph:
#
# 1. the dump (treatykg.nq or treatykg.nt) is parsed once, streaming, only to check it and
#    count its triples per graph: a malformed dump is refused before anything is sent;
# 2. the staging graph of each target graph (``urn:treatykg:staging:<UUIDv5 of the target's
#    IRI>``) is dropped with one SPARQL Update, which also proves the update endpoint works;
# 3. the dump is parsed again, streaming, and sent in chunks of at most ``chunk_size``
#    triples with Graph Store Protocol POSTs (append) into the staging graphs. Triples with a
#    blank node are held back (in memory up to 8 MiB, then in a temporary file) and sent last,
#    in one request per graph, because a blank node's scope is one document: split over two
#    requests, one blank node would become two;
# 4. ONE SPARQL Update moves every staging graph onto its target (``MOVE GRAPH <staging> TO
#    GRAPH <target>`` per graph, ``;``-separated). A store that runs an update request as one
#    transaction (Oxigraph, Fuseki/TDB2) switches the whole dataset at once: readers of the
#    target graphs see all the old graphs or all the new ones. MOVE is not SILENT on purpose:
#    if a staging graph vanished meanwhile, the swap fails instead of emptying its target.
#    The store copies the staged triples inside that request, so it may take as long as all
#    the chunks together (``timeout`` per chunk).
#
# Any failure before the swap (HTTP error, connection lost, timeout, a dump that changed and
# no longer parses, Ctrl-C) drops the staging graphs (best effort) and leaves the targets as
# they were. A staging graph that could not be dropped (the store went away) is dropped by the
# next load of the same target, since its name depends only on the target.

DEFAULT_GRAPH = "https://w3id.org/treatykg/graph/release"
#: Triples per Graph Store request (``treatykg load --chunk-size``).
DEFAULT_CHUNK_SIZE = 50_000
#: Staging graphs are named ``urn:treatykg:staging:<UUIDv5 of the target graph's IRI>``.
STAGING_PREFIX = "urn:treatykg:staging:"
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
    ``graph``), ``"swapping"`` (the swap is sent) or ``"swapped"`` (targets replaced).
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
    progress: Callable[[Progress], None] | None = None,
) -> list[Loaded]:
    """Replace graphs in a triplestore with a build's dump, in bounded chunks, atomically.

    The build's default graph goes to ``graph``; named graphs (from ``treatykg.nq``) keep
    their names. How (staging graphs, one swap) and what a failure leaves: see the comment
    above. ``store_url`` is the Graph Store Protocol endpoint (``graph_param`` names the
    graph: ``graph`` in the standard, ``graph-uri`` on Virtuoso); ``update_url`` the SPARQL
    Update endpoint (default: Oxigraph's, see :func:`default_update_url`). Afterwards each
    graph's triple count is read back from ``query_url`` when given.
    """
    if chunk_size < 1:
        raise UsageError(f"--chunk-size must be at least 1, got {chunk_size}")
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
    dump = build / "treatykg.nq" if (build / "treatykg.nq").is_file() else build / "treatykg.nt"
    if not dump.is_file():
        raise InputError(str(build), "not a treatykg build (no treatykg.nq or treatykg.nt)")
    fmt = ox.RdfFormat.N_QUADS if dump.suffix == ".nq" else ox.RdfFormat.N_TRIPLES
    store = _Store(store_url, update_url, timeout, user, auth, graph_param)
    # One open file for both passes: a build swapped in meanwhile is not mixed in.
    try:
        stream = open(dump, "rb")  # noqa: SIM115 (closed by the with below)
    except OSError as error:
        raise InputError(str(dump), (error.strerror or str(error)).lower()) from None
    with stream:
        counts = _check(stream, str(dump), fmt, graph)
        _Load(store, stream, str(dump), fmt, graph, counts, chunk_size, progress).run()
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


def _check(stream: BinaryIO, dump: str, fmt: Any, default_target: str) -> dict[str, int]:
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
        if target.startswith(STAGING_PREFIX):
            message = f"graph <{target}> has a name reserved for staging graphs"
            raise InputError(dump, f"{message}; {_UNCHANGED}")
        counts[target] += count
    if not counts:
        raise InputError(dump, f"holds no triples; {_UNCHANGED}")
    return dict(sorted(counts.items()))


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
        self.chunk_size = chunk_size
        self.progress = progress
        self.sent = 0
        self.swapping = False
        self.spool_files: dict[str, Any] = {}

    def report(self, stage: str, graph: str = "") -> None:
        if self.progress is not None:
            self.progress(Progress(stage, self.sent, self.total, len(self.counts), graph))

    def run(self) -> None:
        drops = " ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in self.staging.values())
        try:
            self.store.update(drops)
        except TreatykgError as error:
            raise UsageError(f"{error}; {_UNCHANGED}") from None
        self.report("checked")
        try:
            self._send_all()
            self.report("swapping")
            self.swapping = True
            # The store copies every staged triple inside this one request: give it as long
            # as all the chunks together were given.
            chunks = -(-self.total // self.chunk_size)
            self.store.update(
                " ;\n".join(
                    f"MOVE GRAPH <{staging}> TO GRAPH <{target}>"
                    for target, staging in self.staging.items()
                ),
                self.store.timeout * chunks,
            )
        except TreatykgError as error:
            raise _with_note(error, self._abort(error)) from None
        except KeyboardInterrupt as stop:
            raise LoadInterrupted(self._abort(stop)) from None
        except BaseException as bug:  # clean up, then let it show its traceback
            self._abort(bug)
            raise
        self.report("swapped")

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
        """Drop the staging graphs (best effort); say what the store now holds."""
        one = len(self.counts) == 1
        targets = f"<{next(iter(self.counts))}> is" if one else "the target graphs are"
        staging = "the staging graph" if one else "the staging graphs"
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
    """The store's Graph Store Protocol and SPARQL Update endpoints, with credentials."""

    def __init__(
        self,
        store_url: str,
        update_url: str,
        timeout: float,
        user: str | None,
        auth: str,
        graph_param: str,
    ) -> None:
        self.store_url = store_url
        self.update_url = update_url
        self.timeout = timeout
        self.graph_param = graph_param
        self.opener = _opener([store_url, update_url], user, auth)

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
        _http(self.opener, request, self.update_url, timeout or self.timeout)

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
) -> None:
    """Send ``request``; every way it can fail becomes one :class:`UsageError` line."""
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read()
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
