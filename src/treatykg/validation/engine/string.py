"""String-based constraints: ``sh:pattern``, ``sh:languageIn``, ``sh:minLength``,
``sh:maxLength`` and ``sh:uniqueLang``.

Why together: each reads a value's text or language tag, and each must read it as pySHACL does
(a blank node has no length and matches no pattern; tags compare in lower case).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rdflib.namespace import SH
from rdflib.term import Node

from treatykg.rdf.terms import sparql_string
from treatykg.validation.engine.compiled import CompiledShape
from treatykg.validation.engine.findings import Finding, UnsupportedError
from treatykg.validation.engine.queries import Query, Solutions, Tally
from treatykg.validation.engine.shapes import Shapes, whole_number


def pattern_check(s: Shapes, shape: Node, pattern: Node, v: str) -> str:
    """``sh:pattern``, with the shape's ``sh:flags``."""
    flags = s.one(shape, SH.flags)
    args = sparql_string(str(pattern)) + (f", {sparql_string(str(flags))}" if flags else "")
    return f"(!isBlank({v}) && REGEX(STR({v}), {args}))"


def language_in_check(s: Shapes, languages: Node, v: str) -> str:
    """``sh:languageIn``: the tag, or its first subtag, is one of those listed."""
    tags = [str(t).lower() for t in s.items(languages)]
    if "*" in tags:
        return f'(isLiteral({v}) && lang({v}) != "")'
    if all(re.fullmatch("[a-z0-9]+", t) for t in tags):
        # The tag, or its first subtag: RFC 4647 basic filtering, which langMatches
        # does natively (twice as fast as the general expression below).
        matches = " || ".join(f"langMatches(lang({v}), {sparql_string(t)})" for t in tags)
        return f"(isLiteral({v}) && ({matches}))"
    listed = ", ".join(sparql_string(t) for t in tags)
    first = f'LCASE(STRBEFORE(CONCAT(lang({v}), "-"), "-"))'
    return (
        f'(isLiteral({v}) && lang({v}) != "" && '
        f"(LCASE(lang({v})) IN ({listed}) || {first} IN ({listed})))"
    )


def length_check(prop: Node, length: Node, v: str) -> str:
    """``sh:minLength`` or ``sh:maxLength``."""
    if prop == SH.minLength and whole_number(length) == 0:
        return "true"  # as pySHACL: a minimum length of zero holds even for a blank node
    op = ">=" if prop == SH.minLength else "<="
    return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {whole_number(length)})"


def compile_unique_lang(shape: CompiledShape) -> None:
    """``sh:uniqueLang``: two values share a language when there are more tagged values than
    languages."""
    if shape.path is None:
        raise UnsupportedError("sh:uniqueLang on a node shape")
    tagged = 'COALESCE(isLiteral(?value) && lang(?value) != "", false)'
    counted = (
        f"IF({tagged}, ?value, ?_none)",
        f"DISTINCT IF({tagged}, LCASE(lang(?value)), ?_none)",
    )
    # The count says which focus nodes break it; SHACL gives one result per language
    # that two values share, which a closer query lists.
    query = (
        f"SELECT ?this ?lang WHERE {{ {shape.focus} {shape.values()} "
        f"FILTER ({tagged}) BIND (LCASE(lang(?value)) AS ?lang) }} "
        f"GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?value) > 1)"
    )

    def rows(solutions: Solutions) -> Iterator[Finding]:
        for row in solutions:
            lang = row["lang"].value
            yield shape.finding(row["this"], None, SH.uniqueLang, detail=(lang,))

    def closer() -> list[Query]:
        return [Query(f"{shape.prologue}\n{query}", shape.focus, rows)]

    shape.tallies.append(Tally(counted, "{0} > {1}", lambda _this: [], then=closer))
