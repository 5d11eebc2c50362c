"""Every picture of the static and the served site: well-formed, accessible SVG, inline in its
page and downloadable beside it, with links that resolve; and pages without Graphviz.

The pictures of each kind have tests of their own (``test_picture_*.py``); these hold for all.
"""

from __future__ import annotations

import posixpath
import random
import re
import shutil
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError

import pytest
from rdflib import Graph

from servers import treatykg_server
from treatykg.cli import main
from treatykg.namespaces import BASE
from treatykg.sparql.catalogue import bundled
from treatykg.web import urls
from treatykg.web.documents import Documents
from treatykg.web.pages import Pages
from treatykg.web.pages.pictures.graphviz import MISSING, Graphviz, needs_own_run
from treatykg.web.pages.pictures.picture import KINDS, XML_DECLARATION, split_path

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
INLINE = re.compile(r"<svg\b.*?</svg>", re.S)
#: Elements a picture must never hold: script, remote content, embedded documents, styles.
FORBIDDEN = ("script", "foreignObject", "image", "use", "style", "iframe")
#: The pictures the issue names, by page: the timeline on the index and the treaty's page,
#: the obligations on the treaty's and Article 4's, the neighbourhood on every resource page,
#: the vocabulary on the ontology page.
TREATY = "/eli/treaty/2024/csp"
EXPECTED = {
    "/index": {"timeline"},
    TREATY: {"timeline", "obligations", "neighbourhood"},
    f"{TREATY}/art_4": {"obligations", "neighbourhood"},
    "/id/event/dprk-troop-deployment-to-russia": {"neighbourhood"},
    "/id/state/prk": {"neighbourhood"},
    "/def": {"vocabulary"},
}


@pytest.fixture(scope="module")
def site(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pictures") / "site"
    assert main(["site", "--build", str(release), "--out", str(out), "-q"]) == 0
    return out


def hrefs(svg: ET.Element) -> Iterator[str]:
    """Every link of a picture (SVG 2 ``href`` or SVG 1.1 ``xlink:href``)."""
    for element in svg.iter():
        for name in ("href", XLINK):
            if name in element.attrib:
                yield element.attrib[name]


def ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def check_picture(svg: ET.Element, where: str) -> None:
    """What every picture is: titled and described for screen readers, sized, script-free."""
    assert svg.tag == f"{SVG}svg", where
    title, desc = svg[0], svg[1]
    assert title.tag == f"{SVG}title" and (title.text or "").strip(), where
    # a sentence, not a label: five words at least (Korean says in 36 characters what
    # English says in 55, so characters are no measure across the four languages)
    assert desc.tag == f"{SVG}desc" and len((desc.text or "").split()) >= 5, where
    assert svg.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}", where
    assert float(svg.attrib["width"]) > 100 and float(svg.attrib["height"]) > 40, where
    assert "viewBox" in svg.attrib and "min-width:" in svg.attrib["style"], where
    for element in svg.iter():
        local = element.tag.rpartition("}")[2]
        assert local not in FORBIDDEN, (where, local)
        assert not any(name.startswith("on") for name in element.attrib), (where, element.attrib)


def test_the_pages_have_the_pictures_the_issue_names(site: Path) -> None:
    for page, kinds in EXPECTED.items():
        html = (site / f"{page.lstrip('/')}.html").read_text(encoding="utf-8")
        found = {k for k in KINDS if (site / f"{page.lstrip('/')}.{k}.svg").is_file()}
        assert found == kinds, page
        assert len(INLINE.findall(html)) == len(kinds), page
        for kind in kinds:
            assert f'id="pic-{kind}"' in html, (page, kind)


def test_every_picture_is_accessible_svg_whose_links_resolve_in_the_static_site(
    site: Path,
) -> None:
    """Every inline picture of every page, and its file beside the page: the same bytes,
    well-formed XML, and every link it holds reaches a file of the site (and an element of
    that page when it has a fragment)."""
    pictures = links = 0
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        inline = INLINE.findall(html)
        downloads = re.findall(r'<a href="([^"]+\.svg)" download>', html)
        assert len(downloads) == len(inline), page
        for text, download in zip(inline, downloads, strict=True):
            pictures += 1
            where = f"{page.relative_to(site)} {download}"
            svg = ET.fromstring(text)
            check_picture(svg, where)
            file = page.parent / download
            assert file.read_bytes() == (XML_DECLARATION + text + "\n").encode(), where
            ET.parse(file)  # the file on its own is well-formed XML too
            for href in hrefs(svg):
                if href.startswith(("http://", "https://")):
                    continue
                assert not href.startswith(("/", "javascript:", "data:")), (where, href)
                target, _, fragment = href.partition("#")
                resolved = (page.parent / target).resolve() if target else page.resolve()
                assert resolved.is_file() and resolved.is_relative_to(site.resolve()), (
                    where,
                    href,
                )
                if fragment:
                    assert fragment in ids(resolved.read_text(encoding="utf-8")), (where, href)
                links += 1
    assert pictures > 400 and links > 2000, (pictures, links)


def test_every_picture_file_belongs_to_a_page(site: Path) -> None:
    for file in site.rglob("*.svg"):
        page, kind = split_path("/" + file.relative_to(site).as_posix()) or ("", "")
        assert kind in KINDS and (site / f"{page.lstrip('/')}.html").is_file(), file


@pytest.mark.slow
def test_the_served_pictures_are_the_inline_ones_and_their_links_resolve(release: Path) -> None:
    """The server's picture files are the pictures inline in its pages (which may differ from
    the static site's: a served hub's neighbourhood links to the SPARQL endpoint)."""
    with treatykg_server(release) as base:
        for page, kinds in EXPECTED.items():
            with urllib.request.urlopen(f"{base}{page}.html") as response:
                inline = {
                    re.search(r'id="([^"]+)"', svg).group(1): svg  # type: ignore[union-attr]
                    for svg in INLINE.findall(response.read().decode())
                }
            for kind in sorted(kinds):
                path = f"{page}.{kind}.svg"
                with urllib.request.urlopen(base + path) as response:
                    body = response.read()
                    assert response.headers["Content-Type"] == "image/svg+xml"
                    assert "script-src" not in response.headers["Content-Security-Policy"]
                    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
                    assert response.headers["ETag"]
                assert body == (XML_DECLARATION + inline[f"pic-{kind}"] + "\n").encode(), path
                for href in hrefs(ET.fromstring(body)):
                    if href.startswith(("http://", "https://")):
                        continue
                    target = posixpath.normpath(posixpath.join(posixpath.dirname(path), href))
                    with urllib.request.urlopen(base + target.split("#")[0]) as response:
                        assert response.status == 200, (path, href)
        for missing in (
            "/id/state/prk.timeline.svg",
            "/id/state/nowhere.neighbourhood.svg",
            "/index.drawing.svg",
            f"{TREATY}.svg",
        ):
            with pytest.raises(HTTPError) as error:
                urllib.request.urlopen(base + missing)
            assert error.value.code == 404, missing


def test_documents_answer_only_the_pictures_pages_have(release: Path) -> None:
    documents = Documents(release, endpoint=None)
    picture = documents.picture(f"{TREATY}.obligations.svg")
    assert picture is not None and picture.media_type == "image/svg+xml"
    assert documents.picture(f"{TREATY}.obligations.svg") is picture  # made once
    assert documents.picture("/id/state/prk.obligations.svg") is None
    assert documents.picture("/../etc/passwd.neighbourhood.svg") is None
    assert documents.picture("/index.html") is None


def test_without_graphviz_the_pages_say_where_a_picture_would_be(graph: Graph) -> None:
    pages = Pages(graph, queries=bundled(), graphviz=Graphviz("no-such-dot-program"))
    article = pages.resource(f"{BASE}eli/treaty/2024/csp/art_4")
    assert MISSING in article and 'id="pic-neighbourhood"' not in article
    assert pages.picture(f"{TREATY}/art_4", "neighbourhood") is None
    # the timeline needs no Graphviz
    index = pages.index()
    assert 'id="pic-timeline"' in index and MISSING not in index
    assert pages.picture("/index", "timeline") is not None


def test_site_warns_once_when_graphviz_is_missing(
    release: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    python = Path(shutil.which("python") or "python").parent
    monkeypatch.setenv("PATH", str(python))  # no dot there
    assert main(["site", "--build", str(release), "--out", str(tmp_path / "s"), "-q"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: Graphviz (dot) is not installed") == 1, err
    assert not list((tmp_path / "s").rglob("*.neighbourhood.svg"))
    assert (tmp_path / "s" / "index.timeline.svg").is_file()


def test_a_run_of_many_plain_graphs_draws_each_as_alone(graph: Graph) -> None:
    """What makes a static site's pictures the served ones: ``dot`` draws the plain graphs of
    a run of many (every neighbourhood of the flagship, shuffled) exactly as it draws each
    alone, and a graph with clusters (which it would not) always gets a run of its own."""
    pages = Pages(graph, queries=bundled())
    painter = pages._painter
    sources = [
        sketch.dot
        for iri in pages.resource_iris()
        for sketch in painter.sketches(urls.path_of(iri) or "")
        if sketch.dot is not None
    ]
    plain = [s for s in sources if not needs_own_run(s)]
    clustered = [s for s in sources if needs_own_run(s)]
    assert len(plain) > 400 and clustered  # the obligations have clusters
    random.Random(16).shuffle(plain)
    batched = Graphviz()
    batched.prefetch(plain + clustered)
    alone = Graphviz()
    for source in plain + clustered:
        assert batched.draw(source) == alone.draw(source)
