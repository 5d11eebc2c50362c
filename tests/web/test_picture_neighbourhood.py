"""The neighbourhood picture of every resource page: what the issue asks it to show.

* the resource in the middle, what links to it on the left and what it links to on the
  right, one hop, each arrow labelled with its property, each box linked to its page;
* a neighbour linked both ways stands once, with an arrow each way;
* a hub stays within its cap, with a box saying how many were left and linking to the table
  that lists them; the description says it in words;
* the data's labels are text, never markup, and the same graph gives the same bytes.

The pictures are read as XML: boxes are the ``<g class="node">`` elements (their ``<title>``
is the full name), arrows the ``<g class="edge">`` ones (their ``<title>`` is
``tail->head``, their ``<text>`` the property).
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from treatykg.namespaces import BASE, TKG
from treatykg.sparql.catalogue import bundled
from treatykg.web import urls
from treatykg.web.pages import Pages
from treatykg.web.pages.pictures.neighbourhood import MAX_PER_SIDE, MAX_WIDTH, NAME_LINES

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
TREATY = f"{BASE}eli/treaty/2024/csp"
ARTICLE_4 = f"{TREATY}/art_4"
NORM_4 = f"{BASE}id/norm/csp-art-4"
PRK = f"{BASE}id/state/prk"
DEPLOYMENT = f"{BASE}id/event/dprk-troop-deployment-to-russia"
TEST = f"{BASE}id/test/"
EX = "https://example.org/"


@dataclass
class Box:
    name: str
    href: str | None
    text: list[str]
    x: float
    dashed: bool


@dataclass
class Arrow:
    tail: str
    head: str
    label: str
    href: str | None


@dataclass
class Drawn:
    svg: ET.Element
    boxes: dict[str, Box]
    arrows: list[Arrow]

    @property
    def title(self) -> str:
        return self.svg[0].text or ""

    @property
    def desc(self) -> str:
        return self.svg[1].text or ""

    def centre(self) -> Box:
        return self.boxes[self.title.removeprefix("Neighbourhood of ")]

    def left(self) -> set[str]:
        """The names of the boxes left of the centre (what links to it)."""
        return {b.name for b in self.boxes.values() if b.x < self.centre().x}

    def right(self) -> set[str]:
        return {b.name for b in self.boxes.values() if b.x > self.centre().x}

    def labels(self, tail: str, head: str) -> list[str]:
        return [a.label for a in self.arrows if (a.tail, a.head) == (tail, head)]


def parse(svg_text: bytes | str) -> Drawn:
    svg = ET.fromstring(svg_text)
    boxes: dict[str, Box] = {}
    arrows: list[Arrow] = []
    for group in svg.iter(f"{SVG}g"):
        kind = group.get("class")
        if kind not in ("node", "edge"):
            continue
        title = group.find(f"{SVG}title")
        assert title is not None and title.text
        link = group.find(f".//{SVG}a")
        href = link.get(XLINK) if link is not None else None
        texts = [t.text or "" for t in group.iter(f"{SVG}text")]
        if kind == "node":
            assert title.text not in boxes, f"{title.text} is drawn twice"
            shapes = [e for e in group.iter() if e.tag in (f"{SVG}path", f"{SVG}polygon")]
            boxes[title.text] = Box(
                title.text,
                href,
                texts,
                float(group.find(f".//{SVG}text").get("x")),  # type: ignore[union-attr, arg-type]
                any(s.get("stroke-dasharray") for s in shapes),
            )
        else:
            tail, head = title.text.split("->")
            arrows.append(Arrow(tail, head, " ".join(texts), href))
    return Drawn(svg, boxes, arrows)


def doc_of(iri: str) -> str:
    return urls.document(urls.path_of(iri) or "", "html")


def picture(pages: Pages, iri: str) -> Drawn:
    found = pages.picture(urls.path_of(iri) or "", "neighbourhood")
    assert found is not None, iri
    return parse(found)


def label(graph: Graph, iri: str, name: str) -> URIRef:
    node = URIRef(iri)
    graph.add((node, RDFS.label, Literal(name, lang="en")))
    return node


@pytest.fixture(scope="module")
def pages(graph: Graph) -> Pages:
    return Pages(graph, queries=bundled())


# --- a small graph --------------------------------------------------------------------------


def small() -> Graph:
    """A resource with two things it links to, two that link to it, one linked both ways,
    and the links the page shows elsewhere (type, source, claims, text)."""
    g = Graph()
    centre = label(g, TEST + "centre", "The centre")
    holds, names, cites = (label(g, EX + p, p) for p in ("holds", "names", "cites"))
    a, b = label(g, TEST + "a", "Alpha"), label(g, TEST + "b", "Bravo")
    d, e = label(g, TEST + "d", "Delta"), label(g, TEST + "e", "Echo")
    f = label(g, TEST + "f", "Foxtrot")
    g.add((centre, holds, a))
    g.add((centre, names, b))
    g.add((centre, holds, f))
    g.add((f, cites, centre))
    g.add((d, cites, centre))
    g.add((e, names, centre))
    g.add((centre, URIRef(EX + "note"), Literal("a text value")))
    g.add((centre, RDF.type, label(g, TEST + "kind", "Kind")))
    g.add((centre, DCTERMS.source, label(g, TEST + "source", "Source")))
    g.add((label(g, TEST + "claim", "Claim"), TKG.claimSubject, centre))
    return g


def test_what_links_to_it_is_left_what_it_links_to_is_right_each_arrow_labelled() -> None:
    drawn = picture(Pages(small()), TEST + "centre")
    assert drawn.title == "Neighbourhood of The centre"
    assert drawn.left() == {"Delta", "Echo"}
    assert drawn.right() == {"Alpha", "Bravo", "Foxtrot"}
    assert drawn.labels("Delta", "The centre") == ["cites"]
    assert drawn.labels("Echo", "The centre") == ["names"]
    assert drawn.labels("The centre", "Alpha") == ["holds"]
    assert drawn.labels("The centre", "Bravo") == ["names"]
    # linked both ways: one box, an arrow each way
    assert drawn.labels("The centre", "Foxtrot") == ["holds"]
    assert drawn.labels("Foxtrot", "The centre") == ["cites"]
    assert len(drawn.arrows) == 6
    assert "links to 3 resources (holds: 2, names: 1)" in drawn.desc
    assert "is linked to by 3 resources (cites: 2, names: 1)" in drawn.desc
    assert "1 resource is linked both ways" in drawn.desc
    assert "leaves out" not in drawn.desc  # nothing was left out


def test_each_box_links_to_its_page_and_each_arrow_to_its_property() -> None:
    drawn = picture(Pages(small()), TEST + "centre")
    doc = doc_of(TEST + "centre")
    for name, box in drawn.boxes.items():
        iri = TEST + ("centre" if name == "The centre" else name[0].lower())
        assert box.href == urls.relative(doc, doc_of(iri)), name
        assert box.href == ("centre.html" if name == "The centre" else f"{name[0].lower()}.html")
    assert {a.href for a in drawn.arrows} == {EX + "holds", EX + "names", EX + "cites"}


def test_what_the_page_shows_elsewhere_is_left_out() -> None:
    """Its type (the page's subtitle), its sources and the claims about it (sections of
    their own) and its text values (the property table) are not drawn."""
    drawn = picture(Pages(small()), TEST + "centre")
    assert not {"Kind", "Source", "Claim", "a text value"} & set(drawn.boxes)
    # the arrows are only those of the links drawn
    assert {a.tail for a in drawn.arrows} | {a.head for a in drawn.arrows} == set(drawn.boxes)


def test_a_resource_without_links_to_resources_has_no_picture() -> None:
    g = Graph()
    lonely = label(g, TEST + "lonely", "Lonely")
    g.add((lonely, URIRef(EX + "note"), Literal("only text")))
    g.add((lonely, RDF.type, label(g, TEST + "kind", "Kind")))
    pages = Pages(g)
    assert pages.picture("/id/test/lonely", "neighbourhood") is None
    assert 'id="pic-neighbourhood"' not in pages.resource(TEST + "lonely")
    assert pages.picture("/id/test/kind", "neighbourhood") is not None  # Lonely is one of it


# --- hubs -----------------------------------------------------------------------------------


def hub(bearers: int = 300, beneficiaries: int = 150, values: int = 40) -> Graph:
    """A state that hundreds of obligations name, with long names, and that links to many
    things itself."""
    g = Graph()
    state = label(g, TEST + "hub", "Hubland")
    bearer, beneficiary, party, member, see = (
        label(g, EX + p, p.replace("_", " "))
        for p in ("bearer", "beneficiary", "party", "member_of", "see_also")
    )
    long = " of a rather long name that must be wrapped and cut to stay narrow"
    for i in range(bearers):
        g.add((label(g, f"{TEST}o{i:03}", f"Obligation {i:03}{long}"), bearer, state))
    for i in range(beneficiaries):
        g.add((label(g, f"{TEST}p{i:03}", f"Promise {i:03}{long}"), beneficiary, state))
    g.add((label(g, TEST + "treaty", "The treaty"), party, state))
    for i in range(values):
        g.add((state, member, label(g, f"{TEST}m{i:02}", f"Member body {i:02}")))
    g.add((state, see, label(g, TEST + "other", "Another")))
    return g


def test_a_hub_with_hundreds_of_neighbours_stays_within_its_cap() -> None:
    pages = Pages(hub())
    drawn = picture(pages, TEST + "hub")
    left, right = drawn.left(), drawn.right()
    more_in = "… and 441 more: see the table"  # 451 link to it, 10 drawn
    more_out = "… and 31 more: see the table"  # it links to 41, 10 drawn
    assert more_in in left and more_out in right
    assert len(left) == len(right) == MAX_PER_SIDE + 1
    assert len(drawn.boxes) == 2 * MAX_PER_SIDE + 3
    # every property is seen, some of each
    assert {a.label for a in drawn.arrows if a.head == "Hubland" and a.label} == {
        "bearer",
        "beneficiary",
        "party",
    }
    assert {a.label for a in drawn.arrows if a.tail == "Hubland" and a.label} == {
        "member of",
        "see also",
    }
    # the boxes that count the rest are dashed and link to the page's tables
    page = pages.resource(TEST + "hub")
    for name, table in ((more_in, "referenced-by"), (more_out, "properties")):
        assert drawn.boxes[name].dashed
        assert drawn.boxes[name].href == f"hub.html#{table}"
        assert f'id="{table}"' in page
    assert not drawn.boxes["Hubland"].dashed
    # and the description says so in words
    desc = drawn.desc
    assert "is linked to by 451 resources (bearer: 300, beneficiary: 150, party: 1)" in desc
    assert "links to 41 resources (member of: 40, see also: 1)" in desc
    assert "leaves out 441 of the 451 that link to it and 31 of the 41 it links to" in desc
    assert f"at most {MAX_PER_SIDE} a side" in desc


def test_which_neighbours_a_hub_shows_is_decided_by_name_and_iri() -> None:
    """A property at a time in the order of their names, the first neighbours of each."""
    drawn = picture(Pages(hub()), TEST + "hub")
    shown = {n.split(" of ")[0] for n in drawn.left() if n.startswith(("Obl", "Prom"))}
    assert shown == {
        "Obligation 000",
        "Obligation 001",
        "Obligation 002",
        "Obligation 003",
        "Obligation 004",
        "Promise 000",
        "Promise 001",
        "Promise 002",
        "Promise 003",
    }


def test_long_names_are_wrapped_and_cut_but_whole_in_the_title() -> None:
    drawn = picture(Pages(hub(bearers=3, beneficiaries=3, values=3)), TEST + "hub")
    name = "Obligation 000 of a rather long name that must be wrapped and cut to stay narrow"
    box = drawn.boxes[name]  # the whole name is the box's title
    assert 1 < len(box.text) <= NAME_LINES and box.text[-1].endswith("…")
    assert all(len(line) <= MAX_WIDTH for line in box.text)
    assert " ".join(box.text).removesuffix(" …") in name
    assert float(drawn.svg.get("width") or 0) < 900


# --- the flagship ---------------------------------------------------------------------------


def test_article_4_shows_its_treaty_what_it_cites_and_its_norm(pages: Pages) -> None:
    drawn = picture(pages, ARTICLE_4)
    article = "Article 4 of the 2024 DPRK–Russia treaty"
    assert drawn.title == f"Neighbourhood of {article}"
    centre = drawn.centre()
    assert centre.href == "art_4.html" and not centre.dashed
    treaty = next(n for n in drawn.right() if n.startswith("Treaty on Comprehensive"))
    assert drawn.labels(article, treaty) == ["is part of"]
    assert drawn.boxes[treaty].href == "../csp.html"
    assert drawn.labels(article, "Article 51 of the Charter of the United Nations") == ["cites"]
    norm = next(n for n in drawn.left() if n.startswith("Article 4: military"))
    assert drawn.labels(norm, article) == ["expressed by"]
    assert drawn.boxes[norm].href == urls.relative(doc_of(ARTICLE_4), doc_of(NORM_4))
    # its sources are in the page's Sources section, not in the picture
    assert not any("Wikipedia" in n for n in drawn.boxes)
    assert drawn.desc.startswith(f"{article} links to 8 resources (cites: 3,")


def test_north_korea_is_a_hub_whose_picture_states_its_cap(pages: Pages, graph: Graph) -> None:
    drawn = picture(pages, PRK)
    linking = {s for s, p in graph.subject_predicates(URIRef(PRK)) if p != TKG.claimSubject}
    left_out = len(linking) - MAX_PER_SIDE
    assert left_out > 0
    more = f"… and {left_out} more: see the table"
    assert more in drawn.left()
    assert len(drawn.left()) == MAX_PER_SIDE + 1
    assert drawn.boxes[more].href == "prk.html#referenced-by"
    # every property that links to it is drawn at least once
    properties = {p for s, p in graph.subject_predicates(URIRef(PRK)) if s in linking}
    assert len(properties) <= MAX_PER_SIDE
    drawn_labels = {a.label for a in drawn.arrows if a.head == "North Korea" and a.label}
    assert len(drawn_labels) == len(properties)
    assert {"bearer", "beneficiary", "party"} <= drawn_labels
    # and what it links to: Wikidata, outside the site
    assert drawn.right() == {"wd:Q423"}
    assert drawn.boxes["wd:Q423"].href == "http://www.wikidata.org/entity/Q423"
    assert f"leaves out {left_out} of the {len(linking)} that link to it" in drawn.desc


@pytest.mark.parametrize("iri", [ARTICLE_4, PRK, TREATY, DEPLOYMENT, f"{BASE}dataset"])
def test_every_link_resolves_in_the_site(pages: Pages, release: Path, iri: str) -> None:
    """Every link leads to a page of the site or a file of the build (and, with a fragment,
    to an element of that page)."""
    doc = doc_of(iri)
    documents = {doc_of(i) for i in pages.resource_iris()} | {"/def.html", "/index.html"}
    documents |= {"/" + file.name for file in release.iterdir() if file.is_file()}
    drawn = picture(pages, iri)
    hrefs = [b.href for b in drawn.boxes.values()] + [a.href for a in drawn.arrows]
    ids: dict[str, set[str]] = {}
    checked = 0
    for href in filter(None, hrefs):
        if href.startswith(("http://", "https://")):
            continue
        assert not href.startswith(("/", "javascript:")), href
        target, _, fragment = href.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(doc), target))
        assert resolved in documents, (href, resolved)
        if fragment:
            if resolved not in ids:
                page = (
                    pages.ontology()
                    if resolved == "/def.html"
                    else pages.resource(urls.iri_of(resolved.removesuffix(".html")))
                )
                ids[resolved] = set(re.findall(r'\bid="([^"]+)"', page))
            assert fragment in ids[resolved], href
        checked += 1
    assert checked > 0 and all(box.href for box in drawn.boxes.values())


# --- the data's labels, and bytes -----------------------------------------------------------


def test_hostile_labels_are_shown_as_text() -> None:
    g = Graph()
    hostile = '<script>alert(1)</script>"&amp;\\N\nnext'
    centre = label(g, TEST + "centre", f"{hostile} centre")
    g.add((centre, label(g, EX + "p", hostile), label(g, TEST + "a", hostile)))
    body = Pages(g).picture("/id/test/centre", "neighbourhood")
    assert body is not None
    assert b"<script" not in body and b"alert(1)</script>" not in body
    drawn = parse(body)  # well-formed XML
    assert not [e for e in drawn.svg.iter() if e.tag.endswith("script")]
    flat = hostile.replace("\n", " ")
    assert drawn.title == f"Neighbourhood of {flat} centre"
    assert f"{flat} centre links to 1 resource ({flat}: 1)" in drawn.desc
    # \N (the node's name in DOT) is not expanded: a name or title shows it as U+2216
    tip = flat.replace("\\", "\u2216")
    assert set(drawn.boxes) == {tip, f"{tip} centre"}
    shown = "".join(drawn.boxes[tip].text).replace(" ", "")
    assert flat.replace(" ", "") in shown
    (arrow,) = drawn.arrows
    assert arrow.label.replace(" ", "") == flat.replace(" ", "") and arrow.href == EX + "p"


def test_the_same_graph_gives_the_same_bytes() -> None:
    """Whatever order the statements come in and whatever the blank nodes are called."""

    def build(statements_reversed: bool) -> bytes:
        g = small()
        anonymous = [BNode(), BNode()]
        if statements_reversed:
            anonymous.reverse()
        for node, name in zip(anonymous, ("first blank", "second blank"), strict=True):
            g.add((node, RDFS.label, Literal(name)))
            g.add((node, URIRef(EX + "cites"), URIRef(TEST + "centre")))
        ordered = sorted(g, reverse=statements_reversed)
        again = Graph()
        for triple in ordered:
            again.add(triple)
        body = Pages(again).picture("/id/test/centre", "neighbourhood")
        assert body is not None
        return body

    first = build(False)
    assert first == build(True)
    drawn = parse(first)
    # a blank node has no page: drawn dashed, linked nowhere, named by what the page says
    assert drawn.boxes["first blank"].href is None and drawn.boxes["first blank"].dashed
    assert "Delta" in drawn.left() and "first blank" in drawn.left()
