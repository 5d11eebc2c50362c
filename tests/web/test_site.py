"""``treatykg site`` and ``treatykg build --site``: the served documents as static files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from treatykg.cli import main
from treatykg.web import urls
from treatykg.web.documents import Documents
from treatykg.web.languages import LANGUAGES


@pytest.fixture(scope="module")
def site(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static") / "site"
    assert main(["site", "--build", str(release), "--out", str(out), "-q"]) == 0
    return out


def test_every_resource_has_its_four_documents(site: Path, release: Path) -> None:
    documents = Documents(release)
    assert len(documents.resources) > 400
    for path in documents.resources:
        for suffix in urls.SUFFIXES:
            assert (site / urls.document(path, suffix).lstrip("/")).is_file(), (path, suffix)
    for name in ("index.html", "queries.html", "404.html", ".htaccess", "w3id.htaccess"):
        assert (site / name).is_file(), name
    # every page in each language, with its pictures (nothing negotiates in a static site)
    for language in LANGUAGES:
        for path in documents.resources:
            page = site / urls.document(path, "html", language).lstrip("/")
            assert page.is_file(), (path, language)
        for name in ("index", "queries"):
            page = site / urls.document("/" + name, "html", language).lstrip("/")
            text = page.read_text(encoding="utf-8")
            assert f'<html lang="{language}">' in text, (name, language)
    korean = (site / "id/state/prk.ko.html").read_text(encoding="utf-8")
    assert 'href="prk.ko.neighbourhood.svg"' in korean
    assert (site / "id/state/prk.ko.neighbourhood.svg").is_file()
    assert (site / ".well-known" / "void").read_bytes() == (release / "void.ttl").read_bytes()
    for name in documents.file_names:
        assert (site / name).read_bytes() == (release / name).read_bytes(), name


def test_static_documents_are_what_the_server_sends(site: Path, release: Path) -> None:
    documents = Documents(release)
    for path in ("/eli/treaty/2024/csp/art_4", "/id/state/prk", "/dataset"):
        for suffix, fmt in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
            served = documents.document(path, suffix)
            assert served is not None
            written = (site / f"{path.lstrip('/')}.{suffix}").read_bytes()
            assert written == served.body
            assert isomorphic(
                Graph().parse(data=written, format=fmt), documents.document_graph(urls.iri_of(path))
            )


def test_static_pages_have_no_form_without_an_endpoint(site: Path) -> None:
    queries = (site / "queries.html").read_text(encoding="utf-8")
    assert "<form" not in queries  # nothing would answer it on a static host
    assert "treatykg serve" in queries


def test_the_site_is_deterministic(release: Path, site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert main(["site", "--build", str(release), "--out", str(again), "-q"]) == 0
    first = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    second = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert first == second
    for name in first:
        assert (site / name).read_bytes() == (again / name).read_bytes(), name


def test_htaccess_negotiates_every_kind_of_resource(site: Path) -> None:
    rules = (site / ".htaccess").read_text(encoding="utf-8")
    assert "Options -MultiViews" in rules and "RewriteEngine On" in rules
    for accept, suffix in (
        ("text/html", "html"),
        ("text/turtle", "ttl"),
        ("application/ld\\+json", "jsonld"),
        ("application/n-triples", "nt"),
    ):
        assert re.search(
            rf"RewriteCond %{{HTTP_ACCEPT}} {re.escape(accept)}\n"
            rf"RewriteRule \^\(\.\+\)\$ \$1\.{suffix} \[R=303,L\]",
            rules,
        ), suffix
    assert 'Header always merge Vary "Accept"' in rules
    assert "Access-Control-Allow-Origin" in rules


def test_w3id_rules_point_to_the_host(release: Path, tmp_path: Path) -> None:
    out = tmp_path / "hosted"
    url = "https://example.github.io/treatykg/"
    assert main(["site", "--build", str(release), "--out", str(out), "--site-url", url]) == 0
    rules = (out / "w3id.htaccess").read_text(encoding="utf-8")
    turtle = re.search(r"RewriteRule \^\(\((.+?)\)\(/\.\*\)\?\)\$ (\S+)\$1\.ttl \[R=303,L\]", rules)
    assert turtle, rules
    assert turtle.group(2) == url
    assert set(turtle.group(1).split("|")) >= {"id", "eli", "def", "shapes", "dataset"}
    assert "set --site-url" not in rules


def test_a_site_never_replaces_other_files(release: Path, tmp_path: Path) -> None:
    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["site", "--build", str(release), "--out", str(precious)]) == 2
    assert (precious / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert main(["site", "--build", str(tmp_path / "nowhere"), "--out", str(tmp_path / "s")]) == 2


def test_build_with_site(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert main(["build", "--out", str(out), "--site", "-q"]) == 0
    assert (out / "site" / "eli" / "treaty" / "2024" / "csp.html").is_file()
    assert (out / "site" / "treatykg.ttl").read_bytes() == (out / "treatykg.ttl").read_bytes()
