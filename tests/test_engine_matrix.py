"""The bundled queries give the same answers in someone else's triplestore: Virtuoso.

Users load the release into the store they already run and send it the bundled queries. Here
the release is loaded into a throwaway Virtuoso (Debian's ``virtuoso-opensource``, which
``.ci/run`` installs) with ``treatykg load`` exactly as the README's Virtuoso recipe says, and
every bundled query (``queries/*.rq`` and ``queries/qc/*.rq``) must give the embedded store's
rows. Rows compare as RDF terms: GROUP_CONCAT lists as sets, and the differences that are
Virtuoso's way of writing the same value are listed below, so that a new one fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from servers import virtuoso_exe, virtuoso_server
from sparql_rows import XSD, comparable, expected_rows, key
from treatykg import resources

QUERIES = [p for p in resources.query_files() if p.parent.name != "federated"]
RELEASE_GRAPH = "https://w3id.org/treatykg/graph/release"
#: Virtuoso keeps the datatype as written (xsd:nonNegativeInteger...); a pyoxigraph store
#: keeps every integer-derived literal as xsd:integer. The same number: compared by value.
INTEGER_DERIVED = {
    XSD + name
    for name in ("nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                 "negativeInteger", "long", "int", "short", "byte", "unsignedLong",
                 "unsignedInt", "unsignedShort", "unsignedByte")
}  # fmt: skip
#: Where Virtuoso answers with such a datatype, by query and column: the list is exact.
DECLARED_DATATYPES = {
    ("claims", "value"): XSD + "nonNegativeInteger",
    ("claims-by-agent", "value"): XSD + "nonNegativeInteger",
    ("contested-facts", "value"): XSD + "nonNegativeInteger",
    ("troop-figures", "value"): XSD + "nonNegativeInteger",
}

pytestmark = pytest.mark.skipif(
    virtuoso_exe() is None,
    reason="Virtuoso is not installed (Debian: apt-get install virtuoso-opensource; "
    ".ci/run installs it)",
)


@pytest.fixture(scope="module")
def virtuoso(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Virtuoso with the release loaded by `treatykg load`, as the README's recipe says."""
    folder = tmp_path_factory.mktemp("virtuoso")
    with virtuoso_server(folder / "db") as base:
        exe = Path(sys.executable).with_name("treatykg")
        command = [str(exe)] if exe.exists() else [sys.executable, "-m", "treatykg.cli"]
        done = subprocess.run(
            [*command, "load",
             "--endpoint", f"{base}/sparql-graph-crud-auth", "--graph-param", "graph-uri",
             "--update-endpoint", f"{base}/sparql-auth", "--user", "dba", "--auth", "digest",
             "--query-endpoint", f"{base}/sparql", "--build", str(release)],
            capture_output=True, text=True, timeout=300,
            env={**os.environ, "TREATYKG_ENDPOINT_PASSWORD": "dba"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        yield base


@pytest.fixture(scope="module")
def embedded(release: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(release / "treatykg.nt"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _virtuoso_rows(base: str, text: str) -> list[dict[str, Any]]:
    """The query's rows from Virtuoso, on the release graph (its default graph is the union
    of every graph, its own system graphs included)."""
    response = httpx.post(
        f"{base}/sparql",
        data={"query": text, "default-graph-uri": RELEASE_GRAPH},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert response.status_code == 200, response.text[:500]
    return response.json()["results"]["bindings"]


def _by_value(name: str, rows: list[dict[str, Any]], seen: dict[tuple[str, str], str]) -> list:
    """Rows with integer-derived datatypes written xsd:integer; what was seen is recorded."""
    out = []
    for row in rows:
        row = comparable(row)
        for column, term in row.items():
            if term.get("datatype") in INTEGER_DERIVED:
                seen[(name, column)] = term["datatype"]
                term["datatype"] = XSD + "integer"
        out.append(row)
    return sorted(key(row) for row in out)


def test_virtuoso_gives_the_embedded_answers(virtuoso: str, embedded: ox.Store) -> None:
    seen: dict[tuple[str, str], str] = {}
    differ = []
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        name = path.stem
        found = _by_value(name, _virtuoso_rows(virtuoso, text), seen)
        wanted = _by_value(name, expected_rows(embedded, text), {})
        if found != wanted:
            differ.append(f"{name}: {len(found)} rows from Virtuoso, {len(wanted)} embedded")
    assert not differ, "\n".join(differ)
    assert seen == DECLARED_DATATYPES
