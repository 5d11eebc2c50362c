"""Compiling a shapes graph: each shape's parameters handed to their constraint family, and
the shapes that cannot be compiled set aside for pySHACL with the reason.

Why one place: which family compiles which parameter, and which constructs send a shape (or
the whole shapes graph) to pySHACL, is the engine's promise of faithfulness; it is read here.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from treatykg.validation.engine.cardinality import compile_count
from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import Finding, Undecided, UnsupportedError
from treatykg.validation.engine.other import compile_closed, compile_has_value
from treatykg.validation.engine.property_pair import compile_pair
from treatykg.validation.engine.queries import Solutions
from treatykg.validation.engine.shape_based import compile_qualified, value_checks
from treatykg.validation.engine.shapes import SHAPE_LEVEL, Shapes, ShapesIndex, whole_number
from treatykg.validation.engine.sparql import compile_sparql
from treatykg.validation.engine.string import compile_unique_lang
from treatykg.validation.engine.targets import FocusShape, top_level
from treatykg.validation.engine.value_type import PLAIN_DATATYPES, compile_datatype

#: SHACL-AF features that change what every shape sees (rules add to the data graph, with
#: ``advanced=True`` pySHACL runs them before validating; functions may be called by any
#: SPARQL query; custom target types and entailments change focus nodes): a shapes graph with
#: any of them is validated by pySHACL whole.
_WHOLE_GRAPH = {
    SH.rule: "sh:rule",
    SH.entailment: "sh:entailment",
    SH.SPARQLFunction: "a sh:SPARQLFunction",
    SH.Function: "a sh:Function",
    SH.SPARQLTargetType: "a sh:SPARQLTargetType",
    SH.JSFunction: "a sh:JSFunction",
    SH.JSTarget: "a sh:JSTarget",
}


def compile_shape(s: Shapes, entry: FocusShape) -> CompiledShape:
    """One route of one shape, every parameter compiled (or UnsupportedError)."""
    shape = CompiledShape(s, entry)
    if shape.literal_focus and s.originals:
        _rewritten_focus(shape)
    shape.checks = value_checks(s, shape.shape, "?value", nested=False)
    for prop, param in s.g.sorted_predicate_objects(shape.shape):
        if prop not in SHAPE_LEVEL:  # a set lookup: most parameters end here
            continue
        assert isinstance(prop, URIRef)  # every parameter in SHAPE_LEVEL is
        if prop == SH.datatype and param not in PLAIN_DATATYPES:
            compile_datatype(shape, param)
        elif prop in (SH.minCount, SH.maxCount):
            compile_count(shape, prop, whole_number(param))
        elif prop == SH.hasValue:
            compile_has_value(shape, param)
        elif prop == SH.uniqueLang and str(param).lower() == "true":
            compile_unique_lang(shape)
        elif prop == SH.closed and str(param).lower() == "true":
            compile_closed(shape)
        elif prop in (SH.lessThan, SH.lessThanOrEquals, SH.disjoint, SH.equals):
            compile_pair(shape, prop, param)
        elif prop == SH.qualifiedValueShape:
            compile_qualified(shape, param)
        elif prop == SH.sparql:
            compile_sparql(shape, param)
    return shape


def _rewritten_focus(shape: CompiledShape) -> None:
    """Hand the shape to pySHACL if a focus node is a literal the Store rewrote: every
    result would name it as stored ("3"^^xsd:integer for "3"^^xsd:positiveInteger)."""
    query = f"SELECT DISTINCT ?this WHERE {{ {shape.focus} FILTER (isLiteral(?this)) }}"
    by_literal = shape.s.originals.by_literal

    def rows(solutions: Solutions) -> Iterator[Finding]:
        for row in solutions:
            if str(row["this"]) in by_literal:
                raise Undecided(shape.shape, "a literal focus node a pyoxigraph Store rewrote")
        return iter(())

    shape.ask(query, rows)


def _whole_graph_reason(shapes: ShapesIndex) -> str | None:
    for term, name in _WHOLE_GRAPH.items():
        if (None, term, None) in shapes or (None, RDF.type, term) in shapes:
            return f"the shapes graph uses {name}, which pySHACL applies to every shape"
    return None


def compile_all(s: Shapes) -> tuple[list[CompiledShape], dict[Node, str]]:
    """Every route of every shape compiled, and the shapes left to pySHACL with the reason."""
    compiled: list[CompiledShape] = []
    fallback: dict[Node, str] = {}
    whole = _whole_graph_reason(s.g)
    if s.originals.merged_strings:
        whole = 'the data has both "x" and "x"^^xsd:string, which pySHACL keeps apart'
    for entry in top_level(s):
        try:
            if whole:
                raise UnsupportedError(whole)
            compiled.append(compile_shape(s, entry))
        except UnsupportedError as error:
            fallback.setdefault(entry.node, str(error))
    # pySHACL validates a shape it is given by every route: none of its routes stays here.
    return [shape for shape in compiled if shape.shape not in fallback], fallback


def unsupported(shapes: Graph) -> dict[Node, str]:
    """The shapes this engine leaves to pySHACL whatever the data, each with the reason.

    Why: pyshacl-turbo's quick "conforms" is trusted only for shapes graphs that this engine
    compiles whole (see ``treatykg.validation.validate``): those are the constructs that the
    W3C and DASH suites and the differential tests check on every engine.
    """
    return compile_all(Shapes(shapes))[1]
