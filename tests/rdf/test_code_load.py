"""Tests of treatykg.rdf.load on the code fixtures (independent of the published content)."""

from __future__ import annotations

import select
import socket
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from locations import TESTS
from treatykg.errors import InputError, UsageError
from treatykg.rdf.load import load, load_graph, load_ontology, load_shapes, parse_file

FIXTURES = TESTS / "fixtures" / "code"
EX = Namespace("http://example.org/code#")
# A plain Namespace: pytest probes module attributes, and rdflib.namespace.XSD warns on that.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- located errors ---------------------------------------------------------------------


def test_malformed_turtle_names_file_line_and_column() -> None:
    path = str(FIXTURES / "malformed.ttl")
    with pytest.raises(InputError) as caught:
        load(path)
    error = caught.value
    # The planted defect: a space inside the IRI that starts at line 4, column 17.
    assert (error.path, error.line, error.column) == (path, 4, 17)
    assert str(error) == f"{path}:4:17: Invalid IRI code point ' '"


def test_malformed_trig_names_file_line_and_column() -> None:
    path = str(FIXTURES / "malformed.trig")
    with pytest.raises(InputError) as caught:
        load(path)
    # The planted defect: undeclared prefix "nope:" at line 5, column 17.
    assert str(caught.value) == f"{path}:5:17: The prefix nope: has not been declared"


def test_error_shows_the_path_as_the_user_gave_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    with pytest.raises(InputError, match=r"^malformed\.ttl:4:17: "):
        load("malformed.ttl")


def test_error_inside_a_directory_names_the_file(tmp_path: Path) -> None:
    write(tmp_path / "ok.ttl", "<http://example.org/a> <http://example.org/p> 1 .\n")
    write(tmp_path / "sub" / "broken.nt", "<http://example.org/a> <http://example.org/p> .\n")
    with pytest.raises(InputError) as caught:
        load(tmp_path)
    assert caught.value.path == str(tmp_path / "sub" / "broken.nt")
    assert caught.value.line == 1


def test_missing_file() -> None:
    with pytest.raises(InputError) as caught:
        load("no/such/file.ttl")
    assert str(caught.value) == "no/such/file.ttl: no such file or directory"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("data.rdf", "RDF/XML is deliberately not supported"),
        ("data.owl", "RDF/XML is deliberately not supported"),
        ("data.txt", "unsupported format '.txt'"),
        ("data", "unsupported format (no suffix)"),
    ],
)
def test_unsupported_format(tmp_path: Path, name: str, expected: str) -> None:
    path = write(tmp_path / name, "<http://example.org/a> <http://example.org/p> 1 .\n")
    with pytest.raises(InputError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_relative_iri_is_an_error_not_silently_resolved(tmp_path: Path) -> None:
    path = write(tmp_path / "rel.ttl", '<relative> <http://example.org/p> "x" .\n')
    with pytest.raises(InputError) as caught:
        load(path)
    assert (caught.value.line, caught.value.column) == (1, 1)


def test_rdf12_triple_terms_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "star.ttl",
        "@prefix ex: <http://example.org/> .\nex:a ex:says <<( ex:s ex:p ex:o )>> .\n",
    )
    with pytest.raises(InputError, match="triple terms"):
        load(path)


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "notes.md", "no RDF here\n")
    with pytest.raises(InputError, match="no RDF files"):
        load(tmp_path)


def test_no_paths_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        load([])


def test_remote_jsonld_context_is_never_fetched(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as canary:
        canary.bind(("127.0.0.1", 0))
        canary.listen(1)
        port = canary.getsockname()[1]
        path = write(
            tmp_path / "remote.jsonld",
            f'{{"@context": "http://127.0.0.1:{port}/context.jsonld",'
            ' "@id": "http://example.org/a", "name": "A"}',
        )
        with pytest.raises(InputError, match="remote JSON-LD @context is not fetched"):
            load(path)
        readable, _, _ = select.select([canary], [], [], 0.2)
        assert readable == [], "the loader connected to the context URL"


# --- what gets loaded ---------------------------------------------------------------------


def test_blank_nodes_from_two_files_do_not_merge() -> None:
    dataset = load([FIXTURES / "bnode_a.ttl", FIXTURES / "bnode_b.ttl"])
    subjects = set(dataset.subjects(EX.label, None))
    assert len(subjects) == 2
    labels = {str(dataset.value(s, EX.label)) for s in subjects}
    assert labels == {"from a", "from b"}


def test_blank_nodes_within_one_file_stay_shared(tmp_path: Path) -> None:
    path = write(
        tmp_path / "shared.ttl",
        '@prefix ex: <http://example.org/> .\n_:x ex:p "1" .\n_:x ex:q "2" .\n',
    )
    dataset = load(path)
    assert len(set(dataset.subjects())) == 1


def test_named_graphs_are_preserved_from_trig() -> None:
    dataset = load(FIXTURES / "good.trig")
    claims = dataset.graph(EX["claims-1"])
    expected_claims = Graph().parse(
        data="""
        @prefix ex: <http://example.org/code#> .
        ex:carol a ex:Person ; ex:name "Carol" ; ex:status "retired" .
        """,
        format="turtle",
    )
    assert isomorphic(claims, expected_claims)
    named = {g.identifier for g in dataset.graphs() if len(g)}
    assert EX["claims-1"] in named
    # The age statement is outside any graph block: it stays in the default graph only.
    in_default = [
        (s, p, o) for s, p, o, g in dataset.quads((None, EX.age, None, None)) if g != EX["claims-1"]
    ]
    assert in_default == [(EX.carol, EX.age, Literal("042", datatype=XSD.integer, normalize=False))]
    assert dataset.statement_count() == 4


def test_literals_keep_their_lexical_form() -> None:
    dataset = load(FIXTURES / "good.trig")
    age = dataset.value(EX.carol, EX.age)
    assert isinstance(age, Literal)
    assert str(age) == "042"
    assert age.datatype == XSD.integer


def test_xsd_string_literals_become_plain_like_rdflib_parses_them(tmp_path: Path) -> None:
    text = (
        "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'ex:a ex:p "plain", "explicit"^^xsd:string, "tagged"@en-GB .\n'
    )
    path = write(tmp_path / "strings.ttl", text)
    ours = load_graph(path)
    values = {str(o): o for o in ours.objects()}
    assert values["explicit"].datatype is None
    assert values["plain"].datatype is None
    assert values["tagged"].language is not None
    assert values["tagged"].language.lower() == "en-gb"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("same.ttl", '@prefix ex: <http://example.org/> .\nex:a ex:p "x" ; ex:q ex:b .\n'),
        (
            "same.nt",
            '<http://example.org/a> <http://example.org/p> "x" .\n'
            "<http://example.org/a> <http://example.org/q> <http://example.org/b> .\n",
        ),
        (
            "same.jsonld",
            '{"@context": {"ex": "http://example.org/"}, "@id": "ex:a",'
            ' "ex:p": "x", "ex:q": {"@id": "ex:b"}}',
        ),
    ],
)
def test_formats_load_to_the_same_graph(tmp_path: Path, name: str, text: str) -> None:
    expected = Graph().parse(
        data='<http://example.org/a> <http://example.org/p> "x" ;'
        " <http://example.org/q> <http://example.org/b> .",
        format="turtle",
    )
    assert isomorphic(load_graph(write(tmp_path / name, text)), expected)


def test_nquads_named_graph(tmp_path: Path) -> None:
    path = write(
        tmp_path / "q.nq",
        '<http://example.org/a> <http://example.org/p> "x" <http://example.org/g> .\n',
    )
    dataset = load(path)
    graph = dataset.graph(URIRef("http://example.org/g"))
    assert list(graph) == [
        (URIRef("http://example.org/a"), URIRef("http://example.org/p"), Literal("x"))
    ]


def test_directory_is_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    write(tmp_path / "b.ttl", "<http://example.org/b> <http://example.org/p> 1 .\n")
    write(tmp_path / "sub" / "a.nt", '<http://example.org/a> <http://example.org/p> "1" .\n')
    write(
        tmp_path / "a.trig",
        "<http://example.org/g> { <http://example.org/c> <http://example.org/p> 1 }\n",
    )
    write(tmp_path / "README.md", "not RDF\n")
    write(tmp_path / ".hidden" / "x.ttl", "this is not even Turtle\n")
    dataset = load(tmp_path)
    assert dataset.files == (
        str(tmp_path / "a.trig"),
        str(tmp_path / "b.ttl"),
        str(tmp_path / "sub" / "a.nt"),
    )


def test_the_same_file_given_twice_is_loaded_once() -> None:
    path = FIXTURES / "bnode_a.ttl"
    dataset = load([path, str(path), FIXTURES / ".." / "code" / "bnode_a.ttl"])
    assert len(dataset.files) == 1
    assert len(set(dataset.subjects())) == 1


def test_files_describing_each_subject_are_remembered(tmp_path: Path) -> None:
    extra = write(
        tmp_path / "extra.ttl",
        '<http://example.org/code#bob> <http://example.org/code#name> "Bob" .\n',
    )
    bad = str(FIXTURES / "bad.ttl")
    dataset = load([FIXTURES / "good.ttl", bad, extra])
    assert dataset.files_for(EX.bob) == (bad, str(extra))
    assert dataset.files_for(EX.alice) == (str(FIXTURES / "good.ttl"),)
    assert dataset.files_for(EX.nobody) == ()


def test_only_treatykg_and_declared_prefixes_are_bound() -> None:
    dataset = load(FIXTURES / "good.ttl")
    prefixes = {prefix: str(ns) for prefix, ns in dataset.namespaces()}
    assert "brick" not in prefixes  # one of rdflib's 29 defaults
    assert prefixes["tkg"] == "https://w3id.org/treatykg/def#"
    assert prefixes["ex"] == str(EX)  # declared by the file


def test_load_shapes_does_not_descend_into_examples(tmp_path: Path) -> None:
    write(
        tmp_path / "shapes.ttl",
        "<http://example.org/S> a <http://www.w3.org/ns/shacl#NodeShape> .\n",
    )
    write(
        tmp_path / "examples" / "invalid" / "x.ttl",
        "<http://example.org/x> a <http://example.org/T> .\n",
    )
    shapes = load_shapes(tmp_path)
    assert len(shapes) == 1
    ontology = load_ontology(tmp_path)
    assert len(ontology) == 1


def test_parse_file_returns_quads_with_the_default_graph() -> None:
    quads = parse_file(FIXTURES / "good.ttl")
    assert len(quads) == 3
    assert {g for *_, g in quads} == {URIRef("urn:x-rdflib:default")}
