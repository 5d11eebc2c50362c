"""Validation results as a multiset of comparable keys, for comparing SHACL engines.

Two engines agree when they report the same results *as many times*: a set would hide a
result one engine gives once and the other twice (``sh:lessThanOrEquals`` with several
values, say). A result is (focus node, path, value, constraint component, source shape,
severity); the path is written as SPARQL so that the blank-node structure of a complex path
compares by content, and every other term by its N3 form (blank nodes keep their labels: all
engines read the same rdflib graphs, so a blank node of the data or of the shapes has the same
label in every report). Two spellings RDF 1.1 makes one term compare as one: language tags
in lower case (rdflib's ``"hi"@en-US == "hi"@en-us``; pyoxigraph writes them lowered), and
``"x"^^xsd:string`` as the simple literal ``"x"`` (pyoxigraph writes it so).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rdflib import Graph, Literal
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from treatykg.validation.engine.paths import sparql_path
from treatykg.validation.engine.shapes import Shapes

Key = tuple[str | None, ...]


def result_keys(report: Graph, results: Iterable[Node] | None = None) -> Counter[Key]:
    """Every result of ``report`` (or the given result nodes) as a multiset of keys."""
    paths = Shapes(report)
    nodes = list(report.objects(None, SH.result)) if results is None else list(results)
    keys: Counter[Key] = Counter()
    for result in nodes:
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        shape = report.value(result, SH.sourceShape)
        keys[
            (
                _n3(focus),
                None if path is None else sparql_path(paths, path),
                _n3(value),
                str(report.value(result, SH.sourceConstraintComponent)),
                None if shape is None else shape.n3(),
                str(report.value(result, SH.resultSeverity)),
            )
        ] += 1
    return keys


def _n3(term: Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, Literal) and term.language:
        return Literal(str(term), lang=term.language.lower()).n3()
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term)).n3()
    return term.n3()


def difference(left: Counter[Key], right: Counter[Key]) -> str:
    """What one multiset has that the other lacks, one result a line (for assertion messages)."""
    lines = [f"  only left  x{n}: {key}" for key, n in sorted((left - right).items(), key=str)]
    lines += [f"  only right x{n}: {key}" for key, n in sorted((right - left).items(), key=str)]
    return "\n".join(lines)
