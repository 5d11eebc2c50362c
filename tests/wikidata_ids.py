"""The Wikidata IDs treatykg may use: the one list every test checks against.

``tests/wikidata_verified.tsv`` copies the rows of ../shared/sources/treaty-facts.md §3 that
are marked verified, with the source of each (qid, label, source).
"""

from __future__ import annotations

import csv
from pathlib import Path

VERIFIED_TSV = Path(__file__).with_name("wikidata_verified.tsv")


def verified_qids() -> dict[str, str]:
    """QID → where treaty-facts.md verifies it."""
    with VERIFIED_TSV.open(encoding="utf-8", newline="") as handle:
        return {row["qid"]: row["source"] for row in csv.DictReader(handle, delimiter="\t")}
