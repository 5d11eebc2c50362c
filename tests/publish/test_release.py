"""The release's files are one table (:data:`treatykg.publish.release.FILES`): a build writes
its rows, the manifest and void.ttl describe them with its words, ``treatykg wikidata`` writes
its linking rows, and every file's format is the format table's row for its suffix."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox
import pytest

from treatykg.publish import release as table
from treatykg.publish.build import write_linking
from treatykg.rdf import formats
from treatykg.sparql import catalogue


def test_a_build_writes_the_rows_of_the_table(release: Path) -> None:
    rows = {f.name for f in table.FILES if not f.named_graphs_only}
    assert {p.name for p in release.iterdir() if p.is_file()} == rows | {"manifest.json"}


def test_the_manifest_describes_each_file_with_its_row(release: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        row = table.BY_NAME[entry["name"]]
        assert entry["mediaType"] == row.format.media_type
        assert entry["description"] == row.description(named_graphs=False)


@pytest.mark.parametrize("row", table.FILES, ids=lambda row: row.name)
def test_each_format_comes_from_the_format_table(row: table.ReleaseFile) -> None:
    assert row.format in formats.FORMATS
    assert row.name.endswith(row.format.suffix)
    assert not row.dump or row.format.kind in ("graph", "dataset")


def test_only_the_flat_dumps_say_they_hold_the_default_graph_only() -> None:
    flat = {f.name for f in table.FILES if f.description(True) != f.description(False)}
    assert flat == {"treatykg.ttl", "treatykg.nt"}


def test_treatykg_wikidata_writes_the_linking_rows_as_a_build_does(
    release: Path, tmp_path: Path
) -> None:
    written = write_linking(tmp_path / "wikidata", release)
    assert [f.name for f in written] == [f.name for f in table.LINKING_FILES]
    for f in written:
        assert (tmp_path / "wikidata" / f.name).read_bytes() == (release / f.name).read_bytes()


QUERIES = sorted(
    p.name.removesuffix(".rq")
    for p in files("treatykg.publish").joinpath("queries").iterdir()
    if p.name.endswith(".rq")
)
PLACEHOLDERS = {
    "void-subjects": {"IS_ENTITY": "isIRI(?s)"},
    "void-wikidata-links": {"IS_ENTITY": "isIRI(?s)"},
    "framed-conditions-and-labels": {"CONDITIONS": "<http://a>", "LINKED": ""},
}


@pytest.mark.parametrize("name", QUERIES)
def test_each_internal_query_is_sparql_the_store_runs(name: str) -> None:
    text = catalogue.internal("treatykg.publish", name, **PLACEHOLDERS.get(name, {}))
    assert isinstance(ox.Store().query(text), ox.QuerySolutions)
