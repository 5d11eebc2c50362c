"""Compare SPARQL JSON result rows as RDF terms, whatever the engine or its quirks."""

from __future__ import annotations

import json
from typing import Any

#: Columns made with GROUP_CONCAT, whose order SPARQL leaves undefined.
CONCATENATED = {"topics", "legalBases", "about", "legalBasis"}


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
