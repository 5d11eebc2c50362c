"""The HTML pages: complete, linked only relatively, script-free, escaped, and deterministic.

One release is built per session (conftest.py) and every page of its site is rendered once
(``site``); the tests then read those pages with the standard library's HTML parser, as a
browser would tokenise them, rather than comparing them with stored copies.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import socket
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from treatykg.namespaces import BASE, ELI, TKG
from treatykg.sparql.catalogue import bundled
from treatykg.web import urls
from treatykg.web.languages import LANGUAGES, tagged
from treatykg.web.pages import MAX_LISTED, Pages, script_json
from treatykg.web.pages.pictures.picture import KINDS

TREATY = f"{BASE}eli/treaty/2024/csp"
ARTICLE_4 = f"{TREATY}/art_4"
SIGNING = f"{BASE}id/event/2024-06-19-signing"
PUTIN = f"{BASE}id/person/vladimir-putin"
RUSSIA = f"{BASE}id/state/rus"
SCHEMA = "https://schema.org/"
SPECIAL = ("/index.html", "/def.html", "/shapes.html", "/queries.html", "/sparql")


class Parsed(HTMLParser):
    """The parts of a page the tests look at: links, ids, scripts, start tags and text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[str | None, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._script: tuple[str | None, list[str]] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append((tag, values))
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for attr in ("href", "action", "src"):
            if attr in values:
                self.links.append((tag, attr, str(values[attr]), values))
        if tag == "script":
            self._script = (values.get("type"), [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script[1].append(data)
        else:
            self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def resolve(doc: str, href: str) -> tuple[str, str]:
    """The site path and fragment that a relative ``href`` on the page at ``doc`` points to;
    fails if the link climbs above the site root (a browser would silently clamp it)."""
    parts = urlsplit(href)
    joined = posixpath.join(posixpath.dirname(doc), parts.path) if parts.path else doc
    segments: list[str] = []
    for segment in joined.split("/"):
        if segment == "..":
            assert segments, f"{href!r} on {doc} climbs above the site root"
            segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    return "/" + "/".join(segments), parts.fragment


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def jsonld_of(page: str) -> dict:
    scripts = [text for kind, text in Parsed(page).scripts if kind == "application/ld+json"]
    assert len(scripts) == 1
    return json.loads(scripts[0])


def merged(out: Path) -> Graph:
    graph = Graph()
    for name in ("treatykg.ttl", "void.ttl", "validation-report.ttl"):
        graph.parse(out / name)
    return graph


@pytest.fixture(scope="module")
def graph(release: Path) -> Graph:
    return merged(release)


@pytest.fixture(scope="module")
def shapes(release: Path) -> Graph:
    return Graph().parse(release / "shapes.ttl")


@pytest.fixture(scope="module")
def pages(graph: Graph, shapes: Graph) -> Pages:
    return Pages(graph, queries=bundled(), shapes=shapes)


@pytest.fixture(scope="module")
def static(graph: Graph) -> Pages:
    """The pages of a static site: no SPARQL endpoint, no shapes graph."""
    return Pages(graph, queries=bundled(), endpoint=None)


@pytest.fixture(scope="module")
def site(pages: Pages) -> dict[str, str]:
    """Every page of the site by its document path (the 404 page at a deep path)."""
    rendered = {
        urls.document(urls.path_of(iri) or "", "html"): pages.resource(iri)
        for iri in pages.resource_iris()
    }
    rendered.update(
        {
            "/index.html": pages.index(),
            "/def.html": pages.ontology(),
            "/shapes.html": pages.shapes(),
            "/queries.html": pages.queries(),
            "/sparql": pages.results(None, None, None),
            "/id/state/nowhere/deeper/still": pages.not_found("/id/state/nowhere/deeper/still"),
        }
    )
    return rendered


@pytest.fixture(scope="module")
def parsed(site: dict[str, str]) -> dict[str, Parsed]:
    return {doc: Parsed(page) for doc, page in site.items()}


@pytest.fixture(scope="module")
def targets(pages: Pages, release: Path) -> set[str]:
    """Every document the site has: resource pages and their RDF documents, the special
    pages, and the files of the build."""
    found = set(SPECIAL)
    # each page in each language (/def.ko.html), the endpoint's page once
    found.update(
        f"{tagged(doc.removesuffix('.html'), language)}.html"
        for doc in SPECIAL
        if doc.endswith(".html")
        for language in LANGUAGES
    )
    for iri in pages.resource_iris():
        path = urls.path_of(iri) or ""
        found.update(urls.document(path, suffix) for suffix in ("ttl", "jsonld", "nt"))
        found.update(urls.document(path, "html", language) for language in LANGUAGES)
    found.update("/" + file.name for file in release.iterdir() if file.is_file())
    # the pictures beside the pages, each a file of its own, in each language
    for page in ["/index", "/def", *(urls.path_of(iri) or "" for iri in pages.resource_iris())]:
        found.update(
            f"{tagged(page, language)}.{kind}.svg"
            for kind in KINDS
            if pages.picture(page, kind) is not None
            for language in LANGUAGES
        )
    return found


def page_of(iri: str) -> str:
    return urls.document(urls.path_of(iri) or "", "html")


# --- every page -----------------------------------------------------------------------------


def test_the_site_has_a_page_per_resource(pages: Pages, graph: Graph) -> None:
    iris = pages.resource_iris()
    assert len(iris) > 500
    assert TREATY in iris and ARTICLE_4 in iris and PUTIN in iris and f"{BASE}dataset" in iris
    assert not [iri for iri in iris if "#" in iri or not iri.startswith(BASE)]
    # download files are files, not pages
    assert f"{BASE}treatykg.ttl" not in iris
    assert all(
        (URIRef(iri), None, None) in graph or (None, None, URIRef(iri)) in graph for iri in iris
    )


def test_every_page_is_a_complete_script_free_document(
    parsed: dict[str, Parsed], site: dict[str, str]
) -> None:
    for doc, page in site.items():
        assert page.startswith('<!doctype html>\n<html lang="en">'), doc
        tree = parsed[doc]
        tags = [tag for tag, _ in tree.tags]
        assert ("meta", {"charset": "utf-8"}) in tree.tags, doc
        assert (
            "meta",
            {"name": "viewport", "content": "width=device-width, initial-scale=1"},
        ) in tree.tags, doc
        # one title for the page; each picture's <svg> has titles of its own
        outside = [tag for tag, _ in Parsed(re.sub(r"<svg\b.*?</svg>", "", page, flags=re.S)).tags]
        assert outside.count("title") == 1 and tags.count("style") == 1, doc
        assert "<title> ·" not in page, doc
        # no JavaScript, nothing loaded from anywhere
        assert [kind for kind, _ in tree.scripts] in ([], ["application/ld+json"]), doc
        assert not [link for link in tree.links if link[1] == "src"], doc
        assert not [a for t, a in tree.tags if t == "link" and "stylesheet" in str(a.get("rel"))]
        assert not [name for _, attrs in tree.tags for name in attrs if name.startswith("on")]
        style = page[page.index("<style>") : page.index("</style>")]
        assert "url(" not in style and "@import" not in style and "http" not in style, doc
        # the header and the footer
        nav = {href for tag, _, href, _ in tree.links if tag == "a"}
        for target in ("/index.html", "/def.html", "/queries.html", "/sparql", "/dataset.html"):
            assert any(resolve(doc, href)[0] == target for href in nav), (doc, target)
        assert "CC BY-SA 4.0" in tree.plain and "Wikipedia" in tree.plain, doc


def test_every_link_is_relative_and_resolves(parsed: dict[str, Parsed], targets: set[str]) -> None:
    external = 0
    for doc, tree in parsed.items():
        for tag, _, href, attrs in tree.links:
            if re.match(r"^https?://", href):
                external += 1
                assert tag == "a" and "noopener" in str(attrs.get("rel")), (doc, href)
                continue
            assert not re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE), (doc, href)
            assert not href.startswith("/"), f"{href!r} on {doc} is not relative"
            path, fragment = resolve(doc, href)
            assert path in targets, f"{href!r} on {doc} leads to {path}, which is not in the site"
            if fragment and path in parsed and path in ("/def.html", "/shapes.html", doc):
                assert fragment in parsed[path].ids, f"{href!r} on {doc}: no #{fragment}"
    assert external > 100  # sources' URLs, Wikidata, the licence


def test_ontology_terms_have_anchors(parsed: dict[str, Parsed], graph: Graph) -> None:
    ids = parsed["/def.html"].ids
    terms = {str(s) for s in graph.subjects() if str(s).startswith(str(TKG)) and str(s) != str(TKG)}
    assert len(terms) > 100
    assert {term.split("#", 1)[1] for term in terms} <= ids


def test_resource_pages_link_their_alternate_formats(
    parsed: dict[str, Parsed], site: dict[str, str]
) -> None:
    doc = page_of(RUSSIA)
    tree = parsed[doc]
    alternates = {
        a["type"]: resolve(doc, str(a["href"]))[0]
        for t, a in tree.tags
        if t == "link" and a.get("rel") == "alternate" and "type" in a
    }
    # and the page itself in each language, English the default
    languages = {
        a["hreflang"]: resolve(doc, str(a["href"]))[0]
        for t, a in tree.tags
        if t == "link" and a.get("rel") == "alternate" and "hreflang" in a
    }
    assert languages == {
        "en": "/id/state/rus.html",
        "fr": "/id/state/rus.fr.html",
        "ru": "/id/state/rus.ru.html",
        "ko": "/id/state/rus.ko.html",
        "x-default": "/id/state/rus.html",
    }
    assert alternates == {
        "text/turtle": "/id/state/rus.ttl",
        "application/ld+json": "/id/state/rus.jsonld",
        "application/n-triples": "/id/state/rus.nt",
    }
    anchors = {resolve(doc, href)[0] for tag, _, href, _ in tree.links if tag == "a"}
    assert set(alternates.values()) <= anchors
    assert f'<code class="iri">{RUSSIA}</code>' in site[doc]


# --- JSON-LD --------------------------------------------------------------------------------


def test_embedded_json_ld_is_schema_org_and_parses_offline(
    site: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the JSON-LD made rdflib go to the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    for doc, page in site.items():
        if doc.endswith(".html") and doc not in SPECIAL and doc != "/index.html":
            assert jsonld_of(page)["@context"] == {"@vocab": SCHEMA}, doc
    name = URIRef(f"{SCHEMA}name")
    expected = {
        TREATY: ("Legislation", "legislationDate", "2024-06-19"),
        SIGNING: ("Event", "startDate", "2024-06-19"),
        PUTIN: ("Person", "sameAs", "http://www.wikidata.org/entity/Q7747"),
        f"{BASE}id/place/pyongyang": ("Place", "name", "Pyongyang"),
        f"{BASE}dataset": ("Dataset", "license", "https://creativecommons.org/licenses/by-sa/4.0/"),
    }
    for iri, (kind, prop, value) in expected.items():
        data = Graph().parse(data=json.dumps(jsonld_of(site[page_of(iri)])), format="json-ld")
        subject = URIRef(iri)
        assert (subject, RDF.type, URIRef(SCHEMA + kind)) in data, iri
        assert data.value(subject, name) is not None, iri
        assert value in {str(v) for v in data.objects(subject, URIRef(SCHEMA + prop))}, iri
    # the index carries the dataset's description too
    assert jsonld_of(site["/index.html"])["@id"] == f"{BASE}dataset"


def test_script_json_cannot_end_the_script_element() -> None:
    data = {"name": "</script><script>alert(1)</script> & <!-- x -->"}
    text = str(script_json(data))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


# --- escaping -------------------------------------------------------------------------------


def test_hostile_labels_are_shown_as_text(graph: Graph) -> None:
    hostile = Graph()
    hostile += graph
    hostile.add((URIRef(PUTIN), RDFS.label, Literal("<script>alert(1)</script>", lang="de")))
    hostile.add((URIRef(PUTIN), SKOS.altLabel, Literal("</script><b>bold", lang="en")))
    hostile.add((URIRef(TREATY), TKG.signatory, URIRef(PUTIN)))
    # autoescaping does not stop a javascript: link; only http(s) IRIs may become links
    hostile.add((URIRef(PUTIN), SKOS.exactMatch, URIRef("javascript:alert(1)")))
    source = URIRef(f"{BASE}id/source/kcnawatch-2024-06-20-treaty-text")
    hostile.set((source, TKG.url, URIRef("JavaScript:alert(2)")))
    pages = Pages(hostile)
    page = pages.resource(PUTIN)
    assert "javascript:alert(1)" in page and "JavaScript:alert(2)" in page
    assert not re.search(r"href=[\"']?\s*javascript", page, re.IGNORECASE)
    assert "<script>alert(1)" not in page and "</script><b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;/script&gt;&lt;b&gt;bold" in page
    tree = Parsed(page)
    assert [kind for kind, _ in tree.scripts] == ["application/ld+json"]
    assert "b" not in [tag for tag, _ in tree.tags]
    names = json.dumps(jsonld_of(page), ensure_ascii=False)
    assert "<script>alert(1)</script>" in names and "</script><b>bold" in names
    # where the label is shown as a link text (the treaty's page names its signatory)
    assert "<script>alert" not in pages.resource(TREATY)


def test_paths_queries_and_errors_are_escaped(pages: Pages) -> None:
    page = pages.not_found('/id/"><script>alert(1)</script>')
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    query = "SELECT * WHERE { ?s ?p '</textarea><script>x</script>' }"
    results = {
        "head": {"vars": ["x"]},
        "results": {"bindings": [{"x": {"type": "literal", "value": "<img src=x>"}}]},
    }
    page = pages.results(query, results, None)
    assert "</textarea><script>" not in page and "<img src=x>" not in page
    assert "&lt;img src=x&gt;" in page
    page = pages.results(query, None, "syntax error near <b>")
    assert "near <b>" not in page and "near &lt;b&gt;" in page


# --- what the pages say ---------------------------------------------------------------------


def test_article_4_shows_its_norm_and_directed_obligations(site: dict[str, str]) -> None:
    doc = page_of(ARTICLE_4)
    page = site[doc]
    tree = Parsed(page)
    linked = {resolve(doc, href)[0] for tag, _, href, _ in tree.links if tag == "a"}
    assert "/id/norm/csp-art-4.html" in linked
    assert {
        "/id/obligation/csp-art-4-rus-to-prk.html",
        "/id/obligation/csp-art-4-prk-to-rus.html",
    } <= linked
    section = page[page.index('id="norms"') :]
    text = text_of(section)
    assert "provide military and other assistance without delay" in text
    assert "North Korea → Russia" in text and "Russia → North Korea" in text
    assert "Article 51 of the Charter of the United Nations" in text
    assert "state of war" in text


def test_labels_in_every_language(site: dict[str, str]) -> None:
    person = Parsed(site[page_of(PUTIN)])
    langs = {attrs.get("lang") for _, attrs in person.tags if attrs.get("lang")}
    assert {"en", "fr"} <= langs
    assert "Vladimir Poutine" in person.plain and "Vladimir Putin" in person.plain
    treaty = site[page_of(TREATY)]
    for lang in ("ko", "ru", "fr"):
        assert f'lang="{lang}"' in treaty
    assert "조선민주주의인민공화국" in treaty and "Договор" in treaty


def treaties_of(graph: Graph) -> list[URIRef]:
    """Every treaty of the graph (an instance of tkg:Treaty or of a sub-class)."""
    found = graph.query(
        "SELECT DISTINCT ?t WHERE { ?t a/rdfs:subClassOf* tkg:Treaty }",
        initNs={"tkg": TKG, "rdfs": RDFS},
    )
    return [row[0] for row in found]  # type: ignore[index]


def treaty_rows(page: str) -> list[str]:
    """The rows of the index's list of treaties."""
    return re.findall(r'<tr class="treaty">(.*?)</tr>', page, re.S)


def test_the_index_lists_every_treaty_newest_first(site: dict[str, str], graph: Graph) -> None:
    """Every treaty has a row, with articles or without, by date of signature: the newest
    first, those without a date last (then by IRI)."""
    page = site["/index.html"]
    rows = treaty_rows(page)
    linked = []
    for row in rows:
        first = re.search(r'href="([^"]+)"', row)
        assert first is not None, row
        linked.append(resolve("/index.html", first.group(1))[0])
    treaties = treaties_of(graph)
    assert sorted(linked) == sorted(page_of(str(t)) for t in treaties)
    signed = {page_of(str(t)): graph.value(t, ELI.date_document) for t in treaties}
    dated = [str(signed[doc]) for doc in linked if signed[doc] is not None]
    assert dated == sorted(dated, reverse=True)
    undated = [doc for doc in linked if signed[doc] is None]
    assert linked[len(dated) :] == undated == sorted(undated)
    # what the index says of the 2024 treaty; the rest is on its page
    (row,) = [row for row in rows if f'href="{page_of(TREATY).lstrip("/")}"' in row]
    text = text_of(row)
    assert "19 June 2024" in text and "4 December 2024" in text
    assert "North Korea" in text and "Russia" in text and "23" in text
    assert 'class="article"' not in page  # the articles are on the treaty's page
    intro = Parsed(page).plain
    titles = graph.objects(URIRef(f"{BASE}dataset"), DCTERMS.title)
    (title,) = [t for t in titles if isinstance(t, Literal) and t.language == "en"]
    assert str(title) in intro


def test_the_index_timeline_lists_every_dated_event_with_its_treaties(
    site: dict[str, str], graph: Graph
) -> None:
    page = site["/index.html"]
    rows = re.findall(r'<tr class="event">(.*?)</tr>', page, re.S)
    events = [re.search(r"<time[^>]*>(.*?)</time>", row).group(1) for row in rows]  # type: ignore[union-attr]
    # each event's first date, as English writes dates ("between 1 January 2022 and …")
    firsts = [
        datetime.strptime(re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}", when).group(), "%d %B %Y")  # type: ignore[union-attr]
        for when in events
    ]
    assert firsts == sorted(firsts)
    dated = graph.query(
        """SELECT DISTINCT ?e WHERE { ?e a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c .
           VALUES ?c { <https://w3id.org/treatykg/def#Event> }
           ?e ?p ?d . VALUES ?p { <https://w3id.org/treatykg/def#date>
           <https://w3id.org/treatykg/def#startDate> <https://w3id.org/treatykg/def#notBefore>
           <https://w3id.org/treatykg/def#notAfter> } }"""
    )
    assert len(events) == len(list(dated)) > 0
    # the treaty column names each treaty an event concerns (tkg:concerns), by its link
    for row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        event = resolve("/index.html", re.search(r'href="([^"]+)"', cells[1]).group(1))[0]  # type: ignore[union-attr]
        iri = URIRef(urls.iri_of(event.removesuffix(".html")))
        named = {
            resolve("/index.html", href)[0] for href in re.findall(r'href="([^"]+)"', cells[2])
        }
        assert {page_of(str(t)) for t in graph.objects(iri, TKG.concerns)} <= named, row
        if not named:
            assert "—" in cells[2], row


def test_every_treaty_page_shows_what_its_data_gives_and_nothing_broken(
    site: dict[str, str], graph: Graph
) -> None:
    """Each treaty's page has its articles 1..N in order after the other divisions, its
    obligations and timeline as far as its data goes, and says so where the data has none."""
    for treaty in treaties_of(graph):
        doc = page_of(str(treaty))
        page = site[doc]
        ids = Parsed(page).ids
        assert {"articles", "timeline"} <= ids, doc
        rows = [text_of(row) for row in re.findall(r'<tr class="article">(.*?)</tr>', page, re.S)]
        parts = set(graph.subjects(ELI.is_part_of, treaty))
        articles = {p for p in parts if (p, RDF.type, TKG.Article) in graph}
        numbers = [int(m.group(1)) for row in rows if (m := re.match(r"Article (\d+)\b", row))]
        assert numbers == sorted(numbers) and len(numbers) == len(articles), doc
        count = graph.value(treaty, TKG.articleCount)
        if count is not None:
            assert numbers == list(range(1, int(count) + 1)), doc
        if not articles:
            assert "No article of this treaty is described" in page, doc
        # the preamble and the other divisions first, then the articles
        first = next((i for i, row in enumerate(rows) if re.match(r"Article \d", row)), len(rows))
        assert all(re.match(r"Article \d", row) for row in rows[first:]), doc
        assert not [row for row in rows if row.strip() == ""], doc
        unknown = {p for p in articles if (p, TKG.contentStatus, TKG.ContentUnknown) in graph}
        assert sum("Content unknown" in row for row in rows) == len(unknown), doc
        concerning = set(graph.subjects(TKG.concerns, treaty))
        timeline = page[page.index('id="timeline"') :]
        timeline = timeline[: timeline.index("</table>")] if "</table>" in timeline else ""
        for event in concerning:
            times = (TKG.date, TKG.startDate, TKG.notBefore, TKG.notAfter)
            if any(graph.value(event, p) is not None for p in times):
                assert urls.relative(doc, page_of(str(event))) in timeline, (doc, event)
        if not concerning:
            assert "No dated events." in page, doc


def test_the_2024_treaty_page_shows_its_articles_obligations_and_signatories(
    site: dict[str, str], graph: Graph
) -> None:
    page = site[page_of(TREATY)]
    rows = [text_of(row) for row in re.findall(r'<tr class="article">(.*?)</tr>', page, re.S)]
    assert rows[0].startswith("Preamble")
    numbers = [int(m.group(1)) for row in rows if (m := re.match(r"Article (\d+)\b", row))]
    assert numbers == list(range(1, 24))
    # obligations: bearer → beneficiary
    obligations = page[page.index('id="obligations"') :]
    ours = {
        o
        for o in graph.subjects(RDF.type, TKG.DirectedObligation)
        for n in graph.objects(o, TKG.derivedFrom)
        for a in graph.objects(n, TKG.expressedBy)
        if (a, ELI.is_part_of, URIRef(TREATY)) in graph
    }
    assert ours and text_of(obligations).count("→") >= len(ours)
    text = Parsed(page).plain
    assert "North Korea" in text and "Russia" in text and "Kim Jong Un" in text
    assert "19 June 2024" in text and "4 December 2024" in text
    # its timeline: what concerns it, and the state visit during which it was signed
    timeline = page[page.index('id="timeline"') : page.index('id="articles"')]
    for event in ("2024-06-19-signing", "2024-12-04-entry-into-force", "2024-06-18-putin"):
        assert f"id/event/{event}" in timeline, event
    assert "russian-invasion-of-ukraine" not in timeline


def test_the_index_lists_the_downloads(site: dict[str, str], graph: Graph) -> None:
    downloads = site["/index.html"][site["/index.html"].index('id="downloads"') :]
    distributions = set(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/dcat#Distribution")))
    assert len(distributions) >= 9
    for name in ("treatykg.ttl", "treatykg.jsonld", "treatykg.nt", "shapes.ttl"):
        assert f'<a href="{name}">{name}</a>' in downloads


def test_claims_show_preferred_and_deprecated_values_with_their_asserters(
    site: dict[str, str],
) -> None:
    page = site[page_of(SIGNING)]
    claims = {
        rank: [
            text_of(body)
            for r, body in re.findall(r'<div class="claim rank-(\w+)">(.*?)</div>', page, re.S)
            if r == rank
        ]
        for rank in ("preferred", "deprecated")
    }
    # dates as the page's language writes them (English: 19 June 2024)
    assert any("19 June 2024" in c and "KCNA" in c for c in claims["preferred"])
    assert any("18 June 2024" in c and "English Wikipedia" in c for c in claims["deprecated"])
    assert all("preferred" in c for c in claims["preferred"])
    assert all("deprecated" in c and "Why this rank" in c for c in claims["deprecated"])
    # the deprecated value is struck through, the preferred one is not
    assert re.search(
        r'rank-deprecated">.*?class="claimed"><time datetime="2024-06-18">18 June 2024</time>',
        page,
        re.S,
    )


def test_sources_show_title_publisher_and_url(site: dict[str, str]) -> None:
    page = site[page_of(PUTIN)]
    sources = page[page.index('id="sources"') :]
    assert "https://kcnawatch.org/" in sources and 'rel="noopener"' in sources
    assert "KCNA Watch" in text_of(sources)


def test_long_lists_are_cut_with_a_pointer_to_the_endpoint(graph: Graph) -> None:
    hub = Graph()
    hub += graph
    for i in range(MAX_LISTED + 50):
        hub.add((URIRef(f"{BASE}id/place/extra-{i:03}"), TKG.locatedIn, URIRef(RUSSIA)))
    page = Pages(hub).resource(RUSSIA)
    section = page[page.index('id="referenced-by"') :]
    assert section.count("<tr>") <= MAX_LISTED + 1
    assert re.search(r"and \d+ more", section)
    link = re.search(r'href="(\.\./\.\./sparql\?[^"]+)"', section)
    assert link is not None
    query = parse_qs(urlsplit(html.unescape(link.group(1))).query)["query"][0]
    assert RUSSIA in query
    page = Pages(hub, endpoint=None).resource(RUSSIA)
    assert "sparql" not in page and "../../queries.html" in page


def test_ontology_page(site: dict[str, str]) -> None:
    page = site["/def.html"]
    tree = Parsed(page)
    assert {"Treaty", "party", "Claim", "PreferredRank", "NormTypes"} <= tree.ids
    treaty = text_of(page[page.index('id="Treaty"') :].split('class="term"', 1)[0])
    assert "treaty" in treaty and "traité" in treaty and "written international agreement" in treaty
    assert "schema:Legislation" in treaty and "eli:LegalResource" in treaty  # alignments
    assert "treatykg ontology" in tree.plain
    assert "0.1.0" in tree.plain and "Creative Commons" in tree.plain
    party = page[page.index('id="party"') :][:2000]
    assert 'href="def.html#State"' in party and 'href="def.html#Treaty"' in party  # range, domain


def test_shapes_page(site: dict[str, str], static: Pages) -> None:
    tree = Parsed(site["/shapes.html"])
    assert "StateShape" in tree.ids and "ClaimShape" in tree.ids
    shape = site["/shapes.html"]
    state = text_of(shape[shape.index('id="StateShape"') :][:3000])
    assert "violation" in state and "A state carries only" in state
    assert 'href="def.html#State"' in shape[shape.index('id="StateShape"') :][:3000]
    without = static.shapes()
    assert "shapes.ttl" in without and 'id="StateShape"' not in without


def test_queries_page_with_and_without_an_endpoint(
    pages: Pages, static: Pages, parsed: dict[str, Parsed]
) -> None:
    queries = bundled()
    chosen = [q for q in queries if "treaty" in q.parameter_names]
    assert chosen, "no bundled query takes a treaty"
    page = pages.queries()
    tree = parsed["/queries.html"]
    forms = [attrs for tag, attrs in tree.tags if tag == "form"]
    assert len(forms) == len(queries) + len(chosen)
    assert all(f["method"] == "get" and f["action"] == "sparql" for f in forms)
    texts = re.findall(r'<textarea[^>]*name="query"[^>]*>(.*?)</textarea>', page, re.S)
    assert sorted(html.unescape(t) for t in texts) == sorted(q.text for q in queries)
    assert page.count("<select id=") == len(queries) + 2 * len(chosen)
    assert page.count('<option value="html" selected>') == len(queries) + len(chosen)
    for value in ("json", "csv", "tsv", "xml"):
        assert f'<option value="{value}"' in page
    assert all(q.title in tree.plain for q in queries)
    bare = static.queries()
    assert "<form" not in bare and "treatykg serve" in bare
    assert "sparql" not in re.sub(r"(?s)<pre>.*?</pre>", "", bare).replace("SPARQL", "")


def test_a_query_that_takes_a_treaty_offers_each_treaty(
    pages: Pages, graph: Graph, parsed: dict[str, Parsed]
) -> None:
    """Without scripts: a menu whose every option is the whole query for its treaty (or as
    written, for every treaty), sent as ``query`` by a plain GET form."""
    page = pages.queries()
    treaties = {str(t) for t in treaties_of(graph)}
    for query in bundled():
        menu = re.search(
            rf'<select id="q-{re.escape(query.name)}-treaty" name="query">(.*?)</select>',
            page,
            re.S,
        )
        if "treaty" not in query.parameter_names:
            assert menu is None, query.name
            continue
        assert menu is not None, query.name
        options = re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', menu.group(1), re.S)
        bound = {}
        for value, name in options:
            text = html.unescape(value)
            found = re.findall(r"^\s*VALUES \?treaty \{ <([^>]+)> \}", text, re.M)
            if not found:
                assert name == "every treaty" and text == query.text, (query.name, name)
                continue
            (iri,) = found
            bound[iri] = name
            assert text.replace(f"<{iri}>", "UNDEF") == query.text or "UNDEF" not in query.text
        assert set(bound) == treaties, query.name
        assert bound[TREATY].startswith("Treaty on Comprehensive Strategic Partnership")


def test_results_page(pages: Pages) -> None:
    results = {
        "head": {"vars": ["treaty", "name", "other"]},
        "results": {
            "bindings": [
                {
                    "treaty": {"type": "uri", "value": TREATY},
                    "name": {"type": "literal", "value": "traité", "xml:lang": "fr"},
                    "other": {"type": "uri", "value": "http://www.wikidata.org/entity/Q7747"},
                }
            ]
        },
    }
    page = pages.results("SELECT * WHERE { ?s ?p ?o }", results, None)
    tree = Parsed(page)
    hrefs = [href for tag, _, href, _ in tree.links if tag == "a"]
    assert "eli/treaty/2024/csp.html" in hrefs
    assert "http://www.wikidata.org/entity/Q7747" in hrefs
    assert '<span lang="fr">traité</span>' in page and "1 row." in tree.plain
    assert [a for t, a in tree.tags if t == "form"] == [{"method": "get", "action": "sparql"}]
    assert "yes (true)" in Parsed(pages.results("ASK {}", {"boolean": True}, None)).plain
    empty = pages.results(None, None, None)
    assert "<form" in empty and 'href="queries.html"' in empty and 'id="results"' not in empty


def test_not_found_page(pages: Pages, site: dict[str, str]) -> None:
    page = site["/id/state/nowhere/deeper/still"]
    assert "/id/state/nowhere/deeper/still" in Parsed(page).plain
    assert 'href="../../../../index.html"' in page
    near = pages.not_found("/id/state/russ")
    assert 'href="rus.html"' in near


def test_resource_lookup(pages: Pages) -> None:
    with pytest.raises(KeyError):
        pages.resource(f"{BASE}id/state/atlantis")
    with pytest.raises(KeyError):
        pages.resource("http://example.org/elsewhere")
    assert pages.resource(f"{TKG}Treaty") == pages.ontology()
    assert pages.resource(BASE) == pages.index()


# --- determinism and speed ------------------------------------------------------------------


def test_rendering_is_deterministic(
    pages: Pages, site: dict[str, str], release: Path, shapes: Graph
) -> None:
    again = Pages(merged(release), queries=bundled(), shapes=shapes)
    for iri in (TREATY, SIGNING, PUTIN, f"{BASE}dataset"):
        assert pages.resource(iri) == site[page_of(iri)] == again.resource(iri)
    assert again.index() == site["/index.html"] == pages.index()
    assert again.ontology() == site["/def.html"]
    assert again.shapes() == site["/shapes.html"]
    assert again.queries() == site["/queries.html"]


def test_every_resource_has_a_page(site: dict[str, str]) -> None:
    """How long rendering them takes is measured in benchmarks/bench_budgets.py."""
    assert len(site) > 400


def test_a_static_site_never_links_to_an_endpoint(static: Pages, targets: set[str]) -> None:
    for doc, page in (
        ("/index.html", static.index()),
        (page_of(ARTICLE_4), static.resource(ARTICLE_4)),
        ("/def.html", static.ontology()),
        ("/queries.html", static.queries()),
    ):
        for tag, _, href, _ in Parsed(page).links:
            if tag in ("a", "link", "form") and not re.match(r"^https?://", href):
                path, _ = resolve(doc, href)
                assert path in targets and path != "/sparql", (doc, href)


def test_an_empty_graph_still_renders_every_page() -> None:
    pages = Pages(Graph(), endpoint=None)
    assert pages.resource_iris() == []
    for page in (
        pages.index(),
        pages.ontology(),
        pages.shapes(),
        pages.queries(),
        pages.results(None, None, None),
        pages.not_found("/x"),
    ):
        assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    with pytest.raises(KeyError):
        pages.resource(TREATY)


def test_a_page_of_a_large_result_links_to_the_whole_as_csv(pages: Pages) -> None:
    """The endpoint sends a page's worth of rows and the total; the page says so."""
    text = "SELECT ?n WHERE { ?s ?p ?n }"
    rows = [{"n": {"type": "literal", "value": str(n)}} for n in range(5)]
    results = {"head": {"vars": ["n"]}, "results": {"bindings": rows}, "total": 12345}
    tree = Parsed(pages.results(text, results, None))
    assert "12345 rows. The first 5 are shown" in tree.plain
    [csv] = [href for tag, _, href, _ in tree.links if tag == "a" and "format=csv" in href]
    assert parse_qs(urlsplit(csv).query) == {
        "query": [text],
        "format": ["csv"],
    }


def test_the_treaty_page_lists_provisions_after_articles_with_their_confidence(
    pages: Pages, graph: Graph
) -> None:
    """Issue 19: the provisions whose article is unknown come after the articles, each with
    its confidence and the claims that give it an article; every summary and stated number
    says how well it is attested."""
    page = pages.resource(TREATY)
    articles, provisions = page.index('id="articles"'), page.index('id="provisions"')
    assert articles < provisions
    table = page[provisions : page.index("</table>", provisions)]
    rows = table.split('<tr class="provision">')[1:]
    assert len(rows) == len(set(graph.subjects(RDF.type, TKG.Provision))) == 11
    for row in rows:
        assert re.search(r'content <a href="[^"]*#(Verified|SingleSource)"', row), row
        assert 'class="unknown">unknown<' in row  # none has an article
    media = next(r for r in rows if "media-cooperation" in r)
    assert "Article 20 (El País)" in media and "Article 20 (DailyNK)" in media
    assert "a claim, not adopted" in media
    # the articles: Article 1's number is stated by a single source, its content verified
    first = page[articles:provisions].split('<tr class="article">')[2]
    assert ">Article 1<" in first
    assert re.search(r"number stated in a source</a>: <a [^>]*>single source</a>", first), first
    assert re.search(r"content <a [^>]*>verified</a>", first), first


def test_pictures_say_their_language_and_mark_data_in_another(pages: Pages) -> None:
    """A picture on a Korean page is in Korean (<svg lang="ko">); a box whose name the data
    has only in English says so (lang="en"), for screen readers and fonts. In English, no box
    needs to."""
    korean = pages.in_language("ko").picture(urls.path_of(ARTICLE_4) or "", "neighbourhood")
    assert korean is not None
    svg = korean.decode("utf-8")
    assert re.search(r'<svg [^>]*\blang="ko"', svg)
    marked = re.findall(r'<g id="[^"]*" class="node" lang="([^"]+)">', svg)
    assert marked and set(marked) == {"en"}
    english = pages.picture(urls.path_of(ARTICLE_4) or "", "neighbourhood")
    assert english is not None
    assert not re.findall(r'class="node" lang=', english.decode("utf-8"))
