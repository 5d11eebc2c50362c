"""The synthetic corpus generator (benchmarks/gen_corpus.py) writes valid, deterministic data,
and with --inject exactly the violations it lists in injected.tsv."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from locations import ROOT
from treatykg.rdf.load import load
from treatykg.validation.validate import validate

SCRIPT = ROOT / "benchmarks" / "gen_corpus.py"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_corpus", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_corpus_conforms(gen: ModuleType, tmp_path: Path) -> None:
    assert gen.main(["--treaties", "3", "--seed", "1", "--out", str(tmp_path)]) == 0
    assert sorted(_files(tmp_path)) == [
        "shared.ttl",
        "treaty-0001.ttl",
        "treaty-0002.ttl",
        "treaty-0003.ttl",
    ]
    report = validate(load([tmp_path]))
    assert report.conforms, [(r.focus_node, r.source_shape) for r in report.results]
    assert report.results == ()
    # pySHACL, the reference engine, agrees
    assert validate(load([tmp_path]), engine="pyshacl").conforms


def test_same_seed_same_bytes(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate(3, 1, tmp_path / "one")
    gen.generate(3, 1, tmp_path / "two")
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_different_seed_different_bytes(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate(3, 1, tmp_path / "one")
    gen.generate(3, 2, tmp_path / "two")
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert one.keys() == two.keys()
    assert one != two


def test_size_is_linear(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate(3, 1, tmp_path / "three")
    gen.generate(6, 1, tmp_path / "six")
    shared = gen.count_triples_in([tmp_path / "three" / "shared.ttl"])
    three = gen.count_triples(tmp_path / "three") - shared
    six = gen.count_triples(tmp_path / "six") - shared
    assert 1.6 < six / three < 2.4


def test_iris_are_synthetic(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate(3, 1, tmp_path)
    graph = load([tmp_path])
    subjects = {str(s) for s in graph.subjects()}
    assert subjects
    for subject in subjects:
        assert subject.startswith("https://w3id.org/treatykg/"), subject
        assert "syn" in subject.removeprefix("https://w3id.org/treatykg/"), subject


@pytest.mark.parametrize(("treaties", "seed"), [(3, 1), (1, 4)])
def test_injected_violations_are_exact(
    gen: ModuleType, tmp_path: Path, treaties: int, seed: int
) -> None:
    gen.generate(treaties, seed, tmp_path, inject=True)
    lines = (tmp_path / "injected.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "focus_node\tsource_shape\tconstraint_component"
    expected = {tuple(line.split("\t")) for line in lines[1:]}
    assert len(expected) >= 12
    report = validate(load([tmp_path]))
    assert not report.conforms
    actual = {
        (str(r.focus_node), str(r.source_shape), str(r.constraint_component))
        for r in report.results
    }
    assert actual == expected
    assert {r.severity for r in report.results} == {"Violation"}
