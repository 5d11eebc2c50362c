"""Targets: which shapes have focus nodes, by which routes, and the SPARQL that finds them.

Why apart: a shape's focus nodes are a SPARQL pattern joined into every query of the shape,
and a property shape takes its parent's focus nodes once per parent (SHACL validates it once
per route), which decides how many results each of its constraints reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from treatykg.validation.engine.findings import UnsupportedError
from treatykg.validation.engine.shapes import INSTANCE_OF, Shapes, ordered, term
from treatykg.validation.engine.sparql_text import as_run, prologue

_OWL_CLASS = URIRef("http://www.w3.org/2002/07/owl#Class")


@dataclass
class FocusShape:
    """A shape with focus nodes, by one route."""

    node: Node
    focus: list[str]  # SPARQL group patterns binding ?this, one per target
    #: The PREFIX declarations of its SPARQL-based targets; a line ``#unsupported why`` says
    #: that the shape cannot be compiled, and why.
    prologue: set[str] = field(default_factory=set)
    #: The shapes that led here through sh:property, outermost first (empty: own targets).
    #: SHACL validates a property shape once per parent, so each route is compiled apart.
    route: tuple[Node, ...] = ()
    #: The focus nodes may be literals (see targets).
    literals: bool = False


def targets(s: Shapes, shape: Node) -> tuple[list[str], set[str], bool]:
    """The focus patterns of a shape's targets, their PREFIX declarations, and whether the
    focus nodes may be literals (objects of a property, given nodes, a SPARQL target's)."""
    patterns, prologues = [], set()
    classes = list(s.g.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in s.g or (shape, RDF.type, _OWL_CLASS) in s.g:
        classes.append(shape)
    types = set()
    for cls in classes:
        found = s.subclasses(cls)
        if found is None:
            patterns.append(f"?this {INSTANCE_OF} {term(cls)} .")
        else:
            types.update(found)
    if len(types) == 1:
        patterns.append(f"?this <{RDF.type}> {types.pop()} .")
    elif types:  # every instance of every target class: one rdf:type lookup per class
        patterns.append(
            f"VALUES ?_class {{ {' '.join(sorted(types))} }} ?this <{RDF.type}> ?_class ."
        )
    for node in s.g.objects(shape, SH.targetNode):
        patterns.append(f"VALUES ?this {{ {term(node)} }}")
    for prop in s.g.objects(shape, SH.targetSubjectsOf):
        patterns.append(f"?this {term(prop)} [] .")
    for prop in s.g.objects(shape, SH.targetObjectsOf):
        patterns.append(f"[] {term(prop)} ?this .")
    for target in s.g.objects(shape, SH.target):
        select = s.one(target, SH.select)
        if select is None or (target, RDF.type, SH.SPARQLTarget) not in s.g:
            raise UnsupportedError("a sh:target that is not a sh:SPARQLTarget with sh:select")
        if s.deactivated(target):
            continue
        prologues.add(prologue(s, target))
        patterns.append(f"{{ {as_run(s, str(select))} }}")
    literals = any((shape, p, None) in s.g for p in (SH.targetObjectsOf, SH.targetNode, SH.target))
    return patterns, prologues, literals


def top_level(s: Shapes) -> list[FocusShape]:
    """Shapes that have focus nodes, once per route: those with targets, and through
    ``sh:property`` their property shapes, which take their parent node shape's focus nodes.

    A property shape reached by two routes (two parents, or a parent and targets of its own)
    is validated once per route, as SHACL does, so it appears once per route. A property shape
    nested in a property shape takes the parent's *values* as focus nodes: not compiled.
    """
    shapes: list[FocusShape] = []
    candidates = {
        *s.g.subjects(RDF.type, SH.NodeShape),
        *s.g.subjects(RDF.type, SH.PropertyShape),
        *(n for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                      SH.targetObjectsOf, SH.target) for n in s.g.subjects(p, None)),
    }  # fmt: skip

    def visit(entry: FocusShape) -> None:
        shapes.append(entry)
        route = (*entry.route, entry.node)
        for child in ordered(s.g.objects(entry.node, SH.property)):
            if s.deactivated(child):
                continue
            if child in route:
                why = {"#unsupported a cycle of sh:property"}
                shapes.append(FocusShape(child, [], why, route))
            elif (entry.node, SH.path, None) in s.g:
                why = {"#unsupported a property shape nested in a property shape"}
                visit(FocusShape(child, [], why, route))
            else:
                focus, prologues = list(entry.focus), set(entry.prologue)
                visit(FocusShape(child, focus, prologues, route, entry.literals))

    for shape in ordered(candidates):
        if s.deactivated(shape):
            continue
        try:
            patterns, prologues, literals = targets(s, shape)
        except UnsupportedError as error:  # its property shapes cannot be compiled either
            visit(FocusShape(shape, [], {f"#unsupported {error}"}))
            continue
        if patterns:
            visit(FocusShape(shape, patterns, prologues, literals=literals))
    return shapes
