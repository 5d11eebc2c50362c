"""Logical constraints: ``sh:not``, ``sh:and``, ``sh:or`` and ``sh:xone``, as SPARQL
expressions over the conformance of the value node to each listed shape.

Why apart from the shapes they combine: the combination is all SHACL defines for them; whether
a node conforms to one shape is ``shape_based.conforms``, which calls these.
"""

from __future__ import annotations


def not_(conforms: str) -> str:
    """``sh:not``: the value does not conform to the shape."""
    return f"!({conforms})"


def and_(each: list[str]) -> str:
    """``sh:and``: the value conforms to every shape."""
    return "(" + " && ".join(each) + ")"


def or_(each: list[str]) -> str:
    """``sh:or``: the value conforms to some shape."""
    return "(" + " || ".join(each) + ")"


def xone(each: list[str]) -> str:
    """``sh:xone``: the value conforms to exactly one shape."""
    terms = " + ".join(f"IF({conforms}, 1, 0)" for conforms in each)
    return f"(({terms}) = 1)"
