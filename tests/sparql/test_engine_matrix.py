"""The bundled queries give the same answers in other triplestores: Oxigraph, Virtuoso, Jena.

Users load the release into the store they already run and send it the bundled queries. Every
bundled query (``queries/*.rq`` and ``queries/qc/*.rq``) must give the embedded store's rows:

- in **Oxigraph's server** (``oxigraph serve-read-only``, from the test extra);
- in a throwaway **Virtuoso** (Debian's ``virtuoso-opensource``), loaded with ``treatykg load``
  exactly as the README's Virtuoso recipe says;
- in **Jena** (Debian's ``libapache-jena-java``, 4.5): ARQ over the dump, and TDB2 with the
  release in its named graph, queried over the union default graph as the README tells
  Fuseki users (Fuseki itself is not packaged by Debian, and Maven Central is out of reach).

``.ci/run`` installs both packages. Rows compare as RDF terms: GROUP_CONCAT lists as sets, and
the differences that are an engine's way of writing the same value are listed below, so that
a new one fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from servers import (
    JENA_PACKAGE,
    jena_installed,
    jena_java,
    oxigraph_server,
    virtuoso_exe,
    virtuoso_server,
)
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

#: The same for Jena, which also keeps the declared datatype.
JENA_DECLARED_DATATYPES = DECLARED_DATATYPES
needs_virtuoso = pytest.mark.skipif(
    virtuoso_exe() is None,
    reason="Virtuoso is not installed (Debian: apt-get install virtuoso-opensource; "
    ".ci/run installs it)",
)
needs_jena = pytest.mark.skipif(
    not jena_installed(),
    reason=f"Jena is not installed (Debian: apt-get install {JENA_PACKAGE}; .ci/run installs it)",
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


def _same_answers(engine: str, rows_of, embedded: ox.Store) -> dict[tuple[str, str], str]:
    """Every bundled query's rows from ``rows_of(path)`` against the embedded store's; the
    integer-derived datatypes the engine answered with, by (query, column)."""
    seen: dict[tuple[str, str], str] = {}
    differ = []
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        found = _by_value(path.stem, rows_of(path), seen)
        wanted = _by_value(path.stem, expected_rows(embedded, text), {})
        if found != wanted:
            differ.append(f"{path.stem}: {len(found)} rows from {engine}, {len(wanted)} embedded")
    assert not differ, "\n".join(differ)
    return seen


def test_the_oxigraph_server_gives_the_embedded_answers(
    release: Path, embedded: ox.Store, tmp_path: Path
) -> None:
    """Oxigraph's own server (the `oxigraph` package of the test extra), the dump loaded by
    its own loader: the quality checks too, which tests/test_endpoint.py leaves out."""
    with oxigraph_server([release / "treatykg.nt"], tmp_path / "store") as base:

        def rows_of(path: Path) -> list[dict[str, Any]]:
            response = httpx.post(
                f"{base}/query",
                data={"query": path.read_text(encoding="utf-8")},
                headers={"Accept": "application/sparql-results+json"},
                timeout=60,
            )
            assert response.status_code == 200, response.text[:500]
            return response.json()["results"]["bindings"]

        assert _same_answers("the Oxigraph server", rows_of, embedded) == {}


@needs_virtuoso
def test_virtuoso_gives_the_embedded_answers(virtuoso: str, embedded: ox.Store) -> None:
    def rows_of(path: Path) -> list[dict[str, Any]]:
        return _virtuoso_rows(virtuoso, path.read_text(encoding="utf-8"))

    assert _same_answers("Virtuoso", rows_of, embedded) == DECLARED_DATATYPES


# --- Jena ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jena(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return jena_java(tmp_path_factory.mktemp("jena"))


def _jena_rows(command: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)["results"]["bindings"]


@needs_jena
def test_jena_arq_gives_the_embedded_answers(
    jena: list[str], release: Path, embedded: ox.Store
) -> None:
    dump = str(release / "treatykg.nt")

    def rows_of(path: Path) -> list[dict[str, Any]]:
        return _jena_rows([*jena, "arq.sparql", "--data", dump, "--query", str(path),
                           "--results=JSON"])  # fmt: skip

    assert _same_answers("Jena ARQ", rows_of, embedded) == JENA_DECLARED_DATATYPES


@needs_jena
def test_every_query_file_parses_in_jena_qparse(jena: list[str]) -> None:
    """Every query we ship, federated ones included (no engine here runs those: they need
    the network), is SPARQL 1.1 as Jena's parser reads it, not only as Oxigraph's."""
    from concurrent.futures import ThreadPoolExecutor

    from treatykg import resources

    files = [str(path) for path in resources.query_files()]
    assert any("/federated/" in name for name in files)

    def parse(name: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        command = [*jena, "arq.qparse", "--query", name]
        return name, subprocess.run(command, capture_output=True, text=True, timeout=120)

    with ThreadPoolExecutor(2) as pool:  # one JVM per file (qparse reads one query)
        done = list(pool.map(parse, files))
    failed = {name: (run.stderr or run.stdout)[-500:] for name, run in done if run.returncode}
    assert not failed, failed


@needs_jena
def test_jena_tdb2_gives_the_embedded_answers_over_the_union_graph(
    jena: list[str], release: Path, embedded: ox.Store, tmp_path: Path
) -> None:
    """The release in its named graph, as `treatykg load` puts it; TDB2's default graph is
    empty unless the union default graph is switched on, as the README's Fuseki recipe says."""
    database = str(tmp_path / "tdb2")
    load = [*jena, "tdb2.tdbloader", "--loc", database, "--graph", RELEASE_GRAPH,
            str(release / "treatykg.nt")]  # fmt: skip
    done = subprocess.run(load, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    plain = _jena_rows([*jena, "tdb2.tdbquery", "--loc", database, "--results=JSON",
                        "SELECT * WHERE { ?s ?p ?o } LIMIT 1"])  # fmt: skip
    assert plain == [], "TDB2's default graph should be empty without the union graph"

    def rows_of(path: Path) -> list[dict[str, Any]]:
        return _jena_rows([*jena, "tdb2.tdbquery", "--loc", database,
                           "--set", "tdb:unionDefaultGraph=true", "--query", str(path),
                           "--results=JSON"])  # fmt: skip

    assert _same_answers("Jena TDB2", rows_of, embedded) == JENA_DECLARED_DATATYPES
