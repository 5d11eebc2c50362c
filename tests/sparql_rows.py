"""Compare SPARQL JSON result rows as RDF terms, whatever the engine or its quirks."""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"

#: Columns made with GROUP_CONCAT, whose order SPARQL leaves undefined.
CONCATENATED = {"topics", "legalBases", "about", "legalBasis", "sources", "articleClaims"}


def comparable(binding: dict[str, Any]) -> dict[str, dict[str, str]]:
    """One SPARQL JSON binding with GROUP_CONCAT lists sorted and ``typed-literal`` (the older
    spelling some stores use) written ``literal``."""
    row = {}
    for name, term in binding.items():
        term = dict(term)
        if name in CONCATENATED:
            term["value"] = " ".join(sorted(term["value"].split()))
        if term.get("type") == "typed-literal":
            term["type"] = "literal"
        row[name] = term
    return row


def key(row: dict[str, Any]) -> str:
    """A stable text form of a row, to sort rows or compare them as sets."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    """A term in SPARQL JSON results form, written here rather than by pyoxigraph."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": "_"}
    found = {"type": "literal", "value": term.value}
    if term.language:
        found["xml:lang"] = term.language
    elif term.datatype.value != XSD + "string":
        found["datatype"] = term.datatype.value
    return found


def expected_rows(store: ox.Store, text: str) -> list[dict[str, dict[str, str]]]:
    solutions = store.query(text)
    names = [variable.value for variable in solutions.variables]
    rows = []
    for solution in solutions:
        rows.append(
            {name: json_term(solution[name]) for name in names if solution[name] is not None}
        )
    return rows
