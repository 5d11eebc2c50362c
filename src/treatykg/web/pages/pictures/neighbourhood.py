"""The neighbourhood picture of a resource: what links to it and what it links to, one hop.

The resource stands in the middle, what links to it on its left and what it links to on its
right (``rankdir=LR``), so that the picture reads as its statements do: subject, property,
object. Every arrow is labelled with its property and every box links to its page. A
neighbour linked both ways stands once, on the right, with an arrow each way.

It shows the links the page's tables list, no more: the values of the property table that
are resources, and the rows of "Referenced by". The type is the page's subtitle, the sources
and the claims about the resource have sections of their own, and literals are the tables' job.

* **Hubs.** A state that hundreds of obligations name would be a wall of boxes, so each side
  shows at most :data:`MAX_PER_SIDE` neighbours, taken a property at a time (the first of
  each property, then the second of each…) so that every property is seen; a dashed box says
  how many were left out and links to the table that lists them all. The ``<desc>`` and the
  caption say so too.
* **Cost.** It runs for every page of a static site (thousands for a large corpus), so it
  only looks statements up in the :class:`~treatykg.web.pages.graph_index.GraphIndex` and
  names only the neighbours it draws; the graph it gives ``dot`` has at most
  ``2 * MAX_PER_SIDE + 3`` boxes.
* **A phone.** Names are wrapped short and cut after :data:`NAME_LINES` lines (the full
  name is the box's tooltip), so that the picture stays narrow and grows down.
* **Order.** Neighbours and properties are sorted by name, then by
  :func:`~treatykg.rdf.terms.term_key`: the same graph gives the same bytes.

Its own words (title, caption, ``<desc>``, the dashed box) are in the page's language
(:meth:`~.links.Links._`); names are the data's, in that language where the data has it.
"""

from __future__ import annotations

import functools
import posixpath
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from treatykg.namespaces import TKG
from treatykg.rdf.terms import term_key
from treatykg.web.pages.links import Links
from treatykg.web.pages.pictures.graphviz import DotGraph, quote, quote_lines
from treatykg.web.pages.pictures.picture import Sketch

#: Each side (what links to the resource, what it links to) shows at most this many
#: neighbours; a dashed box counts the others and links to the table that lists them.
MAX_PER_SIDE = 10
#: A name is wrapped at this many characters a line (more for a longer word, up to
#: :data:`MAX_WIDTH`) and cut after :data:`NAME_LINES` lines.
NAME_WIDTH = 16
NAME_LINES = 4
MAX_WIDTH = 22
#: A property's name on an arrow is wrapped at this many characters a line (more for a
#: longer word): the arrows' labels take a column of their own on each side.
PROPERTY_WIDTH = 12
#: How many properties the ``<desc>`` names on each side, with their counts.
DESC_PROPERTIES = 8

#: Links the picture leaves out, as the property table does: the type is the page's
#: subtitle and the sources have a section of their own (those that state an article's
#: number too: the table names them).
_OUT_SKIPPED = frozenset({RDF.type, DCTERMS.source, TKG.numberStatedIn})
#: Links to the resource the picture leaves out, as "Referenced by" does: the claims about
#: it have a section of their own.
_IN_SKIPPED = frozenset({TKG.claimSubject})
#: The element ids of the tables of resource.html that list each side in full.
_TABLES = {"in": "referenced-by", "out": "properties"}
#: The graph's layout: left to right, tight, so that it stays narrow.
_LAYOUT = {"rankdir": "LR", "ranksep": "0.2", "nodesep": "0.15"}
_SQUARE = quote("filled")
_DASHED = quote("filled,dashed")
#: What :mod:`textwrap` keeps on one line: a word, or the part of it up to a hyphen.
_CHUNK = re.compile(r"[^\s-]+-?|-")

Groups = dict[URIRef, list[Node]]


@dataclass(frozen=True, slots=True)
class Side:
    """One side of the picture: the neighbours drawn with the properties that link each,
    how many neighbours it has in all, and how many each property links."""

    shown: list[tuple[Node, list[URIRef]]]
    total: int
    counts: list[tuple[URIRef, int]]

    @property
    def left_out(self) -> int:
        return self.total - len(self.shown)


def neighbourhood_sketch(links: Links, doc: str, node: Node, prefix: str) -> Sketch | None:
    """The picture of ``node``'s neighbourhood as the page ``doc`` shows it, or None when
    it links to no resource and none links to it."""
    out_groups, in_groups = _groups(links, node)
    if not out_groups and not in_groups:
        return None
    both = _members(out_groups) & _members(in_groups)
    right = _side(links, out_groups)
    left = _side(links, _without(in_groups, both))
    back: dict[Node, list[URIRef]] = {}
    for predicate, subjects in in_groups.items():
        for subject in subjects:
            if subject in both:
                back.setdefault(subject, []).append(predicate)

    name = _name(links, node)
    graph = DotGraph("neighbourhood", prefix, dict(_LAYOUT))
    centre = _box(
        graph,
        "centre",
        name,
        posixpath.basename(doc),
        links.name_language(node),
        peripheries="2",
        penwidth="1.6",
        fillcolor=quote("#eeeeee"),
    )
    for subject, predicates in left.shown:
        box = _neighbour(graph, links, doc, subject)
        _arrow(graph, links, doc, box, centre, predicates)
    for obj, predicates in right.shown:
        box = _neighbour(graph, links, doc, obj)
        _arrow(graph, links, doc, centre, box, predicates)
        if obj in back:
            _arrow(graph, links, doc, box, centre, back[obj])
    _more(graph, links, doc, "in", left, centre)
    _more(graph, links, doc, "out", right, centre)

    linked_by = left.total + len(both)
    words = _words(links, name, right, linked_by, _counts(links, in_groups), len(both))
    cap = _cap(links, left.left_out, linked_by, right)
    return Sketch(
        kind="neighbourhood",
        title=links._("Neighbourhood of %(name)s", name=name),
        desc=words + cap,
        caption=links._(
            "This resource is in the middle, with a double border: what links to it is on the"
            " left, what it links to on the right, and each arrow is labelled with its"
            " property. Every box links to its page. Its text values, sources and claims are"
            " in the sections below."
        )
        + cap,
        dot=graph.source(),
    )


# --- what is drawn --------------------------------------------------------------------------


def _groups(links: Links, node: Node) -> tuple[Groups, Groups]:
    """The resources ``node`` links to and those that link to it, by property, each list in
    term order (as the index keeps them)."""
    ix = links.index
    out: Groups = {}
    for predicate, values in ix.out.get(node, {}).items():
        if predicate not in _OUT_SKIPPED:
            found = [v for v in values if not isinstance(v, Literal) and v != node]
            if found:
                out[predicate] = found
    into: Groups = {}
    for predicate, subject in ix.incoming.get(node, ()):
        if predicate not in _IN_SKIPPED and subject != node:
            into.setdefault(predicate, []).append(subject)
    return out, into


def _members(groups: Groups) -> set[Node]:
    return {n for nodes in groups.values() for n in nodes}


def _without(groups: Groups, dropped: set[Node]) -> Groups:
    kept = {p: [n for n in nodes if n not in dropped] for p, nodes in groups.items()}
    return {p: nodes for p, nodes in kept.items() if nodes}


def _by_name(links: Links, predicates: Iterable[URIRef]) -> list[URIRef]:
    return sorted(set(predicates), key=lambda p: (_name(links, p).casefold(), str(p)))


def _counts(links: Links, groups: Groups) -> list[tuple[URIRef, int]]:
    return [(p, len(groups[p])) for p in _by_name(links, groups)]


def _side(links: Links, groups: Groups) -> Side:
    """The neighbours of one side that are drawn: taken a property at a time, in the order
    of the properties' names, the first of each, then the second of each…, up to the cap;
    drawn grouped by their first property, by name within it."""
    order = _by_name(links, groups)
    chosen: dict[Node, list[URIRef]] = {}
    depth = 0
    while len(chosen) < MAX_PER_SIDE and any(depth < len(groups[p]) for p in order):
        for predicate in order:
            if depth < len(groups[predicate]) and len(chosen) < MAX_PER_SIDE:
                chosen.setdefault(groups[predicate][depth], [])
        depth += 1
    for predicate in order:
        for n in groups[predicate]:
            if n in chosen and predicate not in chosen[n]:
                chosen[n].append(predicate)
    rank = {p: i for i, p in enumerate(order)}
    shown = sorted(
        chosen.items(),
        key=lambda item: (
            rank[item[1][0]],
            _name(links, item[0]).casefold(),
            [str(p) for p in item[1]],
            () if isinstance(item[0], BNode) else term_key(item[0]),
        ),
    )
    return Side(shown, len(_members(groups)), _counts(links, groups))


# --- drawing --------------------------------------------------------------------------------


def _name(links: Links, node: Node) -> str:
    """A node's name on one line; a blank node's by its label, else by what the page says of
    it, never by its id (which changes from one reading of the data to the next)."""
    if isinstance(node, BNode):
        found = links.index.label(node, links.language)
        name = found[0] if found else links.link("/", node).text
    else:
        name = links.name(node)
    return " ".join(name.split())


def _width(text: str, width: int) -> int:
    """``width``, or more for a longer word (up to :data:`MAX_WIDTH`), so that a qname or a
    path is not broken in the middle of a word when it can be helped. Words are cut as
    :mod:`textwrap` cuts them: at spaces and after hyphens."""
    longest = max((len(chunk) for chunk in _CHUNK.findall(text)), default=0)
    return min(max(width, longest), MAX_WIDTH)


@functools.lru_cache(maxsize=4096)
def _label(name: str) -> str:
    """A box's label (DOT text): ``name`` wrapped narrow and, past :data:`NAME_LINES`
    lines, cut at a word with an ellipsis. Kept, because the same names come back on many
    pages (a state, a treaty)."""
    width = _width(name, NAME_WIDTH)
    lines = textwrap.wrap(name, width)
    if len(lines) > NAME_LINES:
        last = lines[NAME_LINES - 1]
        while len(last) + 2 > width and " " in last:
            last = last.rsplit(" ", 1)[0]
        lines = [*lines[: NAME_LINES - 1], last[: width - 2].rstrip(" ,;:–-") + " …"]
        return quote_lines(" ".join(lines), width)
    return quote_lines(name, width)


def _box(
    graph: DotGraph,
    key: str,
    name: str,
    href: str | None,
    lang: str | None = None,
    **attributes: str,
) -> str:
    """A box named ``name`` (its ``<title>`` and tooltip), showing it wrapped and cut; in
    ``lang`` when its name is data in another language than the picture's."""
    return graph.node(key, name, href=href, label=_label(name), lang=lang, **attributes)


def _neighbour(graph: DotGraph, links: Links, doc: str, node: Node) -> str:
    """A neighbour's box, linked to its page; a blank node, which has none, is dashed.
    Square corners: a rounded box is a path three times the size of a square one in the
    SVG, and a large site has thousands of these pictures, each written twice."""
    lang = links.name_language(node)
    if isinstance(node, BNode):
        return _box(graph, node.n3(), _name(links, node), None, lang, style=_DASHED)
    href = links.href(doc, str(node))
    return _box(graph, node.n3(), _name(links, node), href, lang, style=_SQUARE)


def _arrow(
    graph: DotGraph, links: Links, doc: str, tail: str, head: str, predicates: list[URIRef]
) -> None:
    """One arrow for all the properties from ``tail`` to ``head``, labelled with their
    names and, when there is one, linked to its definition."""
    unique = _by_name(links, predicates)
    label = ", ".join(_name(links, p) for p in unique)
    href = links.href(doc, str(unique[0])) if len(unique) == 1 else None
    lines = quote_lines(label, _width(label, PROPERTY_WIDTH))
    graph.edge(tail, head, label, href=href, lines=lines)


def _more(graph: DotGraph, links: Links, doc: str, side: str, found: Side, centre: str) -> None:
    """The dashed box that says how many neighbours of ``side`` are not drawn, linked to
    the table that lists them."""
    if found.left_out <= 0:
        return
    box = _box(
        graph,
        f"more-{side}",
        links.ngettext(
            "… and %(num)d more: see the table", "… and %(num)d more: see the table", found.left_out
        ),
        posixpath.basename(doc) + "#" + _TABLES[side],
        style=_DASHED,
    )
    tail, head = (box, centre) if side == "in" else (centre, box)
    graph.edge(tail, head, "", style="dashed")


# --- words ----------------------------------------------------------------------------------


def _words(
    links: Links,
    name: str,
    right: Side,
    linked_by: int,
    counts: list[tuple[URIRef, int]],
    both: int,
) -> str:
    """The picture in words: how many resources ``name`` links to and how many link to it
    (``linked_by``, by property in ``counts``), and how many of them both ways."""
    _ = links._
    out = {"out": _count(links, right.total), "out_by": _by(links, right.counts)}
    into = {"in": _count(links, linked_by), "in_by": _by(links, counts)}
    if right.total and linked_by:
        text = _(
            "%(name)s links to %(out)s (%(out_by)s) and is linked to by %(in)s (%(in_by)s).",
            name=name,
            **out,
            **into,
        )
    elif right.total:
        text = _("%(name)s links to %(out)s (%(out_by)s).", name=name, **out)
    elif linked_by:
        text = _("%(name)s is linked to by %(in)s (%(in_by)s).", name=name, **into)
    else:
        text = f"{name} ."
    if both:
        text += " " + links.ngettext(
            "%(num)d resource is linked both ways.", "%(num)d resources are linked both ways.", both
        )
    return text


def _cap(links: Links, left_out: int, linked_by: int, right: Side) -> str:
    """What the picture leaves out, in words, or nothing."""
    _ = links._
    cut = []
    if left_out > 0:
        cut.append(_("%(shown)d of the %(total)d that link to it", shown=left_out, total=linked_by))
    if right.left_out > 0:
        cut.append(
            _("%(shown)d of the %(total)d it links to", shown=right.left_out, total=right.total)
        )
    if not cut:
        return ""
    if len(cut) > 1:
        cut = [_("%(items)s and %(last)s", items=cut[0], last=cut[1])]
    return " " + _(
        "The picture leaves out %(cut)s: it shows at most %(most)d a side, some of each"
        " property, and a dashed box links to the table that lists them.",
        cut=cut[0],
        most=MAX_PER_SIDE,
    )


def _by(links: Links, counts: list[tuple[URIRef, int]]) -> str:
    named = [
        links._("%(property)s: %(count)d", property=_name(links, p), count=n)
        for p, n in counts[:DESC_PROPERTIES]
    ]
    if len(counts) > DESC_PROPERTIES:
        more = len(counts) - DESC_PROPERTIES
        named.append(links.ngettext("%(num)d more property", "%(num)d more properties", more))
    return ", ".join(named)


def _count(links: Links, n: int) -> str:
    return links.ngettext("%(num)d resource", "%(num)d resources", n)


__all__ = ["MAX_PER_SIDE", "neighbourhood_sketch"]
