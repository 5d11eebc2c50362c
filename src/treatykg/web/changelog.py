"""The changesets a release keeps, as its pages show them: one page per version, and the
versions each resource changed in.

A release built with ``treatykg build --previous`` holds the summary of every changeset since
its first version (``changes-<version>.json``, :mod:`treatykg.changes.summary`), beside the
patches themselves (``.rdfp``, ``.ru``). Why every one and not the last: a reader who cited
0.1.0 and lands on the page of release 0.4.0 must still find what changed in 0.2.0 and 0.3.0,
and a static site rewritten from the newest release must keep every published version's
changeset page at its IRI (``https://w3id.org/treatykg/dataset/changes/0.2.0``).

Only the summaries the build's ``manifest.json`` lists are read, like every other file the
server publishes: a stray file in the build directory is not part of the release. They are
read when the build is opened, so that a damaged one is a one-line error at start-up, not a
broken page later. This module has no heavy imports (no Jinja2): the server reads the log at
start-up; the pages that show it are :mod:`treatykg.web.pages.changes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from treatykg.changes.diff import ResourceChange
from treatykg.changes.summary import Summary, changeset_iri, file_name, from_json
from treatykg.errors import InputError
from treatykg.web import urls

#: The page that lists every changeset of the release, newest first.
INDEX_PATH = "/dataset/changes"
#: The files of one changeset in a release, in the order a page offers them: the RDF Patch,
#: the SPARQL Update, the summary.
SUFFIXES: tuple[str, ...] = (".rdfp", ".ru", ".json")

_SUMMARY = re.compile(r"^changes-(.+)\.json$")
#: What a version may be to name a page and a file: no path separator, no control character,
#: nothing a URL would take for its query or fragment.
_VERSION = re.compile(r"^[^/\\\s%?#]+$")


@dataclass(frozen=True)
class Kept:
    """One changeset a release keeps: the summary of the changes that lead to ``version``."""

    version: str
    summary: Summary
    #: The build files of this changeset the release lists (``changes-0.2.0.rdfp`` …).
    files: tuple[str, ...]

    @property
    def iri(self) -> str:
        return changeset_iri(self.version)

    @property
    def path(self) -> str:
        """The server path of its page (``/dataset/changes/0.2.0``): the IRI's path as a
        server reads it, percent-decoded (``1.0+b``, which the IRI writes ``1.0%2Bb``)."""
        return f"{INDEX_PATH}/{self.version}"


class ChangeLog:
    """Every changeset of a release, newest first, and the versions each resource changed in."""

    def __init__(self, kept: Iterable[Kept] = ()) -> None:
        #: Newest first: by date of the new version, then by version (:func:`version_key`).
        self.kept: tuple[Kept, ...] = tuple(
            sorted(kept, key=lambda k: (k.summary.issued or "", version_key(k.version)))[::-1]
        )
        self.by_path: dict[str, Kept] = {k.path: k for k in self.kept}
        self.by_version: dict[str, Kept] = {k.version: k for k in self.kept}
        self._changes: dict[str, list[tuple[Kept, ResourceChange]]] = {}
        self._anchors: dict[str, dict[str, str]] = {}
        for k in self.kept:
            for resource in k.summary.resources:
                self._changes.setdefault(resource.iri, []).append((k, resource))

    def __bool__(self) -> bool:
        return bool(self.kept)

    def __iter__(self) -> Iterator[Kept]:
        return iter(self.kept)

    def of(self, iri: str) -> list[tuple[Kept, ResourceChange]]:
        """What changed about ``iri`` in each changeset, newest first (empty if nothing did)."""
        return self._changes.get(iri, [])

    def issued(self, version: str | None) -> str | None:
        """The date of ``version`` as the changeset that leads to it says, if the log has one."""
        kept = self.by_version.get(version) if version is not None else None
        return kept.summary.issued if kept is not None else None

    def anchors(self, kept: Kept) -> dict[str, str]:
        """The element id of each resource's entry on the page of ``kept`` (made once: a
        resource's page links to its entry), unique on the page."""
        found = self._anchors.get(kept.version)
        if found is None:
            found = {}
            taken: set[str] = set()
            for resource in kept.summary.resources:
                base = name = anchor(resource.iri)
                number = 1
                while name in taken:
                    number += 1
                    name = f"{base}-{number}"
                taken.add(name)
                found[resource.iri] = name
            self._anchors[kept.version] = found
        return found


def anchor(iri: str) -> str:
    """The element id of a resource's entry on a changeset's page, from its IRI, readable:
    ``r-id-event-2024-06-19-signing``, ``r-def-about``."""
    path = urls.path_of(iri)
    name = path.lstrip("/") if path is not None else iri.split("://", 1)[-1]
    if "#" in iri and path is not None:
        name += "-" + iri.split("#", 1)[1]
    return "r-" + (re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-") or "resource")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """``0.10.0`` after ``0.9.1``: a version's numbers compared as numbers, the rest as text."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[.+-]", version)
    )


def read(build: Path, file_names: Sequence[str]) -> ChangeLog:
    """The changesets whose summary ``file_names`` (the build's manifest) lists. A summary
    that is not one, or that is filed under another version than the one it leads to, is an
    :class:`InputError` naming the file."""
    names = set(file_names)
    kept = []
    for name in sorted(names):
        found = _SUMMARY.match(name)
        if found is None:
            continue
        version = found.group(1)
        path = build / name
        if not _VERSION.match(version) or version in (".", ".."):
            raise InputError(str(path), f"{version!r} is not a version a page can be named by")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(str(path), f"cannot read it ({error.strerror})") from None
        summary = from_json(data, str(path))
        if summary.new_version != version:
            raise InputError(
                str(path), f"the summary of the changes to {summary.new_version}, not {version}"
            )
        files = tuple(file_name(version, s) for s in SUFFIXES if file_name(version, s) in names)
        kept.append(Kept(version, summary, files))
    return ChangeLog(kept)


__all__ = ["INDEX_PATH", "SUFFIXES", "ChangeLog", "Kept", "anchor", "read", "version_key"]
