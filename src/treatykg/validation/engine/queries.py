"""The engine's unit of work: a SPARQL query and how its rows become findings.

Why apart: the constraint families make queries (:class:`Query`) and counts (:class:`Tally`),
the plan groups them, the run executes them; all three speak these types, and run every query
on a stack sized for it (:func:`on_stack`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import pyoxigraph as ox
from rdflib.namespace import XSD

from treatykg.sparql.execute import on_query_stack
from treatykg.sparql.guard import MAX_QUERY_BYTES
from treatykg.validation.engine.findings import DataTerm, Finding

_R = TypeVar("_R")

#: ``true`` as a query row gives it (a BIND of a boolean expression).
TRUE = ox.Literal("true", datatype=ox.NamedNode(str(XSD.boolean)))

#: Custom SPARQL functions, as ``Store.query`` takes them.
Functions = dict[
    ox.NamedNode, Callable[..., ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]
]


class Solutions(list[ox.QuerySolution]):
    """The rows of a query, all read, and its variables (as ``ox.QuerySolutions`` has them).

    Why read them all: pyoxigraph's QuerySolutions must be dropped by the thread that made
    it, and a traceback kept by a logging handler (rdflib logs one for an ill-typed literal,
    while rows are turned into findings) would keep it alive, to be dropped elsewhere.
    """

    def __init__(self, solutions: ox.QuerySolutions) -> None:
        super().__init__(solutions)
        self.variables = solutions.variables


Rows = Callable[[Solutions], Iterator[Finding]]


def no_more() -> list[Query]:
    return []


@dataclass
class Query:
    """One SPARQL query, and how its rows become findings."""

    text: str
    #: The focus pattern in ``text`` (if any), swapped for a lookup when they are written down.
    focus: str
    rows: Rows
    #: The queries to run next, asked once the rows are read (a closer look at what they found).
    then: Callable[[], list[Query]] = no_more


@dataclass
class Tally:
    """A count over each focus node's values, out of bounds when a constraint is broken.

    Each of ``counted`` is a SPARQL expression on ``?value``, bound for the values it counts
    (``IF(test, ?value, ?_none)``; ``?_none`` is never bound); with a leading ``DISTINCT``,
    distinct results are counted. ``test`` is true on the counts (``{0}``, ``{1}``...) when
    the constraint is broken, and ``findings`` gives the results for such a focus node.
    (Each expression is bound to a variable, and the variable counted: pyoxigraph's COUNT of
    an expression is unbound as soon as the expression fails on one value.)
    """

    counted: tuple[str, ...]
    test: str
    findings: Callable[[DataTerm], Iterable[Finding]]
    #: Broken exactly when the focus node has no value (sh:minCount 1): a lookup answers it,
    #: with no need to count.
    absent: bool = False
    #: A closer look, asked when some focus node broke the tally (its findings say which).
    then: Callable[[], list[Query]] = no_more


def on_stack(text: str, function: Callable[..., _R], *args: object) -> _R:
    """``function(*args)``, which runs the query ``text`` and reads its result, on a thread
    with a stack for it (:func:`treatykg.sparql.execute.on_query_stack`): pyoxigraph recurses
    on long chains, and a shapes graph may hold any SPARQL. A user's SPARQL is at most
    :data:`~treatykg.sparql.guard.MAX_QUERY_BYTES` (``sparql.parses``), and the stack for that
    size holds any query of it; the rest is what this engine writes, far sparser (a level of
    recursion per full IRI or ``sameTerm(?value, …) ||``, under 3.3 KB of stack each): a
    10,000-value ``sh:in`` is 0.5 MB of it and needs 9 MB of stack (more than the 8 MB a
    thread had), the stack for 64 KiB is 656 MiB.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    return on_query_stack(function, *args, size=min(size, MAX_QUERY_BYTES))
