"""The SPARQL 1.1 Protocol's side of a request: reading it strictly, choosing the answer's
format, and the shape of answers and errors.

Requests are checked before they cost anything: body and query size (413), nesting depth,
percent-encoding, IRIs, ``Accept``; SPARQL Update in any guise is 403, and ``SERVICE`` is
refused before any worker sees the query (pyoxigraph would send it anywhere). Everything here
is a pure function of the request: no worker, no state.
"""

from __future__ import annotations

import functools
import re
import urllib.parse

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from treatykg.errors import UsageError
from treatykg.sparql import guard
from treatykg.web import negotiate
from treatykg.web.endpoint.media import FORMAT_NAMES, HTML

#: On every answer: browsers must not guess that a result is HTML and run it.
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
READ_ONLY = "this endpoint is read-only: SPARQL Update is refused"
#: More default-graph-uri or named-graph-uri values than this are refused.
MAX_GRAPHS = 64
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_MAX_FIELDS = 64
_MAX_MESSAGE = 400


class HttpError(Exception):
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


def parse_form(raw: bytes, where: str) -> dict[str, list[str]]:
    """``application/x-www-form-urlencoded`` parameters, strictly: malformed percent-encoding
    (``%zz``) or bytes that are not UTF-8 (``%ff``) are a 400, never a guess or a 500.

    Clients repeat the same requests (dashboards, the bundled queries), so parses are
    memoized; the caller gets its own copy to change."""
    parsed = _parse_form_cached(raw, where)
    if isinstance(parsed, HttpError):
        raise HttpError(parsed.status, parsed.message)
    return {name: list(values) for name, values in parsed.items()}


@functools.lru_cache(maxsize=256)
def _parse_form_cached(raw: bytes, where: str) -> dict[str, tuple[str, ...]] | HttpError:
    try:
        return {name: tuple(values) for name, values in _parse_form_uncached(raw, where).items()}
    except HttpError as error:
        return error


def _parse_form_uncached(raw: bytes, where: str) -> dict[str, list[str]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, f"the {where} is not valid UTF-8") from None
    if _BAD_PERCENT.search(text):
        raise HttpError(
            400, f"malformed percent-encoding in the {where}: a % must be followed by 2 hex digits"
        )
    try:
        pairs = urllib.parse.parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise HttpError(400, f"percent-encoded bytes in the {where} are not valid UTF-8") from None
    except ValueError:
        raise HttpError(400, f"more than {_MAX_FIELDS} parameters in the {where}") from None
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def checked_form(text: str) -> str:
    """The query's form, once the query is known to be safe to hand to a worker."""
    if len(text.encode("utf-8", "surrogatepass")) > guard.MAX_QUERY_BYTES:
        raise HttpError(413, f"the query is larger than {guard.MAX_QUERY_BYTES // 1024} KiB")
    if guard.is_update(text):
        raise HttpError(403, READ_ONLY)
    depth = guard.nesting(text)
    if depth > guard.MAX_NESTING:
        raise HttpError(
            400, f"the query nests {{ }}, ( ) or [ ] {depth} deep; the limit is {guard.MAX_NESTING}"
        )
    if guard.uses_service(text):
        raise HttpError(
            400,
            "SERVICE (federated query) is refused: this endpoint does not fetch from other "
            "servers (a prefix or name containing 'service' can trigger this; rename it)",
        )
    try:
        return guard.form(text)
    except UsageError as error:
        raise HttpError(400, str(error)) from None


def graph_iris(params: dict[str, list[str]], name: str) -> tuple[str, ...]:
    """The ``default-graph-uri`` or ``named-graph-uri`` values, each checked to be an IRI."""
    values = params.get(name, [])
    if len(values) > MAX_GRAPHS:
        raise HttpError(400, f"more than {MAX_GRAPHS} {name} values")
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise HttpError(400, short(f"{name} is not a valid IRI: {value!r}")) from None
    return tuple(values)


def choose(
    request: Request, params: dict[str, list[str]], offered: list[str], graph: bool
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
            raise HttpError(406, f"format={names[-1]!r} is not offered here; {_offer(offered)}")
        return media, False
    try:
        media = negotiate.choose(_accept(request), offered)
    except negotiate.BadAccept as error:
        raise HttpError(400, f"malformed Accept header: {error}") from None
    if media is None:
        raise HttpError(
            406,
            f"nothing the Accept header asks for is offered here; {_offer(offered)}",
            headers={"Vary": "Accept"},
        )
    return media, True


def prefers_html(request: Request) -> bool:
    """Whether the client would rather read an error as a page than as plain text."""
    try:
        return negotiate.choose(_accept(request), ["text/plain", HTML]) == HTML
    except negotiate.BadAccept:
        return False


def _accept(request: Request) -> str | None:
    """The Accept header, several of them joined as RFC 9110 says; None when absent."""
    values = request.headers.getlist("accept")
    return ", ".join(values) if values else None


def response(body: bytes, media: str, headers: dict[str, str]) -> Response:
    """An answer in ``media``: the endpoint's answers are UTF-8, whatever the format."""
    return Response(
        body,
        media_type=f"{media}; charset=utf-8",
        headers={**NOSNIFF, **headers},
    )


def _offer(offered: list[str]) -> str:
    return "this endpoint answers with " + ", ".join(offered)


def size(count: int) -> str:
    """A byte count in words, for messages: "64 KiB", "16 MiB"."""
    mib = count / (1024 * 1024)
    return f"{mib:g} MiB" if mib >= 1 else f"{count / 1024:g} KiB"


def short(message: str) -> str:
    """One line of at most a few hundred characters: pyoxigraph's "expected one of …" lists
    can run to pages."""
    message = " ".join(message.split())
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"
