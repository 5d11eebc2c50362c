"""The SPARQL endpoint as ``treatykg serve`` mounts it: one object that starts the query
processes and answers SPARQL 1.1 Protocol requests.

:class:`SparqlService` ties the parts together: it reads a request
(:mod:`~treatykg.web.endpoint.protocol`), answers from the warmed bundled answers
(:mod:`~treatykg.web.endpoint.warm`) or the cache (:mod:`~treatykg.web.endpoint.cache`) when
it can, and otherwise has the query run on a worker
(:mod:`~treatykg.web.endpoint.dispatch`), then shapes the answer, an HTML page or an error.

Its workers either each load the dump into memory, or all open one store on disk read-only
(:mod:`~treatykg.web.endpoint.disk_store`): memory for small dumps, where queries run about six
times faster (every string a query reads is a lookup in RocksDB on disk) and the copies are
small; disk for large ones, where copies per worker would not fit and loading them would take
minutes (:data:`.disk_store.IN_MEMORY_MAX_BYTES`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response

from treatykg.errors import UsageError
from treatykg.web.endpoint import disk_store, protocol, service_description, warm
from treatykg.web.endpoint.admission import Admission
from treatykg.web.endpoint.cache import AnswerCache
from treatykg.web.endpoint.dispatch import Dispatcher
from treatykg.web.endpoint.media import GRAPH_TYPES, HTML, RESULT_TYPES
from treatykg.web.endpoint.pool import Pool
from treatykg.web.endpoint.protocol import NOSNIFF, READ_ONLY, HttpError
from treatykg.web.endpoint.warm import WarmUp
from treatykg.web.endpoint.worker import HTML_ROWS, Job, Source
from treatykg.web.languages import LANGUAGES
from treatykg.web.negotiate import choose_language
from treatykg.web.public_url import base_url

log = logging.getLogger(__name__)

#: Renders the HTML page: (query text, SPARQL JSON results, error message) -> HTML.
#: Renders the endpoint's page for a browser: (query, results, error, language) → HTML, the
#: language one of :data:`~treatykg.web.languages.LANGUAGES`, from ``Accept-Language``.
HtmlRenderer = Callable[[str | None, dict[str, Any] | None, str | None, str], str]


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
        public_url: str | None = None,
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
        store: Path | None = None,
        in_memory: bool | None = None,
        warm_wait: float | None = 1.0,
    ) -> None:
        """``memory_limit`` caps what each worker may allocate beyond its loaded store (and, on
        disk, beyond what RocksDB's caches may grow to: :data:`.disk_store.CACHES`; a query
        that needs more crashes its worker, not the machine; None for no cap);
        ``isolate_network`` puts workers in an empty network namespace where Linux allows;
        ``cache_bytes`` bounds the cache of answers (0: no cache, every query runs).

        ``workers`` queries run at once; ``spares`` more processes wait loaded, so that a
        worker killed (a timeout, a query stopped to make room) is replaced at once.
        ``per_client``, ``grace`` and ``penalty`` are the admission rules of
        :mod:`treatykg.web.endpoint.admission`. ``warm`` answers every bundled query after
        start-up, in every result format, so that they never wait for a worker (within the
        cache's budget, never evicted); :meth:`start` waits ``warm_wait`` seconds for it at
        most (None: until it ends), and it goes on in the background.

        ``public_url`` is the base URL the server is reached at, behind a proxy, that the
        Service Description names (``sd:endpoint``: it + ``sparql``); None names where each
        request came to (:mod:`treatykg.web.public_url`).

        ``in_memory`` True has each worker load the dump into memory; False has them all open
        one store on disk, made once per dump in the directory ``store`` (default
        :func:`~treatykg.web.endpoint.disk_store.default_directory`); None (the default)
        chooses by the dump's size (:data:`.disk_store.IN_MEMORY_MAX_BYTES`), or disk if
        ``store`` is given.
        """
        if workers < 1:
            raise UsageError("the SPARQL endpoint needs at least one worker")
        self.dump = Path(dump)
        self.store = Path(store) if store is not None else None
        self._in_memory = in_memory
        self._source: Source | None = None
        self.workers = workers
        self.spares = max(0, spares)
        self.timeout = timeout
        self.max_result_bytes = max_result_bytes
        self.max_body_bytes = max_body_bytes
        self.queue_timeout = queue_timeout
        self.public_url = public_url
        self._html = html
        self.html_rows = html_rows
        self.pool = Pool(
            size=workers,
            spares=self.spares,
            memory_limit=memory_limit,
            isolate_network=isolate_network,
        )
        self.cache = AnswerCache(cache_bytes)
        self.admission = Admission(workers, per_client=per_client, grace=grace, penalty=penalty)
        self._dispatcher = Dispatcher(
            self.pool,
            self.admission,
            timeout=timeout,
            queue_timeout=queue_timeout,
            max_result_bytes=max_result_bytes,
        )
        self._warm = warm
        self.warm_wait = warm_wait
        #: Bundled answers computed after start-up, by job (never evicted).
        self.warmed: dict[Job, bytes] = {}
        self._warm_up: WarmUp | None = None

    # --- the processes ---------------------------------------------------------------------

    def start(self) -> None:
        """Prepare the store on disk if the workers use one (once per dump: later starts find
        it), spawn the worker processes and block until each has opened it; then start the
        warm-up of the bundled queries and wait for it ``warm_wait`` seconds at most.

        Workers are started with multiprocessing's "forkserver" or "spawn", which re-import
        the program's main module: a script that calls this needs the
        ``if __name__ == "__main__":`` guard.
        """
        if self.pool.running:
            return
        spawned = self.pool.start(self.source())
        self.pool.open(spawned)  # no request runs before start() returns
        if self._warm and self.cache.budget:
            html_rows = self.html_rows if self._html is not None else None
            self._warm_up = WarmUp(
                self.pool,
                warm.bundled_groups(self.max_result_bytes, html_rows),
                self.warmed,
                timeout=self.timeout,
                budget=self.cache.budget,
            )
            self._warm_up.start()
            self._warm_up.done.wait(self.warm_wait)

    @property
    def on_disk(self) -> bool:
        """Whether the workers share one store on disk rather than load the dump each."""
        return disk_store.on_disk(self.dump, self.store, self._in_memory)

    def source(self) -> Source:
        """Where the workers' store comes from: the dump, or its store on disk (made now if
        there is none yet: 15 s per million triples, once)."""
        if self._source is None:
            if self.on_disk:
                path = disk_store.prepare_store(self.dump, self.store)
                self._source = Source(str(path), on_disk=True)
            else:
                self._source = Source(str(self.dump))
        return self._source

    def close(self) -> None:
        """Stop every worker (and the warm-up); requests from now on are answered 503."""
        self.pool.close()
        if self._warm_up is not None:
            self._warm_up.join(5)

    @property
    def warm_seconds(self) -> float:
        """How long the warm-up of the bundled queries took (0 until it has ended)."""
        return self._warm_up.seconds if self._warm_up is not None else 0.0

    @property
    def idle(self) -> int:
        """How many workers wait for a query right now (approximate, for tests and metrics)."""
        return self.pool.idle

    @property
    def triples(self) -> int:
        """The triples of the store, as the workers opened it."""
        return self.pool.triples

    @property
    def named_graphs(self) -> bool:
        """Whether the dump has named graphs (then the default graph is their union)."""
        return self.pool.named_graphs

    @property
    def network_isolated(self) -> bool:
        """Whether the workers run without a network (see :mod:`.sandbox`)."""
        return self.pool.network_isolated

    @property
    def restarts(self) -> int:
        """How many workers were killed and replaced."""
        return self.pool.restarts

    # --- HTTP ------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        """Answer one SPARQL Protocol request (GET, HEAD or POST)."""
        try:
            return await self._answer(request)
        except HttpError as refused:
            return self._error(request, refused)

    async def _answer(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD", "POST"):
            raise HttpError(
                405,
                f"{request.method} is not allowed: this endpoint only answers queries "
                "(GET or POST); it is read-only",
                headers={"Allow": "GET, HEAD, POST"},
            )
        params = await self._params(request)
        if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
            raise HttpError(403, READ_ONLY)
        texts = params.pop("query", [])
        if len(texts) > 1:
            raise HttpError(400, "give one query, not several")
        if texts:
            try:
                return await self._query(request, texts[0], params)
            except HttpError as refused:
                refused.query = texts[0]
                raise
        if request.method == "POST":
            raise HttpError(
                400, "no query: send query=… or a body of type application/sparql-query"
            )
        unknown = sorted(set(params) - {"format", "output"})
        if unknown:
            raise HttpError(400, f"no query parameter (got {', '.join(unknown)})")
        return self._description(request, params)

    async def _params(self, request: Request) -> dict[str, list[str]]:
        """The request's parameters: from the URL, and from the body of a POST."""
        params = protocol.parse_form(request.scope.get("query_string", b""), "URL")
        if request.method != "POST":
            return params
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/sparql-update":
            raise HttpError(403, READ_ONLY)
        if kind == "application/x-www-form-urlencoded":
            body = await self._body(request)
            for name, values in protocol.parse_form(body, "form body").items():
                params.setdefault(name, []).extend(values)
        elif kind == "application/sparql-query":
            try:
                text = (await self._body(request)).decode("utf-8")
            except UnicodeDecodeError:
                raise HttpError(400, "the query is not valid UTF-8") from None
            params.setdefault("query", []).append(text)
        else:
            raise HttpError(
                415,
                "send the query as application/x-www-form-urlencoded (query=…) "
                "or as application/sparql-query",
            )
        return params

    async def _body(self, request: Request) -> bytes:
        """The request body, refused (413) once it passes the cap: by its Content-Length
        before reading anything, and by counting as it streams in (chunked uploads)."""
        too_large = HttpError(
            413,
            f"the request body is larger than the server's cap of "
            f"{protocol.size(self.max_body_bytes)}",
        )
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                raise HttpError(400, "malformed Content-Length header")
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
            raise HttpError(499, "the client went away") from None
        return b"".join(chunks)

    async def _query(self, request: Request, text: str, params: dict[str, list[str]]) -> Response:
        # The checks read the whole text (up to 64 KiB: tens of milliseconds): a long one in
        # a thread, so that the event loop goes on serving meanwhile.
        form = (
            protocol.checked_form(text)
            if len(text) < 2048
            else await asyncio.to_thread(protocol.checked_form, text)
        )
        graph = form in ("construct", "describe")
        default_graphs = protocol.graph_iris(params, "default-graph-uri")
        named_graphs = protocol.graph_iris(params, "named-graph-uri")
        offered = list(GRAPH_TYPES if graph else RESULT_TYPES)
        if self._html is not None and not graph:
            offered.append(HTML)
        media, by_accept = protocol.choose(request, params, offered, graph)
        headers = {"Vary": "Accept"} if by_accept else {}
        fmt = HTML_ROWS if media == HTML else (GRAPH_TYPES if graph else RESULT_TYPES)[media]
        rows = self.html_rows if fmt == HTML_ROWS else 0
        job = Job(text, default_graphs, named_graphs, graph, fmt, self.max_result_bytes, rows)
        body = self.warmed.get(warm.key(job)) or self.cache.get(job)
        headers["X-Treatykg-Cache"] = "miss" if body is None else "hit"
        if body is None:
            try:
                body = await self._dispatcher.answer(request, job)
            except HttpError as refused:
                refused.headers.update(headers)
                raise
            self.cache.put(job, body)
        if media == HTML and self._html is not None:
            # Parsing and rendering take time in proportion to the rows (at most a page's
            # worth): in a thread, so that the event loop goes on serving everyone else.
            language, headers = _language(request, headers)
            page = await asyncio.to_thread(self._html, text, json.loads(body), None, language)
            return HTMLResponse(page, headers={**NOSNIFF, **headers})
        return protocol.response(body, media, headers)

    def _description(self, request: Request, params: dict[str, list[str]]) -> Response:
        """The SPARQL 1.1 Service Description (or the HTML query form, for browsers)."""
        offered = list(GRAPH_TYPES) + ([HTML] if self._html is not None else [])
        media, by_accept = protocol.choose(request, params, offered, graph=True)
        headers = {"Vary": "Accept"} if by_accept else {}
        if media == HTML and self._html is not None:
            language, headers = _language(request, headers)
            page = self._html(None, None, None, language)
            return HTMLResponse(page, headers={**NOSNIFF, **headers})
        endpoint = base_url(request, self.public_url) + "sparql"
        description = service_description.serialize(
            endpoint, union=self.named_graphs, triples=self.triples, media=media
        )
        return protocol.response(description, media, headers)

    def _error(self, request: Request, refused: HttpError) -> Response:
        """A short plain-text error, or the HTML page with the message for a browser."""
        headers = {**NOSNIFF, **refused.headers}
        if self._html is not None and protocol.prefers_html(request):
            language, headers = _language(request, headers)
            page = self._html(refused.query, None, refused.message, language)
            return HTMLResponse(page, status_code=refused.status, headers=headers)
        return Response(
            refused.message + "\n",
            status_code=refused.status,
            media_type="text/plain; charset=utf-8",
            headers=headers,
        )


def _language(request: Request, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The language of the endpoint's page for this browser (its ``Accept-Language``: the
    page has one path), and ``headers`` saying so (``Content-Language``, ``Vary``)."""
    language = choose_language(request.headers.get("accept-language"), LANGUAGES)
    vary = ", ".join(v for v in (headers.get("Vary"), "Accept-Language") if v)
    return language, {**headers, "Content-Language": language, "Vary": vary}
