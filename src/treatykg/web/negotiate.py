"""HTTP content negotiation: which of the formats we offer does a client's ``Accept`` want,
and which of the pages' languages its ``Accept-Language`` (:func:`choose_language`)?

RFC 9110 §12.5.1 rules, applied strictly because a linked-data client depends on them:

* each media range carries a quality ``q`` in [0, 1] (default 1); ``q=0`` means "not this";
* a type's quality comes from the *most specific* range that matches it, so
  ``text/turtle, */*;q=0.1`` prefers Turtle and ``*/*, text/html;q=0`` excludes HTML;
* among equally wanted types, a more specific match wins (``text/turtle, */*`` → Turtle),
  then the server's order (HTML first, for browsers);
* no ``Accept`` header at all means "anything";
* a range naming a structured syntax suffix's base type (RFC 6839) also matches the types
  built on it, less specifically than their own name and more than ``type/*``:
  ``application/json`` matches ``application/ld+json``, so a JavaScript ``fetch`` asking for
  JSON gets JSON-LD (which is JSON) rather than 406. Only ``+json``: an XML or zip reader
  would not know what to do with the other suffixes' formats.

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
        """3 for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*`` (2: :meth:`match`)."""
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 3

    def matches(self, media_type: str) -> bool:
        return self.match(media_type) >= 0

    def match(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: its :attr:`specificity`, 2
        when it names the base type of the type's ``+json`` suffix, -1 if it does not."""
        kind, _, sub = media_type.partition("/")
        if self.type in ("*", kind) and self.subtype in ("*", sub):
            return self.specificity
        suffix = _SUFFIXES.get(self.subtype)
        if self.type == kind and suffix is not None and sub.endswith(suffix):
            return 2
        return -1


#: Structured syntax suffixes (RFC 6839) whose base type's range matches the suffixed types.
_SUFFIXES = {"json": "+json"}


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
    specificity = max((r.match(media_type) for r in ranges), default=-1)
    if specificity < 0:
        return 0.0, -1
    # Among ranges of the same specificity (e.g. text/turtle twice) take the highest q.
    q = max(r.q for r in ranges if r.match(media_type) == specificity)
    return q, specificity


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


# --- languages -------------------------------------------------------------------------------

#: A language range of ``Accept-Language`` (RFC 4647 §2.1): ``*`` or subtags of 1–8 letters
#: and digits joined by ``-``, the first all letters.
_LANGUAGE_RANGE = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")


def choose_language(header: str | None, offered: Sequence[str]) -> str:
    """The offered language (``ko``) that an ``Accept-Language`` header wants most, by RFC
    9110 §12.5.4 and RFC 4647's basic filtering: a range matches a language it equals or is a
    prefix of, either way at a ``-`` (``ko-KR`` wants our ``ko``, ``zh`` wants none of ours);
    ``*`` matches any; ``q=0`` means "not this"; ties go to the server's order.

    Unlike ``Accept``, a page can always be sent: with no header, a header we cannot read, or
    no offered language wanted, the answer is the first offered (the default), as a browser
    whose user reads only, say, Chinese would rather get English than 406. Malformed
    elements are skipped, not refused."""
    if header is None or not header.strip() or len(header) > MAX_ACCEPT_LENGTH:
        return offered[0]
    best: tuple[float, int, int] | None = None
    chosen = offered[0]
    refused: set[str] = set()
    wanted: list[tuple[str, float]] = []
    for element in header.split(","):
        name, *parameters = (part.strip() for part in element.split(";"))
        if not _LANGUAGE_RANGE.match(name):
            continue
        q: float | None = 1.0
        for parameter in parameters:
            key, equals, value = parameter.partition("=")
            if key.strip().lower() == "q":
                q = float(value.strip()) if equals and _QVALUE.match(value.strip()) else None
        if q is not None:  # an element with a malformed quality is skipped
            wanted.append((name.lower(), q))
    for name, q in wanted:
        for language in offered:
            if name != "*" and _matches(name, language) and q == 0:
                refused.add(language)
    for position, (name, q) in enumerate(wanted):
        if q <= 0:
            continue
        for order, language in enumerate(offered):
            if language in refused or not (name == "*" or _matches(name, language)):
                continue
            # a named range beats "*" at the same q; then the header's order, then ours
            score = (-q, 1 if name == "*" else 0, order if name == "*" else position)
            if best is None or score < best:
                best, chosen = score, language
    return chosen


def _matches(language_range: str, language: str) -> bool:
    """Whether a language range and one of our language tags name the same language, one
    being the other or a prefix of it at a subtag boundary (``ko-kr`` and ``ko``)."""
    language = language.lower()
    return (
        language_range == language
        or language_range.startswith(language + "-")
        or language.startswith(language_range + "-")
    )
