"""The Wikidata IDs treatykg may use: the one list every test checks against.

``tests/wikidata_verified.tsv`` copies the rows of ../shared/sources/treaty-facts.md §3 (items,
``Q…``) and §4 (properties, ``P…``) that are marked verified, with the source of each
(id, label, source).
"""

from __future__ import annotations

import csv
from pathlib import Path

VERIFIED_TSV = Path(__file__).with_name("wikidata_verified.tsv")


def verified_ids() -> dict[str, str]:
    """Every verified ID (items and properties) → where treaty-facts.md verifies it."""
    with VERIFIED_TSV.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row["source"] for row in csv.DictReader(handle, delimiter="\t")}


def verified_qids() -> dict[str, str]:
    """QID → where treaty-facts.md §3 verifies it."""
    return {id_: source for id_, source in verified_ids().items() if id_.startswith("Q")}


def verified_pids() -> dict[str, str]:
    """PID → where treaty-facts.md §4 verifies it."""
    return {id_: source for id_, source in verified_ids().items() if id_.startswith("P")}
