"""The views of the changesets a release keeps (:mod:`treatykg.web.changelog`): a page per
version (``/dataset/changes/0.2.0.html``), the list of every version's changes
(``/dataset/changes.html``), and the short history on each changed resource's page ("Changed
in 0.2.0: French label: … → …").

Why the pages name what the summary only identifies: the summary (``changes-0.2.0.json``)
holds IRIs and N-Triples terms, which a reader of the Korean page should not have to decode.
A resource is named by its label in the reader's language where the graph has one (the
summary's English label otherwise: a removed resource is no longer in the graph), a property
by the ontology's label, as every page names them, and a value is shown as the pages show
values: a literal with its language tag or datatype, a date in the reader's form (its datatype
kept visible, since a changed datatype is a change), an IRI as a link to its page when it has
one. A blank node has no name outside its file, so it is said to be "a blank node structure".

Everything shown comes from JSON a release carries, so it is data like any other: the
templates escape it, links go only where :meth:`~.links.Links.href` allows, and a term that
does not parse is shown as written, as code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, XSD
from rdflib.term import Node

from treatykg.changes.diff import PropertyChange, ResourceChange
from treatykg.changes.releases import version_iri
from treatykg.namespaces import qname
from treatykg.web import urls
from treatykg.web.changelog import INDEX_PATH, Kept
from treatykg.web.pages.i18n import date_text
from treatykg.web.pages.links import Links, Value, literal

#: Properties a resource's page lists per version before "and N more" (the changeset's page
#: lists them all).
MOST_PROPERTIES = 8
#: Where each status comes in a changeset's list of resources.
_STATUS_ORDER = {"changed": 0, "added": 1, "removed": 2}


@dataclass(slots=True)
class PropertyChangeView:
    property: Value
    removed: list[Value]
    added: list[Value]


@dataclass(slots=True)
class ResourceChangeView:
    #: The element id of its entry on the changeset's page.
    id: str
    link: Value
    iri: str
    #: added, removed or changed.
    status: str
    properties: list[PropertyChangeView]


@dataclass(slots=True)
class FileView:
    link: Value
    #: What the file is (RDF Patch, SPARQL Update, summary), in the pages' language.
    kind: str


@dataclass(slots=True)
class ChangesetView:
    version: str
    iri: str
    #: The old version, linked to its own changeset's page when the release keeps it.
    old: Value | None
    old_date: Value | None
    new_date: Value | None
    before: int
    after: int
    removed: int
    added: int
    resources_added: int
    resources_removed: int
    resources_changed: int
    resources: list[ResourceChangeView]
    files: list[FileView]
    #: Where the page links for the list of every version's changes.
    index: str


@dataclass(slots=True)
class VersionView:
    link: Value
    date: Value | None
    old: Value | None
    removed: int
    added: int
    resources_added: int
    resources_removed: int
    resources_changed: int


@dataclass(slots=True)
class ChangesView:
    versions: list[VersionView]


@dataclass(slots=True)
class HistoryView:
    """One line of a resource's history: what changed about it in one version."""

    status: str
    #: The version, linked to the resource's entry on the changeset's page.
    version: Value
    date: Value | None
    properties: list[PropertyChangeView]
    #: How many properties more the changeset's page lists.
    more: int


def changeset_view(links: Links, doc: str, kept: Kept) -> ChangesetView:
    """The page of the changeset that leads to ``kept.version``, at ``doc``."""
    summary = kept.summary
    anchors = links.changes.anchors(kept)
    ordered = sorted(summary.resources, key=lambda r: (_STATUS_ORDER.get(r.status, 3), r.iri))
    return ChangesetView(
        version=kept.version,
        iri=kept.iri,
        old=version_link(links, doc, summary.old_version),
        old_date=issued(links, summary.old_version, links.changes.issued(summary.old_version)),
        new_date=issued(links, kept.version, summary.issued),
        before=summary.before,
        after=summary.after,
        removed=summary.removed,
        added=summary.added,
        resources_added=summary.count("added"),
        resources_removed=summary.count("removed"),
        resources_changed=summary.count("changed"),
        resources=[
            ResourceChangeView(
                id=anchors[resource.iri],
                link=resource_link(links, doc, resource),
                iri=resource.iri,
                status=resource.status,
                properties=property_views(links, doc, resource.properties),
            )
            for resource in ordered
        ],
        files=_files(links, doc, kept),
        index=urls.relative(doc, links.page(INDEX_PATH)),
    )


def changes_view(links: Links, doc: str) -> ChangesView:
    """The list of every changeset the release keeps, newest first, at ``doc``."""
    versions = []
    for kept in links.changes:
        summary = kept.summary
        link = version_link(links, doc, kept.version)
        assert link is not None
        versions.append(
            VersionView(
                link=link,
                date=issued(links, kept.version, summary.issued),
                old=version_link(links, doc, summary.old_version),
                removed=summary.removed,
                added=summary.added,
                resources_added=summary.count("added"),
                resources_removed=summary.count("removed"),
                resources_changed=summary.count("changed"),
            )
        )
    return ChangesView(versions)


def history(links: Links, doc: str, iri: str) -> list[HistoryView]:
    """What changed about ``iri`` in each version the release keeps, newest first, for its
    page at ``doc`` (or the page that holds it: a term on the vocabulary's page)."""
    found = []
    for kept, resource in links.changes.of(iri):
        target = urls.relative(doc, links.page(kept.path))
        anchor = links.changes.anchors(kept)[iri]
        shown = resource.properties[:MOST_PROPERTIES] if resource.status == "changed" else ()
        found.append(
            HistoryView(
                status=resource.status,
                version=Value(kept.version, href=f"{target}#{anchor}"),
                date=issued(links, kept.version, kept.summary.issued),
                properties=property_views(links, doc, shown),
                more=len(resource.properties) - len(shown) if shown else 0,
            )
        )
    return found


# --- parts ---------------------------------------------------------------------------------


def version_link(links: Links, doc: str, version: str | None) -> Value | None:
    """``version``, linked to the page of the changeset that leads to it if the release keeps
    one, else to the version's own page if the release describes it (the first version has
    no changeset, but a release that follows it names it), else not linked."""
    if version is None:
        return None
    kept = links.changes.by_version.get(version)
    if kept is not None:
        return Value(version, href=urls.relative(doc, links.page(kept.path)))
    return Value(version, href=links.href(doc, version_iri(version)))


def issued(links: Links, version: str | None, day: str | None) -> Value | None:
    """The date of ``version``: ``day`` (a summary's), else the graph's ``dcterms:issued`` of
    the version's IRI; in the pages' language."""
    if version is None:
        return None
    if day is None:
        found = links.index.value(URIRef(version_iri(version)), DCTERMS.issued)
        day = str(found) if isinstance(found, Literal) else None
    if day is None:
        return None
    try:
        parsed = date.fromisoformat(day)
    except ValueError:  # not a date: shown as written
        return Value(day)
    return Value(date_text(parsed, links.language), time=day)


def resource_link(links: Links, doc: str, resource: ResourceChange) -> Value:
    """A changed resource: its label in the pages' language if the graph has one, else the
    summary's, else a short name; linked to its page if it has one (a removed resource has
    none)."""
    node = URIRef(resource.iri)
    ix = links.index
    href = links.href(doc, resource.iri)
    if "#" in resource.iri and node not in ix.out:  # a term the vocabulary no longer has
        href = None
    ours = urls.path_of(resource.iri) is not None
    label = ix.label(node, links.language)
    if label is not None:
        return Value(label[0], href=href, lang=label[1] or None, external=not ours)
    if resource.label:
        return Value(resource.label, href=href, external=not ours)
    return Value(links.short(node), href=href, external=not ours, code=True)


def property_views(
    links: Links, doc: str, properties: tuple[PropertyChange, ...] | list[PropertyChange]
) -> list[PropertyChangeView]:
    return [
        PropertyChangeView(
            property=links.term_link(doc, URIRef(change.predicate)),
            removed=[term_value(links, doc, term) for term in change.removed],
            added=[term_value(links, doc, term) for term in change.added],
        )
        for change in properties
    ]


def term_value(links: Links, doc: str, term: str) -> Value:
    """A value of a summary (an N-Triples term, ``[]`` for a blank node) as a page shows it."""
    if term == "[]":
        return Value(links._("a blank node structure"))
    node = parse_term(term)
    if node is None:
        return Value(term, code=True)
    if isinstance(node, Literal):
        shown = literal(node, links.language)
        if shown.time is not None:  # a date in the reader's form, its datatype still said
            return replace(shown, tag=qname(XSD.date))
        return shown
    return links.link(doc, node)


def parse_term(term: str) -> Node | None:
    """One N-Triples term (an IRI or a literal) as an rdflib term; None for anything else."""
    try:
        triples = list(
            ox.parse(f"<urn:x:s> <urn:x:p> {term} .\n".encode(), format=ox.RdfFormat.N_TRIPLES)
        )
    except (SyntaxError, ValueError):
        return None
    if len(triples) != 1:
        return None
    obj = triples[0].object
    if isinstance(obj, ox.NamedNode):
        return URIRef(obj.value)
    if isinstance(obj, ox.Literal):
        # as written: a changeset shows the lexical form that changed, never a normalised one
        if obj.language:
            return Literal(obj.value, lang=obj.language, normalize=False)
        return Literal(obj.value, datatype=URIRef(obj.datatype.value), normalize=False)
    return None


def _files(links: Links, doc: str, kept: Kept) -> list[FileView]:
    """The changeset's files in the release: the patch, the update, the summary."""
    _ = links._
    kinds = {
        ".rdfp": _("RDF Patch"),
        ".ru": _("SPARQL Update"),
        ".json": _("JSON summary"),
    }
    found = []
    for name in kept.files:
        suffix = "." + name.rsplit(".", 1)[1]
        found.append(
            FileView(Value(name, href=urls.relative(doc, f"/{name}"), code=True), kinds[suffix])
        )
    return found


__all__ = [
    "ChangesView",
    "ChangesetView",
    "HistoryView",
    "changes_view",
    "changeset_view",
    "history",
    "parse_term",
    "term_value",
]
