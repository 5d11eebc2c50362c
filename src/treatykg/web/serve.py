"""``treatykg serve``: a build, served at its IRIs' own paths, as linked data.

The server stands in for ``https://w3id.org/treatykg/`` once w3id redirects there, so the
rules are the ones the permanent IRIs promise (W3C "Cool URIs for the Semantic Web"):

* a **resource IRI** (``/id/state/prk``) names a thing, not a document, so it answers
  ``303 See Other`` to a document chosen by ``Accept``: HTML for browsers, Turtle, JSON-LD or
  N-Triples for machines (:mod:`treatykg.web.negotiate`), always with ``Vary: Accept``. The
  ``Location`` is relative (``prk.ttl``), so it is right behind any proxy or sub-path and
  cannot be steered by a forged ``Host`` header;
* a **document** (``/id/state/prk.ttl``) answers 200 in its own format, with an ``ETag``;
* the build's files (dumps, ``context.jsonld``, ``void.ttl``) are served at the
  ``dcat:downloadURL`` that ``void.ttl`` gives them, and ``/.well-known/void`` is the VoID,
  which here also names the SPARQL endpoint (``void:sparqlEndpoint`` and a
  ``dcat:DataService``): only a running server knows that it has one, and where it is
  reached (the request's address, or ``--public-url`` behind a proxy);
* ``/sparql`` is the read-only SPARQL endpoint (:mod:`treatykg.web.endpoint`);
* anything else is a 404 in the format the client asked for.

Every answer, errors and redirects included, carries the CORS headers of
:mod:`treatykg.web.cors` (``*`` unless ``--no-cors``), and ``OPTIONS`` (a browser's preflight)
is answered there, before any route: one place decides who may read what.

Only exact paths listed in the build are served: no path is ever joined to a directory, so
``..`` or its encodings cannot reach a file outside the build. Pages carry a
``Content-Security-Policy`` that forbids scripts outright, as a second line of defence
behind the templates' escaping. Starlette routes the requests and uvicorn serves them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ipaddress
import logging
import posixpath
import re
import socket
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from treatykg.errors import UsageError
from treatykg.namespaces import DATASET, DCAT, new_graph
from treatykg.rdf import serialize
from treatykg.rdf.formats import DOCUMENT_FORMATS, by_key
from treatykg.rdf.load import parse_file
from treatykg.web import languages, urls
from treatykg.web.cors import ALL_ORIGINS, CorsMiddleware, CorsPolicy
from treatykg.web.documents import MEDIA_TYPES, PAGES, Document, Documents, Recent
from treatykg.web.endpoint import SparqlService, disk_store
from treatykg.web.endpoint.disk_store import dump_of
from treatykg.web.languages import DEFAULT, LANGUAGES
from treatykg.web.negotiate import BadAccept, choose, choose_language
from treatykg.web.pages import MAX_RESULT_ROWS
from treatykg.web.public_url import base_url

log = logging.getLogger("treatykg.web.serve")

#: What a resource IRI can be negotiated to: media type -> document suffix, in the server's
#: order of preference (:data:`~treatykg.rdf.formats.DOCUMENT_FORMATS`, as :data:`urls.SUFFIXES`).
OFFERED: dict[str, str] = {f.media_type: f.extension for f in DOCUMENT_FORMATS}

#: Pages run no script at all; styles are inline; forms may only go back to this site.
HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
#: What a resource IRI's answer depends on: the format, and for a page the language.
_VARY = "Accept, Accept-Language"
_HTML = by_key("html").media_type
#: The pages that are not a resource's (:data:`PAGES`), by their document's path without
#: ``.html``: ``/index``, ``/queries``, ``/dataset/changes``.
_PAGE_DOCUMENTS = {
    urls.document(path, "html").removesuffix(".html"): name for path, name in PAGES.items()
}
_SVG = by_key("svg").media_type


@dataclass(frozen=True)
class Settings:
    """How ``treatykg serve`` runs; the defaults are safe for a laptop."""

    build: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    timeout: float = 10.0
    max_result_bytes: int = 16 * 1024 * 1024
    max_body_bytes: int = 128 * 1024
    cache_bytes: int = 32 * 1024 * 1024
    per_client: int = 1
    long_after: float = 0.1
    penalty: float = 30.0
    access_log: bool = True
    #: The directory of the SPARQL endpoint's on-disk stores (None: the user's cache), and
    #: whether its workers load the dump into memory instead (None: by the dump's size).
    store: Path | None = None
    in_memory: bool | None = None
    #: Who may read the answers from a page on another origin (:mod:`treatykg.web.cors`):
    #: everyone by default, as the data is public and nothing is ever written.
    cors: CorsPolicy = ALL_ORIGINS
    #: The base URL the server is reached at behind a reverse proxy (``--public-url``), which
    #: the Service Description and ``/.well-known/void`` then name; None: the request's own
    #: (:mod:`treatykg.web.public_url`).
    public_url: str | None = None


def create_app(settings: Settings, documents: Documents | None = None) -> Starlette:
    """The ASGI application: linked-data documents and pages, and the SPARQL endpoint."""
    documents = documents or Documents(
        settings.build, store=settings.store, in_memory=settings.in_memory
    )
    service = SparqlService(
        dump_of(settings.build),
        workers=settings.workers,
        timeout=settings.timeout,
        max_result_bytes=settings.max_result_bytes,
        max_body_bytes=settings.max_body_bytes,
        cache_bytes=settings.cache_bytes,
        per_client=settings.per_client,
        grace=settings.long_after,
        penalty=settings.penalty,
        html=lambda query, results, error, language: documents.pages_in(language).results(
            query, results, error
        ),
        html_rows=MAX_RESULT_ROWS,
        store=settings.store,
        in_memory=settings.in_memory,
        public_url=settings.public_url,
    )
    handler = _Handler(documents, settings.public_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(service.start)
        try:
            yield
        finally:
            handler.close()
            await asyncio.to_thread(service.close)

    routes = [
        Route(
            "/sparql",
            service.handle,
            methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"],
        ),
        Route("/{path:path}", handler.handle, methods=["GET", "HEAD"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(CorsMiddleware, policy=settings.cors)],
    )
    app.state.documents = documents
    app.state.service = service
    return app


#: Build files larger than this are streamed from disk on each request (``Range`` too) rather
#: than kept in memory: the dumps of a large build are gigabytes.
STREAMED_BYTES = 1024 * 1024


class _Handler:
    """Every path but ``/sparql``: resources, documents, pages and build files.

    Documents and pages are made on one thread of their own, not on the event loop: a hub of
    a large build (a source cited by a million statements) takes a minute to describe, and
    meanwhile the build files, the redirects, the documents already made and the SPARQL
    endpoint keep answering. One thread, because the documents are made one at a time
    anyway (the GIL) and a second request for a document being made then finds it made.
    """

    def __init__(self, documents: Documents, public_url: str | None = None) -> None:
        self.documents = documents
        self.public_url = public_url
        self.files: dict[str, tuple[Path, str]] = {}
        for name in documents.file_names:
            path = documents.file(name)
            assert path is not None
            # the media types we know best, else the manifest's (a changeset's ``.rdfp``)
            media = MEDIA_TYPES.get(Path(name).suffix) or documents.media_types.get(
                name, "application/octet-stream"
            )
            self.files[f"/{name}"] = (path, media)
        self._file_cache: dict[str, Document] = {}
        self._built_void = (documents.build / "void.ttl").read_bytes()
        # read once: it takes seconds for a large build
        self._licences = licences(documents.build / "void.ttl")
        #: ``/.well-known/void`` by the endpoint it names (where requests came to): the last
        #: few, within a budget, however many ``Host`` headers arrive.
        self._voids: Recent[str, Document] = Recent(
            max(4 * len(self._built_void), 1024 * 1024), weigh=lambda d: len(d.body)
        )
        self._maker = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="treatykg-documents"
        )

    def close(self) -> None:
        """Stop the thread that makes documents (a document being made is finished)."""
        self._maker.shutdown(wait=False, cancel_futures=True)

    async def handle(self, request: Request) -> Response:
        raw = request.scope.get("raw_path") or request.url.path.encode()
        try:
            if _BAD_ESCAPE.search(raw):
                raise ValueError("a % that starts no escape")
            path = _decode(raw.split(b"?", 1)[0])
        except ValueError as error:
            return _plain(400, f"malformed percent-encoding in the path: {error}")
        if path == "/.well-known/void":
            return self._send(request, self._void(base_url(request, self.public_url)))
        if path in self.files:
            return self._send_file(request, path)
        stem, dot, suffix = path.rpartition(".")
        made = self.documents.made(stem, suffix) if dot else None
        if made is not None:
            return self._send(request, made)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._maker, self._respond, request, path)

    def _respond(self, request: Request, path: str) -> Response:
        """The answer for a path that is not a build file, on the documents' thread."""
        if path in PAGES:  # the language negotiated, as for a resource IRI
            language = choose_language(request.headers.get("accept-language"), LANGUAGES)
            page = self.documents.page(PAGES[path], language)
            if page is not None:
                return self._send(request, page, negotiated=True)
        stem, dot, suffix = path.rpartition(".")
        bare, language = languages.split(stem) if suffix == "html" else (stem, DEFAULT)
        named = _PAGE_DOCUMENTS.get(bare) if dot and suffix == "html" else None
        if named is not None:
            page = self.documents.page(named, language)
            if page is not None:
                return self._send(request, page)
        moved = self.documents.successors.get(path) or (
            dot and suffix in urls.SUFFIXES and self.documents.successors.get(bare)
        )
        if moved:
            documented = dot and path not in self.documents.resources
            return self._moved(path, moved, suffix if documented else None, language)
        if path in self.documents.resources:
            return self._see_other(request, path)
        if dot and suffix in urls.SUFFIXES and bare in self.documents.resources:
            return self._send(request, self.documents.document(bare, suffix, language))
        if dot and suffix == "svg":
            picture = self.documents.picture(path)
            if picture is not None:
                return self._send(request, picture)
        return self._not_found(request, path, suffix if dot else None)

    def _moved(
        self, path: str, successor: str, suffix: str | None, language: str = DEFAULT
    ) -> Response:
        """A retired identifier (``tkg:replacedBy``) redirects for good to its successor,
        as a document to the same format (and language) of the successor's document."""
        target = urls.document(successor, suffix, language) if suffix else successor
        location = urls.relative(path, target)
        return Response(
            f"Moved Permanently: {location}\n",
            status_code=301,
            media_type="text/plain",
            headers={"Location": location, "Cache-Control": "max-age=86400"},
        )

    def _see_other(self, request: Request, path: str) -> Response:
        try:
            media_type = choose(request.headers.get("accept"), list(OFFERED))
        except BadAccept as error:
            return _plain(400, f"malformed Accept header: {error}", vary=True)
        if media_type is None:
            offered = ", ".join(OFFERED)
            return _plain(406, f"not acceptable; this resource is offered as {offered}", vary=True)
        suffix = OFFERED[media_type]
        stem = posixpath.basename(path)
        if suffix == "html":  # a page: in the language the client reads best
            language = choose_language(request.headers.get("accept-language"), LANGUAGES)
            stem = languages.tagged(stem, language)
        location = f"{stem}.{suffix}"
        return Response(
            f"See Other: {location}\n",
            status_code=303,
            media_type="text/plain",
            headers={"Location": location, "Vary": _VARY, "Cache-Control": "max-age=300"},
        )

    def _not_found(self, request: Request, path: str, suffix: str | None) -> Response:
        if suffix not in urls.SUFFIXES:
            try:
                media_type = choose(request.headers.get("accept"), list(OFFERED))
            except BadAccept as error:
                return _plain(400, f"malformed Accept header: {error}", vary=True)
            suffix = OFFERED.get(media_type or "", "html")
            stem = path
        else:
            stem = path.rpartition(".")[0]
        document = self.documents.not_found(stem, suffix)
        return self._send(request, document, status=404)

    def _void(self, base: str) -> Document:
        """``/.well-known/void`` naming the endpoint at ``base`` + ``sparql``."""
        endpoint = base + "sparql"
        document = self._voids.get(endpoint)
        if document is None:
            served = served_void(self._built_void, self._licences, endpoint)
            document = self._voids.put(endpoint, Document(served, MEDIA_TYPES[".ttl"]))
        return document

    def _send_file(self, request: Request, path: str) -> Response:
        """A build file: small ones from memory, large ones streamed from disk, both with
        the ETag of their bytes (from the build's manifest for a streamed one)."""
        document = self._file_cache.get(path)
        if document is not None:
            return self._send(request, document)
        file, media_type = self.files[path]
        size = file.stat().st_size
        checksum = self.documents.checksums.get(file.name)
        if size <= STREAMED_BYTES or checksum is None:
            document = Document(file.read_bytes(), media_type)
            self._file_cache[path] = document
            return self._send(request, document)
        etag = f'"{checksum[:32]}"'
        headers = _headers(media_type)
        headers["ETag"] = etag
        headers["Cache-Control"] = "public, max-age=300"
        if etag in _etags(request.headers.get("if-none-match")):
            return Response(status_code=304, headers=headers)
        return FileResponse(file, media_type=media_type, headers=headers)

    def _send(
        self,
        request: Request,
        document: Document | None,
        *,
        status: int = 200,
        negotiated: bool = False,
    ) -> Response:
        """``document`` with its headers: a page says its language (``Content-Language``), and
        one whose language was negotiated (``/``) says that it varies with it."""
        assert document is not None
        headers = _headers(document.media_type)
        if document.language is not None:
            headers["Content-Language"] = document.language
        if negotiated:
            headers["Vary"] = "Accept-Language"
        if status == 200:
            etag = document.etag
            headers["ETag"] = etag
            headers["Cache-Control"] = "public, max-age=300"
            if etag in _etags(request.headers.get("if-none-match")):
                return Response(status_code=304, headers=headers)
        body = b"" if request.method == "HEAD" else document.body
        response = Response(
            body, status_code=status, media_type=document.media_type, headers=headers
        )
        if request.method == "HEAD":
            response.headers["Content-Length"] = str(len(document.body))
        return response


def served_void(built: bytes, licences: Sequence[URIRef], endpoint_url: str) -> bytes:
    """The build's VoID/DCAT description (``built``, the bytes of its ``void.ttl``) plus the
    endpoint this server runs, at ``endpoint_url`` (where the client reached it:
    :mod:`treatykg.web.public_url`): the dataset's ``void:sparqlEndpoint``, and a
    ``dcat:DataService`` that serves it (DCAT 3) under the dataset's ``licences``
    (:func:`licences`), conforming to the SPARQL 1.1 Protocol.

    The build's ``void.ttl`` stays as built, with the public IRIs (its checksum is in the
    manifest); only ``/.well-known/void`` says what this server adds, as N-Triples appended to
    it (N-Triples is Turtle, and needs none of the file's prefixes). Appended, not parsed and
    written again: the endpoint comes from each request, and a large build's VoID takes
    seconds to parse."""
    graph = new_graph()
    # The service is named by its endpoint IRI, which dereferences to its SPARQL Service
    # Description: one IRI for the thing a client can call and read about.
    endpoint = service = URIRef(endpoint_url)
    graph.add((DATASET, VOID.sparqlEndpoint, endpoint))
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, Literal("treatykg SPARQL endpoint (read-only)", lang="en")))
    graph.add((service, DCAT.endpointURL, endpoint))
    graph.add((service, DCAT.endpointDescription, endpoint))
    graph.add((service, DCAT.servesDataset, DATASET))
    graph.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    for licence in licences:
        graph.add((service, DCTERMS.license, licence))
    added = b"\n# The SPARQL endpoint of this server (treatykg serve), where it was reached.\n"
    return built.rstrip(b"\n") + b"\n" + added + serialize.ntriples(graph)


def licences(void: Path) -> list[URIRef]:
    """The dataset's licences in the build's VoID file, which the endpoint shares."""
    found = {
        quad[2]
        for quad in parse_file(void, void.name)
        if quad[:2] == (DATASET, DCTERMS.license) and isinstance(quad[2], URIRef)
    }
    return sorted(found)


def _headers(media_type: str) -> dict[str, str]:
    """The headers every document and file is sent with (CORS: :class:`CorsMiddleware`)."""
    headers = {"X-Content-Type-Options": "nosniff"}
    if media_type.startswith((_HTML, _SVG)):
        # A picture opened on its own is a document too: the same policy (no script).
        headers["Content-Security-Policy"] = HTML_POLICY
    return headers


def _decode(raw: bytes) -> str:
    """The path, percent-decoded as UTF-8; invalid UTF-8 or a NUL is an error, not a guess."""
    decoded = unquote_to_bytes(raw).decode("utf-8")  # raises UnicodeDecodeError (a ValueError)
    if "\x00" in decoded:
        raise ValueError("a NUL byte")
    return decoded


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def _plain(status: int, message: str, *, vary: bool = False) -> Response:
    headers = {"X-Content-Type-Options": "nosniff"}
    if vary:
        headers["Vary"] = "Accept"
    return Response(message + "\n", status_code=status, media_type="text/plain", headers=headers)


# --- running ---------------------------------------------------------------------------------


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or a one-line UsageError (port taken, bad address)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(1024)
    except OSError as error:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(
    settings: Settings,
    announce: Callable[[str], Any] = print,
    note: Callable[[str], Any] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM), then stop the query workers. ``announce``
    gets the line that says where (first), ``note`` what takes long before it (stderr)."""
    # Imported here, to keep the start-up fast where no server runs: create_app serves
    # tests and other ASGI hosts without uvicorn.
    import uvicorn

    sock = listen(settings.host, settings.port)  # fail fast: port taken, bad address
    documents = Documents(settings.build, store=settings.store, in_memory=settings.in_memory)
    app = create_app(settings, documents)
    note = note or (lambda line: print(line, file=sys.stderr))
    prepare(app.state.service, note)
    documents.prepare(note)  # a large build's home page: summarised once per build
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    announce(f"serving {settings.build} at http://{shown}:{port}/ (SPARQL: /sparql); Ctrl-C stops")
    config = uvicorn.Config(
        app,
        log_level="info",
        access_log=settings.access_log,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])


def prepare(service: SparqlService, note: Callable[[str], Any]) -> None:
    """Make the endpoint's store on disk now if its workers use one and it is not made yet,
    saying so first (it takes minutes for a large build: once per build)."""
    if service.on_disk and disk_store.find_store(service.dump, service.store) is None:
        where = service.store or disk_store.default_directory()
        note(
            f"making the SPARQL endpoint's store of {service.dump} in {where}, once for this "
            "build (about 15 s per million triples)"
        )
    service.source()


__all__ = ["Settings", "create_app", "dump_of", "is_loopback", "listen", "prepare", "run"]
