"""Run a query on a remote SPARQL 1.1 endpoint (Oxigraph, Jena Fuseki, GraphDB, Virtuoso …).

SPARQLWrapper does the protocol. Queries are sent by POST (long queries overflow GET URLs),
with a timeout, and with basic or digest credentials when given. The password never comes
from the command line: it is read from an environment variable (see :data:`PASSWORD_ENV`).
Every failure a user can cause (endpoint unreachable, timeout, HTTP 4xx/5xx) becomes one
:class:`~treatykg.errors.UsageError` line with the status and the server's own text.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from treatykg.errors import InputError, UsageError

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
    import ast

    _, marker, body = message.partition("Response:\n")
    if not marker:
        return ""
    try:
        value = ast.literal_eval(body.strip())
    except (ValueError, SyntaxError):
        return body.strip()
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _as_ntriples(raw: bytes) -> str:
    import pyoxigraph as ox

    for fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
        try:
            triples = list(ox.parse(raw, format=fmt))
        except SyntaxError:
            continue
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    raise UsageError("the endpoint's graph answer is neither N-Triples nor Turtle")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_SERVER_TEXT else text[: _MAX_SERVER_TEXT - 1] + "…"


# --- pushing a build into a triplestore (SPARQL 1.1 Graph Store HTTP Protocol) -------------

DEFAULT_GRAPH = "https://w3id.org/treatykg/graph/release"


@dataclass(frozen=True)
class Loaded:
    """One graph pushed: its name, the triples sent, and the triples the store then held."""

    graph: str
    sent: int
    stored: int | None


def push(
    store_url: str,
    build: Path,
    *,
    graph: str = DEFAULT_GRAPH,
    query_url: str | None = None,
    timeout: float = 120.0,
    user: str | None = None,
    auth: str = "basic",
    graph_param: str = "graph",
) -> list[Loaded]:
    """PUT a build's dump into ``store_url``: each graph replaced whole, so loading twice
    leaves the same store, and a refused PUT leaves the previous graph as it was.

    The build's default graph goes to ``graph``; named graphs (from ``treatykg.nq``) keep
    their names, one PUT each. The dump is parsed locally first (strictly), so a damaged file
    is never sent. Afterwards each graph's triple count is read back from ``query_url``.
    ``graph_param`` is the query parameter that names the graph: ``graph`` in the standard,
    ``graph-uri`` on Virtuoso.
    """
    import pyoxigraph as ox

    dump = build / "treatykg.nq" if (build / "treatykg.nq").is_file() else build / "treatykg.nt"
    if not dump.is_file():
        raise InputError(str(build), "not a treatykg build (no treatykg.nq or treatykg.nt)")
    fmt = ox.RdfFormat.N_QUADS if dump.suffix == ".nq" else ox.RdfFormat.N_TRIPLES
    try:
        quads = list(ox.parse(path=str(dump), format=fmt))
    except SyntaxError as error:
        raise InputError(str(dump), f"{error}; not sent") from None
    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        name = graph if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        by_graph.setdefault(name, []).append(quad.triple)
    opener = _opener(store_url, user, auth)
    loaded = []
    for name in sorted(by_graph):
        body = ox.serialize(by_graph[name], format=ox.RdfFormat.N_TRIPLES)
        url = f"{store_url}?{urllib.parse.urlencode({graph_param: name})}"
        request = urllib.request.Request(
            url, data=body, method="PUT", headers={"Content-Type": "application/n-triples"}
        )
        _http(opener, request, store_url, timeout)
        stored = _count(query_url, name, timeout, user, auth) if query_url else None
        loaded.append(Loaded(name, len(by_graph[name]), stored))
    return loaded


def _count(query_url: str, graph: str, timeout: float, user: str | None, auth: str) -> int:
    import pyoxigraph as ox

    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
    answer = run(Endpoint(query_url, timeout, user, auth), text, form="select")
    return int(answer.bindings[0]["n"]["value"])


def _opener(url: str, user: str | None, auth: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if user:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            raise UsageError(f"--user given but no password: set {PASSWORD_ENV}")
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, user, password)
        handler = (
            urllib.request.HTTPDigestAuthHandler(manager)
            if auth == "digest"
            else urllib.request.HTTPBasicAuthHandler(manager)
        )
        handlers.append(handler)
    return urllib.request.build_opener(*handlers)


def _http(
    opener: urllib.request.OpenerDirector,
    request: urllib.request.Request,
    url: str,
    timeout: float,
) -> None:
    try:
        opener.open(request, timeout=timeout).close()
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        raise UsageError(f"{url}: HTTP {error.code} {error.reason}: {_short(body)}") from None
    except urllib.error.URLError as error:
        raise UsageError(f"{url}: cannot reach the store: {error.reason}") from None
    except TimeoutError:
        raise UsageError(f"{url}: no answer within {timeout:g} s") from None
