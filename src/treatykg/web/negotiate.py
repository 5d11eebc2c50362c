"""HTTP content negotiation: which of the formats we offer does a client's ``Accept`` want?

RFC 9110 §12.5.1 rules, applied strictly because a linked-data client depends on them:

* each media range carries a quality ``q`` in [0, 1] (default 1); ``q=0`` means "not this";
* a type's quality comes from the *most specific* range that matches it, so
  ``text/turtle, */*;q=0.1`` prefers Turtle and ``*/*, text/html;q=0`` excludes HTML;
* among equally wanted types, a more specific match wins (``text/turtle, */*`` → Turtle),
  then the server's order (HTML first, for browsers);
* no ``Accept`` header at all means "anything".

A header we cannot parse (a range without ``/``, a ``q`` that is not a number in [0, 1]) is
:class:`BadAccept`, which servers answer with 400 rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")
#: Longer headers are refused: no real client sends one, and parsing them costs time.
MAX_ACCEPT_LENGTH = 4096


class BadAccept(ValueError):  # noqa: N818 (reads better at the call sites)
    """The ``Accept`` header is malformed."""


@dataclass(frozen=True)
class MediaRange:
    """One element of an ``Accept`` header."""

    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        """2 for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*``."""
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; ``*/*`` when there is none."""
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    if len(header) > MAX_ACCEPT_LENGTH:
        raise BadAccept(f"the Accept header is longer than {MAX_ACCEPT_LENGTH} characters")
    ranges = []
    for element in header.split(","):
        if not element.strip():
            continue  # RFC 9110 allows empty list elements
        media, *parameters = (part.strip() for part in element.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if (
            not slash
            or not _TOKEN.match(kind)
            or not _TOKEN.match(sub)
            or (kind == "*" and sub != "*")
        ):
            raise BadAccept(f"not a media range: {media!r}")
        q = 1.0
        for parameter in parameters:
            name, equals, value = parameter.partition("=")
            if name.strip().lower() == "q":
                value = value.strip()
                if not equals or not _QVALUE.match(value):
                    raise BadAccept(f"not a quality value in [0, 1]: q={value!r}")
                q = float(value)
        ranges.append(MediaRange(kind, sub, q))
    if not ranges:
        return [MediaRange("*", "*", 1.0)]
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> tuple[float, int]:
    """The quality the client gives ``media_type`` and the specificity of the deciding range."""
    best: MediaRange | None = None
    for candidate in ranges:
        if candidate.matches(media_type) and (
            best is None or candidate.specificity > best.specificity
        ):
            best = candidate
    if best is None:
        return 0.0, -1
    # Among ranges of the same specificity (e.g. text/turtle twice) take the highest q.
    q = max(r.q for r in ranges if r.matches(media_type) and r.specificity == best.specificity)
    return q, best.specificity


def choose(header: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type (``type/subtype``, no parameters) the client wants most, or
    None when it accepts none of them (answer 406). Raises :class:`BadAccept`."""
    ranges = parse_accept(header)
    scored = []
    for order, media_type in enumerate(offered):
        q, specificity = quality(ranges, media_type.lower())
        if q > 0:
            scored.append((-q, -specificity, order, media_type))
    return min(scored)[3] if scored else None
