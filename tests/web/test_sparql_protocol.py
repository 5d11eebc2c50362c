"""The SPARQL 1.1 Protocol endpoint (treatykg.web.endpoint): answers, formats, and its defences.

A fresh build is served by a pool of query processes, mounted on a tiny Starlette app as
``treatykg serve`` mounts it. Answers are checked against the same query run on the embedded
store; the attacks of the perf-and-security checklist (§13A) must each get a clean error
(403, 400, 413, 422, 503…) and leave the pool answering. Requests that must never reach the
network are watched by a loopback canary socket, which must see no connection.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from sparql_rows import comparable, expected_rows, key
from treatykg.errors import UsageError
from treatykg.sparql import catalogue, execute, guard
from treatykg.web.endpoint import SparqlService
from treatykg.web.endpoint.pool import stop
from treatykg.web.endpoint.worker import Job

CSP = "https://w3id.org/treatykg/eli/treaty/2024/csp"
EL_PART_OF = "http://data.europa.eu/eli/ontology#is_part_of"
URL = "http://testserver/sparql"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
#: Rows with IRIs, plain, language-tagged and typed literals, and unbound cells.
SELECT = """
SELECT ?s ?p ?o ?label WHERE {
  ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o) && STRSTARTS(STR(?s), "https://w3id.org/treatykg/id/"))
  OPTIONAL { ?o <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANG(?label) = "en") }
}"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CROSS = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# No blank nodes, so that the graphs compare as sets of triples.
CONSTRUCT = """
CONSTRUCT { ?s ?p ?o } WHERE {
  ?s ?p ?o FILTER(isIRI(?s) && !isBlank(?o) && STRSTARTS(STR(?s), "https://w3id.org/treatykg/id/"))
}"""
LOOPBACK = "http://127.0.0.1:{port}/sparql"


def page(text: str | None, results: dict | None, error: str | None, language: str = "en") -> str:
    """A stand-in for the site's HTML renderer that shows what it was given."""
    return json.dumps({"query": text, "results": results, "error": error})


def app(service: SparqlService) -> Starlette:
    methods = ["GET", "POST", "HEAD", "PUT", "DELETE"]
    return Starlette(routes=[Route("/sparql", service.handle, methods=methods)])


@pytest.fixture(scope="module")
def dist(release: Path) -> Path:
    return release


@pytest.fixture(scope="module")
def store(dist: Path) -> ox.Store:
    return execute.embedded_store(dist)


@pytest.fixture(scope="module")
def service(dist: Path) -> Iterator[SparqlService]:
    # No answer cache: every test here must reach the workers (the cache has its own test).
    served = SparqlService(dist / "treatykg.nt", workers=2, html=page, cache_bytes=0)
    served.start()
    yield served
    served.close()


@pytest.fixture(scope="module")
def client(service: SparqlService) -> Iterator[TestClient]:
    with TestClient(app(service)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def strict(dist: Path) -> Iterator[tuple[SparqlService, TestClient]]:
    """Small limits: 1 s per query, 64 KiB of results, 4 KiB bodies, a short queue, no cache."""
    served = SparqlService(
        dist / "treatykg.nt",
        workers=2,
        timeout=1,
        max_result_bytes=64 * 1024,
        max_body_bytes=4096,
        queue_timeout=0.3,
        cache_bytes=0,  # every query must reach a worker here
    )
    served.start()
    with TestClient(app(served)) as test_client:
        yield served, test_client
    served.close()


@pytest.fixture(scope="module")
def single(dist: Path) -> Iterator[tuple[SparqlService, TestClient]]:
    """One worker (no spare) with 2 s per query, a 0.2 s queue, a 64 MiB memory budget and no
    cache."""
    served = SparqlService(
        dist / "treatykg.nt",
        workers=1,
        timeout=2,
        queue_timeout=0.2,
        memory_limit=64 * 1024 * 1024,
        cache_bytes=0,  # every query must reach a worker here
        spares=0,  # the one process is the pool: idle counts 0 while it runs a query
        warm=False,
    )
    served.start()
    with TestClient(app(served)) as test_client:
        yield served, test_client
    served.close()


@pytest.fixture
def canary() -> Iterator[socket.socket]:
    """A loopback listener that no request may reach; checked empty after the test."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    yield listener
    try:
        connection, _ = listener.accept()
    except BlockingIOError:
        pass
    else:
        connection.close()
        pytest.fail("a request reached the loopback canary")
    finally:
        listener.close()


def ask(client: TestClient, text: str, **params: str) -> Any:
    return client.get("/sparql", params={"query": text, **params})


def wait_idle(service: SparqlService, count: int, within: float = 20) -> None:
    """Wait until the pool has ``count`` idle workers again (replacements start in the
    background)."""
    deadline = time.monotonic() + within
    while service.idle < count:
        assert time.monotonic() < deadline, f"only {service.idle} of {count} workers came back"
        time.sleep(0.05)


def occupy(service: SparqlService, client: TestClient) -> tuple[threading.Thread, list[Any]]:
    """Start a runaway query in a thread and return once it holds the only worker; the
    thread's answer lands in the list."""
    wait_idle(service, 1)
    answers: list[Any] = []
    runner = threading.Thread(target=lambda: answers.append(ask(client, CROSS)))
    runner.start()
    deadline = time.monotonic() + 5
    while service.idle:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return runner, answers


def count(client: TestClient) -> int:
    response = ask(client, COUNT)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# --- answers in every format agree with the embedded store ------------------------------------


def same_rows(found: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    def normal(rows: list[dict[str, Any]]) -> list[str]:
        return sorted(key(comparable(row)) for row in rows)

    return normal(found) == normal(expected)


def xml_rows(body: bytes) -> list[dict[str, dict[str, str]]]:
    rows = []
    for result in ET.fromstring(body).iter(RESULTS_NS + "result"):
        row = {}
        for binding in result.iter(RESULTS_NS + "binding"):
            (term,) = list(binding)
            kind = term.tag.removeprefix(RESULTS_NS)
            found = {"type": kind, "value": term.text or ""}
            if kind == "bnode":
                found["value"] = "_"
            if "{http://www.w3.org/XML/1998/namespace}lang" in term.attrib:
                found["xml:lang"] = term.attrib["{http://www.w3.org/XML/1998/namespace}lang"]
            if "datatype" in term.attrib and term.attrib["datatype"] != XSD + "string":
                found["datatype"] = term.attrib["datatype"]
            row[binding.attrib["name"]] = found
        rows.append(row)
    return rows


def test_select_as_json_matches_the_embedded_store(client: TestClient, store: ox.Store) -> None:
    response = ask(client, SELECT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    assert response.headers["vary"] == "Accept"
    expected = expected_rows(store, SELECT)
    assert len(expected) > 1000
    kinds = {
        (term["type"], "xml:lang" in term, "datatype" in term)
        for row in expected
        for term in row.values()
    }
    assert len(kinds) >= 4 and any(len(row) < 4 for row in expected)
    assert same_rows(response.json()["results"]["bindings"], expected)


@pytest.mark.parametrize(
    "accept", ["application/sparql-results+json", "application/json", "*/*", None]
)
def test_json_is_the_default_and_answers_application_json(
    client: TestClient, store: ox.Store, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": SELECT}, headers=headers)
    assert response.status_code == 200
    media = accept if accept == "application/json" else "application/sparql-results+json"
    assert response.headers["content-type"] == f"{media}; charset=utf-8"
    assert same_rows(response.json()["results"]["bindings"], expected_rows(store, SELECT))


def test_select_as_xml_matches(client: TestClient, store: ox.Store) -> None:
    headers = {"Accept": "application/sparql-results+xml"}
    response = client.get("/sparql", params={"query": SELECT}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+xml")
    assert same_rows(xml_rows(response.content), expected_rows(store, SELECT))


def test_select_as_csv_matches(client: TestClient, store: ox.Store) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    expected = expected_rows(store, SELECT)
    assert header == [variable.value for variable in store.query(SELECT).variables]
    assert sorted(rows) == sorted(
        [row.get(name, {}).get("value", "") for name in header] for row in expected
    )


def test_select_as_tsv_matches(client: TestClient, store: ox.Store) -> None:
    headers = {"Accept": "text/tab-separated-values"}
    response = client.get("/sparql", params={"query": SELECT}, headers=headers)
    assert response.status_code == 200
    header, *rows = list(
        csv.reader(io.StringIO(response.text), delimiter="\t", quoting=csv.QUOTE_NONE)
    )
    solutions = store.query(SELECT)
    names = [variable.value for variable in solutions.variables]
    assert header == ["?" + name for name in names]

    def cell(term: Any) -> set[str]:
        if term is None:
            return {""}
        # SPARQL TSV may write numbers and booleans bare.
        return {str(term), term.value} if isinstance(term, ox.Literal) else {str(term)}

    expected = [[cell(solution[name]) for name in names] for solution in solutions]
    assert len(rows) == len(expected)
    unmatched = list(expected)
    for row in rows:
        match = next(
            (e for e in unmatched if all(v in c for v, c in zip(row, e, strict=True))), None
        )
        assert match is not None, f"unexpected row {row}"
        unmatched.remove(match)


def test_ask_in_every_results_format(client: TestClient) -> None:
    yes = f"ASK {{ <{CSP}> ?p ?o }}"
    assert ask(client, yes).json() == {"head": {}, "boolean": True}
    assert ask(client, "ASK { <http://example.org/nothing> ?p ?o }").json()["boolean"] is False
    xml = ask(client, yes, format="xml")
    assert ET.fromstring(xml.content).find(RESULTS_NS + "boolean").text == "true"
    assert ask(client, yes, format="csv").text.strip().lower() == "true"
    assert ask(client, yes, format="tsv").text.strip().lower() == "true"


@pytest.mark.parametrize(
    ("accept", "rdf_format"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_in_every_graph_format_matches(
    client: TestClient, store: ox.Store, accept: str, rdf_format: ox.RdfFormat
) -> None:
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    found = {quad.triple for quad in ox.parse(response.content, rdf_format)}
    expected = set(store.query(CONSTRUCT))
    assert len(expected) > 100
    assert found == expected


@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_json_ld_answers_carry_node_types_as_type(client: TestClient, form: str) -> None:
    """Issue 22: JSON-LD from /sparql is shaped as the dump is, ``@type`` and never an
    ``rdf:type`` member (jsonld.frame by type silently found nothing), and is the same RDF."""
    text = (
        f"DESCRIBE ?article WHERE {{ ?article <{EL_PART_OF}> <{CSP}> }}"
        if form == "DESCRIBE"
        else f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s <{EL_PART_OF}> <{CSP}> ; ?p ?o }}"
    )
    answers = {
        accept: client.get("/sparql", params={"query": text}, headers={"Accept": accept})
        for accept in ("application/ld+json", "application/n-triples")
    }
    body = answers["application/ld+json"].content
    nodes = json.loads(body)
    typed = [node for node in nodes if "@type" in node]
    assert len(typed) >= 23 and all(isinstance(node["@type"], list) for node in typed)
    assert b"22-rdf-syntax-ns#type" not in body
    found = {quad.triple for quad in ox.parse(body, ox.RdfFormat.JSON_LD)}
    expected = {q.triple for q in ox.parse(answers["application/n-triples"].content,
                                           ox.RdfFormat.N_TRIPLES)}  # fmt: skip
    assert found == expected


def test_construct_defaults_to_turtle_and_describe_matches(
    client: TestClient, store: ox.Store
) -> None:
    response = ask(client, f"DESCRIBE <{CSP}>")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    expected = Graph().parse(
        data=ox.serialize(store.query(f"DESCRIBE <{CSP}>"), format=ox.RdfFormat.N_TRIPLES),
        format="nt",
    )
    found = Graph().parse(data=response.text, format="turtle")
    assert len(found) > 10
    assert isomorphic(found, expected)


def test_get_post_form_and_post_direct_agree(client: TestClient) -> None:
    by_get = ask(client, SELECT)
    by_form = client.post("/sparql", data={"query": SELECT})
    by_body = client.post(
        "/sparql",
        content=SELECT.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query; charset=utf-8"},
    )
    assert by_get.status_code == by_form.status_code == by_body.status_code == 200
    assert by_get.json() == by_form.json() == by_body.json()


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    response = client.get(
        "/sparql", params={"query": COUNT, "format": "csv"}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "vary" not in response.headers
    turtle = ask(client, CONSTRUCT, format="text/turtle")
    assert turtle.headers["content-type"].startswith("text/turtle")
    jsonld = ask(client, CONSTRUCT, format="json")  # SPARQLWrapper's name, for a graph: JSON-LD
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert ask(client, COUNT, format="turtle").status_code == 406  # not for a SELECT


def test_named_and_default_graph_parameters(client: TestClient, store: ox.Store) -> None:
    # The build's N-Triples dump holds one default graph: naming another one empties it.
    response = ask(client, COUNT, **{"default-graph-uri": "http://example.org/g"})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"
    assert ask(client, COUNT, **{"default-graph-uri": "not an IRI"}).status_code == 400
    assert ask(client, COUNT, **{"named-graph-uri": "http://x/ >"}).status_code == 400


# --- the service description and the HTML page ------------------------------------------------


def test_service_description(client: TestClient, store: ox.Store) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = list(ox.parse(response.content, ox.RdfFormat.TURTLE))

    def objects(predicate: str) -> list[Any]:
        return [t.object for t in graph if t.predicate == ox.NamedNode(predicate)]

    # where the client reached it (TestClient's http://testserver), not the public namespace
    assert objects(SD + "endpoint") == [ox.NamedNode(URL)]
    assert objects(SD + "supportedLanguage") == [ox.NamedNode(SD + "SPARQL11Query")]
    formats = {term.value for term in objects(SD + "resultFormat")}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    assert len(formats) == 8
    assert [int(t.value) for t in objects(VOID + "triples")] == [len(store)]
    assert ox.NamedNode(SD + "BasicFederatedQuery") not in objects(SD + "feature")
    for accept, rdf_format in [
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ]:
        other = client.get("/sparql", headers={"Accept": accept})
        assert other.headers["content-type"].startswith(accept)
        assert len(list(ox.parse(other.content, rdf_format))) == len(graph)


def test_a_browser_gets_the_form_and_html_results(client: TestClient) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    form = client.get("/sparql", headers=browser)
    assert form.headers["content-type"].startswith("text/html")
    assert json.loads(form.text) == {"query": None, "results": None, "error": None}
    results = client.get("/sparql", params={"query": COUNT}, headers=browser)
    shown = json.loads(results.text)
    assert shown["query"] == COUNT and shown["error"] is None
    assert shown["results"]["results"]["bindings"][0]["n"]["value"].isdigit()
    broken = client.get("/sparql", params={"query": "SELECT * { ?s ?p }"}, headers=browser)
    assert broken.status_code == 400
    shown = json.loads(broken.text)
    assert shown["query"] == "SELECT * { ?s ?p }" and "line 1, column" in shown["error"]


def test_without_a_renderer_html_is_not_offered(strict: tuple[SparqlService, TestClient]) -> None:
    _, client = strict
    assert client.get("/sparql", headers={"Accept": "text/html"}).status_code == 406
    assert ask(client, COUNT, format="html").status_code == 406


# --- read-only --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "params": {"query": "INSERT DATA { <http://x/a> <http://x/b> 1 }"}},
        {"method": "GET", "params": {"update": "INSERT DATA { <http://x/a> <http://x/b> 1 }"}},
        {"method": "POST", "data": {"update": "DELETE WHERE { ?s ?p ?o }"}},
        {"method": "POST", "data": {"query": "DELETE WHERE { ?s ?p ?o }"}},
        {"method": "POST", "data": {"query": "PREFIX x: <http://x/>\n# hi\nCLEAR ALL"}},
        {"method": "POST", "data": {"query": "LOAD <file:///etc/passwd>"}},
        {
            "method": "POST",
            "content": b"DROP ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {
            "method": "POST",
            "content": b"INSERTDATA{<http://x/a><http://x/b>1}",
            "headers": {"Content-Type": "application/sparql-query"},
        },
    ],
    ids=[
        "get-query",
        "get-update",
        "form-update",
        "form-delete",
        "clear",
        "load",
        "direct",
        "glued",
    ],
)
def test_updates_are_refused_and_change_nothing(
    client: TestClient, request_kwargs: dict[str, Any]
) -> None:
    before = count(client)
    response = client.request(url="/sparql", **request_kwargs)
    assert response.status_code == 403
    assert response.text.strip() == "this endpoint is read-only: SPARQL Update is refused"
    assert count(client) == before


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_graph_store_methods_are_not_allowed(client: TestClient, method: str) -> None:
    response = client.request(method, "/sparql", content=b"<http://x/a> <http://x/b> 1 .")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"] and "PUT" not in response.headers["allow"]


# --- SERVICE ----------------------------------------------------------------------------------

SERVICE_REFUSED = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ S\\u0045RVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ sErViCe <{url}> {{ ?s ?p ?o }} }}",
    # A quote inside an IRI once hid SERVICE inside a fake string (two-pass stripping).
    "SELECT * {{ <http://x/'> ?p ?o . SERVICE <{url}> {{ ?s ?p ?o }} <http://y/'> ?p ?o }}",
    # A # inside an IRI is not a comment.
    "SELECT * {{ <http://x/#> ?p ?o . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    # Oxigraph needs no space around a keyword.
    "SELECT * {{ ?s ?p 1SERVICE <{url}> {{ ?a ?b ?c }} }}",
    "SELECT * {{ ?s ?p ?o FILTER(true)SERVICE<{url}>{{ ?a ?b ?c }} }}",
    "PREFIX : <{url}> SELECT * {{ ?s ?p ?o SERVICE:x {{ ?a ?b ?c }} }}",
    "PREFIX : <{url}> SELECT * {{ ?s ?p ?o SERVICESILENT:x {{ ?a ?b ?c }} }}",
    # An escaped # in a prefixed name is not a comment either.
    "PREFIX ex: <http://e/> SELECT * {{ ?s ?p ex:o\\# }} SERVICE <{url}> {{ ?a ?b ?c }} }}",
    # Oxigraph reads ex:a.b.SERVICE as ex:a.b then .SERVICE …
    "PREFIX ex: <http://e/> SELECT * {{ ?s ?p ?o . ?s ?p ex:a.b.SERVICE <{url}> {{ ?a ?b ?c }} }}",
    # … and, when ex:a.5SERVICE is not a valid IRI, as ex: a .5 SERVICE.
    "PREFIX ex: <http://x:> SELECT * {{ ?s ?p ?o . ex:a.5SERVICE <{url}> {{ ?a ?b ?c }} }}",
    # pyoxigraph decodes \\u0022 inside a string as a quote character, not as its end.
    'SELECT * {{ BIND("x\\u0022" AS ?y) SERVICE <{url}> {{ ?a ?b "z" }} }}',
]


@pytest.mark.parametrize("template", SERVICE_REFUSED)
def test_service_is_refused_before_any_worker_sees_it(
    client: TestClient, canary: socket.socket, template: str
) -> None:
    text = template.format(url=LOOPBACK.format(port=canary.getsockname()[1]))
    with pytest.raises(UsageError, match="SERVICE"):
        guard.check(text)
    for response in (ask(client, text), client.post("/sparql", data={"query": text})):
        assert response.status_code == 400
        assert "SERVICE" in response.text and "refused" in response.text


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ?service WHERE { BIND("x" AS ?service) }',
        "SELECT $SERVICE WHERE { ?s ?p ?o } LIMIT 1",
        "PREFIX ex: <http://example.org/> SELECT * { ?s ex:service ?o . ?s ex:SERVICE ?o }",
        'SELECT * { ?s ?p "SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }" }',
        "SELECT * { ?s ?p '''\nSERVICE <http://127.0.0.1:9/> {}\n''' }",
        "SELECT * { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/> { }",
        "SELECT * { <http://x/SERVICE> ?p ?o . _:service ?p ?o }",
    ],
)
def test_names_and_strings_that_say_service_are_fine(client: TestClient, text: str) -> None:
    guard.check(text)
    assert ask(client, text).status_code == 200


@pytest.mark.parametrize("source", ["http://127.0.0.1:{port}/data.ttl", "file:///etc/passwd"])
def test_from_reads_no_url_and_no_file(
    client: TestClient, canary: socket.socket, source: str
) -> None:
    """pyoxigraph takes FROM <…> as the name of a graph in the store, never as a place to
    fetch from or read: the answer is empty."""
    iri = source.format(port=canary.getsockname()[1])
    response = ask(client, f"SELECT * FROM <{iri}> WHERE {{ ?s ?p ?o }}")
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []


def test_a_worker_has_no_network_even_if_service_got_through(
    service: SparqlService, canary: socket.socket
) -> None:
    """Defence in depth: where Linux allows it, workers live in an empty network namespace."""
    if not service.network_isolated:
        pytest.skip("this kernel does not let the worker leave the host's network")
    url = LOOPBACK.format(port=canary.getsockname()[1])
    worker = service.pool.spawn()  # a spare worker, driven directly, past the checks
    try:
        service.pool.await_ready(worker)
        text = f"SELECT * {{ BIND(1 AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}"
        worker.conn.send(Job(text, (), (), False, "JSON", 1 << 20))
        assert worker.conn.poll(10)
        status, message = worker.conn.recv()
        assert status == "error", message
    finally:
        stop(worker)


# --- limits -----------------------------------------------------------------------------------


def test_a_runaway_query_is_stopped_and_the_pool_keeps_serving(
    strict: tuple[SparqlService, TestClient],
) -> None:
    service, client = strict
    wait_idle(service, 2)
    started = time.monotonic()
    response = ask(client, CROSS)
    assert response.status_code == 503
    assert response.text.strip() == "query stopped after 1 s (the server's timeout)"
    assert time.monotonic() - started < 4
    assert ask(client, "ASK {}").status_code == 200  # the other worker, right away
    wait_idle(service, 2)  # and the killed one is replaced
    assert ask(client, "ASK {}").status_code == 200


def test_a_result_over_the_cap_is_422_never_a_truncated_200(
    strict: tuple[SparqlService, TestClient],
) -> None:
    _, client = strict
    for fmt in ("json", "csv"):
        response = ask(client, "SELECT * { ?s ?p ?o }", format=fmt)
        assert response.status_code == 422
        assert "larger than the server's cap of 64 KiB" in response.text
        assert "LIMIT" in response.text
    graph = ask(client, "CONSTRUCT WHERE { ?s ?p ?o }")
    assert graph.status_code == 422
    assert ask(client, "SELECT * { ?s ?p ?o } LIMIT 5").status_code == 200


def test_an_oversized_body_is_413(strict: tuple[SparqlService, TestClient]) -> None:
    _, client = strict
    body = b"query=" + b"x" * 5000
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    declared = client.post("/sparql", content=body, headers=form)
    assert declared.status_code == 413
    assert "4 KiB" in declared.text

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 1000

    direct = {"Content-Type": "application/sparql-query"}
    streamed = client.post("/sparql", content=chunks(), headers=direct)
    assert streamed.status_code == 413
    assert client.post("/sparql", data={"query": "ASK {}"}).status_code == 200


def test_a_query_over_64_kib_is_refused(client: TestClient) -> None:
    text = "SELECT * { ?s ?p ?o } #" + "x" * (70 * 1024)  # under the 128 KiB body cap
    assert client.post("/sparql", data={"query": text}).status_code == 413
    direct = {"Content-Type": "application/sparql-query"}
    refused = client.post("/sparql", content=text.encode("utf-8"), headers=direct)
    assert refused.status_code == 413
    assert "larger than 64 KiB" in refused.text


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE " + "{" * 3000 + "}" * 3000,
        "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
        "SELECT * WHERE { ?s ?p " + "[ ?p " * 3000 + "]" * 3000 + " }",
    ],
    ids=["braces", "parentheses", "brackets"],
)
def test_deep_nesting_is_400_and_the_service_lives_on(
    client: TestClient, service: SparqlService, text: str
) -> None:
    response = client.post("/sparql", data={"query": text})
    assert response.status_code == 400
    assert "nests" in response.text
    assert ask(client, "ASK {}").status_code == 200
    wait_idle(service, 2, within=1)  # no worker died


def test_busy_pool_answers_503_with_retry_after(
    single: tuple[SparqlService, TestClient],
) -> None:
    service, client = single
    runner, answers = occupy(service, client)
    started = time.monotonic()
    busy = ask(client, "ASK {}")
    assert busy.status_code == 503
    assert "busy" in busy.text
    assert int(busy.headers["retry-after"]) >= 1
    assert time.monotonic() - started < 1.5
    runner.join()
    assert [answer.status_code for answer in answers] == [503]
    wait_idle(service, 1)
    assert ask(client, "ASK {}").status_code == 200


def test_a_crashed_worker_is_a_clean_500_and_is_replaced(
    single: tuple[SparqlService, TestClient],
) -> None:
    service, client = single
    runner, answers = occupy(service, client)
    (worker,) = service.pool.members
    os.kill(worker.process.pid, signal.SIGSEGV)
    runner.join()
    (crashed,) = answers
    assert crashed.status_code == 500
    assert "crashed" in crashed.text and "SIGSEGV" in crashed.text
    wait_idle(service, 1)
    assert ask(client, "ASK {}").status_code == 200


def test_a_query_that_eats_memory_kills_only_its_worker(
    single: tuple[SparqlService, TestClient],
) -> None:
    service, client = single
    wait_idle(service, 1)
    response = ask(client, "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?c ?f ?d")
    # 64 MiB run out within a fraction of the 2 s the query may take.
    assert response.status_code == 500
    assert "ran out of memory" in response.text
    wait_idle(service, 1)
    assert ask(client, "ASK {}").status_code == 200


# --- malformed requests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["query=%zz", "query=%ff", "query=ASK%20%7B%7D%", "query=%C3%28", "query=%ED%A0%80"]
)
def test_malformed_percent_encoding_is_400(client: TestClient, raw: str) -> None:
    by_get = client.get(f"/sparql?{raw}")
    by_form = client.post(
        "/sparql",
        content=raw.encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert by_get.status_code == by_form.status_code == 400
    assert "percent" in by_get.text or "UTF-8" in by_get.text


@pytest.mark.parametrize("accept", ["text/turtle;q=2", "garbage", "text/html;q=x"])
def test_malformed_accept_is_400(client: TestClient, accept: str) -> None:
    response = client.get("/sparql", params={"query": COUNT}, headers={"Accept": accept})
    assert response.status_code == 400
    assert "Accept" in response.text


def test_unacceptable_accept_is_406_listing_the_offer(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text
    graph = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert graph.status_code == 406
    assert "text/turtle" in graph.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * { ?s ?p }", "SPARQL syntax error at line 1, column"),
        ("SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(\n}", "line 3, column 9: near '( }'"),
        ("SELEKT * {}", "not a SPARQL query"),
        ("SELECT * { ?s <not an iri> ?o }", "column 15: not a valid IRI: <not an iri>"),
        ("SELECT * { ?s foo:bar ?o }", "line 1, column 15: undeclared prefix foo:"),
        ("SELECT * { ?s ?p ?o ", "unexpected end of the query"),
    ],
)
def test_syntax_errors_are_short_400s_without_internals(
    client: TestClient, dist: Path, text: str, expected: str
) -> None:
    response = ask(client, text)
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert expected in response.text
    assert "Traceback" not in response.text and str(dist) not in response.text
    assert len(response.text) < 500 and response.text.count("\n") == 1
    assert "\\u{" not in response.text and "expected one of" not in response.text


def test_other_bad_requests(client: TestClient) -> None:
    assert client.post("/sparql", data={"format": "json"}).status_code == 400  # no query
    assert client.get("/sparql", params={"default-graph-uri": "http://x/"}).status_code == 400
    twice = client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert twice.status_code == 400
    other = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert other.status_code == 415
    latin1 = client.post(
        "/sparql",
        content="ASK { ?s ?p 'é' }".encode("latin-1"),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert latin1.status_code == 400


@pytest.fixture(scope="module")
def cached(dist: Path) -> Iterator[tuple[SparqlService, TestClient]]:
    """The service as `treatykg serve` runs it: with its answer cache."""
    served = SparqlService(dist / "treatykg.nt", workers=1)
    served.start()
    with TestClient(app(served)) as test_client:
        yield served, test_client
    served.close()


def test_repeated_queries_are_answered_from_the_cache(
    cached: tuple[SparqlService, TestClient],
) -> None:
    service, client = cached
    text = "SELECT ?c (COUNT(*) AS ?n) { ?s a ?c } GROUP BY ?c ORDER BY ?c"
    first, second = ask(client, text), ask(client, text)
    assert first.headers["x-treatykg-cache"] == "miss"
    assert second.headers["x-treatykg-cache"] == "hit"
    assert second.content == first.content and second.status_code == 200
    assert second.headers["content-type"] == first.headers["content-type"]
    # another format, or another dataset, is another answer
    assert ask(client, text, format="csv").headers["x-treatykg-cache"] == "miss"
    named = ask(client, text, **{"default-graph-uri": "urn:x-test:nothing"})
    assert named.headers["x-treatykg-cache"] == "miss"
    assert named.json()["results"]["bindings"] == []
    # errors are never kept: a refused query is refused again, by the checks
    for _ in range(2):
        assert "x-treatykg-cache" not in ask(client, "SELEC nothing").headers
    assert service.cache.size <= service.cache.budget


def test_the_cache_keeps_to_its_budget_and_can_be_off(dist: Path) -> None:
    from treatykg.web.endpoint import AnswerCache

    cache = AnswerCache(800)
    jobs = [f"SELECT * {{ ?s ?p {n} }}" for n in range(20)]
    for text in jobs:
        cache.put(text, b"x" * 100)  # any hashable key will do
    assert cache.size <= 800 and cache.get(jobs[-1]) == b"x" * 100
    assert cache.get(jobs[0]) is None  # the oldest went first
    cache.put("big", b"y" * 101)  # over an eighth: not kept
    assert cache.get("big") is None
    served = SparqlService(dist / "treatykg.nt", workers=1, cache_bytes=0)
    served.start()
    try:
        with TestClient(app(served)) as off:
            for _ in range(2):
                assert ask(off, "ASK { ?s ?p ?o }").headers["x-treatykg-cache"] == "miss"
    finally:
        served.close()


# --- what busy workers cannot hold up: the bundled answers, large HTML results -------------------


@pytest.fixture(scope="module")
def warmed(dist: Path) -> Iterator[tuple[SparqlService, TestClient]]:
    """One worker and no spare, with the bundled answers computed at start-up (all of them:
    start() waits for the warm-up to end)."""
    served = SparqlService(
        dist / "treatykg.nt",
        workers=1,
        spares=0,
        timeout=3,
        queue_timeout=0.3,
        html=page,
        warm_wait=None,
    )
    served.start()
    with TestClient(app(served)) as test_client:
        yield served, test_client
    served.close()


def test_bundled_queries_are_answered_while_every_worker_is_busy(
    warmed: tuple[SparqlService, TestClient], store: ox.Store
) -> None:
    service, client = warmed
    assert service.warmed and service.warm_seconds > 0
    runner, _ = occupy(service, client)
    try:
        for item in [q for q in catalogue.bundled() if not q.name.startswith("federated/")]:
            if guard.form(item.text) != "select":
                continue
            # as a browser's form sends it (CRLF line breaks), and as SPARQLWrapper does
            crlf = item.text.replace("\n", "\r\n")
            for text, accept in (
                (crlf, "text/html"),
                (item.text, "application/sparql-results+json"),
            ):
                answer = client.post("/sparql", data={"query": text}, headers={"Accept": accept})
                assert answer.status_code == 200, (item.name, answer.text)
                assert answer.headers["x-treatykg-cache"] == "hit", item.name
            rows = answer.json()["results"]["bindings"]
            assert same_rows(rows, expected_rows(store, item.text)), item.name
        # anything else waits for the worker, and is told it is busy
        assert ask(client, "ASK { ?s ?p 1 }").status_code == 503
    finally:
        runner.join()
    wait_idle(service, 1)


def test_a_large_result_as_html_is_a_page_of_it_with_the_whole_as_csv(
    warmed: tuple[SparqlService, TestClient],
) -> None:
    service, client = warmed
    text = "SELECT ?s ?p ?o { ?s ?p ?o } ORDER BY ?s ?p ?o"
    answer = client.get("/sparql", params={"query": text}, headers={"Accept": "text/html"})
    assert answer.status_code == 200
    shown = json.loads(answer.text)["results"]  # what the page renderer was given
    total = len(ask(client, text).json()["results"]["bindings"])
    assert total > service.html_rows
    assert shown["total"] == total and len(shown["results"]["bindings"]) == service.html_rows
    first = ask(client, text + " LIMIT 3").json()["results"]["bindings"]
    assert shown["results"]["bindings"][:3] == first
