"""Every bundled RDF file parses with two independent parsers into the same graph.

rdflib is lenient (it accepts ``<not an iri>``); pyoxigraph is strict. A file that both read
into isomorphic graphs is valid RDF that any triplestore will load the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from treatykg import resources
from treatykg.rdf.load import parse_file

FILES = sorted(
    path
    for name in ("ontology", "data", "shapes")
    for path in resources.resource_dir(name).rglob("*.ttl")
)


def test_there_are_files() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reparses_isomorphically_with_pyoxigraph(path: Path) -> None:
    by_rdflib = Graph().parse(path, format="turtle")
    by_oxigraph = Graph()
    for s, p, o, _ in parse_file(path):
        by_oxigraph.add((s, p, o))
    assert len(by_rdflib) > 0
    assert isomorphic(by_rdflib, by_oxigraph), path
