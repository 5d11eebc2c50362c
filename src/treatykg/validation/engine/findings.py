"""What the engine finds: one validation result as a query row gives it, and a run's outcome.

Why a module of its own: every constraint family makes findings, the run collects them and the
report writes them; and the two exceptions here are the engine's two ways of saying "pySHACL
decides this shape" (it cannot compile it, or cannot judge it on this data).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

#: A term of the data, as pyoxigraph gives it in a query row.
DataTerm = ox.NamedNode | ox.BlankNode | ox.Literal


class UnsupportedError(Exception):
    """A construct this engine does not compile: pySHACL validates the shape instead."""


class Undecided(Exception):  # noqa: N818 - a verdict, not an error
    """A shape whose results, on this data, the engine cannot give as pySHACL does.

    Raised while reading a query's rows; the shape then goes to pySHACL like a shape that
    does not compile, and none of its findings here are kept.
    """

    def __init__(self, shape: Node, why: str) -> None:
        super().__init__(why)
        self.shape = shape


@dataclass(frozen=True)
class Finding:
    """One validation result, with pyoxigraph terms for the data and rdflib for the shapes."""

    focus: DataTerm
    path: Node | None  # the sh:path node (from the shapes graph), or a predicate IRI
    value: DataTerm | None
    component: URIRef
    shape: Node
    severity: Node
    messages: tuple[Literal, ...]
    constraint: Node | None = None  # the sh:sparql node of a SPARQL constraint
    #: Withdraws an equal finding (a count the Store got wrong, see Originals.merged).
    retract: bool = False
    #: What makes this result one of several with the same key, as SHACL counts them: the
    #: constraint's parameter (two sh:class values are two constraints), the other value of
    #: a failing pair (sh:lessThan), the duplicated language (sh:uniqueLang).
    detail: tuple[object, ...] = ()
    #: The shapes that led to ``shape`` through sh:property, outermost first: one result per
    #: parent, and a parent of severity sh:Warning or sh:Info lets its children's results pass.
    route: tuple[Node, ...] = ()


def retraction(finding: Finding) -> Finding:
    """The finding that withdraws ``finding`` from the outcome."""
    return replace(finding, retract=True)


@dataclass
class Outcome:
    """What the fast engine found, and which shapes it left to pySHACL."""

    findings: list[Finding] = field(default_factory=list)
    #: Shapes with a construct this engine cannot compile, each with the reason.
    fallback: dict[Node, str] = field(default_factory=dict)
    queries: int = 0
