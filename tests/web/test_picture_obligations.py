"""The obligations picture on a treaty's and an article's page: the parties as nodes, each
directed obligation an arrow bearer → norm's box → beneficiary, conditions and invoking events
linked.

The expectations are read from the published graph with plain rdflib (who bears and who
benefits from each obligation, which are conditional, which events invoke a norm), not from
the picture's model, so an obligation the picture dropped would fail here. Pictures are parsed
as XML and read element by element: each arrow is a ``<g class="edge">`` whose ``<title>`` is
``tail->head`` and whose link is the obligation's page.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from generated_corpus import generate, published
from treatykg.namespaces import BASE, ELI, TKG
from treatykg.web import urls
from treatykg.web.pages import Pages
from treatykg.web.pages.graph_index import GraphIndex
from treatykg.web.pages.links import Links
from treatykg.web.pages.pictures.graphviz import Graphviz, tidy
from treatykg.web.pages.pictures.obligations import MAX_OBLIGATIONS, obligations_sketch

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
TREATY = f"{BASE}eli/treaty/2024/csp"
ARTICLE_4 = f"{TREATY}/art_4"
DEPLOYMENT = f"{BASE}id/event/dprk-troop-deployment-to-russia"
ACKNOWLEDGEMENTS = (
    f"{BASE}id/event/2025-04-26-gerasimov-report-to-putin",
    f"{BASE}id/event/2025-04-28-wpk-cmc-statement",
)
CLAIM = f"{BASE}id/claim/wpk-cmc-deployment-invokes-art-4"
EX = Namespace("https://w3id.org/treatykg/id/test/")
HOSTILE = 'Q"uote \\N back\\slash &amp; <script>alert(1)</script>\nnew line'

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz (dot) is not installed: apt-get install graphviz"
)


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(graph: Graph) -> Pages:
    return Pages(graph, endpoint=None)


@pytest.fixture(scope="module")
def documents(pages: Pages) -> set[str]:
    """Every page of the site, as a site path."""
    return {urls.document(urls.path_of(iri) or "", "html") for iri in pages.resource_iris()}


def page_of(iri: str) -> str:
    return urls.document(urls.path_of(iri) or "", "html")


def picture(pages: Pages, iri: str) -> ET.Element:
    svg = pages.picture(urls.path_of(iri) or "", "obligations")
    assert svg is not None, iri
    return ET.fromstring(svg)


def draw(links: Links, doc: str, obligations: list[URIRef], name: str = "x") -> ET.Element:
    """A small graph's picture, drawn and tidied as a page would."""
    sketch = obligations_sketch(links, doc, obligations, name, "pic-obligations")
    assert sketch is not None and sketch.dot is not None
    drawn = Graphviz().draw(sketch.dot)
    assert drawn is not None
    svg = tidy(drawn, prefix="pic-obligations", title=sketch.title, desc=sketch.desc)
    return ET.fromstring(svg)


def link(element: ET.Element) -> str | None:
    """The link of a node or edge group (``dot`` wraps its shapes in ``<a xlink:href>``)."""
    for a in element.iter(f"{SVG}a"):
        return a.get(f"{XLINK}href")
    return None


def groups(svg: ET.Element, kind: str) -> Iterator[ET.Element]:
    return (g for g in svg.iter(f"{SVG}g") if g.get("class") == kind)


def title(element: ET.Element) -> str:
    found = element.find(f"{SVG}title")
    assert found is not None
    return found.text or ""


def text(element: ET.Element) -> str:
    """The visible text of a node, its lines joined by spaces."""
    return " ".join(t.text or "" for t in element.iter(f"{SVG}text"))


def target(doc: str, href: str) -> str:
    """The site path a relative link on the page ``doc`` points to."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(doc), urlsplit(href).path))
    assert joined.startswith("/") and not joined.startswith("/.."), (doc, href)
    return joined


def arrows(svg: ET.Element, doc: str) -> dict[str, list[tuple[str, str]]]:
    """The drawn edges linking to each page: (tail, head) from their titles."""
    found: dict[str, list[tuple[str, str]]] = {}
    for edge in groups(svg, "edge"):
        href = link(edge)
        if href is not None:
            tail, _, head = title(edge).partition("->")
            found.setdefault(target(doc, href), []).append((tail, head))
    return found


def nodes(svg: ET.Element, doc: str) -> dict[str, ET.Element]:
    """The node groups by the page they link to."""
    found = {}
    for node in groups(svg, "node"):
        href = link(node)
        if href is not None:
            found[target(doc, href)] = node
    return found


def top(node: ET.Element) -> float:
    """Where a node's first line of text is, from the top (``dot`` writes y down the page)."""
    first = node.find(f".//{SVG}text")
    assert first is not None
    return float(first.get("y", "0"))


def dashed(element: ET.Element) -> bool:
    return any("stroke-dasharray" in e.attrib for e in element.iter(f"{SVG}path")) or any(
        "stroke-dasharray" in e.attrib for e in element.iter(f"{SVG}polygon")
    )


def label(graph: Graph, node: URIRef) -> str:
    english = [o for o in graph.objects(node, RDFS.label) if getattr(o, "language", None) == "en"]
    return str(english[0])


def obligations_of(graph: Graph, article: str) -> list[URIRef]:
    return [
        URIRef(str(o))
        for norm in graph.subjects(TKG.expressedBy, URIRef(article))
        for o in graph.subjects(TKG.derivedFrom, norm)
    ]


# --- the flagship: Article 4 and the treaty -------------------------------------------------


@needs_dot
def test_article_4_draws_each_obligation_as_an_arrow_from_bearer_to_beneficiary(
    pages: Pages, graph: Graph, documents: set[str]
) -> None:
    doc = page_of(ARTICLE_4)
    svg = picture(pages, ARTICLE_4)
    assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc") is not None
    assert title(svg) == f"Directed obligations of {label(graph, URIRef(ARTICLE_4))}"
    drawn = arrows(svg, doc)
    obligations = obligations_of(graph, ARTICLE_4)
    assert len(obligations) == 2
    for obligation in obligations:
        bearer = label(graph, graph.value(obligation, TKG.bearer))
        beneficiary = label(graph, graph.value(obligation, TKG.beneficiary))
        halves = drawn[page_of(str(obligation))]
        # into the norm's box from the bearer, out of it to the beneficiary
        assert len(halves) == 2, halves
        (into_tail, box), (out_of, out_head) = sorted(halves, key=lambda h: h[0] != bearer)
        assert (into_tail, out_head) == (bearer, beneficiary)
        assert box == out_of and box.startswith("Art. 4 · ⇄ reciprocal")
    # the box links to the norm and says it is reciprocal and conditional
    norm = graph.value(obligations[0], TKG.derivedFrom)
    box_node = nodes(svg, doc)[page_of(str(norm))]
    assert text(box_node).startswith("Art. 4 · ⇄ reciprocal provide military")
    assert text(box_node).endswith("(if …)") and dashed(box_node)


@needs_dot
def test_a_conditional_obligation_is_dashed_and_its_condition_is_linked(
    pages: Pages, graph: Graph
) -> None:
    doc = page_of(ARTICLE_4)
    svg = picture(pages, ARTICLE_4)
    drawn, linked = arrows(svg, doc), nodes(svg, doc)
    edges = {title(e): e for e in groups(svg, "edge")}
    for obligation in obligations_of(graph, ARTICLE_4):
        conditions = list(graph.objects(obligation, TKG.condition))
        assert conditions, obligation
        for tail, head in drawn[page_of(str(obligation))]:
            assert dashed(edges[f"{tail}->{head}"]), (tail, head)
        for condition in conditions:
            note = linked[page_of(str(condition))]
            assert text(note).startswith("if " + label(graph, condition)[:10])
            # a dashed line joins the note to the box
            assert any(head == title(note) for _, head in drawn[page_of(str(condition))])


@needs_dot
def test_the_invoking_event_and_its_acknowledgements_are_linked(pages: Pages, graph: Graph) -> None:
    # what the data says: the deployment invokes Article 4's norm; the 2025 acknowledgements
    # are about the deployment
    norm = graph.value(URIRef(DEPLOYMENT), TKG.invokes)
    assert graph.value(norm, TKG.expressedBy) == URIRef(ARTICLE_4)
    for ack in ACKNOWLEDGEMENTS:
        assert (URIRef(ack), TKG.about, URIRef(DEPLOYMENT)) in graph
    for page in (ARTICLE_4, TREATY):
        doc = page_of(page)
        svg = picture(pages, page)
        linked, drawn = nodes(svg, doc), arrows(svg, doc)
        event = linked[page_of(DEPLOYMENT)]
        assert "invoked Art. 4" in text(event)
        box = title(linked[page_of(str(norm))])
        # a dotted arrow from the event to the norm's box, linking to the claim that says so
        assert drawn[page_of(CLAIM)] == [(title(event), box)]
        for ack in ACKNOWLEDGEMENTS:
            node = linked[page_of(ack)]
            assert "acknowledged" in text(node)
            assert (title(node), title(event)) in drawn[page_of(ack)]
        desc = svg.find(f"{SVG}desc")
        assert desc is not None
        assert f"{label(graph, URIRef(DEPLOYMENT))} invoked" in (desc.text or "")
        # dates as English writes them
        assert "(26 April 2025)" in (desc.text or "") and "(28 April 2025)" in (desc.text or "")


@needs_dot
def test_the_treaty_picture_has_every_obligation_and_a_box_per_norm_by_article(
    pages: Pages, graph: Graph
) -> None:
    doc = page_of(TREATY)
    svg = picture(pages, TREATY)
    drawn, linked = arrows(svg, doc), nodes(svg, doc)
    articles = [a for a in graph.subjects(ELI.is_part_of, URIRef(TREATY))]
    obligations = [o for a in articles for o in obligations_of(graph, str(a))]
    assert len(obligations) == 20  # 14 under articles, 6 under provisions of unknown article
    for obligation in obligations:
        bearer = label(graph, graph.value(obligation, TKG.bearer))
        beneficiary = label(graph, graph.value(obligation, TKG.beneficiary))
        tails = {t for t, _ in drawn[page_of(str(obligation))]}
        heads = {h for _, h in drawn[page_of(str(obligation))]}
        assert bearer in tails and beneficiary in heads
    norms = {graph.value(o, TKG.derivedFrom) for o in obligations}
    boxes = [linked[page_of(str(n))] for n in norms]
    # top to bottom by article number, as the table lists them
    by_height = sorted(boxes, key=top)
    heads = [text(b).split(" · ")[0].split(" ")[1] for b in by_height]
    numbers = [int(h) for h in heads if h.isdigit()]
    assert numbers == sorted(numbers) == [3, 4, 5, 8, 10, 16, 23]
    # the norms of provisions whose article is unknown come last, and say so
    assert heads[len(numbers) :] == ["unknown"] * 3
    # every norm of the treaty is reciprocal: its box says so in words
    assert all("⇄ reciprocal" in text(b) for b in boxes)
    parties = {label(graph, p) for p in graph.objects(URIRef(TREATY), TKG.party)}
    assert {title(n) for n in groups(svg, "node")} >= parties
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and (desc.text or "").startswith(
        "20 directed obligations between 2 parties (North Korea and Russia), under 7 articles"
        " and 3 norms whose article is unknown:"
        " North Korea owes Russia 10 obligations and Russia owes North Korea 10 obligations."
        " 6 are conditional."
        " 10 reciprocal norms give 20 of them."
    )


@needs_dot
def test_every_link_of_the_pictures_resolves_to_a_page_of_the_site(
    pages: Pages, documents: set[str]
) -> None:
    for page in (TREATY, ARTICLE_4):
        doc = page_of(page)
        svg = picture(pages, page)
        hrefs = [e.get(f"{XLINK}href") for e in svg.iter() if e.get(f"{XLINK}href")]
        assert len(hrefs) > 10, page
        for href in hrefs:
            assert href is not None and not urlsplit(href).scheme, href
            assert target(doc, href) in documents, (page, href)


def test_pages_without_obligations_have_no_picture(pages: Pages, graph: Graph) -> None:
    links = Links(GraphIndex(graph), endpoint=None)
    assert obligations_sketch(links, "/x.html", [], "nothing", "pic-obligations") is None
    article_1 = f"{TREATY}/art_1"
    assert not obligations_of(graph, article_1)
    assert pages.picture(urls.path_of(article_1) or "", "obligations") is None
    assert pages.picture(urls.path_of(DEPLOYMENT) or "", "obligations") is None


@needs_dot
def test_the_picture_is_deterministic(graph: Graph, pages: Pages) -> None:
    again = Pages(graph, endpoint=None)
    for page in (TREATY, ARTICLE_4):
        path = urls.path_of(page) or ""
        assert pages.picture(path, "obligations") == again.picture(path, "obligations")
    links = Links(GraphIndex(graph), endpoint=None)
    obligations = obligations_of(graph, ARTICLE_4)
    first = obligations_sketch(links, "/a.html", obligations, "x", "p")
    second = obligations_sketch(links, "/a.html", list(reversed(obligations)), "x", "p")
    assert first == second


# --- small graphs: several parties, hostile labels, the cap ---------------------------------


def treaty_graph(parties: int, *, hostile: bool = False, articles: int = 1) -> Graph:
    """A treaty whose article ``n`` states a reciprocal norm among ``parties`` states (one
    obligation per ordered pair; the first conditional), and an event invoking article 1's."""
    g = Graph()
    states = [EX[f"state-{i}"] for i in range(parties)]
    for i, state in enumerate(states):
        g.add((state, RDF.type, TKG.State))
        g.add((state, RDFS.label, Literal(f"{HOSTILE} {i}" if hostile else f"State {i}", "en")))
    condition = EX["condition"]
    g.add((condition, RDF.type, TKG.Condition))
    g.add((condition, RDFS.label, Literal(HOSTILE if hostile else "war breaks out", "en")))
    for n in range(1, articles + 1):
        article, norm = EX[f"art-{n}"], EX[f"norm-{n}"]
        g.add((article, RDF.type, TKG.Article))
        g.add((article, ELI.number, Literal(str(n))))
        g.add((norm, RDF.type, TKG.Norm))
        g.add((norm, TKG.expressedBy, article))
        g.add((norm, TKG.reciprocal, Literal(True)))
        for bearer in states:
            for beneficiary in states:
                if bearer == beneficiary:
                    continue
                o = EX[f"o-{n}-{states.index(bearer)}-{states.index(beneficiary)}"]
                g.add((o, RDF.type, TKG.DirectedObligation))
                g.add((o, TKG.derivedFrom, norm))
                g.add((o, TKG.bearer, bearer))
                g.add((o, TKG.beneficiary, beneficiary))
                g.add((o, TKG.deonticType, TKG.Prohibition))
                action = HOSTILE if hostile else "apply coercive measures"
                g.add((o, TKG.action, Literal(action, "en")))
                if bearer == states[0]:
                    g.add((o, TKG.condition, condition))
    event = EX["event"]
    g.add((event, RDF.type, TKG.Event))
    g.add((event, RDFS.label, Literal(HOSTILE if hostile else "An event", "en")))
    g.add((event, TKG.invokes, EX["norm-1"]))
    # a link no page may follow
    g.add((URIRef("javascript:alert(1)"), TKG.invokes, EX["norm-1"]))
    g.add(
        (
            URIRef("javascript:alert(1)"),
            TKG.date,
            Literal("2025-01-01", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")),
        )
    )
    return g


def small(parties: int, *, hostile: bool = False, articles: int = 1) -> tuple[Links, list[URIRef]]:
    g = treaty_graph(parties, hostile=hostile, articles=articles)
    obligations = [URIRef(str(o)) for o in g.subjects(RDF.type, TKG.DirectedObligation)]
    return Links(GraphIndex(g), endpoint=None), obligations


@needs_dot
def test_several_parties_each_obligation_an_arrow_between_the_right_nodes() -> None:
    links, obligations = small(3)
    doc = "/id/test/art-1.html"
    svg = draw(links, doc, obligations)
    assert {title(n) for n in groups(svg, "node")} >= {"State 0", "State 1", "State 2"}
    drawn = arrows(svg, doc)
    assert len(obligations) == 6
    for obligation in obligations:
        i, j = str(obligation).rsplit("-", 2)[-2:]
        halves = drawn[page_of(str(obligation))]
        assert sorted(halves, key=lambda h: h[0] != f"State {i}")[0][0] == f"State {i}"
        assert any(head == f"State {j}" for _, head in halves)
    box = next(n for n in groups(svg, "node") if title(n).startswith("Art. 1"))
    # a prohibition whose action does not say so is said as one
    assert "must not: apply coercive measures" in text(box)
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and (desc.text or "").startswith(
        "6 directed obligations between 3 parties (State 0, State 1 and State 2), under 1"
        " article: State 0 owes State 1 1 obligation, State 0 owes State 2 1 obligation,"
    )
    assert "2 are conditional" in (desc.text or "")
    # the javascript: event is shown but not linked; no link leaves the site
    assert all(
        not h.startswith("javascript") for e in svg.iter() for h in [e.get(f"{XLINK}href") or ""]
    )


@needs_dot
def test_hostile_labels_are_text_not_markup() -> None:
    links, obligations = small(2, hostile=True)
    svg = draw(links, "/id/test/art-1.html", obligations, name=HOSTILE)
    assert not list(svg.iter(f"{SVG}script"))
    shown = " ".join(text(n) for n in groups(svg, "node"))
    assert "<script>alert(1)" in shown and "</script>" in shown
    assert "&amp;" in shown and 'Q"uote' in shown and "\\N back\\slash" in shown
    titles = " ".join(title(n) for n in groups(svg, "node"))
    # dot expands \N in names and tooltips: a backslash is shown as its look-alike there
    assert "<script>" in titles and "\u2216N back\u2216slash" in titles
    assert title(svg).startswith('Directed obligations of Q"uote')


@needs_dot
def test_an_event_invoking_two_norms_is_drawn_once_with_an_arrow_to_each() -> None:
    g = treaty_graph(2, articles=2)
    g.add((EX["event"], TKG.invokes, EX["norm-2"]))
    # an acknowledgement of the event that itself invokes a norm
    ack = EX["ack"]
    g.add((ack, RDF.type, TKG.OfficialAcknowledgement))
    g.add((ack, RDFS.label, Literal("An acknowledgement", "en")))
    g.add((ack, TKG.about, EX["event"]))
    g.add((ack, TKG.invokes, EX["norm-2"]))
    links = Links(GraphIndex(g), endpoint=None)
    obligations = [URIRef(str(o)) for o in g.subjects(RDF.type, TKG.DirectedObligation)]
    doc = "/id/test/art-1.html"
    svg = draw(links, doc, obligations)
    linked = nodes(svg, doc)
    event, boxes = linked["/id/test/event.html"], ("/id/test/norm-1.html", "/id/test/norm-2.html")
    into = [
        title(e).partition("->")[2]
        for e in groups(svg, "edge")
        if title(e).startswith(title(event) + "->")
    ]
    assert sorted(into) == sorted(title(linked[b]) for b in boxes)
    assert [title(n) for n in groups(svg, "node")].count(title(event)) == 1
    assert "/id/test/ack.html" in linked


def test_the_picture_stops_at_its_cap_and_says_so() -> None:
    articles = MAX_OBLIGATIONS // 2 + 5
    links, obligations = small(2, articles=articles)
    sketch = obligations_sketch(links, "/a.html", obligations, "x", "pic-obligations")
    assert sketch is not None and sketch.dot is not None
    drawn = set(re.findall(r'href="[^"]*/(o-\d+-\d-\d)\.html"', sketch.dot))
    assert len(drawn) == MAX_OBLIGATIONS < len(obligations)
    said = f"It shows the first {MAX_OBLIGATIONS} of {len(obligations)}, by article"
    assert said in sketch.desc and said in sketch.caption
    # the first by article: articles 1 to 30, not 31 to 35
    assert {d.split("-")[1] for d in drawn} == {str(n) for n in range(1, 31)}


@needs_dot
def test_the_generated_corpus_gets_a_picture_per_treaty(tmp_path: Path) -> None:
    graph, _ = published(generate(tmp_path / "corpus", treaties=2))
    links = Links(GraphIndex(graph), endpoint=None)
    treaties = links.index.instances(TKG.Treaty)
    assert treaties
    for treaty in treaties:
        parts = set(graph.subjects(ELI.is_part_of, treaty))
        obligations = [
            URIRef(str(o))
            for part in parts
            for norm in graph.subjects(TKG.expressedBy, part)
            for o in graph.subjects(TKG.derivedFrom, norm)
        ]
        if not obligations:
            continue
        doc = page_of(str(treaty))
        svg = draw(links, doc, obligations)
        drawn = arrows(svg, doc)
        for obligation in obligations:
            assert len(drawn[page_of(str(obligation))]) == 2, obligation
        reciprocal = [n for n in groups(svg, "node") if "⇄ reciprocal" in text(n)]
        one_way = [n for n in groups(svg, "node") if re.match(r"Art\. 2\b", text(n))]
        assert len(reciprocal) == 1 and len(one_way) == 1
        assert "⇄" not in text(one_way[0])
