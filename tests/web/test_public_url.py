"""A running server names its SPARQL endpoint where it is reached (issue 22).

The Service Description (``GET /sparql``) and ``/.well-known/void`` tell a client where to
send queries. They named ``https://w3id.org/treatykg/sparql`` on every server, so a client
following them from ``treatykg serve`` on a laptop went to the internet. Now they name the
address the request came to (scheme, ``Host``, ASGI root path), or ``--public-url`` behind a
proxy, whatever the ``Host``; a ``Host`` that is not a host name never reaches an IRI; the
build's ``void.ttl`` keeps the public IRIs. The JavaScript client that follows the
description (Comunica) is tested in tests/js/test_javascript.py.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, VOID
from starlette.testclient import TestClient

from treatykg.errors import UsageError
from treatykg.namespaces import BASE, DCAT
from treatykg.web.public_url import configured
from treatykg.web.serve import Settings, create_app

SD_ENDPOINT = URIRef("http://www.w3.org/ns/sparql-service-description#endpoint")
DATASET = URIRef(f"{BASE}dataset")
PUBLIC = "https://example.org/treatykg/"


@pytest.fixture(scope="module")
def app(release: Path) -> Iterator[object]:
    application = create_app(Settings(build=release, workers=1))
    with TestClient(application):  # runs the lifespan once: the query workers start
        yield application


@pytest.fixture(scope="module")
def proxied(release: Path) -> Iterator[object]:
    application = create_app(Settings(build=release, workers=1, public_url=PUBLIC))
    with TestClient(application):
        yield application


def _named(client: TestClient, headers: dict[str, str] | None = None) -> tuple[set, set, set]:
    """The endpoint the Service Description names, and the served VoID's
    ``void:sparqlEndpoint`` and ``dcat:endpointURL``."""
    description = client.get("/sparql", headers={"Accept": "text/turtle", **(headers or {})})
    assert description.status_code == 200, description.text
    sd = Graph().parse(data=description.content, format="turtle")
    void = client.get("/.well-known/void", headers=headers or {})
    assert void.status_code == 200, void.text
    served = Graph().parse(data=void.content, format="turtle")
    return (
        {str(o) for o in sd.objects(None, SD_ENDPOINT)},
        {str(o) for o in served.objects(DATASET, VOID.sparqlEndpoint)},
        {str(o) for o in served.objects(None, DCAT.endpointURL)},
    )


@pytest.mark.parametrize(
    ("base", "host", "endpoint"),
    [
        ("http://testserver", None, "http://testserver/sparql"),
        ("http://testserver", "127.0.0.1:8123", "http://127.0.0.1:8123/sparql"),
        ("http://testserver", "localhost", "http://localhost/sparql"),
        ("http://testserver", "[::1]:9000", "http://[::1]:9000/sparql"),
        ("https://data.example.net", None, "https://data.example.net/sparql"),
    ],
)
def test_the_endpoint_is_named_where_the_client_reached_it(
    app: object, base: str, host: str | None, endpoint: str
) -> None:
    client = TestClient(app, base_url=base)  # type: ignore[arg-type]
    headers = {"Host": host} if host else None
    assert _named(client, headers) == ({endpoint}, {endpoint}, {endpoint})


@pytest.mark.parametrize(
    "host",
    ['evil.example"> <http://x', "a b", "example.org/path", "user@example.org", "x:port", "-x"],
)
def test_a_host_header_that_is_no_host_never_reaches_an_iri(app: object, host: str) -> None:
    """The address the connection came to stands in (TestClient's: testserver, port 80)."""
    client = TestClient(app)  # type: ignore[arg-type]
    endpoint = "http://testserver/sparql"
    assert _named(client, {"Host": host}) == ({endpoint}, {endpoint}, {endpoint})


def test_under_a_root_path_the_endpoint_is_under_it(app: object) -> None:
    client = TestClient(app, root_path="/treatykg")  # type: ignore[arg-type]
    endpoint = "http://testserver/treatykg/sparql"
    assert _named(client) == ({endpoint}, {endpoint}, {endpoint})


def test_behind_a_proxy_the_public_url_is_named_whatever_the_host(proxied: object) -> None:
    client = TestClient(proxied)  # type: ignore[arg-type]
    endpoint = PUBLIC + "sparql"
    for host in (None, "127.0.0.1:8000", "attacker.example"):
        headers = {"Host": host} if host else None
        assert _named(client, headers) == ({endpoint}, {endpoint}, {endpoint}), host


def test_the_build_s_void_keeps_the_public_iris(app: object, release: Path) -> None:
    """The build's own ``void.ttl`` is a published file (its checksum is in the manifest):
    served as built, it names no address of this server."""
    client = TestClient(app, base_url="http://127.0.0.1:8123")  # type: ignore[arg-type]
    body = client.get("/void.ttl").content
    assert body == (release / "void.ttl").read_bytes()
    assert b"127.0.0.1" not in body and b"testserver" not in body
    served = Graph().parse(data=client.get("/.well-known/void").content, format="turtle")
    built = Graph().parse(data=body, format="turtle")
    assert set(built) < set(served)
    # the endpoint's service is under the dataset's licence
    service = URIRef("http://127.0.0.1:8123/sparql")
    licences = set(built.objects(DATASET, DCTERMS.license))
    assert licences and set(served.objects(service, DCTERMS.license)) == licences


@pytest.mark.parametrize(
    ("given", "wanted"),
    [
        ("https://example.org/treatykg/", "https://example.org/treatykg/"),
        ("https://example.org/treatykg", "https://example.org/treatykg/"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
        ("https://[2001:db8::1]/kg/", "https://[2001:db8::1]/kg/"),
    ],
)
def test_a_public_url_is_a_base_ending_in_a_slash(given: str, wanted: str) -> None:
    assert configured(given) == wanted


@pytest.mark.parametrize(
    "given",
    [
        "example.org/treatykg/",
        "ftp://example.org/",
        "https://",
        "https://example.org/?x=1",
        "https://example.org/#top",
        "https://exa mple.org/",
        "https://example.org/a b/",
        "https://example.org/<x>/",
        "https://user:secret@example.org/",
    ],
)
def test_a_public_url_that_is_not_a_base_url_is_refused(given: str) -> None:
    with pytest.raises(UsageError, match="--public-url"):
        configured(given)


def test_serve_refuses_a_bad_public_url_with_exit_2_and_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "treatykg.cli", "serve", "--public-url", "example.org/kg"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--public-url 'example.org/kg'" in done.stderr
    assert "Traceback" not in done.stderr
