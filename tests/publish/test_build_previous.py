"""``treatykg build --previous DIR``: the release holds the changeset from DIR, as RDF Patch,
SPARQL Update and a summary, listed in the manifest and named in ``void.ttl``, and every
changeset DIR holds; a wrong DIR fails with one line and leaves the output as it was.

The releases: the bundled data (0.1.0, the session's ``release``), the changed copy of
:mod:`changed_release` (0.2.0) built with and without ``--previous``, and a 0.3.0 built from
a further changed copy into the 0.2.0 release's own directory, with that directory as
``--previous``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF

from changed_release import ADDED, REMOVED, SIGNING, changed_sources
from treatykg.changes import patch
from treatykg.changes.diff import diff
from treatykg.changes.releases import open_side, version_iri
from treatykg.changes.summary import changeset_iri, from_json
from treatykg.cli import main
from treatykg.publish.build import build
from treatykg.publish.void import distribution_iri
from treatykg.rdf.load import load_ontology

DCAT = Namespace("http://www.w3.org/ns/dcat#")
PROV = Namespace("http://www.w3.org/ns/prov#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DATASET = URIRef("https://w3id.org/treatykg/dataset")
V1, V2, V3 = (URIRef(version_iri(v)) for v in ("0.1.0", "0.2.0", "0.3.0"))
SUFFIXES = {
    "rdfp": "application/rdf-patch",
    "ru": "application/sparql-update",
    "json": "application/json",
}
#: What a changeset adds to a release: its files, and manifest and void.ttl that list them.
LISTS = {"manifest.json", "void.ttl"}


def tree(path: Path) -> dict[str, str]:
    """Every file under ``path`` with the SHA-256 of its bytes."""
    return {
        str(f.relative_to(path)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(path.rglob("*"))
        if f.is_file()
    }


def changes_files(version: str) -> set[str]:
    return {f"changes-{version}.{suffix}" for suffix in SUFFIXES}


def void_of(release: Path) -> Graph:
    return Graph().parse(release / "void.ttl", format="turtle")


def default_graph(store: ox.Store) -> Graph:
    """The store's default graph as an rdflib graph, for rdflib's isomorphism test."""
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return Graph().parse(data=data, format="nt")


def loaded(dump: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(dump), format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("previous")


@pytest.fixture(scope="module")
def sources(root: Path) -> tuple[Path, Path]:
    """The 0.2.0 sources (data, ontology)."""
    return changed_sources(root / "sources")


@pytest.fixture(scope="module")
def v2(root: Path, sources: tuple[Path, Path], release: Path) -> Path:
    data, ontology = sources
    out = root / "v2"
    result = build(out, data=[data], ontology=[ontology], previous=release)
    assert result.changes is not None and result.changes.new_version == "0.2.0"
    return out


@pytest.fixture(scope="module")
def plain(root: Path, sources: tuple[Path, Path]) -> Path:
    """The same 0.2.0 built without --previous."""
    data, ontology = sources
    out = root / "plain"
    assert build(out, data=[data], ontology=[ontology]).changes is None
    return out


@pytest.fixture(scope="module")
def v3(root: Path, sources: tuple[Path, Path], v2: Path) -> Path:
    """0.3.0 (one more label changed), built into a copy of the 0.2.0 release with that
    release as --previous: the usual way to publish the next version in place."""
    data, ontology = sources
    data3 = root / "sources3" / "data"
    shutil.copytree(data, data3)
    dataset = data3 / "dataset.ttl"
    text = dataset.read_text(encoding="utf-8")
    assert text.count('dcat:version "0.2.0"') == 1
    text = text.replace('dcat:version "0.2.0"', 'dcat:version "0.3.0"')
    text = text.replace('"2026-12-06"^^xsd:date', '"2026-12-20"^^xsd:date')
    dataset.write_text(text, encoding="utf-8")
    events = data3 / "treaties" / "2024-csp" / "events.ttl"
    text = events.read_text(encoding="utf-8")
    assert text.count(' (Pyongyang)"@fr') == 1
    events.write_text(text.replace(' (Pyongyang)"@fr', ', Pyongyang"@fr'), encoding="utf-8")
    out = root / "dist"
    shutil.copytree(v2, out)
    build(out, data=[data3], ontology=[ontology], previous=out)
    return out


# --- what the release holds -------------------------------------------------------------------


def test_the_release_holds_the_changeset_files_in_its_manifest(v2: Path) -> None:
    names = {p.name for p in v2.iterdir() if p.is_file()}
    assert changes_files("0.2.0") <= names
    manifest = json.loads((v2 / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert set(listed) == names - {"manifest.json"}
    for suffix, media_type in SUFFIXES.items():
        name = f"changes-0.2.0.{suffix}"
        content = (v2 / name).read_bytes()
        assert listed[name]["sha256"] == hashlib.sha256(content).hexdigest()
        assert listed[name]["bytes"] == len(content)
        assert listed[name]["mediaType"] == media_type
        assert "0.1.0" in listed[name]["description"]


def test_without_previous_only_the_changeset_differs(v2: Path, plain: Path) -> None:
    """A build without --previous writes what it wrote before; --previous adds the changeset
    files and their statements in void.ttl, and changes nothing else."""
    with_changes, without = tree(v2), tree(plain)
    assert set(with_changes) - set(without) == changes_files("0.2.0")
    for name in set(without) - LISTS:
        assert with_changes[name] == without[name], name
    assert set(void_of(plain)) < set(void_of(v2))


def test_the_patch_is_the_diff_of_the_two_releases(v2: Path, plain: Path, release: Path) -> None:
    """The .rdfp is the RDF Patch ``treatykg diff`` makes of the two releases (the new one
    built on its own, without --previous), byte for byte."""
    changeset = diff(open_side(str(release), v2), open_side(str(plain), v2))
    assert not changeset.empty
    assert (v2 / "changes-0.2.0.rdfp").read_bytes() == patch.write(changeset)
    read = patch.read(v2 / "changes-0.2.0.rdfp")
    assert read.headers["from"] == f"<{V1}>" and read.headers["to"] == f"<{V2}>"


def test_the_update_turns_the_old_release_into_the_new_one(v2: Path, release: Path) -> None:
    text = (v2 / "changes-0.2.0.ru").read_text(encoding="utf-8")
    assert text.startswith("# ") and "treatykg load --update" in text
    old = sum(1 for line in (release / "treatykg.nt").read_bytes().splitlines() if line)
    assert f"{old:,} statements" in text
    store = loaded(release / "treatykg.nt")
    store.update(text)
    assert isomorphic(default_graph(store), default_graph(loaded(v2 / "treatykg.nt")))


def test_the_summary_names_the_versions_the_date_and_the_resources(v2: Path) -> None:
    summary = from_json((v2 / "changes-0.2.0.json").read_bytes(), "changes-0.2.0.json")
    assert (summary.old_version, summary.new_version) == ("0.1.0", "0.2.0")
    assert summary.issued == "2026-12-06"
    statuses = {r.iri: r.status for r in summary.resources}
    assert (statuses[ADDED], statuses[REMOVED], statuses[SIGNING]) == (
        "added",
        "removed",
        "changed",
    )
    document = json.loads((v2 / "changes-0.2.0.json").read_bytes())
    assert document["changeset"] == changeset_iri("0.2.0")


def test_void_names_the_version_its_previous_and_the_changeset(v2: Path) -> None:
    void = void_of(v2)
    assert set(void.objects(DATASET, DCAT.hasVersion)) == {V1, V2}
    assert set(void.objects(DATASET, DCAT.hasCurrentVersion)) == {V2}
    assert set(void.objects(V2, DCAT.previousVersion)) == {V1}
    assert set(void.objects(V2, PROV.wasRevisionOf)) == {V1}
    assert (V2, DCAT.isVersionOf, DATASET) in void and (V1, DCAT.isVersionOf, DATASET) in void
    assert void.value(V2, DCAT.version) == Literal("0.2.0")
    assert void.value(V2, DCTERMS.issued) == Literal("2026-12-06", datatype=XSD.date)
    # the previous release's date, as its own void.ttl gave it
    assert void.value(V1, DCTERMS.issued) == Literal("2026-11-28", datatype=XSD.date)
    changes = URIRef(changeset_iri("0.2.0"))
    assert (changes, RDF.type, PROV.Entity) in void
    assert set(void.objects(changes, PROV.wasDerivedFrom)) == {V1, V2}
    assert void.value(changes, DCTERMS.title) is not None
    manifest = json.loads((v2 / "manifest.json").read_text(encoding="utf-8"))
    sha = {entry["name"]: entry["sha256"] for entry in manifest["files"]}
    for name in changes_files("0.2.0"):
        node = distribution_iri(name)
        assert (V2, DCAT.distribution, node) in void
        assert (changes, DCTERMS.hasFormat, node) in void
        media = f"https://www.iana.org/assignments/media-types/{SUFFIXES[name.rsplit('.', 1)[1]]}"
        assert void.value(node, DCAT.mediaType) == URIRef(media)
        assert int(void.value(node, DCAT.byteSize)) == (v2 / name).stat().st_size
        checksum = void.value(node, URIRef("http://spdx.org/rdf/terms#checksum"))
        value = void.value(checksum, URIRef("http://spdx.org/rdf/terms#checksumValue"))
        assert str(value) == sha[name]


def test_every_term_of_the_versioned_description_is_declared(v2: Path) -> None:
    """As test_build checks for a release without --previous: the versions' and changesets'
    terms are declared in ontology/imports.ttl."""
    void = void_of(v2)
    declared = set(load_ontology().subjects(RDF.type, None))
    used = set(void.predicates()) | set(void.objects(None, RDF.type))
    builtin = (
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2002/07/owl#",
    )
    undeclared = sorted(str(t) for t in used - declared if not str(t).startswith(builtin))
    assert not undeclared, undeclared


# --- the history -----------------------------------------------------------------------------


def test_a_release_keeps_every_changeset_before_it(v2: Path, v3: Path) -> None:
    names = {p.name for p in v3.iterdir() if p.is_file()}
    assert changes_files("0.2.0") | changes_files("0.3.0") <= names
    for name in changes_files("0.2.0"):  # carried forward as published
        assert (v3 / name).read_bytes() == (v2 / name).read_bytes(), name
    manifest = json.loads((v3 / "manifest.json").read_text(encoding="utf-8"))
    assert {e["name"] for e in manifest["files"]} >= changes_files("0.2.0") | changes_files("0.3.0")
    summary = from_json((v3 / "changes-0.3.0.json").read_bytes(), "changes-0.3.0.json")
    assert (summary.old_version, summary.new_version) == ("0.2.0", "0.3.0")
    assert [r.iri for r in summary.resources if r.status == "changed"] == [
        "https://w3id.org/treatykg/dataset",
        SIGNING,
    ]


def test_void_describes_the_whole_chain(v3: Path) -> None:
    void = void_of(v3)
    assert set(void.objects(DATASET, DCAT.hasVersion)) == {V1, V2, V3}
    assert set(void.objects(DATASET, DCAT.hasCurrentVersion)) == {V3}
    assert set(void.objects(V3, DCAT.previousVersion)) == {V2}
    assert set(void.objects(V2, DCAT.previousVersion)) == {V1}
    assert void.value(V1, DCAT.previousVersion) is None
    dates = {v: void.value(v, DCTERMS.issued) for v in (V1, V2, V3)}
    assert dates == {
        V1: Literal("2026-11-28", datatype=XSD.date),
        V2: Literal("2026-12-06", datatype=XSD.date),
        V3: Literal("2026-12-20", datatype=XSD.date),
    }
    for version, node in ((V2, "0.2.0"), (V3, "0.3.0")):
        changes = URIRef(changeset_iri(node))
        for name in changes_files(node):
            assert (version, DCAT.distribution, distribution_iri(name)) in void
            assert (changes, DCTERMS.hasFormat, distribution_iri(name)) in void
    assert (V3, DCAT.distribution, distribution_iri("changes-0.2.0.rdfp")) not in void


# --- determinism and the command line ------------------------------------------------------------


def test_the_same_build_twice_gives_the_same_bytes(
    v2: Path, sources: tuple[Path, Path], release: Path, tmp_path: Path, capsys
) -> None:
    """Through the command line: the same bytes, and the summary says what changed."""
    data, ontology = sources
    out = tmp_path / "again"
    arguments = ["--data", str(data), "--ontology", str(ontology), "--previous", str(release)]
    assert main(["build", "--out", str(out), *arguments]) == 0
    assert tree(out) == tree(v2)
    err = capsys.readouterr().err
    assert "changes since 0.1.0: 3 resources changed, 1 added, 1 removed" in err, err


@pytest.mark.slow
def test_the_same_bytes_across_hash_seeds(
    v2: Path, sources: tuple[Path, Path], release: Path, tmp_path: Path
) -> None:
    data, ontology = sources
    out = tmp_path / "seeded"
    exe = shutil.which("treatykg")
    command = [exe] if exe else [sys.executable, "-m", "treatykg.cli"]
    sources_given = ["--data", str(data), "--ontology", str(ontology)]
    done = subprocess.run(
        [*command, "build", "-q", "--out", str(out), *sources_given, "--previous", str(release)],
        env={**os.environ, "PYTHONHASHSEED": "4242"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert tree(out) == tree(v2)


def test_help_documents_previous(capsys) -> None:
    assert main(["build", "--help"]) == 0
    text = capsys.readouterr().out
    assert "--previous DIR" in text and "changes-VERSION.rdfp" in text


# --- errors: one line, exit 2, the output as it was --------------------------------------------


def _fails(arguments: list[str], out: Path, capsys) -> str:
    before = tree(out)
    assert main(["build", "--out", str(out), *arguments]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("treatykg: error: "), err
    assert "Traceback" not in err
    assert tree(out) == before, "the previous output changed"
    assert not list(out.parent.glob(f".{out.name}.staging-*")), "a staging directory was left"
    return err


@pytest.fixture
def out(tmp_path: Path, release: Path) -> Path:
    """An earlier build in the output directory, which a failed build must leave alone."""
    target = tmp_path / "dist"
    shutil.copytree(release, target)
    return target


def test_previous_that_is_not_a_build(out: Path, tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("mine", encoding="utf-8")
    for directory in (notes, tmp_path / "missing"):
        err = _fails(["--previous", str(directory)], out, capsys)
        assert str(directory) in err
    assert "not a treatykg build" in _fails(["--previous", str(notes)], out, capsys)
    assert (notes / "todo.txt").read_text(encoding="utf-8") == "mine"


def test_previous_with_the_version_being_built(out: Path, release: Path, capsys) -> None:
    err = _fails(["--previous", str(release)], out, capsys)
    assert "0.1.0" in err and "raise dcat:version" in err


def test_previous_without_a_version(out: Path, release: Path, tmp_path: Path, capsys) -> None:
    previous = tmp_path / "unversioned"
    shutil.copytree(release, previous)
    text = (previous / "void.ttl").read_text(encoding="utf-8")
    text, found = re.subn(r'dcat:version "[^"]*"', 'dcterms:alternative "x"', text)
    assert found >= 1
    (previous / "void.ttl").write_text(text, encoding="utf-8")
    assert "states no dcat:version" in _fails(["--previous", str(previous)], out, capsys)


def test_previous_whose_changesets_were_altered(
    out: Path, v2: Path, tmp_path: Path, capsys
) -> None:
    """A carried file must be the one DIR published: its manifest's checksum says so."""
    previous = tmp_path / "altered"
    shutil.copytree(v2, previous)
    with (previous / "changes-0.2.0.ru").open("a", encoding="utf-8") as handle:
        handle.write("# edited\n")
    err = _fails(["--previous", str(previous)], out, capsys)
    assert "changes-0.2.0.ru" in err and "manifest" in err
