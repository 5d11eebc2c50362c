"""Which pictures each page has, drawn once and kept: the one interface of the pictures.

* the index (``/index``): the timeline of the dated events, a lane per treaty;
* a treaty's page: its timeline (:func:`~.treaty.treaty_events`) and the obligations
  between its parties;
* an article's page: the obligations derived from the norms it states;
* every resource's page: its neighbourhood;
* the ontology (``/def``): the vocabulary.

A page asks :meth:`Painter.pictures` for its pictures and shows them beside its tables; a
server or a static site asks :meth:`Painter.file` for one picture as a file. Both draw the
same :class:`~.picture.Sketch` once: the Graphviz ones are kept by :class:`~.graphviz.Graphviz`,
and :meth:`Painter.prefetch` starts every page's Graphviz pictures on the other cores
before a static site is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping

from jinja2 import Environment
from markupsafe import Markup
from rdflib import URIRef
from rdflib.term import Node

from treatykg.namespaces import TKG
from treatykg.web import urls
from treatykg.web.documents import Recent
from treatykg.web.pages.home import home_events, home_treaties
from treatykg.web.pages.links import Links
from treatykg.web.pages.pictures import graphviz
from treatykg.web.pages.pictures.graphviz import Graphviz
from treatykg.web.pages.pictures.neighbourhood import neighbourhood_sketch
from treatykg.web.pages.pictures.obligations import obligations_sketch
from treatykg.web.pages.pictures.picture import Picture, Sketch, download_href
from treatykg.web.pages.pictures.timeline import timeline
from treatykg.web.pages.pictures.vocabulary import vocabulary_sketch
from treatykg.web.pages.store_index import StoreIndex
from treatykg.web.pages.treaty import (
    article_obligations,
    event_treaties,
    is_treaty,
    treaty_events,
    treaty_obligations,
)

#: The index's timeline shows at most this many events (the first by date); each treaty's
#: page has the timeline of its own events.
MAX_INDEX_EVENTS = 60

#: How many pages' pictures a painter of a build read from its store keeps (the most recently
#: used), and how many drawings its Graphviz keeps: a server of millions of pages cannot keep
#: every one it was asked for. A painter of a graph in memory keeps them all.
KEPT_PAGES = 1_000


def prefix(kind: str) -> str:
    """The id of a page's ``kind`` picture, and the start of every id inside it."""
    return f"pic-{kind}"


class Painter:
    """The pictures of every page of one graph."""

    def __init__(self, links: Links, env: Environment, dot: Graphviz | None = None) -> None:
        self._links = links
        self._env = env
        bounded = isinstance(links.index, StoreIndex)  # a store of millions of pages
        self._dot = dot or Graphviz(keep=3 * KEPT_PAGES if bounded else None)
        #: Each page's sketches and pictures, made once for the page and its files (and,
        #: for a static site, once more before: see :meth:`prefetch`).
        self._sketched: MutableMapping[str, list[Sketch]] = Recent(KEPT_PAGES) if bounded else {}
        self._drawn: MutableMapping[str, dict[str, Picture]] = Recent(KEPT_PAGES) if bounded else {}

    @property
    def graphviz(self) -> Graphviz:
        return self._dot

    def sketches(self, page: str) -> list[Sketch]:
        """What the page at ``page`` (``/index``, ``/def``, a resource's path) pictures, in
        the order of :data:`~.picture.KINDS`."""
        found = self._sketched.get(page)
        if found is None:
            found = self._sketches(page)
            self._sketched[page] = found
        return found

    def _sketches(self, page: str) -> list[Sketch]:
        links, ix = self._links, self._links.index
        doc = self._links.page(page)
        found: list[Sketch | None] = []
        if page == "/index":
            events, total = home_events(links)
            title = links._("Timeline of the dated events")
            found.append(
                self._timeline(
                    doc, events, "the dated events", total, title=title, group=self._treaty_of()
                )
            )
        elif page == "/def":
            found.append(vocabulary_sketch(links, doc, prefix("vocabulary")))
        else:
            iri = urls.iri_of(page)
            if iri not in ix.pages:
                return []
            node = URIRef(iri)
            if is_treaty(links, node):
                events = treaty_events(links, node)
                found.append(self._timeline(doc, events, links.name(node), None))
                found.append(
                    obligations_sketch(
                        links,
                        doc,
                        treaty_obligations(links, node),
                        links.name(node),
                        prefix("obligations"),
                    )
                )
            elif ix.is_a(node, TKG.Article):
                found.append(
                    obligations_sketch(
                        links,
                        doc,
                        article_obligations(links, node),
                        links.name(node),
                        prefix("obligations"),
                    )
                )
            found.append(neighbourhood_sketch(links, doc, node, prefix("neighbourhood")))
        return [s for s in found if s is not None]

    def pictures(self, page: str) -> dict[str, Picture]:
        """The drawn pictures of the page at ``page``, by kind."""
        found = self._drawn.get(page)
        if found is None:
            doc = self._links.page(page)
            found = {s.kind: self._draw(doc, s) for s in self.sketches(page)}
            self._drawn[page] = found
        return found

    def file(self, page: str, kind: str) -> bytes | None:
        """The ``kind`` picture of the page at ``page`` as an SVG file, or None."""
        picture = self.pictures(page).get(kind)
        return picture.file() if picture is not None else None

    def prefetch(self, pages: Iterable[str]) -> None:
        """Starts drawing the Graphviz pictures of all ``pages``, in their order, on the
        other cores; the pages take them as they are rendered."""
        sources = [s.dot for page in pages for s in self.sketches(page) if s.dot is not None]
        self._dot.prefetch(sources)

    def _treaty_of(self) -> Callable[[Node], tuple[int, str] | None]:
        """Which treaty's lane an event of the index's timeline goes in: the first, in the
        index's order, of those whose timeline it is on (:func:`~.treaty.event_treaties`)."""
        links = self._links
        shown, _ = home_treaties(links)
        rank = {treaty: n for n, treaty in enumerate(shown)}

        def treaty_of(event: Node) -> tuple[int, str] | None:
            found = event_treaties(links, event)
            if not found:
                return None
            first = min(found, key=lambda t: rank.get(t, len(rank)))
            return rank.get(first, len(rank)), links.name(first)

        return treaty_of

    def _timeline(
        self,
        doc: str,
        events: list[Node],
        name: str,
        total: int | None,
        *,
        title: str | None = None,
        group: Callable[[Node], tuple[int, str] | None] | None = None,
    ) -> Sketch | None:
        """The timeline of ``events``; with ``total`` (the index: how many dated events there
        are, of which ``events`` are the first), of the first :data:`MAX_INDEX_EVENTS`.
        ``title`` is the whole title, else "Timeline of ``name``"."""
        links = self._links
        if total is None:
            total = len(events)
        else:
            events = events[:MAX_INDEX_EVENTS]
        model = timeline(links, doc, events, name, prefix("timeline"), title=title, group=group)
        if model is None:
            return None
        cap = ""
        if len(events) < total:
            cap = " " + links.ngettext(
                "It shows the first %(shown)d of %(num)d dated event; each treaty's page has"
                " the timeline of its own.",
                "It shows the first %(shown)d of %(num)d dated events; each treaty's page has"
                " the timeline of its own.",
                total,
                shown=len(events),
            )
        model.desc += cap  # the picture's own <desc> says so too
        svg = self._env.get_template("pictures/timeline.svg").render(t=model)
        return Sketch(
            kind="timeline",
            title=model.title,
            desc=model.desc,
            caption=links._(
                "Each mark links to its event. A bar is an event known within bounds, dashed"
                " where one side is open; a hollow dashed mark is a date of deprecated rank;"
                " ratification steps have a lane per party."
            )
            + cap,
            svg=svg,
        )

    def _draw(self, doc: str, sketch: Sketch) -> Picture:
        download = download_href(doc, sketch.kind)
        if sketch.svg is not None:
            svg: str | None = sketch.svg
        else:
            assert sketch.dot is not None
            drawn = self._dot.draw(sketch.dot)
            svg = None
            if drawn is not None:
                svg = graphviz.tidy(
                    drawn,
                    prefix=prefix(sketch.kind),
                    title=sketch.title,
                    desc=sketch.desc,
                    language=self._links.language,
                )
        return Picture(
            kind=sketch.kind,
            title=sketch.title,
            svg=Markup(svg) if svg is not None else None,  # escaped by dot or by Jinja2
            caption=sketch.caption,
            download=download,
            missing="" if svg is not None else self._links._(graphviz.MISSING),
        )


__all__ = ["KEPT_PAGES", "MAX_INDEX_EVENTS", "Painter", "prefix"]
