"""Property pair constraints: ``sh:lessThan``, ``sh:lessThanOrEquals`` and ``sh:disjoint``
(``sh:equals`` is left to pySHACL).

Why a module: these compare each value with the values of another property of the same focus
node, and SHACL gives one result per failing *pair*; pySHACL compares the pairs in Python, by
rules that the query must follow, or say it cannot (:func:`_less_than_query`).
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import URIRef
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import Finding, Undecided, UnsupportedError
from treatykg.validation.engine.queries import TRUE, Solutions
from treatykg.validation.engine.shapes import term

#: A value that pySHACL compares as a string: an IRI, a plain or language-tagged string.
_STRINGY = '(isIRI({v}) || (isLiteral({v}) && (datatype({v}) = {s} || lang({v}) != "")))'
#: Datatypes both engines order the same way (numbers aside), when neither value has a
#: time zone: Python's dates and times, and Oxigraph's, compare alike then.
_ORDERED = ("date", "dateTime", "time", "gYear", "gYearMonth")


def compile_pair(shape: CompiledShape, prop: URIRef, other: Node) -> None:
    """``prop`` (sh:lessThan, sh:lessThanOrEquals, sh:disjoint) with the property ``other``."""
    if shape.path is None and prop != SH.equals and prop != SH.disjoint:
        raise UnsupportedError(f"{prop.n3()} on a node shape")
    values = shape.values()
    o = term(other)
    if prop == SH.disjoint:
        query = (
            f"SELECT DISTINCT ?this ?value WHERE {{ {shape.focus} {values} ?this {o} ?value . }}"
        )

        def disjoint(solutions: Solutions) -> Iterator[Finding]:
            for row in solutions:
                # One result for each constraint (two sh:disjoint values are two).
                yield shape.finding(row["this"], row["value"], prop, detail=(other,))

        shape.ask(query, disjoint)
        return
    if prop == SH.equals:
        raise UnsupportedError("sh:equals is not compiled")
    query = _less_than_query(shape.focus, values, o, "<" if prop == SH.lessThan else "<=")
    originals = shape.s.originals

    def pairs(solutions: Solutions) -> Iterator[Finding]:
        for row in solutions:
            if row["decided"] != TRUE:
                # pySHACL compares these in Python (or refuses a blank node): it decides.
                raise Undecided(shape.shape, f"{prop.n3()} on values it cannot compare here")
            # One result for each pair of values that fails, as SHACL counts them, and pySHACL
            # pairs the literals as written: where the Store keeps one literal for several
            # ("01" and "1", "1"^^xsd:positiveInteger and "1"), each stands for the same
            # number or date, so the pair fails for every literal behind each side.
            this, stored = row["this"], row["value"]
            if shape.predicate is None and str(stored) in originals.by_literal:
                # Which of the literals behind it the path reaches, only pySHACL can say.
                raise Undecided(shape.shape, f"{prop.n3()} on a literal the Store rewrote")
            for value in originals.restore(this, shape.predicate, stored):
                for w in originals.restore(this, f"<{other}>", row["w"]):
                    yield shape.finding(this, value, prop, detail=(other, w), as_written=True)

    shape.ask(query, pairs)


def _less_than_query(focus: str, values: str, other: str, op: str) -> str:
    """The pairs (value, other value) that break sh:lessThan or sh:lessThanOrEquals.

    pySHACL compares in Python: two strings (IRIs, plain or tagged literals) as strings,
    a string and a non-string never, numbers as numbers, other literals by rdflib's order,
    and refuses a blank node. Where that order is not surely Oxigraph's (a blank node,
    ill-typed or differently typed literals, time zones), the row says ``?decided`` false.
    """
    xsd_string = XSD.string.n3()
    vs, ws = (_STRINGY.format(v=v, s=xsd_string) for v in ("?value", "?w"))
    same_order = " || ".join(
        f"(datatype(?value) = {XSD[name].n3()} && datatype(?w) = {XSD[name].n3()})"
        for name in _ORDERED
    )
    comparable = (
        f"COALESCE(({vs} && {ws}) || ({vs} && isLiteral(?w)) || ({ws} && isLiteral(?value))"
        f" || (isNumeric(?value) && isNumeric(?w))"
        f' || (({same_order}) && TZ(?value) = "" && TZ(?w) = "" && BOUND(?cmp)), false)'
    )
    # pySHACL refuses a blank value node even with nothing to compare it to.
    decided = f"IF(isBlank(?value), false, IF(BOUND(?w), {comparable}, true))"
    return (
        f"SELECT DISTINCT ?this ?value ?w ?decided WHERE {{ {focus} {values} "
        f"OPTIONAL {{ ?this {other} ?w }} "
        f"BIND (IF({vs} && {ws}, STR(?value) {op} STR(?w), "
        f"IF({vs} || {ws}, false, ?value {op} ?w)) AS ?cmp) "
        f"BIND ({decided} AS ?decided) "
        f"FILTER (!?decided || (BOUND(?w) && !COALESCE(?cmp, false))) }}"
    )
