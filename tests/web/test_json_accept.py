"""``Accept: application/json`` on a resource IRI answers JSON-LD (issue 22), not 406.

A JavaScript ``fetch(iri, {headers: {Accept: "application/json"}})`` asks for JSON; JSON-LD
is JSON (``application/ld+json``, RFC 6839's ``+json`` suffix), so the IRI sends it to its
JSON-LD document, which is served as ``application/ld+json`` and is the resource's RDF.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

from treatykg.web.documents import Documents
from treatykg.web.negotiate import choose
from treatykg.web.serve import Settings, create_app

BASE = "https://w3id.org/treatykg/"
CSP = f"{BASE}eli/treaty/2024/csp"
OFFERED = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]


@pytest.fixture(scope="module")
def client(release: Path) -> TestClient:
    # No `with`: the lifespan (query workers) is not started; nothing here needs /sparql.
    return TestClient(create_app(Settings(build=release), Documents(release)))


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("application/json", "application/ld+json"),
        ("application/json, text/turtle;q=0.9", "application/ld+json"),
        ("text/turtle, application/json;q=0.5", "text/turtle"),
        ("application/json;q=0, */*", "text/html"),  # a more specific "not JSON"
        ("application/json, application/ld+json;q=0", None),  # its own name decides
        ("text/json", None),  # not the base of a suffix
    ],
)
def test_json_matches_json_ld(accept: str, chosen: str | None) -> None:
    assert choose(accept, OFFERED) == chosen


def test_json_results_keep_their_own_alias() -> None:
    """The endpoint offers ``application/json`` itself for SPARQL JSON results: unchanged."""
    offered = ["application/sparql-results+json", "application/json"]
    assert choose("application/json", offered) == "application/json"
    assert choose("application/json", offered[:1]) == offered[0]


@pytest.mark.parametrize("iri", [CSP, f"{CSP}/art_4", f"{BASE}id/state/prk"])
def test_accept_json_gets_the_json_ld_document(client: TestClient, iri: str) -> None:
    path = "/" + iri.removeprefix(BASE)
    response = client.get(path, headers={"Accept": "application/json"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == iri.rsplit("/", 1)[1] + ".jsonld"
    assert "Accept" in response.headers["vary"]
    document = client.get(path, headers={"Accept": "application/json"})
    assert document.status_code == 200
    assert document.headers["content-type"].split(";")[0] == "application/ld+json"
    body = json.loads(document.content)
    assert any(node.get("id") == iri for node in body["@graph"])
    as_json_ld = Graph().parse(data=document.content, format="json-ld")
    as_turtle = Graph().parse(data=client.get(f"{path}.ttl").content, format="turtle")
    assert isomorphic(as_json_ld, as_turtle)
