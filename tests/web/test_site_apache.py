"""The static site under a real Apache: do the generated ``.htaccess`` rules do what they say?

``treatykg site`` writes Apache rules that nobody would otherwise run before deploying them.
Here Debian's Apache 2.4 (``apache2``, installed by ``.ci/run``) serves the site on
127.0.0.1 with ``AllowOverride All``, and the answers are checked like ``treatykg serve``'s:
303 to the document ``Accept`` asks for, ``Vary: Accept``, media types, CORS on every
answer and preflights answered 204, the VoID at ``/.well-known/void``, 404 for what is not
there. Skipped, with the reason, only where Apache is not installed.
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from servers import free_port
from treatykg.web.site import write_site

APACHE = "/usr/sbin/apache2"
BASE = "https://w3id.org/treatykg/"
RETIRED, SUCCESSOR = "id/person/v-putin", "id/person/vladimir-putin"
MODULES = Path("/usr/lib/apache2/modules")
NEEDED = ("mpm_event", "authz_core", "dir", "mime", "rewrite", "headers")

if not (os.access(APACHE, os.X_OK) and all((MODULES / f"mod_{m}.so").is_file() for m in NEEDED)):
    pytest.skip(
        "Debian's apache2 is not installed (apt-get install apache2)", allow_module_level=True
    )

CONFIG = """\
ServerRoot "/etc/apache2"
ServerName localhost
Listen 127.0.0.1:{port}
PidFile {run}/httpd.pid
ErrorLog {run}/error.log
{modules}
TypesConfig /etc/mime.types
{user}
DocumentRoot "{site}"
<Directory "{site}">
  AllowOverride All
  Require all granted
</Directory>
"""


@pytest.fixture(scope="module")
def apache(release: Path) -> Iterator[str]:
    # Apache's workers drop root for an unprivileged user, which cannot read pytest's private
    # temporary folders: the site goes to a world-readable folder of its own.
    run = Path(tempfile.mkdtemp(prefix="treatykg-apache-"))
    try:
        # One identifier retired on purpose (tkg:replacedBy), to prove its 301 rules.
        build = run / "dist"
        shutil.copytree(release, build)
        with (build / "treatykg.ttl").open("a", encoding="utf-8") as turtle:
            turtle.write(f"\n<{BASE}{RETIRED}> <{BASE}def#replacedBy> <{BASE}{SUCCESSOR}> .\n")
        site = run / "site"
        write_site(build, site)
        for folder in (run, *site.rglob("*")):
            folder.chmod(0o755 if folder.is_dir() else 0o644)
        site.chmod(0o755)
        port = free_port()
        user = "User nobody\nGroup nogroup" if os.geteuid() == 0 else ""
        modules = "\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in NEEDED)
        (run / "httpd.conf").write_text(
            CONFIG.format(port=port, run=run, site=site, modules=modules, user=user),
            encoding="utf-8",
        )
        command = [APACHE, "-f", str(run / "httpd.conf"), "-DFOREGROUND"]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while _status(port, "/")[0] != 200:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (run / "error.log").read_text(errors="replace")
                        if (run / "error.log").exists()
                        else ""
                    )
                    raise RuntimeError(f"apache did not start: {log[-2000:]}")
                time.sleep(0.1)
            yield f"127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=20)
    finally:
        shutil.rmtree(run, ignore_errors=True)


def _status(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    try:
        return _get(f"127.0.0.1:{port}", path, **headers)
    except OSError:
        return 0, {}, b""


def _get(
    host: str, path: str, method: str = "GET", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.request(
            method, path, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("accept", "suffix"),
    [
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("*/*", "html"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/id/state/prk", "/eli/treaty/2024/csp/art_4", "/def", "/dataset"]
)
def test_resource_iris_see_other(apache: str, path: str, accept: str, suffix: str) -> None:
    status, headers, _ = _get(apache, path, Accept=accept)
    assert status == 303
    assert headers["location"].endswith(f"{path}.{suffix}")
    assert "Accept" in headers.get("vary", "")


@pytest.mark.parametrize(
    ("language", "page"),
    [
        ("ko-KR,ko;q=0.9,en;q=0.8", "ko.html"),
        ("fr", "fr.html"),
        ("RU, en;q=0.5", "ru.html"),
        ("de, fr;q=0.5", "html"),  # Apache reads only the first language: see the .htaccess
        ("", "html"),
    ],
)
def test_a_browser_is_sent_to_the_page_in_its_language(
    apache: str, language: str, page: str
) -> None:
    headers = {"Accept": "text/html,*/*;q=0.8"}
    if language:
        headers["Accept_Language"] = language
    status, answer, _ = _get(apache, "/id/state/prk", **headers)
    assert status == 303
    assert answer["location"].endswith(f"/id/state/prk.{page}")
    assert "Accept-Language" in answer.get("vary", "")
    served, _, body = _get(apache, f"/id/state/prk.{page}")
    assert served == 200 and b"<html lang=" in body
    # Turtle whatever the language
    status, answer, _ = _get(apache, "/id/state/prk", Accept="text/turtle", Accept_Language="ko")
    assert (status, answer["location"].rsplit("/", 1)[1]) == (303, "prk.ttl")


@pytest.mark.parametrize(
    ("path", "media", "fmt"),
    [
        ("/id/state/prk.ttl", "text/turtle", "turtle"),
        ("/id/state/prk.jsonld", "application/ld+json", "json-ld"),
        ("/id/state/prk.nt", "application/n-triples", "nt"),
        ("/.well-known/void", "text/turtle", "turtle"),
        ("/treatykg.ttl", "text/turtle", "turtle"),
    ],
)
def test_documents_have_their_media_types(apache: str, path: str, media: str, fmt: str) -> None:
    status, headers, body = _get(apache, path)
    assert status == 200
    assert headers["content-type"].startswith(media)
    graph = Graph().parse(data=body, format=fmt)
    assert len(graph) > 0


def test_context_cors_and_not_found(apache: str) -> None:
    status, headers, _ = _get(apache, "/context.jsonld")
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    assert headers["content-type"].startswith("application/ld+json")
    status, _, body = _get(apache, "/id/state/atlantis", Accept="text/turtle")
    assert status == 404 and b"<html" in body.lower()
    status, headers, body = _get(apache, "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    void = Graph().parse(data=_get(apache, "/.well-known/void")[2], format="turtle")
    assert (URIRef("https://w3id.org/treatykg/dataset"), None, None) in void


@pytest.mark.parametrize("suffix", ["", ".ttl", ".jsonld", ".nt", ".html"])
def test_a_retired_identifier_moves_for_good(apache: str, suffix: str) -> None:
    status, headers, _ = _get(apache, f"/{RETIRED}{suffix}", Accept="text/turtle")
    assert status == 301
    assert headers["location"].endswith(f"/{SUCCESSOR}{suffix}")


#: Every kind of answer the static site gives, with its status: CORS on each, as
#: ``treatykg serve`` sends it by default (:mod:`treatykg.web.cors`).
CORS_PATHS = [
    ("/id/state/prk", 303),
    ("/id/state/prk.jsonld", 200),
    ("/id/state/prk.html", 200),
    ("/treatykg.framed.jsonld", 200),
    ("/context.jsonld", 200),
    ("/.well-known/void", 200),
    ("/id/state/atlantis", 404),
]


@pytest.mark.parametrize(("path", "status"), CORS_PATHS)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_every_answer_is_readable_from_any_origin(
    apache: str, path: str, status: int, method: str
) -> None:
    answer, headers, _ = _get(
        apache, path, method, Accept="application/ld+json", Origin="http://elsewhere.example"
    )
    assert answer == status
    assert headers["access-control-allow-origin"] == "*"
    assert "etag" in headers["access-control-expose-headers"].lower()
    assert "access-control-allow-credentials" not in headers
    assert "access-control-allow-methods" not in headers  # a preflight's header only


@pytest.mark.parametrize("path", ["/id/state/prk", "/id/state/prk.jsonld", "/context.jsonld"])
def test_a_preflight_is_answered_204(apache: str, path: str) -> None:
    status, headers, body = _get(
        apache,
        path,
        "OPTIONS",
        Origin="http://elsewhere.example",
        Access_Control_Request_Method="GET",
        Access_Control_Request_Headers="if-none-match",
    )
    assert (status, body) == (204, b"")
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "GET, HEAD"
    assert "if-none-match" in headers["access-control-allow-headers"].lower()
    assert int(headers["access-control-max-age"]) >= 600
    assert "access-control-allow-credentials" not in headers
