"""One picture of a page: its SVG, inline in the page and downloadable as a file of its own.

A picture is drawn once and used twice: the page shows the ``<svg>`` element inline (so its
links work and no request or script is needed), and the same element, with an XML
declaration, is the file at :attr:`Picture.file` beside the page, so that
``id/treaty/x.html`` has ``id/treaty/x.obligations.svg``. The links inside are relative to the
page's folder, which is the file's folder too, so they resolve from both.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from markupsafe import Markup

#: The kinds of pictures, in the order a page shows them; each is also the middle part of
#: the file name (``x.timeline.svg``).
KINDS: tuple[str, ...] = ("timeline", "obligations", "neighbourhood", "vocabulary")

#: What every picture's file starts with.
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True, slots=True)
class Sketch:
    """What a picture will show, before it is drawn: ``dot`` text for Graphviz, or the
    finished ``svg`` of a picture that lays itself out (the timeline)."""

    kind: str
    title: str
    #: The long description (``<desc>``): what the picture shows, in words.
    desc: str
    #: What the figure's caption says: how to read the picture.
    caption: str
    dot: str | None = None
    svg: str | None = None


@dataclass(frozen=True, slots=True)
class Picture:
    """A drawn picture: ``svg`` is the ``<svg>`` element, already escaped (it is markup), or
    None when it could not be drawn (``missing`` says why)."""

    kind: str
    title: str
    svg: Markup | None
    caption: str
    #: Where the page links for the file (relative to the page).
    download: str
    missing: str = ""

    def file(self) -> bytes | None:
        """The picture as a standalone SVG file."""
        if self.svg is None:
            return None
        return (XML_DECLARATION + str(self.svg).rstrip("\n") + "\n").encode("utf-8")


def marked(message: str) -> str:
    """``message`` as it is. A module imports it as ``_`` to mark an English constant for the
    message catalogues (Babel's extraction finds the calls of ``_``); a page shows the
    constant translated, with :meth:`.Links._` (``links._(TITLE)``)."""
    return message


def file_path(page: str, kind: str) -> str:
    """The site path of the ``kind`` picture of the page at ``page`` (``/id/x.html`` or
    ``/id/x``): ``/id/x.kind.svg``."""
    if kind not in KINDS:
        raise ValueError(f"no picture kind {kind!r}")
    return page.removesuffix(".html") + f".{kind}.svg"


def download_href(page: str, kind: str) -> str:
    """The relative link from the page at ``page`` to its ``kind`` picture."""
    return posixpath.basename(file_path(page, kind))


def split_path(path: str) -> tuple[str, str] | None:
    """``("/id/x", "kind")`` for the path of a picture file ``/id/x.kind.svg``, else None."""
    stem, dot, suffix = path.rpartition(".")
    if not dot or suffix != "svg":
        return None
    page, dot, kind = stem.rpartition(".")
    if not dot or kind not in KINDS or not page.startswith("/"):
        return None
    return page, kind


__all__ = ["KINDS", "Picture", "Sketch", "download_href", "file_path", "marked", "split_path"]
