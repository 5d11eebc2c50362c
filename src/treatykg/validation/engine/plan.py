"""The plan: the compiled shapes' checks and counts grouped into as few queries as possible.

Why: pyoxigraph's cost is about one step per focus node and per value a query visits, whatever
it checks, so the engine visits them as few times as it can: counts on all the predicates of
the same focus nodes, across shapes, are one GROUP BY query (:func:`count_query`); value checks
on a predicate are made once per distinct value in the data (:func:`checks_on_values`), and a
failing value is then looked for from the focus nodes (:meth:`Group.value_query`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.term import Node

from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import Finding
from treatykg.validation.engine.paths import values_pattern
from treatykg.validation.engine.queries import TRUE, Query, Solutions, Tally
from treatykg.validation.engine.value_type import datatype_query


@dataclass
class Group:
    """The value checks and counts of every shape on the same focus nodes and path.

    Why: a query costs about the same per focus node and per value whatever it checks, so the
    shapes on one path (rdfs:label: tagged, one per language, exactly one English and one
    French label) are checked in one pass over the values instead of one pass each; the
    counts on all the predicates of the same focus nodes are one query (:func:`count_query`),
    and the value checks on a predicate one query on its distinct values
    (:func:`checks_on_values`).
    """

    focus: str
    prologue: str  # the PREFIX declarations of the SPARQL-based targets in ``focus``
    path: str | None  # None: the focus node itself is the value
    unique: bool  # the path gives each value once per focus node (a predicate)
    nullable: bool = False  # the path may be of length zero (see paths.values_pattern)
    checks: list[tuple[CompiledShape, list[tuple[URIRef, Node, str]]]] = field(default_factory=list)
    tallies: list[Tally] = field(default_factory=list)
    #: Some value failed a check (the count of failing values said so).
    failed: bool = False

    def values(self) -> str:
        return values_pattern(self.focus, self.path, self.nullable)

    def value_query(self) -> Query:
        """The values that fail a check, with the checks they fail, from the focus nodes."""
        binds, oks = [], []
        for j, (_shape, checks) in enumerate(self.checks):
            for i, (_prop, _param, expr) in enumerate(checks):
                oks.append(f"?ok{j}_{i}")
                binds.append(f"BIND (COALESCE({expr}, false) AS {oks[-1]})")
        text = (
            f"{self.prologue}\nSELECT DISTINCT ?this ?value {' '.join(oks)} WHERE {{ "
            f"{self.focus} {self.values()} {' '.join(binds)} "
            f"FILTER ({' || '.join(f'!{ok}' for ok in oks)}) }}"
        )

        def rows(solutions: Solutions) -> Iterator[Finding]:
            for row in solutions:
                for j, (shape, checks) in enumerate(self.checks):
                    for i, (prop, param, _expr) in enumerate(checks):
                        if row[f"ok{j}_{i}"] != TRUE:
                            yield shape.finding(row["this"], row["value"], prop, detail=(param,))

        return Query(text, self.focus, rows)

    def all_tallies(self) -> list[Tally]:
        """The tallies, and with value checks on a complex path one more: of the values
        failing any of them (on a predicate, :func:`checks_on_values` makes the checks).

        Only if that one is broken does :meth:`value_query` run, to say which and why.
        """
        if not self.checks or self.unique:
            return self.tallies
        ok = " && ".join(
            f"COALESCE({expr}, false)" for _s, checks in self.checks for _p, _x, expr in checks
        )

        def flag(_this: object) -> list[Finding]:
            self.failed = True
            return []

        return [*self.tallies, Tally((f"IF({ok}, ?_none, ?value)",), "{0} > 0", flag)]


def count_query(groups: list[Group]) -> Query:
    """Every tally of groups on the same focus nodes, counted in one GROUP BY ?this.

    Each group's values come from one branch of a UNION, where each counted expression is
    bound to a variable of its own (``?m{j}_{k}``, counted as ``?n{j}_{k}``); rows come back
    only for the focus nodes that break a tally. A group that only asks for some value is
    not counted: ``NOT EXISTS`` on each focus node is cheaper than grouping its values.
    """
    focus = groups[0].focus
    branches: list[str] = []
    counts: list[str] = []
    tests: list[str] = []
    tallies: list[Tally] = []
    for j, group in enumerate(groups):
        if all(tally.absent for tally in group.all_tallies()):
            for tally in group.all_tallies():
                tests.append(f"NOT EXISTS {{ {group.values()} }}")
                tallies.append(tally)
            continue
        counted: dict[str, int] = {}  # expression -> its number k
        for tally in group.all_tallies():
            names = (f"?n{j}_{counted.setdefault(e, len(counted))}" for e in tally.counted)
            tests.append(tally.test.format(*names))
            tallies.append(tally)
        binds = []
        for expr, k in counted.items():
            distinct = "DISTINCT " if expr.startswith("DISTINCT ") else ""
            binds.append(f"BIND ({expr.removeprefix('DISTINCT ')} AS ?m{j}_{k})")
            counts.append(f"(COUNT({distinct}?m{j}_{k}) AS ?n{j}_{k})")
        values = group.values()
        if not group.unique:
            values = f"{{ SELECT DISTINCT ?this ?value WHERE {{ {focus} {values} }} }}"
        branches.append(f"{{ {values} {' '.join(binds)} }}")
    broken = [f"?broken{i}" for i in range(len(tests))]
    if branches:
        focus_counts = (
            f"{{ SELECT ?this {' '.join(counts)} WHERE {{ {focus} "
            f"OPTIONAL {{ {' UNION '.join(branches)} }} }} GROUP BY ?this }}"
        )
    else:
        focus_counts = focus
    text = (
        f"{groups[0].prologue}\nSELECT ?this {' '.join(broken)} WHERE {{ {focus_counts} "
        + " ".join(f"BIND ({test} AS {b})" for test, b in zip(tests, broken, strict=True))
        + f" FILTER ({' || '.join(broken)}) }}"
    )

    broken_tallies: set[int] = set()  # the tallies some focus node broke

    def rows(solutions: Solutions) -> Iterator[Finding]:
        for row in solutions:
            for i, tally in enumerate(tallies):
                if row[f"broken{i}"] == TRUE:
                    broken_tallies.add(i)
                    yield from tally.findings(row["this"])

    def then() -> list[Query]:
        closer = [query for i in sorted(broken_tallies) for query in tallies[i].then()]
        return [group.value_query() for group in groups if group.failed] + closer

    return Query(text, focus, rows, then)


def checks_on_values(path: str, groups: list[Group]) -> Query:
    """The value checks of groups on one predicate, made once per distinct value in the data.

    Why: a value check depends on the value alone, and values repeat (classes, sources, the
    same few IRIs): scanning the predicate once is much cheaper than visiting its values from
    every focus node. Values of other nodes are checked too, so a failing value only says
    which groups to look at closer, from their focus nodes (:meth:`Group.value_query`).
    """
    binds, tests = [], []
    for g, group in enumerate(groups):
        oks = [expr for _shape, checks in group.checks for _prop, _param, expr in checks]
        binds.append(f"BIND ({' && '.join(f'COALESCE({ok}, false)' for ok in oks)} AS ?ok{g})")
        tests.append(f"!?ok{g}")
    names, failing = " ".join(f"?ok{g}" for g in range(len(groups))), " || ".join(tests)
    values = f"{{ SELECT DISTINCT ?value WHERE {{ ?_node {path} ?value }} }}"
    text = f"SELECT ?value {names} WHERE {{ {values} {' '.join(binds)} FILTER ({failing}) }}"

    def rows(solutions: Solutions) -> Iterator[Finding]:
        for row in solutions:
            for g, group in enumerate(groups):
                if row[f"ok{g}"] != TRUE:
                    group.failed = True
        return iter(())

    def then() -> list[Query]:
        return [group.value_query() for group in groups if group.failed]

    return Query(text, "", rows, then)


def plan(compiled: list[CompiledShape]) -> list[Query]:
    """Every query to run: the groups' (see :class:`Group`), and each shape's own."""
    groups: dict[tuple[str, str, str | None], Group] = {}
    typed: dict[tuple[URIRef, Node], list[CompiledShape]] = {}  # sh:datatype on a predicate
    queries: list[Query] = []
    for shape in compiled:
        if shape.checks or shape.tallies:
            unique = shape.path is None or isinstance(shape.path_node, URIRef)
            group = groups.setdefault(
                (shape.focus, shape.prologue, shape.path),
                Group(shape.focus, shape.prologue, shape.path, unique, shape.nullable),
            )
            if shape.checks:
                group.checks.append((shape, shape.checks))
            group.tallies += shape.tallies
        queries += shape.queries
        for datatype in shape.datatypes:
            if isinstance(shape.path_node, URIRef):
                typed.setdefault((shape.path_node, datatype), []).append(shape)
            else:
                values = f"{shape.focus} {shape.values()}"
                queries.append(datatype_query([shape], datatype, values, shape.focus))
    # The groups on predicates share one count query per focus nodes, and their value
    # checks one query per predicate. A group on a complex path (its values deduplicated by
    # a subquery) or on the focus nodes themselves has queries of its own.
    counted: dict[tuple[str, str], list[Group]] = {}
    checked: dict[str, list[Group]] = {}
    for group in groups.values():
        if group.path is None or not group.unique:
            queries.append(count_query([group]) if group.tallies else group.value_query())
            continue
        if group.tallies:
            counted.setdefault((group.focus, group.prologue), []).append(group)
        if group.checks:
            checked.setdefault(group.path, []).append(group)
    return (
        [count_query(same) for same in counted.values()]
        + [checks_on_values(path, same) for path, same in checked.items()]
        + [datatype_query(same, dt, f"?_node <{p}> ?value", "") for (p, dt), same in typed.items()]
        + queries
    )
