"""Cardinality constraints: ``sh:minCount`` and ``sh:maxCount``.

Why a module: counts are tallies (``queries.Tally``) that the plan shares across every shape
on the same focus nodes, and they must count the values as written, where the Store merged
some literals into one (:func:`_merged_counts`).
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import URIRef
from rdflib.namespace import SH

from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import Finding, UnsupportedError, retraction
from treatykg.validation.engine.queries import Solutions, Tally


def compile_count(shape: CompiledShape, prop: URIRef, limit: int) -> None:
    """``sh:minCount`` or ``sh:maxCount`` (``prop``) of ``limit`` values."""
    if shape.path is None:
        raise UnsupportedError(f"{prop.n3()} on a node shape")
    if prop == SH.minCount and limit == 0:
        return
    test = f"{{0}} < {limit}" if prop == SH.minCount else f"{{0}} > {limit}"
    absent = prop == SH.minCount and limit == 1
    finding = shape.focus_finding(prop, detail=(limit,))  # two limits are two results
    shape.tallies.append(Tally(("?value",), test, finding, absent))
    merged = {
        subject: n
        for (subject, predicate), n in shape.s.originals.merged().items()
        if predicate == shape.path
    }
    if merged:
        _merged_counts(shape, prop, limit, merged)


def _merged_counts(shape: CompiledShape, prop: URIRef, limit: int, merged: dict[str, int]) -> None:
    """Recount the focus nodes whose values the Store merged (see Originals.merged)."""
    listed = " ".join(merged)
    query = (
        f"SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ VALUES ?this {{ {listed} }} "
        f"{shape.focus} OPTIONAL {{ ?this {shape.path} ?value }} }} GROUP BY ?this"
    )

    def rows(solutions: Solutions) -> Iterator[Finding]:
        for row in solutions:
            stored = int(row["n"].value)
            actual = stored + merged[str(row["this"])]
            before = stored < limit if prop == SH.minCount else stored > limit
            after = actual < limit if prop == SH.minCount else actual > limit
            if after and not before:
                yield shape.finding(row["this"], None, prop, detail=(limit,))
            # (merging only lowers counts: a minCount result can only be false here)
            if before and not after and prop == SH.minCount:
                yield retraction(shape.finding(row["this"], None, prop, detail=(limit,)))

    shape.ask(query, rows)
