"""Other constraints: ``sh:in``, ``sh:hasValue`` and ``sh:closed``.

Why together: SHACL groups them so ("other constraint components"); each compares the value
nodes with constants of the shapes graph (``sh:closed`` with the shape's own paths).
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import Finding
from treatykg.validation.engine.queries import Solutions, Tally
from treatykg.validation.engine.shapes import Shapes, term


def in_check(s: Shapes, members: Node, v: str) -> str:
    """``sh:in``: the value node is one of the listed terms."""
    listed = s.items(members)
    if not listed:
        return "false"
    return "(" + " || ".join(f"sameTerm({v}, {term(m)})" for m in listed) + ")"


def compile_has_value(shape: CompiledShape, value: Node) -> None:
    """``sh:hasValue``: on a node shape the focus node is the value, else some value is."""
    if shape.path is None:
        query = f"SELECT ?this WHERE {{ {shape.focus} FILTER (!sameTerm(?this, {term(value)})) }}"

        def rows(solutions: Solutions) -> Iterator[Finding]:
            for row in solutions:
                # as pySHACL: no value
                yield shape.finding(row["this"], None, SH.hasValue, detail=(value,))

        shape.ask(query, rows)
        return
    equal = f"IF(sameTerm(?value, {term(value)}), ?value, ?_none)"
    finding = shape.focus_finding(SH.hasValue, detail=(value,))
    shape.tallies.append(Tally((equal,), "{0} < 1", finding))


def compile_closed(shape: CompiledShape) -> None:
    """``sh:closed``: every predicate of the focus node is a path of the shape's property
    shapes or one of ``sh:ignoredProperties``."""
    s = shape.s
    allowed = set()
    for child in s.g.objects(shape.shape, SH.property):
        path = s.one(child, SH.path)
        if isinstance(path, URIRef):
            allowed.add(path)
    ignored = s.one(shape.shape, SH.ignoredProperties)
    if ignored is not None:
        allowed.update(p for p in s.items(ignored) if isinstance(p, URIRef))
    listed = ", ".join(sorted(p.n3() for p in allowed))
    keep = f"FILTER (?p NOT IN ({listed}))" if listed else ""
    query = f"SELECT ?this ?p ?value WHERE {{ {shape.focus} ?this ?p ?value . {keep} }}"

    def rows(solutions: Solutions) -> Iterator[Finding]:
        for row in solutions:
            yield shape.finding(row["this"], row["value"], SH.closed, path=URIRef(row["p"].value))

    shape.ask(query, rows)
