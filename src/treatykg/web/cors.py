"""Cross-origin reads (CORS): the one place that decides which origins may read what we serve.

Everything ``treatykg serve`` answers is public and read-only: the documents, the redirects
to them, the pages, the build's files, the VoID and the SPARQL endpoint. A web page on another
origin (a notebook, a visualisation, a Comunica query in a browser) can read them only if the
answers say so; without CORS a browser hides every byte from the page's script. So the
default is the policy Wikidata's and DBpedia's endpoints follow: ``Access-Control-Allow-Origin:
*`` on every answer, errors included (a script must be able to read *why* its query was
refused: 400, 406, 429 with ``Retry-After``, 503).

``*`` is safe here because nothing depends on who asks: there are no cookies, no sessions, no
authentication, so ``Access-Control-Allow-Credentials`` is never sent (and a browser refuses
``*`` with credentials anyway). With ``*`` the answer does not vary by ``Origin``, so no
``Vary: Origin`` is needed and shared caches keep one copy. With a list of origins
(:class:`CorsPolicy` ``origins``), the allowed origin is echoed and every answer says
``Vary: Origin``, since a cache must not hand one origin's answer to another.

A *preflight* (``OPTIONS`` with ``Access-Control-Request-Method``, sent before a POST of
``application/sparql-query`` or a GET with ``If-None-Match``) is answered ``204`` with the
methods and request headers allowed and ``Access-Control-Max-Age``, so that a browser asks
once a day (Chromium caps it at two hours), not before every query. A plain ``OPTIONS`` is
answered ``204`` with ``Allow``. With CORS off (``treatykg serve --no-cors``) no ``Access-
Control-*`` header is ever sent, and a preflight gets its ``204`` without them, which a
browser takes as a refusal.

:class:`CorsMiddleware` applies the policy to the whole application, so that no route can
forget it; the static site's ``.htaccess`` (:mod:`treatykg.web.site`) writes the same headers
from :func:`apache_rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The only path that takes POST (a SPARQL query); everything else is GET and HEAD.
SPARQL_PATH = "/sparql"
READ_METHODS = "GET, HEAD"
SPARQL_METHODS = "GET, HEAD, POST"
#: Request headers a script may send beyond the CORS-safelisted ones: ``Content-Type`` for a
#: POST of ``application/sparql-query`` (not a safelisted type), ``If-None-Match`` for
#: revalidating with an ETag; ``Accept`` and ``Accept-Language`` are listed too, because a
#: value the safelist refuses (over 128 bytes, some characters) would need them.
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Type, If-None-Match, Range"
#: Response headers a script may read beyond the safelisted ones (Content-Type,
#: Content-Language, Cache-Control …): the ETag to revalidate with, how long to wait after a
#: 429 or 503, whether the endpoint answered from its cache, and a redirect's target.
EXPOSED_HEADERS = "ETag, Location, Retry-After, Vary, X-Treatykg-Cache"
#: How long a browser may keep a preflight's answer, in seconds (a day; Chromium keeps two
#: hours at most, Firefox a day).
MAX_AGE = 86400


@dataclass(frozen=True)
class CorsPolicy:
    """Which origins may read the answers: ``enabled`` False for none, else every origin
    (``origins`` empty: ``*``) or only those listed (``https://example.org``, no path)."""

    enabled: bool = True
    origins: tuple[str, ...] = ()

    def allow_origin(self, origin: str | None) -> str | None:
        """The ``Access-Control-Allow-Origin`` for a request from ``origin`` (None: none)."""
        if not self.enabled:
            return None
        if not self.origins:
            return "*"
        return origin if origin in self.origins else None

    @property
    def varies(self) -> bool:
        """Whether the answer depends on the request's ``Origin`` (then ``Vary: Origin``)."""
        return self.enabled and bool(self.origins)

    def headers(self, origin: str | None) -> dict[str, str]:
        """The CORS headers of an ordinary answer to a request from ``origin``."""
        allowed = self.allow_origin(origin)
        if allowed is None:
            return {}
        return {
            "Access-Control-Allow-Origin": allowed,
            "Access-Control-Expose-Headers": EXPOSED_HEADERS,
        }

    def preflight(self, path: str, origin: str | None) -> dict[str, str]:
        """The headers of the answer to a preflight for ``path`` from ``origin``."""
        allowed = self.allow_origin(origin)
        if allowed is None:
            return {}
        return {
            "Access-Control-Allow-Origin": allowed,
            "Access-Control-Allow-Methods": methods(path),
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": str(MAX_AGE),
        }


#: The default: every origin may read.
ALL_ORIGINS = CorsPolicy()
#: ``--no-cors``: no origin but the server's own.
NO_ORIGINS = CorsPolicy(enabled=False)


def methods(path: str) -> str:
    """The methods ``path`` answers: POST only at the SPARQL endpoint."""
    return SPARQL_METHODS if path == SPARQL_PATH else READ_METHODS


def _vary(headers: MutableHeaders, name: str) -> None:
    """Add ``name`` to ``Vary`` unless it is there already."""
    present = [v.strip().lower() for v in headers.get("vary", "").split(",") if v.strip()]
    if name.lower() not in present:
        headers["Vary"] = ", ".join([*filter(None, [headers.get("vary")]), name])


class CorsMiddleware:
    """ASGI middleware: the policy's headers on every HTTP answer, and ``OPTIONS`` answered."""

    def __init__(self, app: ASGIApp, policy: CorsPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        origin = request.get("origin")
        if scope["method"] == "OPTIONS":
            await self._options(scope, request, origin, send)
            return
        extra = self.policy.headers(origin)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
                if self.policy.varies:
                    _vary(headers, "Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _options(
        self, scope: Scope, request: Headers, origin: str | None, send: Send
    ) -> None:
        """``204``: a preflight's answer (the policy's), or a plain ``Allow``."""
        path = scope["path"]
        headers: dict[str, str] = {"Allow": f"{methods(path)}, OPTIONS"}
        if "access-control-request-method" in request:
            headers.update(self.policy.preflight(path, origin))
        if self.policy.varies:
            headers["Vary"] = "Origin"
        raw: Sequence[tuple[bytes, bytes]] = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers.items()
        ]
        await send({"type": "http.response.start", "status": 204, "headers": list(raw)})
        await send({"type": "http.response.body", "body": b""})


def apache_rules() -> list[str]:
    """The same policy (every origin) for Apache 2.4 with mod_headers and mod_rewrite, as the
    static site's ``.htaccess`` carries it: ``always``, so that redirects and 404s have it."""
    preflight = "\"expr=%{REQUEST_METHOD} == 'OPTIONS'\""
    return [
        "# CORS: every answer may be read by a page on any origin (a read-only public dataset;",
        "# no cookies, so never Access-Control-Allow-Credentials). A preflight OPTIONS is",
        "# answered 204 with the methods and headers allowed (see treatykg.web.cors).",
        'Header always set Access-Control-Allow-Origin "*"',
        f'Header always set Access-Control-Expose-Headers "{EXPOSED_HEADERS}"',
        f'Header always set Access-Control-Allow-Methods "{READ_METHODS}" {preflight}',
        f'Header always set Access-Control-Allow-Headers "{ALLOWED_HEADERS}" {preflight}',
        f'Header always set Access-Control-Max-Age "{MAX_AGE}" {preflight}',
    ]


#: The RewriteRule that answers any OPTIONS with 204 (after ``RewriteEngine On``).
APACHE_PREFLIGHT = ("RewriteCond %{REQUEST_METHOD} =OPTIONS", "RewriteRule ^ - [R=204,L]")

__all__ = [
    "ALL_ORIGINS",
    "APACHE_PREFLIGHT",
    "NO_ORIGINS",
    "CorsMiddleware",
    "CorsPolicy",
    "apache_rules",
    "methods",
]
