"""Tests of treatykg.resources and treatykg.namespaces."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from treatykg import resources
from treatykg.errors import UsageError
from treatykg.namespaces import PREFIXES, bind_prefixes, new_graph, qname


def test_every_bundled_folder_is_found() -> None:
    for name in resources.RESOURCE_NAMES:
        assert resources.resource_dir(name).is_dir(), name


def test_unknown_resource_name() -> None:
    with pytest.raises(ValueError, match="unknown resource"):
        resources.resource_dir("secrets")


def test_shape_files_exclude_the_examples_folder() -> None:
    shapes = resources.resource_dir("shapes")
    assert all(path.parent == shapes for path in resources.shape_files())
    assert all(path.suffix == ".ttl" for path in resources.shape_files())


def test_data_files_are_sorted_and_parsable_kinds() -> None:
    files = resources.data_files()
    data = resources.resource_dir("data")
    relative = [path.relative_to(data).as_posix() for path in files]
    assert relative == sorted(relative)
    assert all(path.suffix in resources.DATA_SUFFIXES for path in files)


def test_treatykg_data_replaces_the_bundled_data_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The maintainer's override (``pytest --data`` sets it): data/ comes from the folder it
    names; the ontology, shapes and queries stay the bundled ones."""
    monkeypatch.delenv(resources.DATA_ENV, raising=False)
    bundled = {name: resources.resource_dir(name) for name in resources.RESOURCE_NAMES}
    (tmp_path / "treaties").mkdir()
    (tmp_path / "treaties" / "t.ttl").write_text("", encoding="utf-8")
    monkeypatch.setenv(resources.DATA_ENV, str(tmp_path))
    assert resources.resource_dir("data") == tmp_path
    assert resources.data_files() == [tmp_path / "treaties" / "t.ttl"]
    for name in ("ontology", "shapes", "queries"):
        assert resources.resource_dir(name) == bundled[name], name
    monkeypatch.setenv(resources.DATA_ENV, "")  # set but empty: as if unset
    assert resources.resource_dir("data") == bundled["data"]


def test_treatykg_data_that_is_not_a_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Said in one line with exit code 2, never a silent fall back to the bundled data."""
    from treatykg.cli import main  # (imported here: only these tests run the CLI)

    missing = tmp_path / "nowhere"
    monkeypatch.setenv(resources.DATA_ENV, str(missing))
    with pytest.raises(UsageError, match="TREATYKG_DATA"):
        resources.data_files()
    assert main(["validate", "-q"]) == 2
    err = capsys.readouterr().err
    assert err == f"treatykg: error: TREATYKG_DATA={missing}: not a directory\n", err


def test_collect_sorts_filters_and_skips_hidden(tmp_path: Path) -> None:
    for name in ("b.ttl", "a/z.TTL", "a/y.nq", "c.md", ".git/x.ttl", "a/.#lock.ttl"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    found = resources.collect(tmp_path, [".ttl", ".nq"], recursive=True)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/y.nq", "a/z.TTL", "b.ttl"]
    flat = resources.collect(tmp_path, [".ttl"], recursive=False)
    assert [p.name for p in flat] == ["b.ttl"]


def test_new_graphs_carry_exactly_the_treatykg_prefixes() -> None:
    assert dict((p, str(ns)) for p, ns in new_graph().namespaces()) == PREFIXES
    rebound = bind_prefixes(Graph(bind_namespaces="none"))
    assert {p for p, _ in rebound.namespaces()} == set(PREFIXES)


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        ("https://w3id.org/treatykg/def#Treaty", "tkg:Treaty"),
        ("https://w3id.org/treatykg/id/treaty-1", "id:treaty-1"),
        # A local part with "/" is not a valid Turtle prefixed name: keep the IRI.
        ("https://w3id.org/treatykg/id/treaty/1", "<https://w3id.org/treatykg/id/treaty/1>"),
        ("http://www.wikidata.org/entity/Q458", "wd:Q458"),
        ("http://example.org/x", "<http://example.org/x>"),
    ],
)
def test_qname(iri: str, expected: str) -> None:
    assert qname(URIRef(iri)) == expected
