"""The timeline picture of the index and of the treaty's page: what the issue asks it to show.

* an event known only within bounds is drawn as the interval it is (the troop deployment,
  known only "not after 26 April 2025", is a dashed bar open to the left, not a point);
* ratification steps have a lane per party, headed by how long the steps took;
* the signing's deprecated 18 June is visible as such, beside the preferred 19 June;
* the axis is broken, so the 2022 invasion does not squash the 2024–2025 story;
* every row links to its event's page;
* on the index, the timeline of a corpus, each treaty's events have a lane named for it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from treatykg.namespaces import BASE, TKG
from treatykg.sparql.catalogue import bundled
from treatykg.web import urls
from treatykg.web.pages import Pages
from treatykg.web.pages.pictures import timeline as layout
from treatykg.web.pages.pictures.painter import MAX_INDEX_EVENTS

SVG = "{http://www.w3.org/2000/svg}"
TREATY = f"{BASE}eli/treaty/2024/csp"
DEPLOYMENT = f"{BASE}id/event/dprk-troop-deployment-to-russia"
SIGNING = f"{BASE}id/event/2024-06-19-signing"
INVASION_YEAR = "2022"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def pages(graph: Graph) -> Pages:
    return Pages(graph, queries=bundled())


def doc_of(iri: str) -> str:
    return urls.document(urls.path_of(iri) or "", "html")


def timeline_of(page: str) -> ET.Element:
    found = re.search(r'<svg\b[^>]*id="pic-timeline".*?</svg>', page, re.S)
    assert found is not None
    return ET.fromstring(found.group())


@pytest.fixture(scope="module", params=["index", "treaty"])
def drawn(request: pytest.FixtureRequest, pages: Pages) -> tuple[str, ET.Element]:
    if request.param == "index":
        return "/index.html", timeline_of(pages.index())
    return doc_of(TREATY), timeline_of(pages.resource(TREATY))


def rows_to(svg: ET.Element, doc: str, iri: str) -> list[ET.Element]:
    """The rows (links) of the picture that lead to ``iri``'s page."""
    wanted = urls.relative(doc, doc_of(iri))
    return [a for a in svg.iter(f"{SVG}a") if a.attrib["href"] == wanted]


def text_of(element: ET.Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{SVG}text"))


def test_an_event_known_only_by_a_bound_is_an_open_interval(drawn: tuple[str, ET.Element]) -> None:
    doc, svg = drawn
    (row,) = rows_to(svg, doc, DEPLOYMENT)
    bar = row.find(f"{SVG}rect[@class='interval open']")
    assert bar is not None, ET.tostring(row)
    left, width = float(bar.attrib["x"]), float(bar.attrib["width"])
    assert "stroke-dasharray" in bar.attrib
    # open to the left: it runs from the start of the axis to the known bound, far wider
    # than a point's mark
    assert left < 20 and width > 300, (left, width)
    assert "not after 26 Apr 2025" in text_of(row)
    assert "not after 26 April 2025" in (row.find(f"{SVG}title").text or "")  # type: ignore[union-attr]


def test_the_deprecated_signing_date_is_visible_as_such(drawn: tuple[str, ET.Element]) -> None:
    doc, svg = drawn
    (row,) = rows_to(svg, doc, SIGNING)
    marks = [c for c in row.iter(f"{SVG}circle")]
    deprecated = [c for c in marks if c.attrib.get("class") == "deprecated"]
    preferred = [c for c in marks if c.attrib.get("class") != "deprecated"]
    assert len(deprecated) == 1 and len(preferred) == 1
    assert "stroke-dasharray" in deprecated[0].attrib and deprecated[0].attrib["fill"] == "#ffffff"
    # 18 June lies left of 19 June
    assert float(deprecated[0].attrib["cx"]) < float(preferred[0].attrib["cx"])
    assert "18 Jun per Wikipedia (deprecated)" in text_of(row)
    title = row.find(f"{SVG}title")
    assert title is not None and "18 June 2024 is of deprecated rank" in (title.text or "")


def test_ratification_steps_have_a_lane_per_party(
    drawn: tuple[str, ET.Element], graph: Graph
) -> None:
    doc, svg = drawn
    lanes = {}
    for lane in svg.iter(f"{SVG}g"):
        if lane.attrib.get("class") == "lane":
            rect, name = lane.find(f"{SVG}rect"), lane.find(f"{SVG}text")
            assert rect is not None and name is not None
            top = float(rect.attrib["y"])
            lanes[name.text] = (top, top + float(rect.attrib["height"]), lane)
    assert {"Ratification: Russia", "Ratification: North Korea"} <= set(lanes)
    if doc == "/index.html":  # a lane per treaty, named for it
        assert any(name.startswith("Treaty on Comprehensive Strategic") for name in lanes)
    else:
        assert "Events" in lanes
    for party, name in (("rus", "Russia"), ("prk", "North Korea")):
        steps = {
            e
            for cls in (TKG.RatificationStep, TKG.Ratification)
            for e in graph.subjects(RDF.type, cls)
            if (e, TKG.forParty, URIRef(f"{BASE}id/state/{party}")) in graph
        }
        assert steps
        low, high, _ = lanes[f"Ratification: {name}"]
        for step in steps:
            (row,) = rows_to(svg, doc, str(step))
            (mark,) = [m for m in row if m.tag in (f"{SVG}rect", f"{SVG}path")][:1]
            y = float(mark.attrib.get("y") or re.findall(r"[\d.]+", mark.attrib["d"])[1])
            assert low < y < high, (party, step, y, low, high)
    # how long each side took: the Russian steps ran from 14 October to 9 November 2024
    assert "14 October 2024 – 9 November 2024: 26 days" in text_of(lanes["Ratification: Russia"][2])


def test_the_axis_is_broken_so_the_2024_story_has_room(drawn: tuple[str, ET.Element]) -> None:
    doc, svg = drawn
    breaks = [p for p in svg.iter(f"{SVG}path") if p.attrib.get("class") == "break"]
    assert breaks
    ticks = [t.text for g in svg.iter(f"{SVG}g") if g.attrib.get("class") == "ticks" for t in g]
    if doc == "/index.html":  # the invasion of 2022 is on the index, not among the treaty's
        assert INVASION_YEAR in ticks, ticks
    width = float(svg.attrib["width"])

    def x_of(iri: str) -> float:
        (row,) = rows_to(svg, doc, iri)
        shape = next(m for m in row if m.tag in (f"{SVG}circle", f"{SVG}rect"))
        return float(shape.attrib.get("cx") or shape.attrib["x"])

    entry = f"{BASE}id/event/2024-12-04-entry-into-force"
    assert x_of(entry) - x_of(SIGNING) > 0.4 * width


def test_every_row_links_to_its_event(drawn: tuple[str, ET.Element], graph: Graph) -> None:
    doc, svg = drawn
    rows = list(svg.iter(f"{SVG}a"))
    assert len(rows) >= 10
    linked = {a.attrib["href"] for a in rows}
    assert len(linked) == len(rows)  # one row per event
    assert all(a.find(f"{SVG}title") is not None and text_of(a) for a in rows)
    if doc == "/index.html":  # every dated event of the data, as SPARQL finds them
        dated = {
            str(row[0])  # type: ignore[index]
            for row in graph.query(
                "SELECT DISTINCT ?e WHERE { ?e a/rdfs:subClassOf* tkg:Event ."
                " ?e tkg:date|tkg:startDate|tkg:notBefore|tkg:notAfter ?d }",
                initNs={"tkg": TKG, "rdfs": RDFS},
            )
        }
        assert len(dated) > 25
        assert linked == {urls.relative(doc, doc_of(e)) for e in dated}


def test_the_timeline_is_deterministic_and_escapes_the_data(graph: Graph) -> None:
    hostile = Graph()
    for triple in graph:
        hostile.add(triple)
    label = '<script>alert(1)</script>"&amp;'
    hostile.set((URIRef(DEPLOYMENT), RDFS.label, Literal(label)))
    first = Pages(hostile, queries=bundled()).index()
    assert first == Pages(hostile, queries=bundled()).index()
    svg = timeline_of(first)
    assert "<script>" not in ET.tostring(svg, encoding="unicode")
    titles = [t.text or "" for t in svg.iter(f"{SVG}title")]
    assert any(t.startswith(label) for t in titles), titles


def test_a_narrow_stretch_shows_its_year_and_labels_are_cut_to_fit() -> None:
    assert layout._fit("x" * 200, 100).endswith("…")
    assert len(layout._fit("x" * 200, 100)) < 20
    assert layout._range(*map(layout.date.fromisoformat, ("2024-06-18", "2024-06-19"))) == (
        "18–19 Jun 2024"
    )
    assert layout._common("English Wikipedia, French Wikipedia") == "Wikipedia"
    assert layout._common("KCNA") == "KCNA"


def test_the_index_timeline_of_a_large_corpus_is_capped_and_says_so() -> None:
    graph = Graph()
    for n in range(MAX_INDEX_EVENTS + 40):
        event = URIRef(f"{BASE}id/event/e{n:03d}")
        graph.add((event, RDF.type, TKG.Signing))
        graph.add((event, RDFS.label, Literal(f"Event {n}", lang="en")))
        day = f"20{10 + n // 12:02d}-{n % 12 + 1:02d}-01"
        graph.add((event, TKG.date, Literal(day, datatype=URIRef(f"{XSD}date"))))
    graph.add((TKG.Signing, RDFS.subClassOf, TKG.Event))
    svg = timeline_of(Pages(graph).index())
    rows = list(svg.iter(f"{SVG}a"))
    assert len(rows) == MAX_INDEX_EVENTS
    desc = svg.find(f"{SVG}desc")
    assert desc is not None
    assert f"first {MAX_INDEX_EVENTS} of {MAX_INDEX_EVENTS + 40} dated events" in (desc.text or "")
    # the first by date are kept
    assert text_of(rows[0]).startswith("Event 0")


@pytest.mark.parametrize("language", ["fr", "ko"])
def test_a_name_in_another_language_says_so(pages: Pages, graph: Graph, language: str) -> None:
    """On a French or Korean treaty page, an event the data does not name in that language
    has its (English) name in a ``<tspan lang="en">``, for screen readers and fonts, its time
    after it in the page's language; an event the data names in it needs none. In English,
    no name needs one."""
    drawn = timeline_of(pages.in_language(language).resource(TREATY))
    rows = list(drawn.iter(f"{SVG}a"))
    assert rows
    for a in rows:
        path = re.sub(r"^(\.\./)*", "", a.attrib["href"]).removesuffix(f".{language}.html")
        event = URIRef(BASE + path)
        named = any(
            label.language == language
            for label in graph.objects(event, RDFS.label)
            if isinstance(label, Literal)
        )
        text = a.find(f"{SVG}text")
        assert text is not None
        span = text.find(f"{SVG}tspan")
        if named:
            assert span is None, path
        else:
            assert span is not None and span.attrib["lang"] == "en", path
            english = {str(x) for x in graph.objects(event, RDFS.label) if x.language == "en"}
            assert span.text and any(e.startswith(span.text.rstrip("…")) for e in english)
    english = timeline_of(pages.resource(TREATY))
    assert not list(english.iter(f"{SVG}tspan"))


def lanes_of(svg: ET.Element) -> list[tuple[str, float, float]]:
    """Each lane's heading, top and bottom, from the top down."""
    found = []
    for lane in svg.iter(f"{SVG}g"):
        if lane.attrib.get("class") == "lane":
            rect, name = lane.find(f"{SVG}rect"), lane.find(f"{SVG}text")
            assert rect is not None and name is not None
            top = float(rect.attrib["y"])
            found.append((name.text or "", top, top + float(rect.attrib["height"])))
    return found


def test_the_index_picture_has_a_lane_per_treaty(pages: Pages, graph: Graph) -> None:
    """Every event that concerns a treaty is drawn in that treaty's lanes: below the lane
    named for it and above the next treaty's, so "entry into force of the treaty" says of
    which treaty."""
    doc = "/index.html"
    svg = timeline_of(pages.index())
    lanes = lanes_of(svg)
    named = {}
    for treaty in set(graph.objects(None, TKG.concerns)):
        english = [str(x) for x in graph.objects(treaty, RDFS.label) if x.language == "en"]
        (heading,) = [
            (n, top)
            for n, (name, top, _) in enumerate(lanes)
            if any(e.startswith(name.rstrip("…")) for e in english)
        ] or [(None, None)]
        if heading[0] is not None:
            named[treaty] = heading
    assert URIRef(TREATY) in named
    for treaty, (n, top) in named.items():
        following = [t for name, t, _ in lanes[n + 1 :] if not name.startswith("Ratification")]
        bottom = following[0] if following else float("inf")
        for event in graph.subjects(TKG.concerns, treaty):
            for row in rows_to(svg, doc, str(event)):
                y = float(next(m for m in row if m.tag == f"{SVG}text").attrib["y"])
                assert top < y < bottom, (treaty, event)
