"""The view of the home page (``/index.html``): each treaty with its articles, the timeline of
dated events and the downloads the dataset description lists.

The timeline is a walk over the events in the index rather than ``queries/timeline.rq``:
the query lists a fixed set of event types and needs an English label, while the page shows
every instance of ``tkg:Event`` or of any sub-class, labelled or not.

A build too large to hold in memory (read from its store: :class:`~.store_index.StoreIndex`)
would make a home page of hundreds of megabytes, so there it shows the first
:data:`MAX_TREATIES` treaties and :data:`MAX_EVENTS` dated events, in the same order, says
how many there are in all and links to a query that lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from babel.numbers import get_decimal_symbol
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from treatykg.namespaces import DCAT, SPDX, TKG
from treatykg.rdf.formats import IANA_MEDIA_TYPES
from treatykg.web import urls
from treatykg.web.pages.links import Links, SiteLinks, Value, literal
from treatykg.web.pages.store_index import StoreIndex
from treatykg.web.pages.treaty import TreatyView, treaties, treaty_view

#: The treaties and the dated events the home page of a build read from its store lists (the
#: first, in the order of the whole list); a page built from a graph in memory lists them all.
MAX_TREATIES = 20
MAX_EVENTS = 200

#: Looks up the first value of a node's property, as :meth:`.GraphIndex.value` does.
ValueOf = Callable[[Node, URIRef], Node | None]


@dataclass(slots=True)
class EventView:
    #: The event's first date as published (ISO: a ``<time datetime>``, a sort key).
    key: str
    #: Its time in words, in the page's language (:func:`when_text`).
    when: str
    link: Value
    types: list[Value]
    places: list[Value]
    iri: str


@dataclass(slots=True)
class DownloadView:
    file: Value
    description: Value | None
    media: str
    size: str
    bytes: str
    sha256: str
    page: Value


@dataclass(slots=True)
class Cut:
    """What a list of the home page leaves out: it shows the first ``shown`` of ``total``."""

    shown: int
    total: int
    more: Value


@dataclass(slots=True)
class HomeView:
    treaties: list[TreatyView]
    timeline: list[EventView]
    downloads: list[DownloadView]
    #: Set when the page lists only the first treaties or dated events (a build too large to
    #: hold in memory): how many of how many, and where to get them all.
    treaties_cut: Cut | None
    timeline_cut: Cut | None
    dataset: Value | None
    dataset_description: Value | None
    dataset_title: Value | None
    links: SiteLinks


def home_view(links: Links, doc: str) -> HomeView:
    """The home page at ``doc`` (``/index.html``)."""
    dataset = links.index.dataset
    shown, treaty_total = home_treaties(links)
    events, event_total = home_events(links)
    return HomeView(
        treaties=[treaty_view(links, doc, treaty) for treaty in shown],
        timeline=_timeline(links, doc, events),
        downloads=_downloads(links, doc),
        treaties_cut=_cut(links, doc, len(shown), treaty_total, _all_treaties),
        timeline_cut=_cut(links, doc, len(events), event_total, _all_events),
        dataset=links.link(doc, dataset) if dataset is not None else None,
        dataset_description=links.text(dataset, DCTERMS.description),
        dataset_title=links.text(dataset, DCTERMS.title),
        links=links.site_links(doc),
    )


def home_treaties(links: Links) -> tuple[list[Node], int]:
    """The treaties the home page shows (all, or the first of a store), and how many there
    are in all."""
    ix = links.index
    if isinstance(ix, StoreIndex):
        return ix.first_treaties(MAX_TREATIES)
    found = treaties(links)
    return found, len(found)


def home_events(links: Links) -> tuple[list[Node], int]:
    """The dated events the home page's timeline shows (all, or the first of a store), and
    how many there are in all."""
    ix = links.index
    if isinstance(ix, StoreIndex):
        return ix.first_dated_events(MAX_EVENTS, when)
    found = dated_events(links)
    return found, len(found)


def _cut(
    links: Links, doc: str, shown: int, total: int, query: Callable[[Links], str]
) -> Cut | None:
    if shown >= total:
        return None
    return Cut(shown, total, links.more_link(doc, query(links)))


def _all_treaties(links: Links) -> str:
    """The SPARQL query that lists every treaty with articles (the classes are listed, not
    reached by ``rdfs:subClassOf*``, and the rows are not sorted: on ten million triples
    either would take the query past the endpoint's timeout)."""
    return f"""PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT DISTINCT ?treaty WHERE {{
  VALUES ?class {{ {_iris(links.index.classes(TKG.Treaty))} }}
  VALUES ?part {{ {_iris(links.index.classes(TKG.Article))} }}
  ?treaty a ?class .
  ?article eli:is_part_of ?treaty ; a ?part .
}}
"""


def _all_events(links: Links) -> str:
    """The SPARQL query that lists every dated event by its dates (its classes listed, as in
    :func:`_all_treaties`)."""
    return f"""PREFIX tkg: <https://w3id.org/treatykg/def#>
SELECT ?when ?property ?event WHERE {{
  VALUES ?class {{ {_iris(links.index.classes(TKG.Event))} }}
  VALUES ?property {{ tkg:date tkg:startDate tkg:notBefore tkg:notAfter }}
  ?event a ?class ; ?property ?when .
}}
ORDER BY ?when ?event
"""


def _iris(nodes: list[Node]) -> str:
    return " ".join(f"<{n}>" for n in nodes if isinstance(n, URIRef))


def when(value: ValueOf, event: Node) -> tuple[str, str] | None:
    """The sort key of an event's time, or None if it has none; ``value`` looks up its
    date, start and end dates and bounds. The key is a pair that does not depend on the
    page's language: the first date as published (ISO, so it sorts), then the whole time in
    a fixed form that breaks ties (a date before a span from it, before "between", "from",
    "not after", "not before" it), so that every language lists the events in the same order
    and a build read from its store (:meth:`.StoreIndex.first_dated_events`) in the order of
    one held in memory. The text a page shows is :func:`when_text`'s."""
    date = value(event, TKG.date)
    if date is not None:
        return str(date), str(date)
    start = value(event, TKG.startDate)
    if start is not None:
        end = value(event, TKG.endDate)
        return str(start), f"{start} – {end}" if end is not None else f"from {start}"
    before = value(event, TKG.notBefore)
    after = value(event, TKG.notAfter)
    if before is not None and after is not None:
        return str(before), f"between {before} and {after}"
    if before is not None:
        return str(before), f"not before {before}"
    if after is not None:
        return str(after), f"not after {after}"
    return None


def when_text(links: Links, value: ValueOf, event: Node) -> str | None:
    """An event's time as the page's language says it (in English "from 19 June
    2024"), or None if it has none; the cases are :func:`when`'s, and a date
    (``xsd:date``) is written as the language writes dates, any other value as published."""

    def day(node: Node) -> str:
        return literal(node, links.language).text if isinstance(node, Literal) else str(node)

    date = value(event, TKG.date)
    if date is not None:
        return day(date)
    start = value(event, TKG.startDate)
    if start is not None:
        end = value(event, TKG.endDate)
        if end is not None:
            return links._("%(start)s – %(end)s", start=day(start), end=day(end))
        return links._("from %(date)s", date=day(start))
    before = value(event, TKG.notBefore)
    after = value(event, TKG.notAfter)
    if before is not None and after is not None:
        return links._(
            "between %(earliest)s and %(latest)s", earliest=day(before), latest=day(after)
        )
    if before is not None:
        return links._("not before %(date)s", date=day(before))
    if after is not None:
        return links._("not after %(date)s", date=day(after))
    return None


def dated_events(links: Links) -> list[Node]:
    """The events that have a date or bounds, in the order of the home page's timeline."""
    ix = links.index
    keyed = []
    for event in ix.instances(TKG.Event):
        found = when(ix.value, event)
        if found is not None:
            keyed.append((found[0], found[1], str(event), event))
    return [event for *_, event in sorted(keyed)]


def _timeline(links: Links, doc: str, events: list[Node]) -> list[EventView]:
    ix = links.index
    rows = []
    for event in events:
        found = when(ix.value, event)
        text = when_text(links, ix.value, event)
        assert found is not None and text is not None
        rows.append(
            EventView(
                key=found[0],
                when=text,
                link=links.link(doc, event),
                types=links.links(doc, ix.values(event, RDF.type)),
                places=links.links(doc, ix.values(event, TKG.place)),
                iri=str(event),
            )
        )
    return rows


def _size(links: Links, count: int) -> str:
    """A byte count for people: ``299248`` → ``292 KiB`` (``1,5 Mio`` in French: the unit
    is the catalogue's, the decimal sign the language's)."""
    if count < 1024:
        return links._("%(size)s B", size=count)
    if count < 1024 * 1024:
        return links._("%(size)s KiB", size=format(count / 1024, ".0f"))
    mebibytes = f"{count / 1024 / 1024:.1f}".replace(".", get_decimal_symbol(links.language))
    return links._("%(size)s MiB", size=mebibytes)


def _downloads(links: Links, doc: str) -> list[DownloadView]:
    ix = links.index
    rows = []
    for dist in ix.instances(DCAT.Distribution):
        url = ix.value(dist, DCAT.downloadURL) or ix.value(dist, DCAT.accessURL)
        if url is None or str(url) not in ix.files:
            continue
        path = ix.files[str(url)]
        media = ix.value(dist, DCAT.mediaType)
        size = ix.value(dist, DCAT.byteSize)
        checksum = ix.value(ix.value(dist, SPDX.checksum), SPDX.checksumValue)
        rows.append(
            DownloadView(
                file=Value(path.lstrip("/"), href=urls.relative(doc, path)),
                description=links.text(dist, DCTERMS.description),
                media=str(media).removeprefix(IANA_MEDIA_TYPES) if media else "",
                size=_size(links, int(str(size)))
                if size is not None and str(size).isdigit()
                else "",
                bytes=str(size) if size is not None else "",
                sha256=str(checksum) if checksum is not None else "",
                page=links.link(doc, dist),
            )
        )
    rows.sort(key=lambda r: r.file.text)
    return rows
