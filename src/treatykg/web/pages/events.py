"""The dated events as the pages list them: the timeline of the index (every dated event,
with the treaties each is on the timeline of) and of each treaty's page (its own,
:func:`~.treaty.treaty_events`), in one order, their times in the page's language.

The timeline is a walk over the events in the index rather than ``queries/timeline.rq``:
the query lists a fixed set of event types and needs an English label, while the page shows
every instance of ``tkg:Event`` or of any sub-class, labelled or not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from treatykg.namespaces import TKG
from treatykg.web.pages.links import Links, Value, literal
from treatykg.web.pages.treaty import event_treaties

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
    #: The treaties whose timeline it is on (:func:`~.treaty.event_treaties`): on the index
    #: only, where the timeline is the corpus's.
    treaties: list[Value] = field(default_factory=list)


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


def dated_events(links: Links, events: Iterable[Node] | None = None) -> list[Node]:
    """The ``events`` (every event if None) that have a date or bounds, in the order of the
    timelines: by :func:`when`, then by IRI."""
    ix = links.index
    keyed = []
    for event in ix.instances(TKG.Event) if events is None else events:
        found = when(ix.value, event)
        if found is not None:
            keyed.append((found[0], found[1], str(event), event))
    return [event for *_, event in sorted(keyed)]


def event_views(
    links: Links, doc: str, events: list[Node], *, treaties: bool = False
) -> list[EventView]:
    """The rows of a timeline of dated ``events``, in their order; with ``treaties`` (the
    index, a corpus's timeline), each names the treaties it is on the timeline of, since
    "Entry into force of the treaty" says nothing of which."""
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
                treaties=links.links(doc, event_treaties(links, event)) if treaties else [],
            )
        )
    return rows
