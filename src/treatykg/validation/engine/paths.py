"""SHACL property paths as SPARQL property paths, and the pattern binding a shape's values.

Why apart: every constraint family reads a shape's values through its path, and a path of
length zero needs care (:func:`values_pattern`) that each of them would otherwise repeat.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from treatykg.validation.engine.findings import UnsupportedError
from treatykg.validation.engine.shapes import Shapes

_UNARY = (
    (SH.inversePath, "^{}"),
    (SH.zeroOrMorePath, "{}*"),
    (SH.oneOrMorePath, "{}+"),
    (SH.zeroOrOnePath, "{}?"),
)


def sparql_path(s: Shapes, node: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(node, URIRef):
        return node.n3()
    if (node, RDF.first, None) in s.g:
        steps = s.items(node)
        if len(steps) < 2:  # SHACL: a sequence path has at least two members
            raise UnsupportedError("a sequence path of fewer than two steps")
        return "(" + "/".join(sparql_path(s, step) for step in steps) + ")"
    for prop, template in _UNARY:
        inner = s.one(node, prop)
        if inner is not None:
            return "(" + template.format(sparql_path(s, inner)) + ")"
    alternatives = s.one(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(s, step) for step in s.items(alternatives)) + ")"
    raise UnsupportedError(f"unknown property path {node!r}")


def nullable(s: Shapes, node: Node) -> bool:
    """Whether a SHACL path may have length zero (then every focus node is a value)."""
    if isinstance(node, URIRef):
        return False
    if (node, RDF.first, None) in s.g:
        return all(nullable(s, step) for step in s.items(node))
    if s.one(node, SH.zeroOrMorePath) is not None:
        return True
    if s.one(node, SH.zeroOrOnePath) is not None:
        return True
    for prop in (SH.inversePath, SH.oneOrMorePath):
        inner = s.one(node, prop)
        if inner is not None:
            return nullable(s, inner)
    alternatives = s.one(node, SH.alternativePath)
    return alternatives is not None and any(nullable(s, step) for step in s.items(alternatives))


def values_pattern(focus: str, path: str | None, is_nullable: bool) -> str:
    """The pattern binding each focus node's values, ``?value``, after ``focus`` bound ``?this``.

    A path of length zero must give the focus node itself, but Oxigraph evaluates
    ``?this path* ?value`` before joining the focus nodes in, as SPARQL says, and then a
    zero-length path matches only the nodes of the graph: a focus node the data does not
    mention (``sh:targetNode "x"``) would have no values. So the focus nodes are added as
    their own values; the queries that read these patterns keep distinct values.
    """
    if path is None:
        return "BIND (?this AS ?value)"
    if is_nullable:
        return f"{{ {{ ?this {path} ?value }} UNION {{ {focus} BIND (?this AS ?value) }} }}"
    return f"?this {path} ?value ."
