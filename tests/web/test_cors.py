"""CORS: a web page on another origin may read everything ``treatykg serve`` answers.

The header matrix runs in-process (Starlette's test client, no query workers: /sparql then
answers its errors, 503 for a query, which must be readable too): every kind of resource ×
GET/HEAD/POST/OPTIONS × with and without ``Origin`` × the three policies (every origin, none,
a list). The live server checks the command line's ``--cors``/``--no-cors``/``--cors-origin``
and the endpoint's real answers and refusals (200, 400, 403, 405, 406, 413, 415). Last, a real
Chromium on a page served from a second origin on loopback fetches a resource document and
runs a query by POST (a preflighted request), and with ``--no-cors`` cannot.
"""

from __future__ import annotations

import json
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from servers import treatykg_server
from treatykg.web.cors import ALL_ORIGINS, NO_ORIGINS, CorsPolicy
from treatykg.web.documents import Documents
from treatykg.web.serve import Settings, create_app

ELSEWHERE = "http://elsewhere.example"
LISTED = "https://notebook.example"
ALLOW = "access-control-allow-origin"
PREFLIGHT = (
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
)
#: Every kind of path the server answers, with the status of a plain GET.
RESOURCES: list[tuple[str, int]] = [
    ("/id/state/prk", 303),  # a resource IRI: the redirect must be readable, or fetch stops
    ("/id/state/prk.jsonld", 200),  # its documents, a page's alternates
    ("/id/state/prk.ttl", 200),
    ("/id/state/prk.nt", 200),
    ("/id/state/prk.html", 200),
    ("/", 200),
    ("/context.jsonld", 200),  # the build's files
    ("/treatykg.framed.jsonld", 200),
    ("/treatykg.jsonld", 200),
    ("/treatykg.ttl", 200),
    ("/void.ttl", 200),
    ("/.well-known/void", 200),
    ("/id/state/atlantis", 404),  # an error must be readable too
    ("/sparql", 200),  # the Service Description
    ("/sparql?query=ASK%7B%7D", 503),  # no workers in-process: the refusal
]
POLICIES = {"all": ALL_ORIGINS, "none": NO_ORIGINS, "listed": CorsPolicy(origins=(LISTED,))}


@pytest.fixture(scope="module")
def documents(release: Path) -> Documents:
    return Documents(release)


@pytest.fixture(scope="module")
def clients(release: Path, documents: Documents) -> dict[str, TestClient]:
    # No `with`: no query workers; /sparql answers its description and refusals.
    return {
        name: TestClient(
            create_app(Settings(build=release, cors=policy), documents), follow_redirects=False
        )
        for name, policy in POLICIES.items()
    }


def _expected_origin(policy: str, origin: str | None) -> str | None:
    if policy == "all":
        return "*"
    if policy == "listed" and origin == LISTED:
        return LISTED
    return None


def _vary(response: httpx.Response) -> list[str]:
    return [v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()]


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("origin", [None, ELSEWHERE, LISTED])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(("path", "status"), RESOURCES, ids=lambda v: str(v))
def test_every_answer_carries_the_policy(
    clients: dict[str, TestClient],
    path: str,
    status: int,
    method: str,
    origin: str | None,
    policy: str,
) -> None:
    headers = {"Accept": "application/ld+json"} if path == "/id/state/prk" else {}
    if origin:
        headers["Origin"] = origin
    response = clients[policy].request(method, path, headers=headers)
    assert response.status_code == status
    assert response.headers.get(ALLOW) == _expected_origin(policy, origin)
    assert "access-control-allow-credentials" not in response.headers
    if response.headers.get(ALLOW):
        exposed = response.headers["access-control-expose-headers"].lower()
        assert {"etag", "retry-after", "location"} <= {h.strip() for h in exposed.split(",")}
    else:
        assert not any(name.startswith("access-control-") for name in response.headers)
    # Only an answer that depends on Origin says so; "*" and none do not.
    assert ("origin" in _vary(response)) == (policy == "listed")
    for name in PREFLIGHT:  # a preflight's headers on a preflight only
        assert name not in response.headers


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("path", ["/id/state/prk", "/id/state/prk.jsonld", "/sparql", "/nowhere"])
def test_a_preflight_is_answered_204(
    clients: dict[str, TestClient], path: str, policy: str
) -> None:
    response = clients[policy].options(
        path,
        headers={
            "Origin": LISTED,
            "Access-Control-Request-Method": "POST" if path == "/sparql" else "GET",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204 and response.content == b""
    methods = "GET, HEAD, POST" if path == "/sparql" else "GET, HEAD"
    assert response.headers["allow"] == f"{methods}, OPTIONS"
    assert "access-control-allow-credentials" not in response.headers
    if policy == "none":
        assert not any(name.startswith("access-control-") for name in response.headers)
        return
    assert response.headers[ALLOW] == ("*" if policy == "all" else LISTED)
    assert response.headers["access-control-allow-methods"] == methods
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert {"content-type", "accept", "if-none-match"} <= allowed
    assert int(response.headers["access-control-max-age"]) >= 600
    assert ("origin" in _vary(response)) == (policy == "listed")


def test_a_preflight_from_an_origin_not_listed_is_not_allowed(
    clients: dict[str, TestClient],
) -> None:
    response = clients["listed"].options(
        "/sparql", headers={"Origin": ELSEWHERE, "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 204
    assert not any(name.startswith("access-control-") for name in response.headers)
    assert _vary(response) == ["origin"]


def test_a_plain_options_says_what_is_allowed(clients: dict[str, TestClient]) -> None:
    response = clients["all"].options("/id/state/prk")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    assert "access-control-allow-methods" not in response.headers  # not a preflight


def test_vary_is_merged_not_replaced(clients: dict[str, TestClient]) -> None:
    response = clients["listed"].get(
        "/id/state/prk", headers={"Origin": LISTED, "Accept": "text/turtle"}
    )
    assert response.status_code == 303
    assert _vary(response) == ["accept", "accept-language", "origin"]


def test_a_write_is_refused_readably(clients: dict[str, TestClient]) -> None:
    response = clients["all"].post("/id/state/prk.ttl", headers={"Origin": ELSEWHERE})
    assert response.status_code == 405
    assert response.headers[ALLOW] == "*"


# --- the live server: the command line and the endpoint's real answers ------------------------


@pytest.fixture(scope="module")
def live(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("cors-logs") / "serve.log"
    with treatykg_server(release, "--workers", "1", "--max-request-size", "1", log=log) as base:
        yield base


def _endpoint_requests() -> list[tuple[str, str, dict[str, str], bytes, int]]:
    """(method, path+query, headers, body, status): the endpoint's answers and refusals."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    query = {"Content-Type": "application/sparql-query"}
    json_results = {"Accept": "application/sparql-results+json"}
    return [
        ("GET", "/sparql?query=ASK%7B%7D", json_results, b"", 200),
        ("POST", "/sparql", {**form, **json_results}, b"query=ASK%7B%7D", 200),
        ("POST", "/sparql", {**query, **json_results}, b"ASK {}", 200),
        ("POST", "/sparql", query, b"SELEKT * {}", 400),
        ("POST", "/sparql", {**query, "Accept": "image/png"}, b"ASK {}", 406),
        ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"CLEAR ALL", 403),
        ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}", 415),
        ("POST", "/sparql", query, b"ASK {} #" + b"x" * 4096, 413),
        ("PUT", "/sparql", query, b"ASK {}", 405),
        ("GET", "/sparql", {"Accept": "text/turtle"}, b"", 200),
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    _endpoint_requests(),
    ids=lambda v: v if isinstance(v, (str, int)) else None,
)
def test_the_endpoint_s_answers_and_refusals_are_readable(
    live: str, method: str, path: str, headers: dict[str, str], body: bytes, status: int
) -> None:
    response = httpx.request(
        method, live + path, headers={**headers, "Origin": ELSEWHERE}, content=body, timeout=30
    )
    assert response.status_code == status, response.text
    assert response.headers[ALLOW] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "origin" not in _vary(response)


@pytest.mark.slow
def test_the_live_server_answers_a_preflight(live: str) -> None:
    response = httpx.options(
        live + "/sparql",
        headers={
            "Origin": ELSEWHERE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers[ALLOW] == "*"
    assert response.headers["access-control-allow-methods"] == "GET, HEAD, POST"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "origin", "expected"),
    [
        (("--no-cors",), ELSEWHERE, None),
        (("--cors-origin", LISTED), LISTED, LISTED),
        (("--cors-origin", LISTED), ELSEWHERE, None),
    ],
)
def test_the_command_line_sets_the_policy(
    release: Path, options: tuple[str, ...], origin: str, expected: str | None
) -> None:
    with treatykg_server(release, "--workers", "1", *options) as base:
        for path in ("/id/state/prk.jsonld", "/sparql?query=ASK%7B%7D"):
            response = httpx.get(base + path, headers={"Origin": origin}, timeout=30)
            assert response.status_code == 200
            assert response.headers.get(ALLOW) == expected
            assert ("origin" in _vary(response)) == ("--cors-origin" in options)


# --- a real browser on a second origin -------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
QUERY = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?label WHERE { <https://w3id.org/treatykg/id/state/prk> rdfs:label ?label } "
    "ORDER BY ?label"
)
#: The page on the second origin: its script fetches a resource IRI as JSON-LD (a 303
#: followed across origins), runs a query by POST (application/sparql-query: a preflight
#: first) and a bad one (its 400 must be readable), and writes what it got into the page.
PAGE = """<!doctype html>
<meta charset="utf-8"><title>a client elsewhere</title>
<pre id="out"></pre>
<script>
const server = %(server)s;
async function attempt(run) {
  try { return await run(); } catch (error) { return {error: String(error)}; }
}
(async () => {
  const out = {};
  out.document = await attempt(async () => {
    const r = await fetch(server + "/id/state/prk", {headers: {Accept: "application/ld+json"}});
    return {status: r.status, url: r.url, etag: r.headers.get("ETag"), body: await r.json()};
  });
  out.query = await attempt(async () => {
    const r = await fetch(server + "/sparql", {
      method: "POST",
      headers: {"Content-Type": "application/sparql-query",
                Accept: "application/sparql-results+json"},
      body: %(query)s,
    });
    return {status: r.status, body: await r.json()};
  });
  out.refused = await attempt(async () => {
    const r = await fetch(server + "/sparql", {
      method: "POST",
      headers: {"Content-Type": "application/sparql-query"},
      body: "SELEKT * {}",
    });
    return {status: r.status, body: await r.text()};
  });
  document.getElementById("out").textContent = JSON.stringify(out);
})();
</script>
"""


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A second origin on loopback: a plain file server on another free port."""
    root = tmp_path_factory.mktemp("elsewhere")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _run_page(
    tmp_path_factory: pytest.TempPathFactory, elsewhere: tuple[Path, str], server: str, name: str
) -> dict:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    root, origin = elsewhere
    (root / f"{name}.html").write_text(
        PAGE % {"server": json.dumps(server), "query": json.dumps(QUERY)}, encoding="utf-8"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # never let Selenium Manager download anything
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(30)
        driver.get(f"{origin}/{name}.html")
        assert driver.execute_script("return location.origin") == origin != server
        out = WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "out").text or None)
        return json.loads(out)
    finally:
        driver.quit()


def _get_json(url: str, accept: str) -> object:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.slow
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium is not installed")
def test_a_page_on_another_origin_reads_a_document_and_runs_a_query(
    live: str, elsewhere: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = _run_page(tmp_path_factory, elsewhere, live, "cors")
    document = out["document"]
    assert "error" not in document, document
    assert document["status"] == 200
    assert document["url"] == f"{live}/id/state/prk.jsonld"  # the 303, followed
    assert document["etag"]  # an exposed header
    assert document["body"] == _get_json(f"{live}/id/state/prk.jsonld", "application/ld+json")
    query = out["query"]
    assert "error" not in query, query
    assert query["status"] == 200
    labels = [row["label"]["value"] for row in query["body"]["results"]["bindings"]]
    expected = httpx.post(
        live + "/sparql",
        content=QUERY,
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
        timeout=30,
    ).json()
    assert labels and labels == [r["label"]["value"] for r in expected["results"]["bindings"]]
    refused = out["refused"]
    assert refused["status"] == 400 and refused["body"].strip(), refused


@pytest.mark.slow
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Debian's chromium is not installed")
def test_without_cors_the_page_reads_nothing(
    release: Path, elsewhere: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    with treatykg_server(release, "--workers", "1", "--no-cors") as server:
        out = _run_page(tmp_path_factory, elsewhere, server, "no-cors")
    for name in ("document", "query", "refused"):
        assert "Failed to fetch" in out[name].get("error", ""), out[name]
