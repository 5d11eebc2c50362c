"""`treatykg build`: the release is complete, faithful, deterministic, atomic and offline.

One release of the bundled data is built per test session (``release``) and inspected by
most tests; tests that need their own builds (failures, determinism, named graphs) make them
in temporary directories.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF, SH

from generated_corpus import generate
from locations import ROOT
from treatykg import resources
from treatykg.cli import main
from treatykg.errors import InputError, UsageError
from treatykg.publish.build import InvalidDataError, build
from treatykg.rdf import sorted_lines
from treatykg.rdf.load import load, load_ontology, load_shapes, parse_file

EXAMPLES = ROOT / "shapes" / "examples"
CONTEXT_URL = "https://w3id.org/treatykg/context.jsonld"
ALWAYS = {
    "treatykg.ttl",
    "treatykg.nt",
    "treatykg.jsonld",
    "treatykg.framed.jsonld",
    "context.jsonld",
    "ontology.ttl",
    "ontology.jsonld",
    "shapes.ttl",
    "shapes.jsonld",
    "validation-report.ttl",
    "void.ttl",
    "wikidata.nt",
    "mappings.sssom.tsv",
    "wikidata.qs",
    "wikidata-unmatched.tsv",
    "mixnmatch.tsv",
    "manifest.json",
}


def tree(path: Path) -> dict[str, str]:
    """Every file under ``path`` (hidden ones too) with the SHA-256 of its bytes."""
    return {
        str(f.relative_to(path)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(path.rglob("*"))
        if f.is_file()
    }


def graph_of(path: Path) -> Graph:
    graph = Graph()
    for s, p, o, _ in parse_file(path):
        graph.add((s, p, o))
    return graph


def expected_dump() -> Graph:
    graph = Graph()
    for triple in load_ontology():
        graph.add(triple)
    for s, p, o, _ in load().quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def local_loader(context_file: Path):
    """A pyld document loader that serves our context from disk and refuses everything else."""
    document = json.loads(context_file.read_text(encoding="utf-8"))

    def loader(url: str, options: dict | None = None) -> dict:
        if url != CONTEXT_URL:
            raise AssertionError(f"pyld tried to fetch {url}")
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return loader


def jsonld_graph(path: Path, context_file: Path) -> Graph:
    """Parse a JSON-LD file with pyld (not rdflib), via N-Quads into an rdflib graph."""
    document = json.loads(path.read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(
        document,
        {"format": "application/n-quads", "documentLoader": local_loader(context_file)},
    )
    parsed = Dataset()
    parsed.parse(data=nquads, format="nquads")
    graph = Graph()
    for s, p, o, _ in parsed.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


# --- what is written ----------------------------------------------------------------------


def test_release_has_every_file(release: Path) -> None:
    assert {p.name for p in release.iterdir()} == ALWAYS
    assert not list(release.parent.glob(".dist.*")), "staging directories were left behind"


def test_manifest_lists_every_file_with_its_checksum(release: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert set(listed) == ALWAYS - {"manifest.json"}
    for name, entry in listed.items():
        content = (release / name).read_bytes()
        assert entry["bytes"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["mediaType"] and entry["description"]


def test_turtle_and_ntriples_hold_ontology_and_data(release: Path) -> None:
    want = expected_dump()
    for name in ("treatykg.ttl", "treatykg.nt"):
        assert isomorphic(graph_of(release / name), want), name


def test_turtle_is_readable(release: Path) -> None:
    text = (release / "treatykg.ttl").read_text(encoding="utf-8")
    prefixes = [line.split()[1] for line in text.splitlines() if line.startswith("@prefix")]
    assert "brick:" not in prefixes and "csvw:" not in prefixes
    assert "tkg:" in prefixes
    assert "\\/" not in text, "local names with escaped slashes are unreadable"


def test_jsonld_expands_with_pyld_to_the_same_graph(release: Path) -> None:
    context = release / "context.jsonld"
    assert isomorphic(jsonld_graph(release / "treatykg.jsonld", context), expected_dump())
    assert isomorphic(jsonld_graph(release / "ontology.jsonld", context), load_ontology())


@pytest.mark.slow
def test_ontology_and_shapes_are_published_as_they_are(release: Path) -> None:
    assert isomorphic(graph_of(release / "ontology.ttl"), load_ontology())
    assert isomorphic(graph_of(release / "shapes.ttl"), load_shapes())
    shapes_jsonld = jsonld_graph(release / "shapes.jsonld", release / "context.jsonld")
    assert isomorphic(shapes_jsonld, load_shapes())


def test_validation_report_shows_the_release_conforms(release: Path) -> None:
    report = graph_of(release / "validation-report.ttl")
    reports = list(report.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert str(report.value(reports[0], SH.conforms)).lower() == "true"


def test_framed_view_nests_treaty_articles_norms_obligations(release: Path) -> None:
    framed = json.loads((release / "treatykg.framed.jsonld").read_text(encoding="utf-8"))
    text = json.dumps(framed)
    assert "https://w3id.org/treatykg/id/norm/csp-art-4" in text or "norm:csp-art-4" in text


def test_void_describes_every_distribution(release: Path) -> None:
    void = graph_of(release / "void.ttl")
    sizes = {
        str(url).rsplit("/", 1)[1]: dist
        for dist in void.subjects(RDF.type, DCAT.Distribution)
        for url in void.objects(dist, DCAT.downloadURL)
    }
    assert {"treatykg.ttl", "treatykg.nt", "treatykg.jsonld"} <= set(sizes)
    dataset = URIRef("https://w3id.org/treatykg/dataset")
    for term in ("license", "issued", "modified", "publisher", "rights", "title"):
        assert void.value(dataset, URIRef(f"http://purl.org/dc/terms/{term}")) is not None, term
    for name, dist in sizes.items():
        byte_size = void.value(dist, DCAT.byteSize)
        assert int(byte_size) == (release / name).stat().st_size, name


# --- determinism ----------------------------------------------------------------------------


def _cli_build(out: Path, seed: str, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    exe = shutil.which("treatykg")
    command = [exe] if exe else [sys.executable, "-m", "treatykg.cli"]
    return subprocess.run(
        [*command, "build", "--out", str(out), *extra],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_builds_are_byte_identical_across_hash_seeds(tmp_path: Path, release: Path) -> None:
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"dist-{seed}"
        done = _cli_build(out, seed, tmp_path)
        assert done.returncode == 0, done.stderr
        outs.append(tree(out))
    assert outs[0] == outs[1]
    assert outs[0] == tree(release), "the in-process build differs from the CLI build"


def test_a_build_that_sorts_on_disk_writes_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corpus past the sorter's memory budget is sorted in runs on disk (as ten million
    statements are): the release is byte-identical to the one sorted in memory, and the runs
    are gone from it."""
    corpus = generate(tmp_path / "corpus", treaties=6)
    in_memory = build(tmp_path / "in-memory", data=corpus)
    spilled: list[bool] = []
    real_finish = sorted_lines.LineSorter.finish

    def finish(self: sorted_lines.LineSorter) -> sorted_lines.SortedLines:
        result = real_finish(self)
        spilled.append(result.on_disk)
        return result

    monkeypatch.setattr(sorted_lines, "BUDGET", 20_000)
    monkeypatch.setattr(sorted_lines.LineSorter, "finish", finish)
    on_disk = build(tmp_path / "on-disk", data=corpus)
    assert spilled and spilled[0], "the small budget should have made the sorter spill"
    assert tree(tmp_path / "on-disk") == tree(tmp_path / "in-memory")
    assert on_disk.statements == in_memory.statements
    assert not list((tmp_path / "on-disk").rglob("run-*"))


# --- atomicity and errors ------------------------------------------------------------------


def _invalid_data(tmp_path: Path) -> Path:
    bad = tmp_path / "bad-data"
    bad.mkdir()
    shutil.copy(EXAMPLES / "valid" / "kitchen-sink.ttl", bad)
    shutil.copy(EXAMPLES / "invalid" / "article-numbering.ttl", bad)
    return bad


def test_invalid_data_leaves_the_previous_release_untouched(
    tmp_path: Path, release: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dist"
    shutil.copytree(release, out)
    before = tree(tmp_path)
    assert main(["build", "--out", str(out), "--data", str(_invalid_data(tmp_path))]) == 1
    captured = capsys.readouterr()
    assert "tkgsh:ArticleNumberInRangeRule" in captured.out  # the report, as validate shows it
    assert "nothing was written" in captured.err
    after = tree(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("bad-data")} == {
        k: v for k, v in before.items() if not k.startswith("bad-data")
    }


def test_malformed_input_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n", encoding="utf-8")
    out = tmp_path / "dist"
    assert main(["build", "--out", str(out), "--data", str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:3:1" in err or f"{broken}:2:" in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_interrupted_build_leaves_the_previous_release(
    tmp_path: Path, release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dist"
    shutil.copytree(release, out)
    before = tree(tmp_path)
    from treatykg.rdf import serialize

    def interrupt(*_args: object, **_kwargs: object) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(serialize, "jsonld", interrupt)
    with pytest.raises(KeyboardInterrupt):
        build(out)
    assert tree(tmp_path) == before, "a staging directory or a partial release was left"


def test_refuses_to_replace_a_directory_that_is_not_a_build(tmp_path: Path) -> None:
    precious = tmp_path / "src"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="not a treatykg build"):
        build(precious)
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_invalid_data_raises_with_the_report(tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError) as caught:
        build(tmp_path / "dist", data=_invalid_data(tmp_path))
    assert not caught.value.report.conforms
    assert not (tmp_path / "dist").exists()


def test_missing_data_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        build(tmp_path / "dist", data=tmp_path / "nope")


# --- a user's own data, named graphs, offline -----------------------------------------------


def test_users_own_directory_from_anywhere(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(resources.resource_dir("data"), project / "mydata")
    named = project / "mydata" / "extra-claims.trig"
    named.write_text(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "<https://w3id.org/treatykg/graph/notes> {\n"
        "  <https://w3id.org/treatykg/id/state/prk>\n"
        '    skos:altLabel "a note kept in a named graph"@en .\n'
        "}\n",
        encoding="utf-8",
    )
    done = _cli_build(Path("out"), "0", project, "--data", "mydata")
    assert done.returncode == 0, done.stderr
    out = project / "out"
    assert {"treatykg.trig", "treatykg.nq"} <= {p.name for p in out.iterdir()}
    got = list(ox.parse(path=str(out / "treatykg.nq")))
    assert any(q.graph_name == ox.NamedNode("https://w3id.org/treatykg/graph/notes") for q in got)
    flat = graph_of(out / "treatykg.ttl")
    assert (
        URIRef("https://w3id.org/treatykg/id/state/prk"),
        URIRef("http://www.w3.org/2004/02/skos/core#altLabel"),
        Literal("a note kept in a named graph", lang="en"),
    ) not in flat, "Turtle must not silently flatten named graphs"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    descriptions = {entry["name"]: entry["description"] for entry in manifest["files"]}
    assert "default graph" in descriptions["treatykg.ttl"]


def test_build_makes_no_network_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the build tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = build(tmp_path / "dist")
    assert result.report.conforms


def test_every_term_of_the_dataset_description_is_declared(release: Path) -> None:
    """void.ttl uses VoID, DCAT, SPDX and FOAF terms: each is declared in ontology/imports.ttl."""
    void = graph_of(release / "void.ttl")
    declared = set(load_ontology().subjects(RDF.type, None))
    used = set(void.predicates()) | set(void.objects(None, RDF.type))
    builtin = (
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2002/07/owl#",
    )
    undeclared = sorted(str(t) for t in used - declared if not str(t).startswith(builtin))
    assert not undeclared, undeclared


def test_a_real_triplestore_loads_the_dumps_unchanged(release: Path, tmp_path: Path) -> None:
    """The Oxigraph server's own loader (the `oxigraph` CLI from PyPI) reads the release."""
    beside_python = Path(sys.executable).with_name("oxigraph")
    exe = str(beside_python) if beside_python.exists() else shutil.which("oxigraph")
    assert exe, "the oxigraph CLI comes with the test extra: pip install '.[test]'"
    store = tmp_path / "store"
    for name in ("treatykg.ttl", "treatykg.nt", "treatykg.jsonld"):
        done = subprocess.run(
            [
                exe,
                "load",
                "--location",
                str(store),
                "--file",
                str(release / name),
                "--graph",
                f"urn:x-test:{name}",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    counts = subprocess.run(
        [
            exe,
            "query",
            "--location",
            str(store),
            "--results-format",
            "csv",
            "--query",
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()[1:]
    triples = len(expected_dump())
    assert {line.split(",")[1] for line in counts} == {str(triples)}, counts
    assert len(counts) == 3


def test_a_build_removes_what_killed_builds_left_and_nothing_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A killed build cannot delete its staging folder; the next build removes such folders,
    says so, and leaves alone one that a running build holds (its lock is taken)."""
    import fcntl

    out = tmp_path / "dist"
    dead = tmp_path / ".dist.staging-dead"  # a killed build's: its lock file, nobody holding it
    dead.mkdir()
    (dead / "treatykg.nt").write_text("half a dump", encoding="utf-8")
    Path(f"{dead}.lock").touch()
    old = tmp_path / ".dist.staging-old"  # an older treatykg's, no lock file, long gone
    old.mkdir()
    os.utime(old, (0, 0))
    running = tmp_path / ".dist.staging-running"  # a build still at work holds its lock
    running.mkdir()
    held = os.open(f"{running}.lock", os.O_CREAT | os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        assert main(["build", "--out", str(out)]) == 0
    finally:
        os.close(held)
    err = capsys.readouterr().err
    assert not dead.exists() and not Path(f"{dead}.lock").exists() and not old.exists()
    assert running.is_dir(), "a folder a running build holds must stay"
    assert ".dist.staging-dead" in err and ".dist.staging-old" in err and "running" not in err
    # the build's own staging folder and lock are gone once it is published
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".dist.staging-running", ".dist.staging-running.lock", "dist"], left


class _Terminal(io.StringIO):
    """stderr as a person's terminal: progress is shown only there."""

    def isatty(self) -> bool:
        return True


def test_progress_names_each_step_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal the build says each step as it starts, once and in order: not a line
    per file written (a release has 17, and a step such as link writes four)."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["build", "--out", str(tmp_path / "dist")]) == 0
    steps = [
        line.removeprefix("treatykg: ").removesuffix("…")
        for line in terminal.getvalue().splitlines()
        if line.startswith("treatykg: ")
    ]
    assert steps[:2] == ["load", "validate"], steps
    assert len(steps) == len(set(steps)), f"a step shown twice: {steps}"
    assert "write" not in steps
    assert {"dumps", "framed", "link", "describe"} <= set(steps)
    assert terminal.getvalue().splitlines()[-1].startswith("built "), terminal.getvalue()
