"""The dumps written to files from sorted lines (:class:`~treatykg.rdf.dumps.Dumps`, fed by
:func:`~treatykg.publish.ingest.ingest`) are byte for byte the dumps written in memory
(:class:`~treatykg.rdf.serialize.SortedStatements`), whether the sorter stays in memory or
spills runs to disk, for the bundled data, for named graphs and blank nodes, and for the
rdf:type IRI where it is not the predicate."""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from treatykg.publish.ingest import ingest
from treatykg.rdf import serialize, sorted_lines
from treatykg.rdf.dumps import Dumps
from treatykg.rdf.load import QuadFiles, load_quads
from treatykg.rdf.sorted_lines import LineSorter, line_key

TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

TRIG = """
@prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a a ex:T ; ex:p "01"^^xsd:integer , "x"@en , "y" , [ ex:q ( 1 2 ) ] ; ex:r _:b .
ex:a ex:path rdf:type ; ex:text " <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " .
_:b ex:s "tab\\tand \\"quote\\"" ; a ex:U .
ex:g1 { ex:a ex:p "in g1" . _:b ex:s 2 . ex:c a ex:T . }
_:g { ex:z ex:p ex:a . }
ex:g0 { ex:z ex:p ex:a . ex:z a ex:V }
"""

#: The method of Dumps that writes each format, by the SortedStatements method of the same.
WRITERS = {
    "ntriples": "write_ntriples",
    "turtle": "write_turtle",
    "nquads": "write_nquads",
    "trig": "write_trig",
    "jsonld": "write_jsonld",
}


def _dumps(paths: list[Path] | None, tmp_path: Path) -> Dumps:
    ingested = ingest(QuadFiles(paths), [], tmp_path / "sort")
    out = tmp_path / "out"
    out.mkdir()
    return Dumps(ingested.default, ingested.named_lines, out)


def _written(dumps: Dumps, method: str, tmp_path: Path) -> bytes:
    path = tmp_path / f"dump.{method}"
    getattr(dumps, WRITERS[method])(path)
    return path.read_bytes()


@pytest.mark.parametrize("budget", [None, 300], ids=["in-memory", "spilled"])
def test_named_graphs_and_blank_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: int | None
) -> None:
    if budget is not None:
        monkeypatch.setattr(sorted_lines, "BUDGET", budget)
    path = tmp_path / "data.trig"
    path.write_text(TRIG, encoding="utf-8")
    expected = serialize.sort_statements(list(load_quads([path]).quads()))
    dumps = _dumps([path], tmp_path)
    assert (dumps.named is not None and dumps.named.on_disk) == (budget is not None)
    assert _written(dumps, "nquads", tmp_path) == expected.nquads()
    assert _written(dumps, "trig", tmp_path) == expected.trig()
    assert _written(dumps, "jsonld", tmp_path) == expected.jsonld()
    assert len(dumps) == len(expected)
    flat = expected.default_graph()  # N-Triples and Turtle hold the default graph only
    assert _written(dumps, "ntriples", tmp_path) == flat.ntriples()
    assert _written(dumps, "turtle", tmp_path) == flat.turtle()


@pytest.mark.parametrize("budget", [None, 50_000], ids=["in-memory", "spilled"])
def test_bundled_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: int | None) -> None:
    if budget is not None:
        monkeypatch.setattr(sorted_lines, "BUDGET", budget)
    quads = list(load_quads(None).quads())
    expected = serialize.sort_statements(quads, named_graphs=False)
    dumps = _dumps(None, tmp_path)
    assert dumps.default.on_disk == (budget is not None)
    assert _written(dumps, "ntriples", tmp_path) == expected.ntriples()
    assert _written(dumps, "turtle", tmp_path) == expected.turtle()
    assert _written(dumps, "jsonld", tmp_path) == expected.jsonld()
    assert _written(dumps, "nquads", tmp_path) == expected.nquads()
    assert _written(dumps, "trig", tmp_path) == expected.trig()
    assert len(dumps) == len(expected)


def test_empty_graph(tmp_path: Path) -> None:
    path = tmp_path / "empty.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\n", encoding="utf-8")
    expected = serialize.sort_statements([], named_graphs=False)
    dumps = _dumps([path], tmp_path)
    assert _written(dumps, "ntriples", tmp_path) == b""
    assert _written(dumps, "turtle", tmp_path) == expected.turtle()
    assert _written(dumps, "jsonld", tmp_path) == b"[]\n"
    assert len(dumps) == 0


def test_sorter_orders_as_line_key_whatever_the_runs(tmp_path: Path) -> None:
    """Random lines (rdf:type as predicate, as object, inside literals; duplicates across
    runs) come out deduplicated in :func:`line_key` order, with and without spilling."""
    rng = random.Random(17)
    subjects = [f"<http://example.org/s{i}>" for i in range(30)] + ["_:b1", "_:b10"]
    predicates = [TYPE, "<http://example.org/p>", "<http://example.org/q>"]
    objects = [TYPE, '"a"', '"a"@en', '"a"@en-gb', f'" {TYPE} "', "<http://example.org/o>"]
    lines = [
        f"{rng.choice(subjects)} {rng.choice(predicates)} {rng.choice(objects)} .".encode()
        for _ in range(3_000)
    ]
    expected = sorted(set(lines), key=line_key)
    for budget in (None, 5_000):
        sorter = LineSorter(tmp_path / f"runs-{budget}", budget=budget)
        for start in range(0, len(lines), 97):
            sorter.add(b"".join(line + b"\n" for line in lines[start : start + 97]))
        result = sorter.finish()
        assert result.on_disk == (budget is not None)
        assert list(result) == expected
        assert list(result) == expected  # readable again
        result.remove()
        assert not list((tmp_path / f"runs-{budget}").glob("run-*"))


def test_line_key_puts_rdf_type_first_only_as_predicate() -> None:
    typed = f"<http://example.org/s> {TYPE} <http://example.org/T> .".encode()
    other = b"<http://example.org/s> <http://example.org/a> <http://example.org/T> ."
    as_object = f"<http://example.org/s> <http://example.org/a> {TYPE} .".encode()
    assert sorted([other, typed], key=line_key) == [typed, other]
    assert line_key(as_object) == as_object


def test_originals_across_blocks_find_late_literals(tmp_path: Path) -> None:
    """A literal written canonically in an early block and non-canonically (the same value)
    later is recorded for both, as one call over everything would."""
    from treatykg.validation.engine import Originals

    integer = "http://www.w3.org/2001/XMLSchema#integer"
    subject, predicate = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    first = ox.Quad(subject, predicate, ox.Literal("1", datatype=ox.NamedNode(integer)))
    later = ox.Quad(subject, predicate, ox.Literal("01", datatype=ox.NamedNode(integer)))
    whole = Originals()
    whole.record([first, later])
    blocks = Originals()
    blocks.record([first])
    blocks.record([later])
    assert blocks.late
    blocks.record_late(serialize.nquads_text([first, later]).split(b"\n")[:-1])

    def as_sets(originals: Originals) -> dict:
        return {key: set(found) for key, found in originals.by_triple.items()}

    assert as_sets(blocks) == as_sets(whole)
    assert blocks.by_literal == whole.by_literal
    assert not blocks.late
