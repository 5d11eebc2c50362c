"""The view of the home page (``/index.html``), the index of a corpus: the dataset's own
description (``data/dataset.ttl``), every treaty in a row of its own (the newest first: see
:func:`~.treaty.newest_first`; its articles, obligations and timeline are on its own page),
the timeline of every dated event with the treaties each concerns (:mod:`.events`), and the
downloads the dataset description lists.

A build too large to hold in memory (read from its store: :class:`~.store_index.StoreIndex`)
would make a home page of hundreds of megabytes, so there it shows the first
:data:`MAX_TREATIES` treaties and :data:`MAX_EVENTS` dated events, in the same order, says
how many there are in all and links to a query that lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from babel.numbers import get_decimal_symbol
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from treatykg.namespaces import DCAT, ELI, SPDX, TKG
from treatykg.rdf.formats import IANA_MEDIA_TYPES
from treatykg.web import urls
from treatykg.web.pages.events import EventView, dated_events, event_views, when
from treatykg.web.pages.links import Links, SiteLinks, Value
from treatykg.web.pages.store_index import StoreIndex
from treatykg.web.pages.treaty import newest_first, treaties

#: The treaties and the dated events the home page of a build read from its store lists (the
#: first, in the order of the whole list); a page built from a graph in memory lists them all.
MAX_TREATIES = 20
MAX_EVENTS = 200


@dataclass(slots=True)
class TreatyRow:
    """A treaty as the index lists it: what tells it from the others; the rest is on its
    page."""

    link: Value
    signed: Value | None
    in_force: Value | None
    parties: list[Value]
    #: The articles the data describes (a treaty's sources may give none).
    articles: int


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
    treaties: list[TreatyRow]
    #: How many treaties the dataset describes in all.
    treaty_total: int
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
        treaties=[_treaty_row(links, doc, treaty) for treaty in shown],
        treaty_total=treaty_total,
        timeline=event_views(links, doc, events, treaties=True),
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
        return ix.first_treaties(MAX_TREATIES, newest_first)
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


def _treaty_row(links: Links, doc: str, treaty: Node) -> TreatyRow:
    ix = links.index
    parts = ix.subjects(ELI.is_part_of, treaty)
    return TreatyRow(
        link=links.link(doc, treaty),
        signed=links.text(treaty, ELI.date_document),
        in_force=links.text(treaty, ELI.first_date_entry_in_force),
        parties=links.links(doc, ix.values(treaty, TKG.party)),
        articles=sum(1 for part in parts if ix.is_a(part, TKG.Article)),
    )


def _cut(
    links: Links, doc: str, shown: int, total: int, query: Callable[[Links], str]
) -> Cut | None:
    if shown >= total:
        return None
    return Cut(shown, total, links.more_link(doc, query(links)))


def _all_treaties(links: Links) -> str:
    """The SPARQL query that lists every treaty with its date of signature, if it has one
    (the classes are listed, not reached by ``rdfs:subClassOf*``, and the rows are not
    sorted: on ten million triples either would take the query past the endpoint's
    timeout)."""
    return f"""PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT DISTINCT ?treaty ?signed WHERE {{
  VALUES ?class {{ {_iris(links.index.classes(TKG.Treaty))} }}
  ?treaty a ?class .
  OPTIONAL {{ ?treaty eli:date_document ?signed }}
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
