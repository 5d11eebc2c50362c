"""The view of one resource's page: its names, its properties, what links to it, the claims
about it with their ranks, its sources, and (for an article, a norm or a treaty) the norms,
obligations and treaty it is part of.

Labels, the type, sources and the description have sections of their own; every other
property is a row of the property table. Lists longer than :data:`~.links.MAX_LISTED` are
cut with a link to the query that lists them all.

What links to a resource is listed by property and by name, so every one of them is named
first. A resource of a build read from its store (:class:`~.store_index.StoreIndex`) that
more than :data:`NAMED_INCOMING` statements point to (a state party to thousands of
treaties) lists them by property and by IRI instead and names only those it shows: naming
each is a look-up in the store, and a hundred thousand of them would take minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from treatykg.namespaces import TKG
from treatykg.rdf.formats import DOCUMENT_FORMATS
from treatykg.rdf.terms import term_key
from treatykg.web import urls
from treatykg.web.pages.changes import HistoryView, history
from treatykg.web.pages.events import EventView, dated_events, event_views
from treatykg.web.pages.graph_index import LABELS, lang_rank
from treatykg.web.pages.links import (
    MAX_LISTED,
    Alternate,
    Links,
    Listing,
    Value,
    external,
    literal,
)
from treatykg.web.pages.store_index import StoreIndex
from treatykg.web.pages.treaty import (
    NormView,
    ObligationView,
    TreatyView,
    is_treaty,
    norm_views,
    obligation_views,
    treaty_events,
    treaty_view,
)

#: Statements a resource page shows in sections of their own, not in the property table.
_SECTIONED = frozenset({RDF.type, DCTERMS.source, DCTERMS.description, *LABELS})
#: The other documents of a resource a page links to, in the order they are offered: every
#: document format but the page's own.
_ALTERNATES = tuple(f for f in DOCUMENT_FORMATS if f.kind != "page")

#: A resource of a store that more statements point to lists them by IRI, not by name.
NAMED_INCOMING = 2_000

_RANKS: dict[Node, str] = {
    TKG.PreferredRank: "preferred",
    TKG.NormalRank: "normal",
    TKG.DeprecatedRank: "deprecated",
}
_RANK_ORDER = {"preferred": 0, "normal": 1, "deprecated": 2, "": 3}


#: The qualifiers of a claim, in the order shown, each with its kind: the template words it
#: as one message with its value ("from %(date)s"), as word order differs by language.
_QUALIFIERS: tuple[tuple[URIRef, str], ...] = (
    (TKG.qualifierStartDate, "start"),
    (TKG.qualifierEndDate, "end"),
    (TKG.qualifierPlace, "place"),
)


@dataclass(slots=True)
class NameView:
    property: Value
    value: Value


@dataclass(slots=True)
class PropertyView:
    property: Value
    values: Listing[Value]


@dataclass(slots=True)
class IncomingView:
    subject: Value
    property: Value


@dataclass(slots=True)
class SourceView:
    link: Value
    title: Value | None
    publishers: list[Value]
    issued: Value | None
    language: Value | None
    url: Value | None
    citation: Value | None


@dataclass(slots=True)
class ClaimView:
    link: Value
    property: Value | None
    value: Value
    asserted_by: list[Value]
    asserted_on: Value | None
    #: "preferred", "normal", "deprecated" or "" (unranked).
    rank: str
    reason: Value | None
    texts: list[Value]
    #: (kind, value): kind is start, end or place (see _QUALIFIERS).
    qualifiers: list[tuple[str, Value]]
    sources: list[Value]


@dataclass(slots=True)
class ResourceView:
    iri: str
    heading: Value
    types: list[Value]
    names: list[NameView]
    descriptions: list[Value]
    properties: list[PropertyView]
    incoming: Listing[IncomingView]
    sources: list[SourceView]
    claims: list[ClaimView]
    norms: list[NormView]
    obligations: list[ObligationView]
    treaty: TreatyView | None
    #: A treaty's timeline: its dated events (:func:`~.treaty.treaty_events`).
    timeline: list[EventView]
    #: What changed about it in each version the release keeps a changeset of, newest first.
    changes: list[HistoryView]


def alternates(doc: str, path: str) -> list[Alternate]:
    """The resource's documents in the other formats, for ``<link rel=alternate>``."""
    return [
        Alternate(f.media_type, urls.relative(doc, urls.document(path, f.extension)), f.label)
        for f in _ALTERNATES
    ]


def resource_view(links: Links, doc: str, node: URIRef) -> ResourceView:
    """The page of ``node`` at ``doc``."""
    ix = links.index
    props = ix.out.get(node, {})
    names = [
        NameView(property=links.term_link(doc, predicate), value=literal(value))
        for predicate in LABELS
        for value in ix.literals(node, predicate)
    ]
    names.sort(key=lambda n: (n.value.lang or "", n.property.text, n.value.text))
    properties = [
        PropertyView(
            property=links.term_link(doc, predicate),
            values=links.cut(links.links(doc, props[predicate]), doc, node, predicate),
        )
        for predicate in sorted(props, key=lambda p: (links.name(p).casefold(), str(p)))
        if predicate not in _SECTIONED
    ]
    label = ix.label(node, links.language)
    treaty = is_treaty(links, node)
    return ResourceView(
        iri=str(node),
        heading=Value(
            label[0],
            lang=label[1] or None,
            fallback=label[1] not in ("", links.language),  # no name in the page's language
        )
        if label is not None
        else Value(links.short(node)),
        types=links.links(doc, props.get(RDF.type, ())),
        names=names,
        descriptions=[
            literal(v, links.language)
            for v in sorted(
                ix.literals(node, DCTERMS.description),
                key=lambda v: (lang_rank(v.language, links.language), str(v)),
            )
        ],
        properties=properties,
        incoming=_incoming(links, doc, node),
        sources=_sources(links, doc, props.get(DCTERMS.source, ())),
        claims=_claims(links, doc, node),
        norms=norm_views(links, doc, ix.subjects(TKG.expressedBy, node)),
        obligations=obligation_views(links, doc, ix.subjects(TKG.derivedFrom, node)),
        treaty=treaty_view(links, doc, node) if treaty else None,
        timeline=event_views(links, doc, dated_events(links, treaty_events(links, node)))
        if treaty
        else [],
        changes=history(links, doc, str(node)),
    )


def _incoming(links: Links, doc: str, node: Node) -> Listing[IncomingView]:
    """What links to ``node`` (but the claims about it, which have a section of their own),
    by property and by name; by property and by IRI on a store, when there are so many that
    naming them all would take long."""
    pairs = [(p, s) for p, s in links.index.incoming.get(node, ()) if p != TKG.claimSubject]
    if isinstance(links.index, StoreIndex) and len(pairs) > NAMED_INCOMING:
        names = {p: links.term_link(doc, p) for p in {p for p, _ in pairs}}
        pairs.sort(key=lambda pair: (names[pair[0]].text.casefold(), term_key(pair[1])))
        shown = [IncomingView(links.link(doc, s), names[p]) for p, s in pairs[:MAX_LISTED]]
        query = f"SELECT ?subject ?property WHERE {{ ?subject ?property <{node}> }}"
        return Listing(shown, len(pairs) - len(shown), links.more_link(doc, query))
    incoming = [
        IncomingView(subject=links.link(doc, s), property=links.term_link(doc, p)) for p, s in pairs
    ]
    incoming.sort(
        key=lambda r: (r.property.text.casefold(), r.subject.text.casefold(), r.subject.href or "")
    )
    return links.cut(incoming, doc, node, None)


def _sources(links: Links, doc: str, sources: Iterable[Node]) -> list[SourceView]:
    ix = links.index
    views = []
    for source in sources:
        url = ix.value(source, TKG.url)
        views.append(
            SourceView(
                link=links.link(doc, source),
                title=links.text(source, DCTERMS.title),
                publishers=links.links(doc, ix.values(source, DCTERMS.publisher)),
                issued=links.text(source, DCTERMS.issued),
                language=links.text(source, DCTERMS.language),
                url=Value(str(url), href=external(str(url)), external=True)
                if isinstance(url, URIRef)
                else None,
                citation=links.text(source, DCTERMS.bibliographicCitation),
            )
        )
    views.sort(key=lambda v: (v.link.text.casefold(), v.link.href or ""))
    return views


def _claims(links: Links, doc: str, node: Node) -> list[ClaimView]:
    ix = links.index
    views = []
    for claim in ix.subjects(TKG.claimSubject, node):
        rank = ix.value(claim, TKG.rank)
        prop = ix.value(claim, TKG.claimProperty)
        views.append(
            ClaimView(
                link=links.link(doc, claim),
                property=links.term_link(doc, prop) if prop is not None else None,
                value=_claimed(links, doc, claim),
                asserted_by=links.links(doc, ix.values(claim, TKG.assertedBy)),
                asserted_on=links.text(claim, TKG.assertedOn),
                rank=_RANKS.get(rank, "") if rank is not None else "",
                reason=links.text(claim, TKG.rankReason),
                texts=[literal(t) for t in ix.literals(claim, TKG.claimText)],
                qualifiers=[
                    (kind, links.link(doc, qualifier))
                    for predicate, kind in _QUALIFIERS
                    for qualifier in ix.values(claim, predicate)
                ],
                sources=links.links(doc, ix.values(claim, DCTERMS.source)),
            )
        )
    views.sort(key=lambda v: (_RANK_ORDER[v.rank], v.link.text.casefold(), v.link.href or ""))
    return views


def _claimed(links: Links, doc: str, claim: Node) -> Value:
    """The value a claim gives: a term, or the bounds of a range."""
    ix = links.index
    value = ix.value(claim, TKG.claimValue)
    if value is not None:
        return links.link(doc, value)
    low = ix.value(claim, TKG.lowerBound)
    high = ix.value(claim, TKG.upperBound)
    if low is not None and high is not None:
        return Value(links._("between %(low)s and %(high)s", low=str(low), high=str(high)))
    if low is not None:
        return Value(links._("at least %(low)s", low=str(low)))
    if high is not None:
        return Value(links._("at most %(high)s", high=str(high)))
    return Value(links._("(no value)"))
