"""A changeset as people and pages read it: a JSON summary per release, and lines of text.

Why a summary of its own: the patch (:mod:`.patch`) says every statement, which is what a store
needs, not what a reader asks ("what changed about Article 1 since 0.1.0?"). The summary says,
per resource, whether it was added, removed or changed, and for a changed one which properties
and their values before and after. A release keeps the summaries of every changeset since its
first version (``changes-<version>.json``), so that its pages can say, on each resource's page,
in which versions it changed, and the static site keeps a page per version.

The JSON (:func:`to_json`), stable bytes::

    {"changeset": IRI, "from": {"version", "iri", "triples", "sha256"}, "to": {…},
     "issued": "2026-12-06" or null, "removed": 9, "added": 9,
     "resources": [{"iri", "status": "added|removed|changed", "label",
                    "properties": [{"property": IRI, "removed": [terms], "added": [terms]}]}]}

Values are N-Triples terms (``"0.1.0"``, ``<https://…>``, ``"19 juin"@fr``); a blank node is
``[]``: its label means nothing outside its file.
"""

from __future__ import annotations

import json
import shutil
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from treatykg.changes.diff import Changeset, PropertyChange, ResourceChange
from treatykg.changes.releases import version_iri
from treatykg.errors import InputError
from treatykg.namespaces import BASE, DATASET, qname
from treatykg.rdf.serialize import canonical_json

#: Properties listed per resource in the text summary before "and N more".
_MOST_PROPERTIES = 8


def changeset_iri(version: str) -> str:
    """The IRI of the changeset that leads to ``version``: its page lists the changes."""
    return f"{DATASET}/changes/{urllib.parse.quote(version, safe='')}"


def file_name(version: str, suffix: str) -> str:
    """``changes-0.2.0.rdfp``: the release file of the changeset that leads to ``version``."""
    return f"changes-{version}{suffix}"


@dataclass(frozen=True)
class Summary:
    """The summary of one changeset, as a release keeps it."""

    old_version: str | None
    new_version: str | None
    before: int
    after: int
    removed: int
    added: int
    resources: tuple[ResourceChange, ...]
    old_sha256: str | None = None
    new_sha256: str | None = None
    #: The new version's date (``dcterms:issued``), when known.
    issued: str | None = None

    @classmethod
    def of(cls, changeset: Changeset, issued: str | None = None) -> Summary:
        return cls(
            changeset.old_version,
            changeset.new_version,
            changeset.before,
            changeset.after,
            changeset.removed,
            changeset.added,
            changeset.resources,
            changeset.old_sha256,
            changeset.new_sha256,
            issued,
        )

    def count(self, status: str) -> int:
        return sum(1 for r in self.resources if r.status == status)

    def of_resource(self, iri: str) -> ResourceChange | None:
        """What changed about ``iri`` in this changeset, or None."""
        for resource in self.resources:
            if resource.iri == iri:
                return resource
        return None


def to_json(summary: Summary) -> bytes:
    """The summary as stable JSON bytes."""

    def side(version: str | None, triples: int, sha256: str | None) -> dict[str, Any]:
        return {
            "version": version,
            "iri": version_iri(version) if version is not None else None,
            "triples": triples,
            "sha256": sha256,
        }

    return canonical_json(
        {
            "changeset": changeset_iri(summary.new_version) if summary.new_version else None,
            "from": side(summary.old_version, summary.before, summary.old_sha256),
            "to": side(summary.new_version, summary.after, summary.new_sha256),
            "issued": summary.issued,
            "removed": summary.removed,
            "added": summary.added,
            "resources": [
                {
                    "iri": r.iri,
                    "status": r.status,
                    "label": r.label,
                    "properties": [
                        {
                            "property": p.predicate,
                            "removed": list(p.removed),
                            "added": list(p.added),
                        }
                        for p in r.properties
                    ],
                }
                for r in summary.resources
            ],
        }
    )


def from_json(data: bytes, shown: str) -> Summary:
    """A summary :func:`to_json` wrote; an :class:`InputError` naming ``shown`` otherwise."""
    try:
        document = json.loads(data)
        resources = tuple(
            ResourceChange(
                r["iri"],
                r["status"],
                r["label"],
                tuple(
                    PropertyChange(p["property"], tuple(p["removed"]), tuple(p["added"]))
                    for p in r["properties"]
                ),
            )
            for r in document["resources"]
        )
        return Summary(
            document["from"]["version"],
            document["to"]["version"],
            int(document["from"]["triples"]),
            int(document["to"]["triples"]),
            int(document["removed"]),
            int(document["added"]),
            resources,
            document["from"]["sha256"],
            document["to"]["sha256"],
            document.get("issued"),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(shown, f"not a treatykg changeset summary ({error})") from None


# --- text -------------------------------------------------------------------------------------


def text_lines(summary: Summary, width: int | None = None) -> Iterator[str]:
    """The summary for a terminal (or a file), each line at most ``width`` characters (the
    terminal's, else 80)."""
    width = width or shutil.get_terminal_size((80, 24)).columns
    old = summary.old_version or "old"
    new = summary.new_version or "new"
    yield _fit(
        f"{old} → {new}: {summary.removed:,} statement{_s(summary.removed)} removed, "
        f"{summary.added:,} added ({summary.before:,} → {summary.after:,})",
        width,
    )
    if not summary.resources and not summary.removed and not summary.added:
        yield "no changes"
        return
    yield (
        f"resources: {summary.count('added'):,} added, {summary.count('removed'):,} removed, "
        f"{summary.count('changed'):,} changed"
    )
    for resource in summary.resources:
        yield ""
        name = _name(resource.iri)
        head = f"{resource.status:<8} {name}" + (f": {resource.label}" if resource.label else "")
        yield _fit(head, width)
        shown = resource.properties[:_MOST_PROPERTIES]
        for change in shown:
            for line in _property_lines(change, resource.status, width - 9):
                yield _fit(f"         {line}", width)
        if len(resource.properties) > len(shown):
            yield f"         … and {len(resource.properties) - len(shown)} more properties"


def _property_lines(change: PropertyChange, status: str, width: int) -> list[str]:
    """A property's change on one line when it fits (``dcat:version: "0.1.0" → "0.2.0"``), else
    its name, then a line per value removed (−) and added (+)."""
    name = qname(change.predicate)
    removed = [_short(v) for v in change.removed]
    added = [_short(v) for v in change.added]
    if status == "added":
        one = f"{name}: {', '.join(added)}"
    elif status == "removed":
        one = f"{name}: {', '.join(removed)}"
    elif len(removed) == 1 and len(added) == 1:
        one = f"{name}: {removed[0]} → {added[0]}"
    else:
        one = f"{name}: " + "; ".join(
            part
            for part in (
                "− " + ", ".join(removed) if removed else "",
                "+ " + ", ".join(added) if added else "",
            )
            if part
        )
    if len(one) <= width:
        return [one]
    return [f"{name}:", *(f"  − {v}" for v in removed), *(f"  + {v}" for v in added)]


def _name(iri: str) -> str:
    """A resource's compact name: ``tkg:about``, ``id/event/2024-06-19-signing``."""
    name = qname(iri)
    if name.startswith("<") and iri.startswith(BASE):
        return iri[len(BASE) :] or iri
    return name


def _short(term: str) -> str:
    """A value as a reader wants it: an IRI as a compact name, a blank node as ``[…]``."""
    if term == "[]":
        return "[…]"
    if term.startswith("<") and term.endswith(">"):
        return _name(term[1:-1])
    if term.endswith(">") and '"^^<' in term:  # a typed literal: its datatype as xsd:date
        lexical, _, datatype = term.rpartition("^^<")
        return f"{lexical}^^{qname(datatype[:-1])}"
    return term


def _fit(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def _s(count: int) -> str:
    return "" if count == 1 else "s"
