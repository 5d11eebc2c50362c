"""Shape-based constraints (``sh:node``, ``sh:property`` of nested shapes,
``sh:qualifiedValueShape``), and with them every constraint on one value node as a SPARQL
expression.

Why the value-level dispatch lives here: a nested shape is a set of value-level constraints on
the node it checks, and logical and shape-based constraints nest shapes in turn, so "does this
node conform" (:func:`conforms`) and "is this value acceptable" (:func:`value_check`) call
each other. The families only say what each constraint means.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from treatykg.validation.engine import logical
from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import UnsupportedError
from treatykg.validation.engine.other import in_check
from treatykg.validation.engine.paths import sparql_path
from treatykg.validation.engine.queries import Tally
from treatykg.validation.engine.shapes import VALUE_LEVEL, Shapes, term, whole_number
from treatykg.validation.engine.string import language_in_check, length_check, pattern_check
from treatykg.validation.engine.value_type import (
    PLAIN_DATATYPES,
    class_check,
    datatype_check,
    node_kind_check,
)

#: Constraints that only a top-level shape compiles (they are about the focus node's values
#: as a whole, or need a query of their own).
_NOT_NESTED = (SH.closed, SH.sparql, SH.uniqueLang, SH.lessThan, SH.lessThanOrEquals,
               SH.disjoint, SH.equals)  # fmt: skip


def value_check(s: Shapes, prop: Node, param: Node, v: str) -> str:
    """A SPARQL expression, true when the value node ``v`` satisfies one constraint.

    ``sh:datatype`` checks the datatype only; well-formedness is checked in Python with
    pySHACL's own rule (see ``value_type.datatype_query``), so it is refused inside nested
    shapes.
    """
    if prop == SH["class"]:
        return class_check(s, param, v)
    if prop == SH.datatype:
        return datatype_check(param, v)
    if prop == SH.nodeKind:
        return node_kind_check(param, v)
    if prop == SH.pattern:
        raise AssertionError("patterns are compiled with their flags")
    if prop == SH.languageIn:
        return language_in_check(s, param, v)
    if prop == SH["in"]:
        return in_check(s, param, v)
    if prop == SH["not"]:
        return logical.not_(conforms(s, param, v))
    if prop == SH["and"]:
        return logical.and_([conforms(s, shape, v) for shape in s.items(param)])
    if prop == SH["or"]:
        return logical.or_([conforms(s, shape, v) for shape in s.items(param)])
    if prop == SH.xone:
        return logical.xone([conforms(s, shape, v) for shape in s.items(param)])
    if prop == SH.node:
        return conforms(s, param, v)
    if prop in (SH.minLength, SH.maxLength):
        return length_check(prop, param, v)
    raise UnsupportedError(f"{prop.n3()} is not compiled")


def value_checks(s: Shapes, shape: Node, v: str, *, nested: bool) -> list[tuple[URIRef, Node, str]]:
    """Every value-level constraint of ``shape``: (parameter, its value, expression)."""
    checks = []
    for prop, param in s.g.sorted_predicate_objects(shape):
        if prop not in VALUE_LEVEL:
            continue
        assert isinstance(prop, URIRef)  # every parameter in VALUE_LEVEL is
        if prop == SH.datatype and param not in PLAIN_DATATYPES:
            if nested:
                raise UnsupportedError("sh:datatype inside a nested shape")
            continue  # checked in Python on the literal as written (value_type.datatype_query)
        if prop == SH.pattern:
            checks.append((prop, param, pattern_check(s, shape, param, v)))
        else:
            checks.append((prop, param, value_check(s, prop, param, v)))
    return checks


def conforms(s: Shapes, shape: Node, v: str) -> str:
    """A SPARQL expression, true when node ``v`` conforms to the (nested) ``shape``."""
    s.check_known(shape)
    if s.deactivated(shape):
        return "true"
    path_node = s.one(shape, SH.path)
    parts: list[str] = []
    if path_node is None:
        parts += [expr for _p, _param, expr in value_checks(s, shape, v, nested=True)]
        for prop, param in s.g.predicate_objects(shape):
            if prop == SH.hasValue:
                parts.append(f"sameTerm({v}, {term(param)})")
            elif prop == SH.property:
                parts.append(conforms(s, param, v))
            elif prop in (*_NOT_NESTED, SH.minCount, SH.maxCount, SH.qualifiedValueShape):
                raise UnsupportedError(f"{prop.n3()} in a nested node shape")
    else:
        path = sparql_path(s, path_node)
        w = s.fresh()
        checks = value_checks(s, shape, w, nested=True)
        if checks:
            ok = " && ".join(expr for _p, _param, expr in checks)
            parts.append(f"NOT EXISTS {{ {v} {path} {w} FILTER (!({ok})) }}")
        for prop, param in s.g.predicate_objects(shape):
            if prop == SH.minCount:
                if whole_number(param) > 1:
                    raise UnsupportedError("sh:minCount above 1 in a nested shape")
                if whole_number(param) == 1:
                    parts.append(f"EXISTS {{ {v} {path} {s.fresh()} }}")
            elif prop == SH.maxCount:
                if whole_number(param) != 0:
                    raise UnsupportedError("sh:maxCount above 0 in a nested shape")
                parts.append(f"NOT EXISTS {{ {v} {path} {s.fresh()} }}")
            elif prop == SH.hasValue:
                parts.append(f"EXISTS {{ {v} {path} {term(param)} }}")
            elif prop == SH.qualifiedValueShape:
                parts.append(_nested_qualified(s, shape, param, v, path))
            elif prop in (*_NOT_NESTED, SH.property):
                raise UnsupportedError(f"{prop.n3()} in a nested property shape")
    return "(" + " && ".join(parts) + ")" if parts else "true"


def _nested_qualified(s: Shapes, shape: Node, qualified: Node, v: str, path: str) -> str:
    if s.one(shape, SH.qualifiedValueShapesDisjoint) is not None:
        raise UnsupportedError("sh:qualifiedValueShapesDisjoint")
    w = s.fresh()
    matches = f"{{ {v} {path} {w} FILTER ({conforms(s, qualified, w)}) }}"
    parts = []
    low, high = s.one(shape, SH.qualifiedMinCount), s.one(shape, SH.qualifiedMaxCount)
    if low is not None and whole_number(low) > 0:
        if whole_number(low) > 1:
            raise UnsupportedError("sh:qualifiedMinCount above 1 in a nested shape")
        parts.append(f"EXISTS {matches}")
    if high is not None:
        if whole_number(high) != 0:
            raise UnsupportedError("sh:qualifiedMaxCount above 0 in a nested shape")
        parts.append(f"NOT EXISTS {matches}")
    return "(" + " && ".join(parts) + ")" if parts else "true"


def compile_qualified(shape: CompiledShape, qualified: Node) -> None:
    """A top-level ``sh:qualifiedValueShape``: a count of the values that conform to it."""
    s = shape.s
    if shape.path is None:
        raise UnsupportedError("sh:qualifiedValueShape on a node shape")
    if s.one(shape.shape, SH.qualifiedValueShapesDisjoint) is not None:
        raise UnsupportedError("sh:qualifiedValueShapesDisjoint")
    matching = f"IF(COALESCE({conforms(s, qualified, '?value')}, false), ?value, ?_none)"
    for limit_prop, component, test in (
        (SH.qualifiedMinCount, SH.QualifiedMinCountConstraintComponent, "<"),
        (SH.qualifiedMaxCount, SH.QualifiedMaxCountConstraintComponent, ">"),
    ):
        limit = s.one(shape.shape, limit_prop)
        if limit is not None:
            finding = shape.focus_finding(
                SH.qualifiedValueShape, component=component, detail=(qualified,)
            )
            broken = f"{{0}} {test} {whole_number(limit)}"
            shape.tallies.append(Tally((matching,), broken, finding))
