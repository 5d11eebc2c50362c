"""Dereferencing, in-process: every resource IRI answers 303 to the document Accept asks for.

The app runs under Starlette's test client (no socket, no query workers: nothing here calls
/sparql). What a real socket adds (raw paths, concurrency, the endpoint) is in
test_serve_live.py.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import RDFS, Graph, URIRef
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

from treatykg.web import serve
from treatykg.web.documents import Documents
from treatykg.web.serve import Settings, create_app

BASE = "https://w3id.org/treatykg/"
CSP = f"{BASE}eli/treaty/2024/csp"
SAMPLE = [
    CSP,
    f"{CSP}/art_4",
    f"{BASE}id/person/vladimir-putin",
    f"{BASE}id/event/2024-06-19-signing",
    f"{BASE}id/obligation/csp-art-4-rus-to-prk",
    f"{BASE}id/claim/enwiki-signing-date",
    f"{BASE}dataset",
]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
SUFFIX_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}

#: Accept header → the document suffix it must be sent to (None: 406).
NEGOTIATION: list[tuple[str | None, str | None]] = [
    (None, "html"),
    ("*/*", "html"),
    (BROWSER, "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("text/turtle, */*;q=0.1", "ttl"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld"),
    ("text/turtle;q=0.2, application/n-triples", "nt"),
    ("*/*, text/html;q=0", "ttl"),
    ("application/*", "jsonld"),
    ("text/*;q=0.5, text/turtle", "ttl"),
    ("TEXT/Turtle", "ttl"),
    ("image/png", None),
    ("text/html;q=0, text/turtle;q=0", None),
]


@pytest.fixture(scope="module")
def documents(release: Path) -> Documents:
    return Documents(release)


@pytest.fixture(scope="module")
def client(release: Path, documents: Documents) -> TestClient:
    # No `with`: the lifespan (query workers) is not started; nothing here needs /sparql.
    return TestClient(create_app(Settings(build=release), documents), follow_redirects=False)


def _path(iri: str) -> str:
    return "/" + iri.removeprefix(BASE)


@pytest.mark.parametrize("iri", SAMPLE, ids=lambda iri: iri.removeprefix(BASE))
@pytest.mark.parametrize(("accept", "suffix"), NEGOTIATION, ids=lambda v: str(v))
def test_resource_iris_see_other(
    client: TestClient, iri: str, accept: str | None, suffix: str | None
) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = client.get(_path(iri), headers=headers)
    if suffix is None:
        assert response.headers["vary"] == "Accept"
        assert response.status_code == 406
        assert "text/turtle" in response.text  # says what it offers
        return
    assert response.status_code == 303
    assert response.headers["vary"] == "Accept, Accept-Language"
    name = iri.rsplit("/", 1)[1]
    assert response.headers["location"] == f"{name}.{suffix}"


@pytest.mark.parametrize("iri", SAMPLE, ids=lambda iri: iri.removeprefix(BASE))
@pytest.mark.parametrize("suffix", ["ttl", "nt", "jsonld"])
def test_documents_hold_the_description(
    client: TestClient, documents: Documents, iri: str, suffix: str
) -> None:
    response = client.get(f"{_path(iri)}.{suffix}")
    assert response.status_code == 200
    expected_type = {"ttl": "text/turtle", "nt": "application/n-triples"}.get(
        suffix, "application/ld+json"
    )
    assert response.headers["content-type"].startswith(expected_type)
    assert "vary" not in response.headers  # a document is not negotiated
    got = Graph().parse(data=response.content, format=SUFFIX_FORMATS[suffix])
    whole = documents.graph
    node = URIRef(iri)
    own = set(whole.triples((node, None, None)))
    incoming = set(whole.triples((None, None, node)))
    assert own and own <= set(got), "every triple about the resource is in its document"
    assert incoming <= set(got), "so is every triple pointing to it"
    # ...and the labels of what it links to, so a client can name the links
    for _, _, value in own:
        if isinstance(value, URIRef):
            for label in whole.objects(value, RDFS.label):
                assert (value, RDFS.label, label) in got
    assert isomorphic(got, documents.document_graph(iri))


@pytest.mark.slow
def test_hash_iris_resolve_to_the_ontology(client: TestClient, release: Path) -> None:
    # A client strips the fragment of https://w3id.org/treatykg/def#State before asking.
    response = client.get("/def", headers={"Accept": "text/turtle"})
    assert (response.status_code, response.headers["location"]) == (303, "def.ttl")
    document = client.get("/def.ttl")
    assert document.content == (release / "ontology.ttl").read_bytes()
    graph = Graph().parse(data=document.content, format="turtle")
    assert (URIRef(f"{BASE}def#State"), None, None) in graph
    page = client.get("/def.html")
    assert page.status_code == 200 and 'id="State"' in page.text
    shapes = client.get("/shapes", headers={"Accept": "application/n-triples"})
    assert shapes.headers["location"] == "shapes.nt"
    triples = Graph().parse(data=client.get("/shapes.nt").content, format="nt")
    assert isomorphic(triples, Graph().parse(release / "shapes.ttl"))


@pytest.mark.parametrize(
    ("accept", "suffix", "media"),
    [
        ("text/turtle", "ttl", "text/turtle"),
        ("application/n-triples", "nt", "application/n-triples"),
        ("application/ld+json", "jsonld", "application/ld+json"),
        (BROWSER, "html", "text/html"),
        (None, "html", "text/html"),
    ],
)
def test_unknown_iris_are_404_in_the_format_asked(
    client: TestClient, accept: str | None, suffix: str, media: str
) -> None:
    headers = {} if accept is None else {"Accept": accept}
    for path in ("/id/state/atlantis", f"/id/state/atlantis.{suffix}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith(media)
        if suffix in SUFFIX_FORMATS:
            # a valid, empty RDF document: clients that parse every answer do not choke
            assert len(Graph().parse(data=response.content, format=SUFFIX_FORMATS[suffix])) == 0
        else:
            assert "atlantis" in response.text and "<html" in response.text.lower()


def test_build_files_and_dataset_metadata(client: TestClient, release: Path) -> None:
    for name, media in [
        ("treatykg.ttl", "text/turtle"),
        ("treatykg.nt", "application/n-triples"),
        ("treatykg.jsonld", "application/ld+json"),
        ("void.ttl", "text/turtle"),
        ("manifest.json", "application/json"),
    ]:
        response = client.get(f"/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(media), name
        assert response.content == (release / name).read_bytes()
    context = client.get("/context.jsonld")
    assert context.headers["content-type"] == "application/ld+json"
    assert context.headers["access-control-allow-origin"] == "*"
    assert "@context" in json.loads(context.content)
    void = client.get("/.well-known/void")
    assert void.headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(void.content, format=ox.RdfFormat.TURTLE)
    assert store.query(f"ASK {{ <{BASE}dataset> a <http://rdfs.org/ns/void#Dataset> }}"), (
        "/.well-known/void describes the dataset"
    )
    # The VoID's download URLs are the paths served here.
    urls = [
        str(row["url"].value)
        for row in store.query("SELECT ?url { ?d <http://www.w3.org/ns/dcat#downloadURL> ?url }")
    ]
    assert urls
    for url in urls:
        assert url.startswith(BASE)
        assert client.get("/" + url.removeprefix(BASE)).status_code == 200, url


def test_conditional_get_and_head(client: TestClient) -> None:
    first = client.get("/id/person/vladimir-putin.ttl")
    etag = first.headers["etag"]
    again = client.get("/id/person/vladimir-putin.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    head = client.head("/id/person/vladimir-putin.ttl")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(first.content))


def test_pages_forbid_scripts(client: TestClient) -> None:
    for path in ("/", "/index.html", "/queries.html", "/eli/treaty/2024/csp.html", "/nope"):
        response = client.get(path)
        assert response.headers["content-type"].startswith("text/html")
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/id/state/prk", "text/turtle;q=2"),
        ("/id/state/prk", "garbage"),
        ("/id/state/prk", "text/turtle;q=abc"),
        ("/id/state/prk", "*/turtle"),
        ("/nowhere", "text/;q=1"),
    ],
)
def test_malformed_accept_is_400(client: TestClient, path: str, accept: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 400
    assert "Accept" in response.text


def test_only_reads(client: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = client.request(method, "/id/state/prk.ttl", content=b"<a> <b> <c> .")
        assert response.status_code == 405, method
    assert client.get("/id/state/prk.ttl").status_code == 200


@pytest.mark.slow
def test_every_iri_of_the_build_dereferences(client: TestClient, documents: Documents) -> None:
    """Not a sample: every resource IRI the build mentions redirects to documents that exist
    and parse, and every IRI of ours inside them that is not a file dereferences too."""
    ours: set[str] = set()
    for path, iri in documents.resources.items():
        see_other = client.get(path, headers={"Accept": "text/turtle"})
        assert see_other.status_code == 303, path
        turtle = client.get(f"{path}.ttl")
        assert turtle.status_code == 200, path
        store = ox.Store()
        store.load(turtle.content, format=ox.RdfFormat.TURTLE, base_iri=iri)
        assert len(store) > 0, path
        for quad in store:
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
                    ours.add(term.value.split("#", 1)[0])
        assert client.get(f"{path}.html").status_code == 200, path
    files = {f"{BASE}{name}" for name in documents.file_names}
    for iri in sorted(ours - files - {BASE}):
        assert client.get(_path(iri)).status_code == 303, iri


def test_the_served_void_names_the_endpoint(client: TestClient, release: Path) -> None:
    served = Graph().parse(data=client.get("/.well-known/void").content, format="turtle")
    built = Graph().parse(release / "void.ttl", format="turtle")
    # the endpoint where the client reached it (TestClient's base URL), not the namespace's
    dataset, endpoint = URIRef(f"{BASE}dataset"), URIRef("http://testserver/sparql")
    dcat = "http://www.w3.org/ns/dcat#"
    assert set(built) < set(served)  # everything the build says, and more
    assert (dataset, URIRef("http://rdfs.org/ns/void#sparqlEndpoint"), endpoint) in served
    assert (endpoint, URIRef(f"{dcat}servesDataset"), dataset) in served
    assert (endpoint, URIRef(f"{dcat}endpointURL"), endpoint) in served
    # the build's own file is left as built: its checksum is in the manifest
    assert client.get("/void.ttl").content == (release / "void.ttl").read_bytes()


def test_a_retired_identifier_redirects_for_good(release: Path, tmp_path: Path) -> None:
    """docs/identifiers.md: an identifier that must go stays, with tkg:replacedBy, and its
    IRI and documents redirect (301) to the successor's."""
    client = _retired_putin(release, tmp_path)
    moved = client.get("/id/person/v-putin", headers={"Accept": "text/turtle"})
    assert (moved.status_code, moved.headers["location"]) == (301, "vladimir-putin")
    document = client.get("/id/person/v-putin.jsonld")
    assert (document.status_code, document.headers["location"]) == (301, "vladimir-putin.jsonld")
    followed = client.get(
        "/id/person/v-putin", headers={"Accept": "text/turtle"}, follow_redirects=True
    )
    assert followed.status_code == 200 and str(followed.url).endswith("/vladimir-putin.ttl")
    assert client.get("/id/person/vladimir-putin").status_code == 303  # the successor as ever


def test_large_build_files_are_streamed_with_their_checksum(
    release: Path, documents: Documents, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dump of a large build is gigabytes: it is streamed from disk (ranges too), not read
    into memory, and its ETag is the manifest's SHA-256, as a small file's is its bytes'."""
    monkeypatch.setattr(serve, "STREAMED_BYTES", 1000)
    client = TestClient(create_app(Settings(build=release), documents), follow_redirects=False)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    checksum = {entry["name"]: entry["sha256"] for entry in manifest["files"]}["treatykg.nt"]
    whole = (release / "treatykg.nt").read_bytes()
    assert len(whole) > 1000
    response = client.get("/treatykg.nt")
    assert response.status_code == 200 and response.content == whole
    assert response.headers["content-type"].startswith("application/n-triples")
    assert response.headers["etag"] == f'"{checksum[:32]}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    again = client.get("/treatykg.nt", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    part = client.get("/treatykg.nt", headers={"Range": "bytes=10-99"})
    assert part.status_code == 206 and part.content == whole[10:100]
    head = client.head("/treatykg.nt")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(whole))
    # a small file is sent from memory with the same ETag its bytes give
    small = client.get("/context.jsonld")
    assert small.headers["etag"] == f'"{checksum_of(release, "context.jsonld")[:32]}"'


def checksum_of(release: Path, name: str) -> str:
    import hashlib

    return hashlib.sha256((release / name).read_bytes()).hexdigest()


def test_a_slow_document_holds_up_no_file_and_no_made_document(release: Path) -> None:
    """A hub of a large build takes a minute to describe: meanwhile the server answers the
    build files and the documents it has made (they are made on a thread of their own)."""
    documents = Documents(release)
    gate = threading.Event()
    make = documents.document

    def slow(path: str, suffix: str, *language: str) -> object:
        if path == "/id/state/prk":
            gate.wait(10)
        return make(path, suffix, *language)

    documents.document = slow  # type: ignore[method-assign]
    app = create_app(Settings(build=release), documents)

    async def scenario() -> tuple[httpx.Response, ...]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await client.get("/id/person/vladimir-putin.ttl")  # made now, kept
            waiting = asyncio.create_task(client.get("/id/state/prk.ttl"))
            await asyncio.sleep(0.3)
            assert not waiting.done(), "the slow document is still being made"
            file = await asyncio.wait_for(client.get("/void.ttl"), 5)
            made = await asyncio.wait_for(client.get("/id/person/vladimir-putin.ttl"), 5)
            assert not waiting.done(), "both answered while it was made"
            gate.set()
            return file, made, await asyncio.wait_for(waiting, 10)

    file, made, slow_one = asyncio.run(scenario())
    assert file.status_code == made.status_code == slow_one.status_code == 200
    assert file.content == (release / "void.ttl").read_bytes()
    described = Graph().parse(data=slow_one.content, format="turtle")
    assert (URIRef(f"{BASE}id/state/prk"), None, None) in described


#: Accept-Language → the language of the page a resource IRI sends a browser to.
LANGUAGE_NEGOTIATION: list[tuple[str | None, str]] = [
    (None, "en"),
    ("ko", "ko"),
    ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
    ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
    ("RU", "ru"),
    ("ru;q=0.5, fr;q=0.4", "ru"),
    ("fr;q=0.5, ru;q=0.5", "fr"),  # a tie goes to the header's order
    ("zh-CN, zh;q=0.9", "en"),  # none of ours: the default, not 406
    ("*", "en"),
    ("de, *;q=0.1", "en"),
    ("en;q=0, *", "fr"),  # "not English", anything else: the first of ours after it
    ("ko;q=0, *;q=0.5", "en"),
    ("ko;q=abc, ru", "ru"),  # a malformed element is skipped, not the header
    ("!!, ;;, ko", "ko"),
    ("ko-" + "x" * 5000, "en"),  # too long to read
]


@pytest.mark.parametrize(("header", "language"), LANGUAGE_NEGOTIATION, ids=lambda v: str(v)[:40])
def test_a_browser_is_sent_to_the_page_in_its_language(
    client: TestClient, header: str | None, language: str
) -> None:
    headers = {"Accept": BROWSER}
    if header is not None:
        headers["Accept-Language"] = header
    response = client.get("/id/state/prk", headers=headers)
    assert response.status_code == 303
    assert response.headers["vary"] == "Accept, Accept-Language"
    expected = "prk.html" if language == "en" else f"prk.{language}.html"
    assert response.headers["location"] == expected
    # an RDF document carries every language: Accept-Language changes nothing
    headers["Accept"] = "text/turtle"
    assert client.get("/id/state/prk", headers=headers).headers["location"] == "prk.ttl"


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ko"])
def test_every_page_has_a_path_in_each_language(client: TestClient, language: str) -> None:
    """A page in another language is a document of its own (linkable, cacheable, static),
    sent with Content-Language; the RDF documents have no language variants."""
    tag = "" if language == "en" else f".{language}"
    for path in (
        f"/id/state/prk{tag}.html",
        f"/index{tag}.html",
        f"/queries{tag}.html",
        f"/def{tag}.html",
        f"/eli/treaty/2024/csp/art_4{tag}.html",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-language"] == language, path
        assert f'<html lang="{language}">' in response.text, path
        assert 'hreflang="x-default"' in response.text, path
        again = client.get(path, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304, path
    picture = client.get(f"/id/state/prk{tag}.neighbourhood.svg")
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg")
    assert "content-language" not in client.get("/id/state/prk.ttl").headers
    assert client.get(f"/id/state/prk{tag}.ttl").status_code == (200 if not tag else 404)


def test_the_home_page_negotiates_its_language(client: TestClient) -> None:
    korean = client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert korean.status_code == 200
    assert korean.headers["content-language"] == "ko"
    assert korean.headers["vary"] == "Accept-Language"
    assert '<html lang="ko">' in korean.text
    plain = client.get("/")
    assert plain.headers["content-language"] == "en" and '<html lang="en">' in plain.text
    # the page's own path does not negotiate: it is the English page
    assert (
        client.get("/index.html", headers={"Accept-Language": "ko"}).headers["content-language"]
        == "en"
    )


def test_pages_in_no_language_of_ours_are_not_found(client: TestClient) -> None:
    for path in ("/id/state/prk.en.html", "/id/state/prk.de.html", "/index.xx.html"):
        assert client.get(path).status_code == 404, path


def test_a_retired_identifier_keeps_the_language_of_its_page(release: Path, tmp_path: Path) -> None:
    client = _retired_putin(release, tmp_path)
    moved = client.get("/id/person/v-putin.ko.html")
    assert (moved.status_code, moved.headers["location"]) == (301, "vladimir-putin.ko.html")


def _retired_putin(release: Path, tmp_path: Path) -> TestClient:
    """A client of a copy of the build where ``id/person/v-putin`` is a retired identifier
    (``tkg:replacedBy`` Vladimir Putin's)."""
    import shutil

    copy = tmp_path / "dist"
    shutil.copytree(release, copy)
    old, new = f"{BASE}id/person/v-putin", f"{BASE}id/person/vladimir-putin"
    with (copy / "treatykg.ttl").open("a", encoding="utf-8") as turtle:
        turtle.write(f"\n<{old}> <{BASE}def#replacedBy> <{new}> .\n")
    return TestClient(create_app(Settings(build=copy)), follow_redirects=False)
