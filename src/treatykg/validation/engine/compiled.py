"""One top-level shape, ready to compile: its focus nodes, path, severity and messages.

Why apart from the constraint families: each family adds to a :class:`CompiledShape` (its
value checks, counts and queries) and makes findings with its :meth:`~CompiledShape.finding`,
while ``compile.py`` decides which family compiles which parameter.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from treatykg.validation.engine.findings import DataTerm, Finding, UnsupportedError
from treatykg.validation.engine.paths import nullable, sparql_path, values_pattern
from treatykg.validation.engine.queries import Query, Rows, Tally
from treatykg.validation.engine.shapes import COMPONENT, Shapes
from treatykg.validation.engine.targets import FocusShape

_DEFAULT_SEVERITY = SH.Violation


class CompiledShape:
    """What one top-level shape checks, and how query rows become its findings.

    Its value-level checks and its counts go to the ``plan.Group`` of its focus nodes and
    path, shared with the other shapes there; the rest are queries of its own.
    """

    def __init__(self, s: Shapes, entry: FocusShape) -> None:
        self.s = s
        self.shape = entry.node
        unsupported = [p for p in entry.prologue if p.startswith("#unsupported")]
        if unsupported:
            raise UnsupportedError(unsupported[0].removeprefix("#unsupported "))
        self.route = entry.route
        self.literal_focus = entry.literals
        s.check_known(self.shape)
        if s.originals.lexical_changed and any(
            (self.shape, p, None) in s.g
            for p in (SH.pattern, SH["in"], SH.hasValue, SH.minLength, SH.maxLength)
        ):
            raise UnsupportedError(
                "the data has literals whose lexical form a pyoxigraph Store rewrites"
            )
        self.prologue = "\n".join(sorted(p for p in entry.prologue if p))
        union = " UNION ".join(f"{{ {p} }}" for p in entry.focus)
        self.focus = f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"
        self.path_node = s.one(self.shape, SH.path)
        self.path = sparql_path(s, self.path_node) if self.path_node is not None else None
        self.nullable = self.path_node is not None and nullable(s, self.path_node)
        self.severity = s.one(self.shape, SH.severity) or _DEFAULT_SEVERITY
        self.messages = tuple(
            sorted(m for m in s.g.objects(self.shape, SH.message) if isinstance(m, Literal))
        )
        self.checks: list[tuple[URIRef, Node, str]] = []  # value-level: (parameter, value, test)
        self.tallies: list[Tally] = []
        self.queries: list[Query] = []
        self.datatypes: list[Node] = []  # sh:datatype other than the plain ones

    @property
    def predicate(self) -> str | None:
        """The path as ``<iri>`` when it is a predicate (how :class:`Originals` keys values)."""
        return f"<{self.path_node}>" if isinstance(self.path_node, URIRef) else None

    def finding(
        self,
        focus: DataTerm,
        value: DataTerm | None,
        prop: URIRef,
        *,
        component: URIRef | None = None,
        path: Node | None = None,
        constraint: Node | None = None,
        messages: tuple[Literal, ...] | None = None,
        detail: tuple[object, ...] = (),
        as_written: bool = False,
    ) -> Finding:
        """A result of this shape for the parameter ``prop``.

        A value read through a predicate is reported as written (:meth:`Originals.restore`,
        the first literal behind it), unless ``as_written`` says it already is.
        """
        path = self.path_node if path is None else path
        if value is not None and isinstance(path, URIRef) and not as_written:
            value = self.s.originals.restore(focus, f"<{path}>", value)[0]
        return Finding(
            focus=focus,
            path=path,
            value=value,
            component=COMPONENT[prop] if component is None else component,
            shape=self.shape,
            severity=self.severity,
            messages=self.messages if messages is None else messages,
            constraint=constraint,
            detail=detail,
            route=self.route,
        )

    def focus_finding(
        self, prop: URIRef, *, detail: tuple[object, ...], component: URIRef | None = None
    ) -> Callable[[DataTerm], list[Finding]]:
        """The findings for a focus node that breaks a count (no value)."""
        return lambda this: [self.finding(this, None, prop, component=component, detail=detail)]

    def values(self) -> str:
        """The pattern binding ``?this`` to the focus nodes and ``?value`` to their values."""
        return values_pattern(self.focus, self.path, self.nullable)

    def ask(self, query: str, rows: Rows) -> None:
        """Add a query of this shape's own (its PREFIX declarations put in front)."""
        self.queries.append(Query(f"{self.prologue}\n{query}", self.focus, rows))
