"""The vocabulary picture: the ontology's classes and the properties between them, drawn on
the ontology page (``/def.html``) and written as the README's Mermaid diagram.

Why one model and two drawings: a diagram written by hand drifts from ``ontology/`` the day a
property is added. Both drawings are rendered from one :class:`Vocabulary`, which
:func:`vocabulary` reads from the ontology graph, and a test fails when the README's block is
not what :func:`mermaid` writes; ``python -m treatykg.web.pages.pictures.vocabulary
README.md`` rewrites it.

What the model takes from the ontology, and nothing else:

* **classes**: every ``owl:Class`` (or ``rdfs:Class``) of ``tkg:``; a class of another
  vocabulary (``eli:LegalResource``) only where a property starts or ends at it and one of our
  classes is a sub-class of it, so that the arrows to it say something about ours;
* **arrows**: ``rdfs:subClassOf`` between drawn classes (the nearest drawn super-class only),
  and each property from every class of its domain to every class of its range, read from
  ``rdfs:domain``/``rdfs:range`` and ``schema:domainIncludes``/``schema:rangeIncludes``, an
  ``owl:unionOf`` counting as its members;
* **attributes**: a property whose range is no drawn class (a date, a text, a SKOS concept, any
  resource) is an attribute of its domain's classes;
* **kinds**: where a class has several sub-classes with nothing of their own (no sub-class,
  attribute or arrow), they are its kinds, listed beside it rather than drawn each apart, so
  that the many sorts of event do not swamp the picture.

Everything is sorted by name, so the same ontology gives the same bytes. The picture's own
words (title, caption, ``<desc>``, notes) are in the page's language (:meth:`~.links.Links._`),
its classes and properties named by their labels in it; the README's diagram uses local names.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from treatykg.namespaces import SCHEMA, TKG, qname
from treatykg.rdf.load import load_ontology
from treatykg.rdf.terms import term_key
from treatykg.web.languages import DEFAULT
from treatykg.web.pages.graph_index import GraphIndex
from treatykg.web.pages.links import Links, local_name
from treatykg.web.pages.pictures.graphviz import DotGraph, quote
from treatykg.web.pages.pictures.picture import Sketch
from treatykg.web.pages.pictures.picture import marked as _

#: What makes a node a class, and a property.
CLASS_TYPES: tuple[URIRef, ...] = (OWL.Class, RDFS.Class)
PROPERTY_TYPES: tuple[URIRef, ...] = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
#: Where a property says which classes it starts from, and which it ends at.
DOMAINS: tuple[URIRef, ...] = (RDFS.domain, SCHEMA.domainIncludes)
RANGES: tuple[URIRef, ...] = (RDFS.range, SCHEMA.rangeIncludes)

#: A class's sub-classes with nothing of their own are listed as its kinds, rather than
#: drawn, when there are at least this many of them.
MIN_KINDS = 3

#: The README's section whose ``mermaid`` block :func:`mermaid` writes.
README_SECTION = "## The model"
#: How to rewrite that block (what the drift test tells).
COMMAND = "python -m treatykg.web.pages.pictures README.md"


@dataclass(frozen=True, slots=True)
class Term:
    """A class or a property: ``name`` is our local name (the element id on the ontology page
    and the Mermaid name) or, for another vocabulary's term, its qname."""

    iri: URIRef
    name: str
    label: str


@dataclass(frozen=True, slots=True)
class Box:
    """A drawn class: its attributes (the properties whose values are no drawn class: dates,
    texts, concepts, any resource) and the kinds listed with it."""

    term: Term
    ours: bool
    attributes: tuple[Term, ...]
    kinds: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Arrow:
    """From a class to another: a property from its domain to its range, or (``property``
    None) from a class to its super-class."""

    tail: Term
    head: Term
    property: Term | None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The picture of the vocabulary, before it is drawn."""

    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    #: Properties that start from no class of the picture (their domain is any resource).
    loose: tuple[Term, ...]

    @property
    def classes(self) -> int:
        """How many classes the picture shows, boxes and kinds together."""
        return sum(1 + len(box.kinds) for box in self.boxes)

    @property
    def properties(self) -> tuple[Term, ...]:
        """The properties drawn as arrows, each once, by name."""
        found = {a.property.iri: a.property for a in self.arrows if a.property is not None}
        return tuple(sorted(found.values(), key=_order))

    @property
    def sub_classes(self) -> tuple[Arrow, ...]:
        return tuple(a for a in self.arrows if a.property is None)

    @property
    def relations(self) -> tuple[Arrow, ...]:
        return tuple(a for a in self.arrows if a.property is not None)


def _order(term: Term) -> tuple[str, str]:
    return (term.name.casefold(), str(term.iri))


# --- the model ------------------------------------------------------------------------------


def vocabulary(index: GraphIndex, language: str = DEFAULT) -> Vocabulary:
    """The classes of ``tkg:`` in ``index``'s graph and the properties between them, named in
    ``language`` where the ontology labels them in it (the README's diagram: English)."""
    ours = _our_classes(index)
    properties = sorted(
        {p for t in PROPERTY_TYPES for p in index.subjects(RDF.type, t) if isinstance(p, URIRef)},
        key=term_key,
    )
    ends = {p: (_members(index, p, DOMAINS), _members(index, p, RANGES)) for p in properties}
    ancestors = {c: _ancestors(index, c) for c in ours}
    outside = {
        x
        for domains, ranges in ends.values()
        for x in (*domains, *ranges)
        if x not in ours and any(x in found for found in ancestors.values())
    }
    drawn = ours | outside
    ancestors.update({x: _ancestors(index, x) for x in outside})

    terms: dict[URIRef, Term] = {}

    def term(iri: URIRef) -> Term:
        if iri not in terms:
            name = local_name(str(iri)) if iri in ours or _is_ours(iri) else qname(iri)
            label = index.label(iri, language)
            terms[iri] = Term(iri, name, label[0] if label else name)
        return terms[iri]

    supers: dict[URIRef, list[URIRef]] = {}
    for cls in sorted(drawn, key=term_key):
        near = [a for a in ancestors[cls] if a in drawn and a != cls]
        supers[cls] = [a for a in near if not any(a in ancestors[b] for b in near if b != a)]
    relations: list[tuple[URIRef, URIRef, URIRef]] = []
    attributes: dict[URIRef, list[Term]] = {}
    loose: list[Term] = []
    for prop in properties:
        domains, ranges = ends[prop]
        starts = [d for d in domains if d in drawn]
        if not starts:
            if domains or ranges:
                loose.append(term(prop))
            continue
        for start in starts:
            relations.extend((start, r, prop) for r in ranges if r in drawn)
            if not ranges or any(r not in drawn for r in ranges):
                attributes.setdefault(start, []).append(term(prop))

    touched = {end for tail, head, _ in relations for end in (tail, head)}
    has_subs = {s for subs in supers.values() for s in subs}
    plain: dict[URIRef, list[URIRef]] = {}
    for cls, found in supers.items():
        if (
            cls in ours
            and len(found) == 1
            and cls not in has_subs
            and cls not in touched
            and cls not in attributes
        ):
            plain.setdefault(found[0], []).append(cls)
    kinds = {sup: subs for sup, subs in plain.items() if len(subs) >= MIN_KINDS}
    folded = {k for members in kinds.values() for k in members}

    boxes = [
        Box(
            term=term(cls),
            ours=cls in ours,
            attributes=tuple(sorted(attributes.get(cls, []), key=_order)),
            kinds=tuple(sorted((term(k) for k in kinds.get(cls, [])), key=_order)),
        )
        for cls in drawn
        if cls not in folded
    ]
    arrows = [
        Arrow(term(cls), term(sup), None)
        for cls, found in supers.items()
        if cls not in folded
        for sup in found
    ]
    arrows += [Arrow(term(t), term(h), term(p)) for t, h, p in relations]
    return Vocabulary(
        boxes=tuple(sorted(boxes, key=lambda b: _order(b.term))),
        arrows=tuple(sorted(set(arrows), key=_arrow_order)),
        loose=tuple(sorted(loose, key=_order)),
    )


def _arrow_order(arrow: Arrow) -> tuple[int, tuple[str, str], tuple[str, str], tuple[str, str]]:
    prop = ("", "") if arrow.property is None else _order(arrow.property)
    return (arrow.property is not None, _order(arrow.tail), prop, _order(arrow.head))


def _is_ours(iri: Node) -> bool:
    namespace = str(TKG)
    return isinstance(iri, URIRef) and str(iri).startswith(namespace) and iri != URIRef(namespace)


def _our_classes(index: GraphIndex) -> set[URIRef]:
    return {
        c
        for t in CLASS_TYPES
        for c in index.subjects(RDF.type, t)
        if isinstance(c, URIRef) and _is_ours(c)
    }


def _members(index: GraphIndex, prop: URIRef, predicates: Iterable[URIRef]) -> list[URIRef]:
    """The classes ``prop``'s ``predicates`` name, a union read as its members."""
    found: set[URIRef] = set()
    for predicate in predicates:
        for value in index.values(prop, predicate):
            if isinstance(value, URIRef):
                found.add(value)
            elif isinstance(value, BNode):
                found.update(m for m in index.union(value) if isinstance(m, URIRef))
    return sorted(found, key=term_key)


def _ancestors(index: GraphIndex, cls: URIRef) -> set[URIRef]:
    """``cls`` and every class it is a sub-class of, through any vocabulary."""
    found = {cls}
    frontier: list[URIRef] = [cls]
    while frontier:
        for parent in index.values(frontier.pop(), RDFS.subClassOf):
            if isinstance(parent, URIRef) and parent not in found:
                found.add(parent)
                frontier.append(parent)
    return found


# --- the picture on the ontology page -------------------------------------------------------


#: What the picture is called (its ``<title>``), in English.
TITLE = _("The classes of the treatykg ontology and the properties between them")
#: How to read the picture (the figure's caption), in English.
CAPTION = _(
    "Each box is a class and links to its entry below. A labelled arrow is a property, from"
    " the class it describes to the class of its values, and links to its entry; an arrow with"
    " a hollow head points from a class to its super-class. A dashed box is another"
    " vocabulary's class; a folded note lists kinds of a class that add nothing of their own."
)
#: The layout: top to bottom, packed to 15 inches (1080 pt, 1440 px) wide, so that at the
#: smallest scale a picture is shown at it fits a desktop page's column (a phone scrolls its
#: frame). ``ratio=compress`` makes ``dot`` pack the nodes closer to fit that width; it
#: shrinks the drawing only by what packing could not save (1% for the bundled ontology).
LAYOUT: dict[str, str] = {
    "rankdir": '"TB"',
    "ratio": '"compress"',
    "size": '"15,100"',
    "nodesep": "0.3",
    "ranksep": "0.4",
}


def vocabulary_sketch(links: Links, doc: str, prefix: str) -> Sketch | None:
    """The picture of the vocabulary as the page ``doc`` (``/def.html``) shows it, or None if
    the graph has no class of ``tkg:``."""
    model = vocabulary(links.index, links.language)
    if not model.boxes:
        return None
    return Sketch(
        kind="vocabulary",
        title=links._(TITLE),
        desc=describe(model, links),
        caption=links._(CAPTION),
        dot=dot(model, links, doc, prefix),
    )


def dot(model: Vocabulary, links: Links, doc: str, prefix: str) -> str:
    """The DOT text of the picture: a box per class, an arrow per property and sub-class, a
    note per class that has kinds.

    Every arrow points down: a property from its domain to its range, a sub-class to its
    super-class (hollow-headed, as UML draws it), so that the picture grows down the page
    rather than across it."""
    graph = DotGraph("vocabulary", prefix, dict(LAYOUT))
    names: dict[URIRef, str] = {}
    for box in model.boxes:
        names[box.term.iri] = graph.node(
            str(box.term.iri),
            box.term.label if box.ours else box.term.name,
            href=links.href(doc, str(box.term.iri)),
            **({} if box.ours else {"style": quote("rounded,dashed")}),
        )
    for box in model.boxes:
        if box.kinds:
            kinds = ", ".join(k.label for k in box.kinds)
            note = graph.node(
                f"kinds {box.term.iri}",
                links._(
                    "kinds of %(class)s: %(kinds)s", **{"class": box.term.label, "kinds": kinds}
                ),
                href=links.href(doc, str(box.term.iri)),
                shape="note",
                style="filled",
            )
            graph.edge(note, names[box.term.iri], "", arrowhead="empty", style="dashed")
    loops: dict[URIRef, int] = {}
    for arrow in model.arrows:
        tail, head = names[arrow.tail.iri], names[arrow.head.iri]
        if arrow.property is None:
            graph.edge(tail, head, "", arrowhead="empty")
            continue
        sides: dict[str, str] = {}
        if arrow.tail == arrow.head:
            # a class's loops take its right and left sides in turn, so their labels part
            loops[arrow.tail.iri] = loops.get(arrow.tail.iri, 0) + 1
            if loops[arrow.tail.iri] % 2 == 0:
                sides = {"tailport": "w", "headport": "w"}
        href = links.href(doc, str(arrow.property.iri))
        graph.edge(tail, head, arrow.property.label, href=href, **sides)
    return graph.source()


def describe(model: Vocabulary, links: Links | None = None) -> str:
    """The picture in words (its ``<desc>``): the classes, the kinds, the sub-classes and
    every property arrow, for a reader who cannot see it; in the language of ``links``'
    pages, else in English."""
    _ = links._ if links is not None else _english
    ngettext = links.ngettext if links is not None else _english_plural
    boxes = {box.term.iri: box for box in model.boxes}

    def name(term: Term) -> str:
        return term.label if boxes[term.iri].ours else term.name

    def both(items: Sequence[str]) -> str:
        return _and(items, _)

    ours = sum(1 + len(box.kinds) for box in model.boxes if box.ours)
    others = [box.term.name for box in model.boxes if not box.ours]
    notes = sum(1 for box in model.boxes if box.kinds)
    classes = ngettext("%(num)d class of the ontology", "%(num)d classes of the ontology", ours)
    if others:
        classes = _(
            "%(classes)s, and %(others)s of another vocabulary,",
            classes=classes,
            others=both(others),
        )
    drawn = ngettext("drawn as %(num)d box", "drawn as %(num)d boxes", len(model.boxes))
    if notes:
        drawn = both([drawn, ngettext("%(num)d note", "%(num)d notes", notes)])
    properties = ngettext(
        "%(num)d property drawn as %(arrows)s",
        "%(num)d properties drawn as %(arrows)s",
        len(model.properties),
        arrows=ngettext("%(num)d arrow", "%(num)d arrows", len(model.relations)),
    )
    parts = [
        _(
            "%(classes)s %(drawn)s; %(properties)s between them.",
            classes=classes,
            drawn=drawn,
            properties=properties,
        )
    ]
    for box in model.boxes:
        if box.kinds:
            kinds = both([k.label for k in box.kinds])
            parts.append(
                _(
                    "Kinds of %(class)s, in a note: %(kinds)s.",
                    **{"class": name(box.term), "kinds": kinds},
                )
            )
    supers: dict[URIRef, list[str]] = {}
    for arrow in model.sub_classes:
        supers.setdefault(arrow.head.iri, []).append(name(arrow.tail))
    for box in model.boxes:
        if box.term.iri in supers:
            parts.append(
                _(
                    "Sub-classes of %(class)s: %(sub_classes)s.",
                    **{"class": name(box.term), "sub_classes": both(supers[box.term.iri])},
                )
            )
    arrows = [
        _(
            "%(property)s, from %(domain)s to %(range)s",
            property=a.property.label,
            domain=name(a.tail),
            range=name(a.head),
        )
        for a in model.relations
        if a.property is not None
    ]
    if arrows:
        parts.append(_("Properties: %(arrows)s.", arrows="; ".join(arrows)))
    alone = [
        name(box.term)
        for box in model.boxes
        if not any(box.term.iri in (a.tail.iri, a.head.iri) for a in model.arrows) and not box.kinds
    ]
    if alone:
        parts.append(_("No arrow starts or ends at %(classes)s.", classes=both(alone)))
    if model.loose:
        loose = both([t.label for t in model.loose])
        parts.append(
            _("Not drawn, as it applies to any resource: %(properties)s.", properties=loose)
        )
    return " ".join(parts)


def _english(message: str, **values: object) -> str:
    """``message`` with its placeholders filled: :meth:`.Links._` for English."""
    return message % values if values else message


def _english_plural(singular: str, plural: str, count: int, **values: object) -> str:
    """:meth:`.Links.ngettext` for English."""
    return (singular if count == 1 else plural) % {"num": count, **values}


def _and(items: Sequence[str], _: Callable[..., str] = _english) -> str:
    """``a, b and c`` (in the language ``_`` writes: a page's :meth:`.Links._`)."""
    if len(items) < 2:
        return "".join(items)
    return _("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])


# --- the README's Mermaid diagram -----------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
#: What Mermaid shows literally: letters, digits, spaces and a little punctuation; a colon
#: only in a quoted label or note (elsewhere it starts a label of its own).
_UNSAFE_TEXT = re.compile(r"[^\w ,.\-]")
_UNSAFE_LABEL = re.compile(r"[^\w ,.\-:]")
#: Characters a line of attributes or of a note holds at most before it is wrapped.
WIDTH = 40


def mermaid(graph: Graph) -> str:
    """The README's class diagram of the ontology in ``graph``: the text between the
    fences of its ``mermaid`` block, ending in a newline.

    Classes are named by their local names (what a query writes), their attributes listed
    by name only, a few to a line, so that the boxes stay small; it reads left to right,
    which suits a README's wide, zoomable frame."""
    model = vocabulary(GraphIndex(graph))
    ids: dict[URIRef, str] = {}
    for box in model.boxes:
        name = _UNSAFE.sub("_", box.term.name) or "_"
        while name in ids.values():
            name += "_"
        ids[box.term.iri] = name
    lines = ["classDiagram", "    direction LR"]
    for box in model.boxes:
        head = f"    class {ids[box.term.iri]}"
        if ids[box.term.iri] != box.term.name:
            head += f'["{_text(box.term.name, _UNSAFE_LABEL)}"]'
        if box.attributes:
            names = "; ".join(_text(a.name) for a in box.attributes)
            lines.append(head + " {")
            lines.extend(f"        {line}" for line in textwrap.wrap(names, WIDTH))
            lines.append("    }")
        else:
            lines.append(head)
    for arrow in sorted(model.sub_classes, key=lambda a: (_order(a.head), _order(a.tail))):
        lines.append(f"    {ids[arrow.head.iri]} <|-- {ids[arrow.tail.iri]}")
    for arrow in model.relations:
        assert arrow.property is not None
        lines.append(
            f"    {ids[arrow.tail.iri]} --> {ids[arrow.head.iri]} : {_text(arrow.property.name)}"
        )
    for box in model.boxes:
        if box.kinds:
            words = "kinds: " + ", ".join(k.name for k in box.kinds)
            wrapped = "<br>".join(
                _text(line, _UNSAFE_LABEL) for line in textwrap.wrap(words, WIDTH)
            )
            lines.append(f'    note for {ids[box.term.iri]} "{wrapped}"')
    return "\n".join(lines) + "\n"


def _text(text: str, unsafe: re.Pattern[str] = _UNSAFE_TEXT) -> str:
    """``text`` as Mermaid shows it literally: anything that could be syntax is ``_``."""
    return unsafe.sub("_", text)


def readme_block(readme: str) -> tuple[int, int]:
    """Where the ``mermaid`` block of the README's :data:`README_SECTION` starts and ends: the
    offsets of the text between its fences."""
    section = re.search(rf"^{re.escape(README_SECTION)}[ \t]*$", readme, re.M)
    if section is None:
        raise ValueError(f"the README has no {README_SECTION!r} section")
    fence = re.compile(r"^```mermaid[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
    block = fence.search(readme, section.end())
    following = re.compile(r"^## ", re.M).search(readme, section.end())
    if block is None or (following is not None and following.start() < block.start()):
        raise ValueError(f"the README's {README_SECTION!r} section has no ```mermaid block")
    return block.start(1), block.end(1)


def rewrite_readme(readme: str, diagram: str) -> str:
    """``readme`` with its model diagram replaced by ``diagram``."""
    start, end = readme_block(readme)
    return readme[:start] + diagram + readme[end:]


def main(argv: Sequence[str]) -> int:
    """Rewrites the model diagram of each README named in ``argv`` from the bundled
    ontology; says which changed."""
    if not argv:
        print(f"usage: {COMMAND}", file=sys.stderr)
        return 2
    diagram = mermaid(load_ontology())
    for name in argv:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        updated = rewrite_readme(text, diagram)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            print(f"{name}: model diagram rewritten from the ontology")
        else:
            print(f"{name}: model diagram already up to date")
    return 0
