"""The VoID statistics a build counts on its one Store are those of the dumps, literals as
written: what the Store merged (:func:`treatykg.rdf.store.merges`) is added back.

The reference is the Python count (:func:`statistics`) over the statements as written, and,
independently, a Store loaded with every XSD datatype renamed to one no Store interprets
(what the build did before it counted on the one Store).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from treatykg.publish.ingest import ingest
from treatykg.publish.statistics import statistics, store_statistics
from treatykg.rdf import serialize
from treatykg.rdf import store as graphstore
from treatykg.rdf.load import QuadFiles, load_quads, parse_bytes

XSD = "http://www.w3.org/2001/XMLSchema#"
ID = "https://w3id.org/treatykg/id/claim/"
NUMBERS = f"""
PREFIX xsd: <{XSD}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX tkg: <https://w3id.org/treatykg/def#>
<{ID}a> a tkg:Claim ; rdfs:comment "07"^^xsd:integer, "7"^^xsd:integer,
    "7"^^xsd:positiveInteger, "1.50"^^xsd:decimal, "1.5"^^xsd:decimal, "1"^^xsd:boolean ;
  rdfs:seeAlso "true"^^xsd:boolean, "2024-01-01"^^xsd:date, "x"^^xsd:token, "a\\"^^<{XSD}int>" .
<{ID}b> rdfs:comment "7"^^xsd:positiveInteger, "+7"^^xsd:integer, "abc"^^xsd:integer ;
  rdfs:label "7" .
"""
NAMED = f"""
PREFIX xsd: <{XSD}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
<https://example.org/g> {{ <{ID}a> rdfs:comment "07"^^xsd:integer, "007"^^xsd:integer . }}
<https://example.org/h> {{ <{ID}a> rdfs:comment "07"^^xsd:integer . }}
"""


def _opaque_store(lines: list[bytes]) -> ox.Store:
    """The statements in a Store that normalises nothing: XSD datatypes renamed one for one."""
    text = b"\n".join(lines).replace(b'"^^<' + XSD.encode(), b'"^^<urn:treatykg:opaque-xsd:')
    store = ox.Store()
    store.bulk_load(text + b"\n", format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.mark.parametrize("sources", [(NUMBERS,), (NUMBERS, NAMED)], ids=["default", "named"])
def test_counts_on_the_one_store_are_the_counts_as_written(tmp_path, sources) -> None:
    paths = []
    for i, text in enumerate(sources):
        path = tmp_path / f"{i}.{'trig' if 'example.org/g' in text else 'ttl'}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    quads = list(load_quads(paths).quads())
    dumps = serialize.sort_statements(quads)
    lines = list(dumps.lines())
    store = ox.Store()  # what the validation builds: every statement in the default graph
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    merges = graphstore.merges(lines)
    assert merges.objects > 0 and merges.triples, "the example must make the Store merge"
    # The build learns the same from what its Store changed, file by file.
    assert ingest(QuadFiles(paths), [], tmp_path / "sort").merges() == merges
    counted = store_statistics(store, merges=merges)
    as_written = statistics(set(parse_bytes(b"\n".join(lines) + b"\n")))
    assert counted == as_written
    assert counted == store_statistics(_opaque_store(lines))
    assert store_statistics(store) != counted, "without the merges the Store counts less"


def test_nothing_merged_without_typed_literals() -> None:
    lines = [b'<http://a> <http://p> "7" .', b'<http://a> <http://p> "7"@en .']
    assert graphstore.merges(lines) == graphstore.Merges()


def test_a_literal_that_only_looks_typed_is_not_counted() -> None:
    lines = [b'<http://a> <http://p> "x\\"^^<http://www.w3.org/2001/XMLSchema#int>" .']
    assert graphstore.merges(lines) == graphstore.Merges()


def test_the_bundled_data_has_literals_a_store_merges(tmp_path: Path) -> None:
    """The bundled claims hold "10000" as an xsd:integer and as an xsd:nonNegativeInteger:
    two objects in the dumps, one in a Store."""
    dumps = serialize.sort_statements(load_quads().quads(), named_graphs=False)
    merges = graphstore.merges(dumps.lines())
    assert merges.objects >= 1
    assert ingest(QuadFiles(None), [], tmp_path / "sort").merges() == merges
