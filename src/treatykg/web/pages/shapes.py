"""The view of the shapes page (``/shapes.html``): every named SHACL shape with its targets,
path, severity and messages, node shapes apart from property shapes.

It reads the build's ``shapes.ttl`` (an rdflib graph of its own, not the site's index: the
shapes are not resources of the dataset); a site built without it still gets a page that
says where the shapes are published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import rdflib
from rdflib import Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from treatykg.namespaces import SHAPES, qname
from treatykg.rdf.terms import term_key
from treatykg.web import urls
from treatykg.web.pages.graph_index import lang_rank
from treatykg.web.pages.links import Links, Value, literal, local_name


def _severities(links: Links) -> dict[Node, str]:
    """SHACL's severities, as the pages' language names them."""
    return {
        SH.Violation: links._("violation"),
        SH.Warning: links._("warning"),
        SH.Info: links._("info"),
    }


#: SHACL's kinds of target, in the order shown, each with its kind: the template words it as
#: one message with the targets ("instances of %(targets)s"), as word order differs by language.
_TARGETS: tuple[tuple[URIRef, str], ...] = (
    (SH.targetClass, "class"),
    (SH.targetNode, "node"),
    (SH.targetSubjectsOf, "subjects"),
    (SH.targetObjectsOf, "objects"),
)


@dataclass(slots=True)
class ShapeView:
    #: The element id: the shape's local name.
    id: str
    qname: str
    label: str
    #: (kind, targets): kind is class, node, subjects, objects (see _TARGETS) or sparql.
    targets: list[tuple[str, list[Value]]]
    severity: str
    messages: list[Value]
    #: The property path in SPARQL's syntax (property shapes).
    path: str | None
    properties: list[Value]
    parents: list[Value]
    examples: list[Value]
    #: Whether the shape checks with a SPARQL constraint.
    sparql: bool


@dataclass(slots=True)
class ShapesView:
    #: False when the site has no shapes graph to list.
    available: bool
    file: Value | None
    heading: Value | None
    description: Value | None
    node_shapes: list[ShapeView]
    property_shapes: list[ShapeView]


def shapes_view(links: Links, doc: str, shapes: rdflib.Graph | None) -> ShapesView:
    """The shapes page at ``doc``, or (``shapes`` None) a page that says where they are."""
    by_name = links.index.file_paths()
    file_link = (
        Value("shapes.ttl", href=urls.relative(doc, by_name["shapes.ttl"]))
        if "shapes.ttl" in by_name
        else None
    )
    if shapes is None:
        return ShapesView(False, file_link, None, None, [], [])
    return _Shapes(links, doc, shapes).view(file_link)


class _Shapes:
    """The shapes of one graph, read for one page."""

    def __init__(self, links: Links, doc: str, shapes: rdflib.Graph) -> None:
        self.links = links
        self.doc = doc
        self.graph = shapes
        self.severities = _severities(links)
        self.parents: dict[Node, list[Node]] = defaultdict(list)
        for parent, child in shapes.subject_objects(SH.property):
            self.parents[child].append(parent)

    def view(self, file_link: Value | None) -> ShapesView:
        shapes = self.graph
        named = sorted(
            {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
            | {s for s in shapes.subjects(RDF.type, SH.PropertyShape) if isinstance(s, URIRef)}
            | {s for s in shapes.subjects(SH.path, None) if isinstance(s, URIRef)},
            key=lambda s: (local_name(str(s)).casefold(), str(s)),
        )
        node_views, property_views = [], []
        for shape in named:
            view = self.shape_view(shape)
            if view.path is not None or (
                (shape, RDF.type, SH.PropertyShape) in shapes
                and (shape, RDF.type, SH.NodeShape) not in shapes
            ):
                property_views.append(view)
            else:
                node_views.append(view)
        titles = self.literals(SHAPES, DCTERMS.title)
        descriptions = self.literals(SHAPES, DCTERMS.description)
        return ShapesView(
            available=True,
            file=file_link,
            heading=literal(titles[0]) if titles else None,
            description=literal(descriptions[0]) if descriptions else None,
            node_shapes=node_views,
            property_shapes=property_views,
        )

    def shape_view(self, shape: URIRef) -> ShapeView:
        shapes, links, doc = self.graph, self.links, self.doc
        targets: list[tuple[str, list[Value]]] = []
        for predicate, kind in _TARGETS:
            values = sorted(shapes.objects(shape, predicate), key=term_key)
            if values:
                targets.append((kind, [links.term_link(doc, v) for v in values]))
        if (shape, SH.target, None) in shapes:
            targets.append(("sparql", []))
        severity = self.first(shape, SH.severity)
        messages = sorted(
            (v for v in shapes.objects(shape, SH.message) if isinstance(v, Literal)),
            key=term_key,
        )
        path = self.first(shape, SH.path)
        return ShapeView(
            id=local_name(str(shape)),
            qname=qname(shape),
            label=self.label(shape),
            targets=targets,
            severity=self.severities.get(severity, links.short(severity))
            if severity is not None
            else self.severities[SH.Violation],
            messages=[literal(m) for m in messages],
            path=path_text(shapes, path, links) if path is not None else None,
            properties=self.shape_links(
                p for p in shapes.objects(shape, SH.property) if isinstance(p, URIRef)
            ),
            parents=self.shape_links(
                p for p in self.parents.get(shape, ()) if isinstance(p, URIRef)
            ),
            examples=links.links(doc, shapes.objects(shape, SKOS.example)),
            sparql=(shape, SH.sparql, None) in shapes,
        )

    def first(self, node: Node, predicate: URIRef) -> Node | None:
        values = sorted(self.graph.objects(node, predicate), key=term_key)
        return values[0] if values else None

    def literals(self, node: Node, predicate: URIRef) -> list[Literal]:
        """``node``'s literals of ``predicate``, in the pages' language first, then English
        (else untagged)."""
        return sorted(
            (v for v in self.graph.objects(node, predicate) if isinstance(v, Literal)),
            key=lambda v: (lang_rank(v.language, self.links.language), str(v)),
        )

    def label(self, node: Node) -> str:
        labels = self.literals(node, RDFS.label)
        return str(labels[0]) if labels else local_name(str(node))

    def shape_links(self, nodes: Iterable[URIRef]) -> list[Value]:
        return sorted(
            (
                Value(self.label(n), href=self.links.href(self.doc, str(n)), title=qname(n))
                for n in nodes
            ),
            key=lambda v: (v.text.casefold(), v.href or ""),
        )


def path_text(graph: rdflib.Graph, path: Node, links: Links | None = None) -> str:
    """A SHACL property path in SPARQL's path syntax: ``tkg:party``, ``^tkg:holder``, ``a/b``
    (a path it cannot write says so in the language of ``links``' pages, else English)."""
    if isinstance(path, URIRef):
        return qname(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(graph, inverse, links)
    for predicate, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return "(" + path_text(graph, inner, links) + ")" + suffix
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return (
            "("
            + "|".join(path_text(graph, p, links) for p in Collection(graph, alternatives))
            + ")"
        )
    if graph.value(path, RDF.first) is not None:
        return "/".join(path_text(graph, p, links) for p in Collection(graph, path))
    return links._("(complex path)") if links is not None else "(complex path)"
