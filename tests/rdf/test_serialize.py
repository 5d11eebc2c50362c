"""The published serializations are faithful, deterministic and offline.

Faithful: every format re-parses, with a parser other than the one that wrote it, into the
graph we started from (pyoxigraph for the RDF formats, pyld for JSON-LD). Deterministic: two
processes with different ``PYTHONHASHSEED`` write the same bytes. Offline: nothing here may
open a socket, and the JSON-LD document loader is never called.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from pyld import jsonld as pyld
from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from locations import TESTS
from treatykg.errors import UsageError
from treatykg.namespaces import BASE, ELI, TKG, new_graph
from treatykg.publish.jsonld import (
    CONTEXT_PREFIXES,
    CONTEXT_URL,
    build_context,
    context_document,
    framed,
    refuse_to_load,
    tkg_properties,
)
from treatykg.rdf import serialize
from treatykg.rdf.load import load, load_graph, load_ontology, load_shapes, sourced_dataset
from treatykg.rdf.serialize import (
    FORMATS,
    OUTPUT_PREFIXES,
    NamedGraphsError,
    get_format,
    jsonld,
    nquads,
    ntriples,
    prepare,
    trig,
    turtle,
)

FIXTURES = TESTS / "fixtures" / "code"
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
EX = Namespace("http://example.org/serialize#")
TREATY = URIRef(f"{BASE}eli/treaty/2024/csp")
PRK, RUS = URIRef(f"{BASE}id/state/prk"), URIRef(f"{BASE}id/state/rus")

RDF_FORMATS: dict[str, tuple[Callable[[Any], bytes], ox.RdfFormat]] = {
    "turtle": (turtle, ox.RdfFormat.TURTLE),
    "ntriples": (ntriples, ox.RdfFormat.N_TRIPLES),
    "trig": (trig, ox.RdfFormat.TRIG),
    "nquads": (nquads, ox.RdfFormat.N_QUADS),
}


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def no_network() -> Iterator[None]:
    """Any attempt to open a socket fails; module-wide, so the shared fixtures run under it."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network access attempted: {args!r}")

    with pytest.MonkeyPatch.context() as patch:
        for name in ("socket", "create_connection", "getaddrinfo"):
            patch.setattr(socket, name, refuse)
        yield


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology()


@pytest.fixture(scope="module")
def data(ontology: Graph) -> Graph:
    """The bundled data and ontology in one graph: what the build publishes."""
    graph = new_graph()
    for triple in load().triples((None, None, None)):
        graph.add(triple)
    for triple in ontology:
        graph.add(triple)
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def context(ontology: Graph) -> dict[str, Any]:
    return build_context(ontology)


@pytest.fixture(scope="module")
def compacted(data: Graph, context: dict[str, Any]) -> dict[str, Any]:
    return json.loads(jsonld(data, context))


@pytest.fixture(scope="module")
def framed_doc(data: Graph, context: dict[str, Any]) -> dict[str, Any]:
    return json.loads(framed(data, context))


@pytest.fixture
def named_dataset() -> Dataset:
    """A default graph plus a named graph holding an IRI node, a literal and a blank node."""
    dataset = sourced_dataset([FIXTURES / "good.trig"])
    # The fixture keeps "042"^^xsd:integer to test lexical forms; JSON-LD refuses it (see
    # test_jsonld_refuses_to_change_a_lexical_form), so it is written canonically here.
    for s, p, o, g in list(dataset.quads((None, None, None, None))):
        if isinstance(o, Literal) and o.datatype == XSD.integer and str(o).startswith("0"):
            dataset.graph(g).remove((s, p, o))
            dataset.graph(g).add((s, p, Literal(str(int(o)), datatype=XSD.integer)))
    named = dataset.graph(EX.extra)
    named.add((EX.a, EX.knows, BNode("fixtureB1")))
    named.add((BNode("fixtureB1"), RDFS.label, Literal("b", lang="en")))
    return dataset


class Loader:
    """A pyld document loader serving our context from memory and refusing everything else."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.context = context
        self.calls: list[str] = []

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        self.calls.append(url)
        if url == CONTEXT_URL:
            document = {"@context": self.context}
            return {"contextUrl": None, "documentUrl": url, "document": document}
        return refuse_to_load(url, options)


# --- helpers -----------------------------------------------------------------------------------


def rdflib_term(term: Any) -> Any:
    """pyoxigraph term -> rdflib term, keeping lexical forms and blank node labels."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)


def reparse(output: bytes, rdf_format: ox.RdfFormat) -> dict[Any, Graph]:
    """Graphs by name (None: the default graph), parsed by pyoxigraph."""
    graphs: dict[Any, Graph] = {}
    for quad in ox.parse(output, format=rdf_format):
        name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name
        graph = graphs.setdefault(None if name is None else rdflib_term(name), Graph())
        graph.add(
            (rdflib_term(quad.subject), rdflib_term(quad.predicate), rdflib_term(quad.object))
        )
    return graphs


def graph_of(output: bytes, rdf_format: ox.RdfFormat) -> Graph:
    graphs = reparse(output, rdf_format)
    assert set(graphs) <= {None}, f"unexpected named graphs {set(graphs) - {None}}"
    return graphs.get(None, Graph())


def pyld_graph(document: dict[str, Any], loader: Loader) -> Graph:
    """The triples pyld reads from a JSON-LD document, parsed back with pyoxigraph."""
    options = {"format": "application/n-quads", "documentLoader": loader}
    return graph_of(pyld.to_rdf(document, options).encode(), ox.RdfFormat.N_QUADS)


def triples_of(graph: Graph) -> set[tuple[Any, Any, Any]]:
    return set(graph.triples((None, None, None)))


def node(document: dict[str, Any], identifier: str) -> dict[str, Any]:
    (found,) = [n for n in document["@graph"] if n["id"] == identifier]
    return found


# --- the registry ------------------------------------------------------------------------------


def test_registry_names_suffixes_and_media_types() -> None:
    assert {name: (f.suffix, f.media_type) for name, f in FORMATS.items()} == {
        "turtle": (".ttl", "text/turtle"),
        "ntriples": (".nt", "application/n-triples"),
        "trig": (".trig", "application/trig"),
        "nquads": (".nq", "application/n-quads"),
        "jsonld": (".jsonld", "application/ld+json"),
    }
    assert get_format("trig").named_graphs and not get_format("turtle").named_graphs
    assert get_format("turtle").write(Graph()) == turtle(Graph())


def test_unknown_format_is_a_usage_error_naming_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown output format 'rdfxml'.*jsonld, nquads"):
        get_format("rdfxml")


def test_jsonld_format_needs_a_context(data: Graph) -> None:
    with pytest.raises(UsageError, match="needs a JSON-LD context"):
        get_format("jsonld").write(data)


# --- faithful ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RDF_FORMATS)
def test_rdf_formats_reparse_to_the_same_graph(name: str, data: Graph, shapes: Graph) -> None:
    write, rdf_format = RDF_FORMATS[name]
    for graph in (data, shapes):
        back = graph_of(write(graph), rdf_format)
        # Blank node labels survive, so the graphs are equal, not just isomorphic.
        assert triples_of(back) == triples_of(graph)
    assert isomorphic(graph_of(write(data), rdf_format), data)


@pytest.mark.slow
def test_jsonld_reparses_with_pyld(data: Graph, shapes: Graph, context: dict[str, Any]) -> None:
    loader = Loader(context)
    for graph in (data, shapes):
        back = pyld_graph(json.loads(jsonld(graph, context)), loader)
        assert len(back) == len(graph)
        assert isomorphic(back, graph)
    assert loader.calls == []  # the context is inline: nothing to load


def test_jsonld_dump_loads_with_our_own_strict_loader(
    data: Graph, context: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "treatykg.jsonld"
    path.write_bytes(jsonld(data, context))
    assert isomorphic(load_graph(path), data)


def test_context_by_url_works_offline_with_a_local_loader(
    data: Graph, context: dict[str, Any], compacted: dict[str, Any]
) -> None:
    """The consumer recipe for documents that name the published context by its URL."""
    loader = Loader(context)
    by_url = {**compacted, "@context": CONTEXT_URL}
    assert isomorphic(pyld_graph(by_url, loader), data)
    assert loader.calls == [CONTEXT_URL]
    assert json.loads(context_document(context)) == {"@context": context}


@pytest.mark.parametrize(
    "literal",
    [
        Literal("01", datatype=XSD.integer, normalize=False),
        Literal("1", datatype=XSD.boolean, normalize=False),
        Literal("1.5", datatype=XSD.double, normalize=False),
    ],
    ids=["integer-01", "boolean-1", "double-1.5"],
)
def test_jsonld_refuses_to_change_a_lexical_form(context: dict[str, Any], literal: Literal) -> None:
    """rdflib writes these as JSON numbers/booleans; a non-canonical form would not survive."""
    graph = Graph()
    graph.add((EX.s, EX.p, literal))
    for name, (write, rdf_format) in RDF_FORMATS.items():  # the RDF formats keep it as is
        assert triples_of(graph_of(write(graph), rdf_format)) == triples_of(graph), name
    with pytest.raises(UsageError, match="lexical form"):
        jsonld(graph, context)


def test_lexical_forms_and_lists_survive_every_format(context: dict[str, Any]) -> None:
    graph = Graph()
    values = [
        Literal("true", datatype=XSD.boolean),
        Literal("9007199254740993", datatype=XSD.integer),
        Literal("2024-06-19", datatype=XSD.date),
        Literal("a", lang="en"),
        Literal('quote " and\nnewline'),
        URIRef("https://example.org/a%20b"),
    ]
    for value in values:
        graph.add((EX.s, EX.p, value))
    # Values that do not fit the term: an untagged label, a padded count, a literal "party".
    graph.add((EX.s, RDFS.label, Literal("untagged")))
    graph.add(
        (EX.s, TKG.articleCount, Literal("023", datatype=XSD.positiveInteger, normalize=False))
    )
    graph.add((EX.s, TKG.party, Literal("not an IRI")))
    head, rest = BNode("list1"), BNode("list2")
    graph.add((EX.s, OWL.unionOf, head))
    graph.add((head, RDF.first, EX.a))
    graph.add((head, RDF.rest, rest))
    graph.add((rest, RDF.first, Literal("x")))
    graph.add((rest, RDF.rest, RDF.nil))
    for name, (write, rdf_format) in RDF_FORMATS.items():
        assert triples_of(graph_of(write(graph), rdf_format)) == triples_of(graph), name
    document = json.loads(jsonld(graph, context))
    assert isomorphic(pyld_graph(document, Loader(context)), graph)
    subject = node(document, str(EX.s))
    assert subject["owl:unionOf"] == {"@list": [{"id": str(EX.a)}, "x"]}
    assert subject["rdfs:label"] == "untagged"
    assert subject["articleCount"] == ["023"]  # not canonical: a string, not a number
    assert subject["tkg:party"] == "not an IRI"
    assert True in subject[str(EX.p)]  # canonical booleans and integers become JSON values
    assert 9007199254740993 in subject[str(EX.p)]


def test_trig_and_nquads_keep_named_graphs(named_dataset: Dataset) -> None:
    expected: dict[Any, set[Any]] = {}
    for s, p, o, g in named_dataset.quads((None, None, None, None)):
        name = None if g == DATASET_DEFAULT_GRAPH_ID else g
        expected.setdefault(name, set()).add((s, p, o))
    assert len(expected) == 3  # the default graph and two named graphs
    for write, rdf_format in (RDF_FORMATS["trig"], RDF_FORMATS["nquads"]):
        graphs = reparse(write(named_dataset), rdf_format)
        assert {name: triples_of(graph) for name, graph in graphs.items()} == expected


@pytest.mark.parametrize("write", [turtle, ntriples], ids=["turtle", "ntriples"])
def test_triple_formats_refuse_named_graphs(
    write: Callable[[Any], bytes], named_dataset: Dataset
) -> None:
    with pytest.raises(NamedGraphsError, match=r"named graphs.*write TriG or N-Quads"):
        write(named_dataset)
    with pytest.raises(NamedGraphsError):
        write([(EX.s, EX.p, EX.o, EX.g)])
    with pytest.raises(NamedGraphsError):
        write(prepare(named_dataset))


def test_jsonld_keeps_named_graphs(named_dataset: Dataset, context: dict[str, Any]) -> None:
    expected: dict[Any, set[Any]] = {}
    for s, p, o, g in named_dataset.quads((None, None, None, None)):
        name = None if g == DATASET_DEFAULT_GRAPH_ID else g
        expected.setdefault(name, set()).add((s, p, o))
    document = json.loads(jsonld(named_dataset, context))
    options = {"format": "application/n-quads", "documentLoader": Loader(context)}
    graphs = reparse(pyld.to_rdf(document, options).encode(), ox.RdfFormat.N_QUADS)
    assert {name: len(graph) for name, graph in graphs.items()} == {
        name: len(triples) for name, triples in expected.items()
    }
    for name, graph in graphs.items():
        reference = Graph()
        for triple in expected[name]:
            reference.add(triple)
        assert isomorphic(graph, reference), name


def test_a_dataset_without_named_graphs_is_fine_for_turtle(data: Graph) -> None:
    dataset = load()  # the loader's Dataset: everything in the default graph
    assert turtle(dataset) == turtle(list(dataset.triples((None, None, None))))


def test_prepare_once_write_many(data: Graph, context: dict[str, Any]) -> None:
    prepared = prepare(data)
    for write, _ in RDF_FORMATS.values():
        assert write(prepared) == write(data)
    assert jsonld(prepared, context) == jsonld(data, context)


# --- readable ----------------------------------------------------------------------------------


def test_turtle_declares_exactly_our_prefixes_in_order(data: Graph) -> None:
    text = turtle(data).decode()
    declared = re.findall(r"^@prefix ([\w-]*): <([^>]*)> \.$", text, flags=re.MULTILINE)
    assert declared == sorted(OUTPUT_PREFIXES.items())
    assert text.count("@prefix") == len(OUTPUT_PREFIXES)
    assert "id" not in OUTPUT_PREFIXES


def test_data_iris_print_as_readable_prefixed_names(data: Graph, shapes: Graph) -> None:
    text = turtle(data).decode()
    assert "\\/" not in text and "\\/" not in turtle(shapes).decode()
    assert "state:prk" in text and "organisation:" in text
    assert "norm:csp-art-4 " in text
    assert f"<{TREATY}>" in text  # treaty IRIs have no prefix: written in full, never escaped


def test_turtle_is_grouped_by_subject_one_predicate_per_line(data: Graph) -> None:
    body = turtle(data).decode().split("\n\n", 1)[1]
    lines = body.splitlines()  # pyoxigraph escapes newlines inside strings
    subject_lines = [line for line in lines if not line.startswith("\t")]
    subjects = [line.split(" ", 1)[0] for line in subject_lines]
    assert len(subjects) == len(set(subjects)) == len(set(data.subjects()))
    pairs = {(s, p) for s, p, _ in data}
    assert sum(1 for line in lines if line.startswith("\t")) == len(pairs) - len(subjects)
    typed = {s for s in data.subjects(RDF.type, None)}
    assert sum(1 for line in subject_lines if line.split(" ", 2)[1] == "a") == len(typed)


# --- deterministic -----------------------------------------------------------------------------

_DIGESTS = """
import hashlib, importlib, json, re, sys
loader = importlib.import_module("treatykg.rdf.load")
from treatykg.rdf import serialize as s
from treatykg.publish.jsonld import build_context, framed
from treatykg.namespaces import new_graph
ontology = loader.load_ontology()
data = new_graph()
for t in loader.load().triples((None, None, None)):
    data.add(t)
for t in ontology:
    data.add(t)
shapes = loader.load_shapes()
context = build_context(ontology)
outputs = {"context": json.dumps(context, sort_keys=True).encode(), "framed": framed(data, context)}
for name, graph in (("data", data), ("shapes", shapes)):
    for fmt in ("turtle", "ntriples", "trig", "nquads"):
        outputs[f"{name}.{fmt}"] = getattr(s, fmt)(graph)
    outputs[f"{name}.jsonld"] = s.jsonld(graph, context)
print(json.dumps({k: hashlib.sha256(v).hexdigest() for k, v in outputs.items()}))
"""


def _digests(seed: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    run = subprocess.run(
        [sys.executable, "-c", _DIGESTS], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(run.stdout)


@pytest.mark.slow
def test_every_output_is_identical_across_hash_seeds() -> None:
    """Data and shapes (with blank nodes) in every format, in two processes."""
    first, second = _digests("1"), _digests("2")
    assert len(first) == 12
    assert first == second


# --- the context -------------------------------------------------------------------------------


def _expand_context_iri(value: str) -> str:
    prefix, _, local = value.partition(":")
    return CONTEXT_PREFIXES[prefix] + local if prefix in CONTEXT_PREFIXES else value


def test_context_has_a_term_for_every_tkg_property(
    ontology: Graph, context: dict[str, Any]
) -> None:
    properties = tkg_properties(ontology)
    assert len(properties) > 50
    for prop in properties:
        term = context[str(prop).removeprefix(str(TKG))]
        assert _expand_context_iri(term["@id"]) == str(prop)


def test_every_term_expands_to_a_declared_term(ontology: Graph, context: dict[str, Any]) -> None:
    declared = {str(s) for s in ontology.subjects(RDF.type, None)}
    builtin = (str(RDF), str(RDFS), str(OWL))
    for term, definition in context.items():
        if isinstance(definition, dict):
            iri = _expand_context_iri(definition.get("@id") or definition["@reverse"])
            assert iri in declared or iri.startswith(builtin), (term, iri)
            if "@type" in definition and definition["@type"] != "@id":
                assert _expand_context_iri(definition["@type"]).startswith(str(XSD)), term


def test_context_shape(context: dict[str, Any]) -> None:
    assert context["@version"] == 1.1
    assert (context["id"], context["type"]) == ("@id", "@type")
    assert context["party"] == {"@id": "tkg:party", "@type": "@id", "@container": "@set"}
    assert context["articleCount"] == {
        "@id": "tkg:articleCount",
        "@type": "xsd:positiveInteger",
        "@container": "@set",
    }
    assert context["wording"] == {"@id": "tkg:wording", "@container": "@language"}
    assert context["claimValue"] == {"@id": "tkg:claimValue"}  # IRIs, dates and counts
    assert context["dateDocument"] == {
        "@id": "eli:date_document",
        "@type": "xsd:date",
        "@container": "@set",
    }
    assert context["articles"] == {"@reverse": "eli:is_part_of", "@container": "@set"}
    # Resources stay absolute IRIs: no id:, wd: or per-kind prefix in the context.
    assert not {"id", "wd", "state", "source", "office"} & {
        k for k, v in context.items() if isinstance(v, str) and not v.startswith("@")
    }


def test_a_term_defined_twice_is_an_error() -> None:
    ontology = Graph()
    # tkg:label clashes with the context's "label"
    ontology.add((URIRef(str(TKG) + "label"), RDF.type, OWL.DatatypeProperty))
    with pytest.raises(ValueError, match="'label' defined twice"):
        build_context(ontology)


# --- compaction --------------------------------------------------------------------------------


def test_compaction_uses_the_terms(compacted: dict[str, Any]) -> None:
    treaty = node(compacted, str(TREATY))
    assert treaty["type"] == "tkg:BilateralTreaty"
    assert treaty["party"] == [str(PRK), str(RUS)]
    assert set(treaty["label"]) == {"en", "fr", "ru", "ko"}
    assert treaty["dateDocument"] == ["2024-06-19"]
    assert treaty["articleCount"] == [23]  # typed by the term (xsd:positiveInteger): a number
    assert treaty["indefiniteDuration"] == ["true"]  # typed by the term (xsd:boolean)
    assert "rdfs:label" not in treaty and "tkg:party" not in treaty


def test_compact_iri_fallbacks_are_only_the_documented_ones(
    compacted: dict[str, Any], context: dict[str, Any]
) -> None:
    """A key that names a property with a term means a value did not fit the term."""
    term_iris = {
        _expand_context_iri(d["@id"])
        for d in context.values()
        if isinstance(d, dict) and "@id" in d
    }
    fallbacks = {
        key
        for item in compacted["@graph"]
        for key in item
        if key not in context and _expand_context_iri(key) in term_iris
    }
    # The ontology header names its publisher as a literal, where the data links to an IRI.
    assert fallbacks == {"dcterms:publisher"}


def test_jsonld_is_canonical(
    compacted: dict[str, Any], data: Graph, context: dict[str, Any]
) -> None:
    raw = jsonld(data, context)
    assert raw.endswith(b"}\n") and raw == serialize.canonical_json(compacted)
    assert compacted["@context"] == context
    ids = [item["id"] for item in compacted["@graph"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))


# --- the framed view ---------------------------------------------------------------------------


def framed_treaties(framed_doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The framed view's treaties by IRI."""
    return {treaty["id"]: treaty for treaty in framed_doc["@graph"]}


def test_the_framed_view_holds_every_treaty_with_articles(
    framed_doc: dict[str, Any], data: Graph
) -> None:
    divided = {
        str(treaty)
        for kind in (TKG.Article, TKG.Provision)
        for part in data.subjects(RDF.type, kind)
        for treaty in data.objects(part, ELI.is_part_of)
    }
    framed_ids = [treaty["id"] for treaty in framed_doc["@graph"]]
    assert len(framed_ids) == len(set(framed_ids)), f"a treaty framed twice: {framed_ids}"
    assert set(framed_ids) == divided, (
        f"framed treaties {sorted(framed_ids)} are not the treaties with articles {sorted(divided)}"
    )
    assert str(TREATY) in framed_ids


def test_every_framed_treaty_has_its_articles_in_order(
    framed_doc: dict[str, Any], data: Graph
) -> None:
    """Articles 1..articleCount in order, then the provisions whose article is unknown: no
    number, type Provision."""
    for iri, treaty in framed_treaties(framed_doc).items():
        numbered = [article for article in treaty["articles"] if "number" in article]
        provisions = treaty["articles"][len(numbered) :]
        count = data.value(URIRef(iri), TKG.articleCount)
        expected = len(numbered) if count is None else int(count)
        numbers = [article["number"] for article in numbered]
        assert numbers == [[str(n)] for n in range(1, expected + 1)], (
            f"{iri}: articles should run 1..{expected} in order, numbered ones first; got {numbers}"
        )
        own = {
            str(p)
            for p in data.subjects(RDF.type, TKG.Provision)
            if (p, ELI.is_part_of, URIRef(iri)) in data
        }
        assert {p["id"] for p in provisions} == own, f"{iri}: provisions without a number"
        assert all("number" not in p and p["type"] == "tkg:Provision" for p in provisions)
        assert all(topic["label"]["en"] for topic in treaty.get("topic", [])), (
            f"{iri}: a topic is not embedded as a labelled concept"
        )


def test_the_2024_treaty_is_framed_with_its_23_articles_and_parties(
    framed_doc: dict[str, Any],
) -> None:
    treaty = framed_treaties(framed_doc)[str(TREATY)]
    numbered = [article for article in treaty["articles"] if "number" in article]
    assert len(numbered) == 23, f"the 2024 treaty has 23 articles, framed: {len(numbered)}"
    assert [party["label"]["en"] for party in treaty["party"]] == ["North Korea", "Russia"]
    assert treaty["topic"], "the 2024 treaty's topics are missing"


def test_framed_article_4_embeds_its_norm_and_directed_obligations(
    framed_doc: dict[str, Any],
) -> None:
    article = framed_treaties(framed_doc)[str(TREATY)]["articles"][3]
    assert article["number"] == ["4"]
    (norm,) = [n for n in article["norms"] if n["id"] == f"{BASE}id/norm/csp-art-4"]
    obligations = norm["obligations"]
    assert len(obligations) == 2
    assert {o["bearer"][0]["id"] for o in obligations} == {str(PRK), str(RUS)}
    for obligation in obligations:
        assert obligation["bearer"][0]["id"] != obligation["beneficiary"][0]["id"]
        assert obligation["bearer"][0]["label"]["en"] in ("North Korea", "Russia")
        assert obligation["condition"][0]["label"]["en"]
        assert obligation["derivedFrom"] == [norm["id"]]
    assert norm["condition"][0]["wording"]["en"].startswith("In case")


def test_framed_view_drops_nothing(framed_doc: dict[str, Any], data: Graph) -> None:
    """Every norm and directed obligation is in the tree, with or without a legal basis.

    (A frame with per-property subframes made pyld drop the norms that had no legal basis.)
    """
    norms = [
        norm
        for treaty in framed_doc["@graph"]
        for article in treaty["articles"]
        for norm in article.get("norms", [])
    ]
    obligations = [o for norm in norms for o in norm.get("obligations", [])]
    assert {n["id"] for n in norms} == {str(n) for n in data.subjects(TKG.expressedBy, None)}
    assert {o["id"] for o in obligations} == {str(o) for o in data.subjects(TKG.derivedFrom, None)}
    assert len(norms) == len({n["id"] for n in norms}) >= 9
    assert len(obligations) >= 14


def test_framed_document_states_only_facts_of_the_data(
    framed_doc: dict[str, Any], data: Graph, context: dict[str, Any]
) -> None:
    back = pyld_graph(framed_doc, Loader(context))
    assert len(back) > 300
    assert triples_of(back) <= triples_of(data)


def test_refusing_loader_raises() -> None:
    with pytest.raises(pyld.JsonLdError, match="does not fetch"):
        refuse_to_load("https://example.org/context.jsonld")


def test_framed_output_is_canonical_json(
    framed_doc: dict[str, Any], data: Graph, context: dict[str, Any]
) -> None:
    raw = framed(data, context)
    assert raw == serialize.canonical_json(framed_doc) == framed(data, context)
    assert framed_doc["@context"] == context
