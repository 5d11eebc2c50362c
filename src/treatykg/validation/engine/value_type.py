"""Value type constraints: ``sh:class``, ``sh:datatype`` and ``sh:nodeKind``.

Why ``sh:datatype`` is mostly not SPARQL: whether ``"2020-13-45"^^xsd:date`` is a well-formed
date is rdflib's verdict in pySHACL, and Oxigraph's would differ at the edges; so the datatype
of a value is checked in SPARQL only for the plain datatypes, and every other literal is judged
once, in Python, by pySHACL's own rule, as written (:func:`datatype_query`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import Finding, UnsupportedError
from treatykg.validation.engine.queries import Query, Solutions
from treatykg.validation.engine.shapes import Shapes, term

#: Datatypes sh:datatype checks in SPARQL (the others are judged on the literal as written).
PLAIN_DATATYPES = frozenset({XSD.string, RDF.langString, RDFS.Literal})
_NODE_KINDS: dict[Node, str] = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


def class_check(s: Shapes, cls: Node, v: str) -> str:
    """``sh:class``: the value node ``v`` is a SHACL instance of ``cls``."""
    return f"EXISTS {{ {s.instance_of(v, cls)} }}"


def datatype_check(datatype: Node, v: str) -> str:
    """``sh:datatype``: the datatype only (well-formedness is :func:`datatype_query`'s)."""
    if datatype == XSD.string:
        return f"(isLiteral({v}) && datatype({v}) = {XSD.string.n3()})"
    if datatype == RDF.langString:
        return f'(isLiteral({v}) && lang({v}) != "")'
    if datatype == RDFS.Literal:
        return f"isLiteral({v})"
    return f"(isLiteral({v}) && datatype({v}) = {term(datatype)})"


def node_kind_check(kind: Node, v: str) -> str:
    """``sh:nodeKind``."""
    if kind not in _NODE_KINDS:
        raise UnsupportedError(f"unknown sh:nodeKind {kind}")
    return _NODE_KINDS[kind].format(v=v)


def compile_datatype(shape: CompiledShape, datatype: Node) -> None:
    """A top-level ``sh:datatype`` other than the plain ones, left for :func:`datatype_query`."""
    if shape.s.originals and shape.path is not None and not isinstance(shape.path_node, URIRef):
        raise UnsupportedError("sh:datatype on a complex path with literals the Store rewrote")
    shape.datatypes.append(datatype)


def datatype_query(shapes: list[CompiledShape], datatype: Node, values: str, focus: str) -> Query:
    """``sh:datatype`` for a datatype other than xsd:string, decided on each literal as written.

    Decided by pySHACL's own rule (the datatype, rdflib's ``ill_typed`` and the Python value
    type), once per distinct literal, so the engines cannot disagree on what is well-formed.
    The query reads only the distinct values ``values`` binds (on a predicate, all of its
    values in the data, for every shape with the same datatype there); the focus nodes are
    read (by :func:`datatype_rows`) only if some value may fail: the value as stored, or a
    literal written for it (``Originals``), since the Store keeps ``"2"^^xsd:integer`` for a
    ``"2"^^xsd:positiveInteger``. Then the literals as written decide.
    """
    originals = shapes[0].s.originals
    conforms = datatype_rule(shapes[0].s, datatype)
    doubtful: list[object] = []

    def judge(solutions: Solutions) -> Iterator[Finding]:
        for row in solutions:
            stored = row["value"]
            written = originals.by_literal.get(str(stored), ()) if originals else ()
            if not (conforms(stored) and all(conforms(value) for value in written)):
                doubtful.append(stored)
        return iter(())

    def then() -> list[Query]:
        return [datatype_rows(shape, datatype, conforms) for shape in shapes] if doubtful else []

    query = f"{shapes[0].prologue}\nSELECT DISTINCT ?value WHERE {{ {values} }}"
    return Query(query, focus, judge, then)


def datatype_rule(s: Shapes, datatype: Node) -> Callable[[object], bool]:
    """Whether a pyoxigraph term is a well-formed literal of ``datatype``, by pySHACL's rule.

    One rule per datatype for every shape, and its verdicts are remembered: rdflib takes
    ~20 µs to parse a literal, and the same dates come back in many shapes.
    """
    if datatype not in s.datatype_rules:
        s.datatype_rules[datatype] = _rule(datatype)
    return s.datatype_rules[datatype]


def _rule(datatype: Node) -> Callable[[object], bool]:
    verdicts: dict[object, bool] = {}

    def conforms(term: object) -> bool:
        if term not in verdicts:
            ok = False
            if isinstance(term, ox.Literal) and term.datatype.value == str(datatype):
                # Imported here, at the first verdict (on a query thread, while other queries
                # run): pySHACL takes ~0.2 s to import, which start-up must not pay.
                from pyshacl.constraints.core.value_constraints import (
                    DatatypeConstraintComponent as Rule,
                )

                literal = Literal(term.value, datatype=str(datatype))
                # The rule reads nothing of its constraint component (pySHACL could declare it
                # a staticmethod): called unbound, without building one.
                ok = getattr(literal, "ill_typed", None) is not True and bool(
                    Rule._assert_actual_datatype(None, literal, datatype)  # type: ignore[arg-type]
                )
            verdicts[term] = ok
        return verdicts[term]

    return conforms


def datatype_rows(
    shape: CompiledShape, datatype: Node, conforms: Callable[[object], bool]
) -> Query:
    """The values, with their focus nodes, that break ``sh:datatype``: the literals as written."""
    originals = shape.s.originals
    predicate = shape.predicate

    def rows(solutions: Solutions) -> Iterator[Finding]:
        for row in solutions:
            this, stored = row["this"], row["value"]
            for value in originals.restore(this, predicate, stored):
                if not conforms(value):
                    yield shape.finding(
                        this, value, SH.datatype, detail=(datatype,), as_written=True
                    )

    query = f"SELECT ?this ?value WHERE {{ {shape.focus} {shape.values()} }}"
    return Query(f"{shape.prologue}\n{query}", shape.focus, rows)
