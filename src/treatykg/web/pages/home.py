"""The view of the home page (``/index.html``): each treaty with its articles, the timeline of
dated events and the downloads the dataset description lists.

The timeline is a walk over the events in the index rather than ``queries/timeline.rq``:
the query lists a fixed set of event types and needs an English label, while the page shows
every instance of ``tkg:Event`` or of any sub-class, labelled or not.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from treatykg.namespaces import DCAT, SPDX, TKG
from treatykg.rdf.formats import IANA_MEDIA_TYPES
from treatykg.web import urls
from treatykg.web.pages.links import Links, SiteLinks, Value
from treatykg.web.pages.treaty import TreatyView, treaties, treaty_view


@dataclass(slots=True)
class EventView:
    key: str
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
class HomeView:
    treaties: list[TreatyView]
    timeline: list[EventView]
    downloads: list[DownloadView]
    dataset: Value | None
    dataset_description: Value | None
    dataset_title: Value | None
    links: SiteLinks


def home_view(links: Links, doc: str) -> HomeView:
    """The home page at ``doc`` (``/index.html``)."""
    dataset = links.index.dataset
    return HomeView(
        treaties=[treaty_view(links, doc, treaty) for treaty in treaties(links)],
        timeline=_timeline(links, doc),
        downloads=_downloads(links, doc),
        dataset=links.link(doc, dataset) if dataset is not None else None,
        dataset_description=links.text(dataset, DCTERMS.description),
        dataset_title=links.text(dataset, DCTERMS.title),
        links=links.site_links(doc),
    )


def _when(links: Links, event: Node) -> tuple[str, str] | None:
    """(sort key, text) of an event's time, or None if it has none."""
    ix = links.index
    date = ix.value(event, TKG.date)
    if date is not None:
        return str(date), str(date)
    start = ix.value(event, TKG.startDate)
    if start is not None:
        end = ix.value(event, TKG.endDate)
        return str(start), f"{start} – {end}" if end is not None else f"from {start}"
    before = ix.value(event, TKG.notBefore)
    after = ix.value(event, TKG.notAfter)
    if before is not None and after is not None:
        return str(before), f"between {before} and {after}"
    if before is not None:
        return str(before), f"not before {before}"
    if after is not None:
        return str(after), f"not after {after}"
    return None


def dated_events(links: Links) -> list[Node]:
    """The events that have a date or bounds, in the order of the home page's timeline."""
    keyed = []
    for event in links.index.instances(TKG.Event):
        when = _when(links, event)
        if when is not None:
            keyed.append((when[0], when[1], str(event), event))
    return [event for *_, event in sorted(keyed)]


def _timeline(links: Links, doc: str) -> list[EventView]:
    ix = links.index
    rows = []
    for event in dated_events(links):
        when = _when(links, event)
        assert when is not None
        rows.append(
            EventView(
                key=when[0],
                when=when[1],
                link=links.link(doc, event),
                types=links.links(doc, ix.values(event, RDF.type)),
                places=links.links(doc, ix.values(event, TKG.place)),
                iri=str(event),
            )
        )
    return rows


def _size(count: int) -> str:
    """A byte count for people: ``299248`` → ``292 KiB``."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KiB"
    return f"{count / 1024 / 1024:.1f} MiB"


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
                size=_size(int(str(size))) if size is not None and str(size).isdigit() else "",
                bytes=str(size) if size is not None else "",
                sha256=str(checksum) if checksum is not None else "",
                page=links.link(doc, dist),
            )
        )
    rows.sort(key=lambda r: r.file.text)
    return rows
