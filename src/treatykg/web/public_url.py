"""Where a running server is reached: the base URL its self-descriptions name.

The SPARQL Service Description (``sd:endpoint``) and the served VoID
(``void:sparqlEndpoint``, the ``dcat:DataService``) tell a client where to send queries; a
client that follows them (Comunica given only the server's address) must be sent back to
this server, not to the public namespace ``https://w3id.org/treatykg/`` on the internet. So
the base is, in order:

1. the **configured public URL** (``treatykg serve --public-url``), for a server behind a
   reverse proxy or w3id: requests then say nothing about it, whatever their ``Host``;
2. else **the request's own** scheme, ``Host`` and ASGI ``root_path``, as the client reached
   it (uvicorn already takes ``X-Forwarded-Proto`` from a proxy on this machine). A ``Host``
   that is not a host name or address (and port) is not copied into an IRI: the address the
   connection came in on stands in for it. A forged ``Host`` only changes the answer to the
   request that forged it, which caches file under that host anyway.

The build's ``void.ttl`` is a published file, not this server's: it keeps the public IRIs.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from starlette.requests import Request

from treatykg.errors import UsageError

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#: A ``Host`` header worth copying: a DNS name or IPv4 address, or a bracketed IPv6 address,
#: and an optional port (RFC 9110 §7.2, without the rarely used reg-name escapes).
_HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?")
_SCHEMES = ("http", "https")


def configured(url: str) -> str:
    """A public base URL as ``--public-url`` takes it: absolute ``http(s)``, with a host and
    no query or fragment; ending in ``/`` (added if missing), as every path is joined to it."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.netloc or not _HOST.fullmatch(parts.netloc):
        raise UsageError(
            f"--public-url {url!r}: give the absolute http(s) URL the server is reached at, "
            "e.g. https://example.org/treatykg/"
        )
    if parts.query or parts.fragment or "#" in url or "?" in url:
        raise UsageError(f"--public-url {url!r}: a base URL has no query or fragment")
    if any(character in url for character in ' <>"{}|\\^`'):
        raise UsageError(f"--public-url {url!r}: characters an IRI cannot hold")
    return url if url.endswith("/") else url + "/"


def base_url(request: Request, public: str | None = None) -> str:
    """The base URL this request reached the server at (``public`` if configured), ending
    in ``/``: the SPARQL endpoint is at ``base_url(...) + "sparql"``."""
    if public is not None:
        return public
    scope = request.scope
    scheme = scope.get("scheme") if scope.get("scheme") in _SCHEMES else "http"
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):
        server = scope.get("server") or ("127.0.0.1", 80)
        name, port = server[0], server[1]
        name = f"[{name}]" if ":" in name else name
        default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
        host = name if default or port is None else f"{name}:{port}"
    root = quote(scope.get("root_path", "").strip("/"), safe="/-._~!$&'()*+,;=:@%")
    root = f"/{root}" if root else ""
    return f"{scheme}://{host}{root}/"


__all__ = ["base_url", "configured"]
