"""The vocabulary picture on the ontology page, and the README's Mermaid diagram: one model of
``ontology/``, two drawings that show the same classes and arrows, neither drifting from it.

The expectations are read from the ontology with plain rdflib (its classes, and the domain and
range of its properties), not from the model under test, so that a class or a property the
model dropped would fail here. Pictures are parsed as XML and read element by element.
"""

from __future__ import annotations

import random
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from locations import ROOT
from treatykg.namespaces import SCHEMA, TKG, qname
from treatykg.rdf.load import load_ontology
from treatykg.sparql.catalogue import bundled
from treatykg.web.pages import Pages
from treatykg.web.pages.graph_index import GraphIndex
from treatykg.web.pages.links import Links, local_name
from treatykg.web.pages.pictures import vocabulary as vocab
from treatykg.web.pages.pictures.graphviz import Graphviz, tidy
from treatykg.web.pages.pictures.vocabulary import (
    COMMAND,
    MIN_KINDS,
    TITLE,
    mermaid,
    readme_block,
    rewrite_readme,
    vocabulary,
    vocabulary_sketch,
)

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
DOC = "/def.html"
EX = Namespace("https://example.org/vocab#")
#: Our namespace, open: the small graphs mint terms that TKG (closed) does not have.
T = Namespace(str(TKG))

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz (dot) is not installed: apt-get install graphviz"
)


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The ontology as a user has it: the plain files of ``ontology/``."""
    return load_ontology()


@pytest.fixture(scope="module")
def pages(graph: Graph) -> Pages:
    return Pages(graph, queries=bundled())


@pytest.fixture(scope="module")
def page(pages: Pages) -> str:
    return pages.ontology()


@pytest.fixture(scope="module")
def page_ids(page: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page))


@pytest.fixture(scope="module")
def svg(page: str) -> ET.Element:
    """The picture inline in the page, parsed as XML (which fails if it is not)."""
    found = re.findall(r'<svg\b[^>]*\bid="pic-vocabulary".*?</svg>', page, re.S)
    assert len(found) == 1, "the ontology page has no vocabulary picture"
    return ET.fromstring(found[0])


# --- what the ontology says, read plainly ---------------------------------------------------


def our_classes(graph: Graph) -> set[URIRef]:
    return {
        c
        for c in graph.subjects(RDF.type, OWL.Class)
        if isinstance(c, URIRef) and str(c).startswith(str(TKG))
    }


def classes_of(graph: Graph, node: object) -> set[URIRef]:
    """A domain or range: an IRI, or the members of an ``owl:unionOf``."""
    if isinstance(node, URIRef):
        return {node}
    if isinstance(node, BNode):
        union = graph.value(node, OWL.unionOf)
        if union is not None:
            return {m for m in Collection(graph, union) if isinstance(m, URIRef)}
    return set()


def property_arrows(graph: Graph) -> set[tuple[str, str, str]]:
    """(domain, property, range) local names of every property between two of our classes."""
    ours = our_classes(graph)
    found = set()
    for prop, domain in graph.subject_objects(RDFS.domain):
        for rng in graph.objects(prop, RDFS.range):
            for d in classes_of(graph, domain) & ours:
                for r in classes_of(graph, rng) & ours:
                    found.add((local_name(str(d)), local_name(str(prop)), local_name(str(r))))
    return found


def english(graph: Graph, node: URIRef) -> str:
    labels = [v for v in graph.objects(node, RDFS.label) if getattr(v, "language", None) == "en"]
    assert labels, node
    return str(labels[0])


# --- reading the drawings -------------------------------------------------------------------


def fragment(href: str) -> str:
    """The name a link points at: its fragment on the ontology page, else the IRI's qname
    as the README writes it."""
    if href.startswith("def.html#"):
        return href.removeprefix("def.html#")
    assert re.match(r"^https?://", href), href
    return re.sub(r"[^A-Za-z0-9_]", "_", qname(href))


def text_of(element: ET.Element) -> str:
    return " ".join(" ".join(element.itertext()).split())


def drawn(svg: ET.Element) -> tuple[dict[str, str], set[tuple[str, str, str | None]], str]:
    """The picture read back: node title → the name it links to (boxes and notes), the arrows
    as (tail, property or None, head) names, and the notes' text."""
    nodes: dict[str, str] = {}
    notes = []
    for node in svg.iter(f"{SVG}g"):
        if node.attrib.get("class") != "node":
            continue
        title = node.find(f"{SVG}title")
        link = node.find(f".//{SVG}a")
        assert title is not None and title.text and link is not None, ET.tostring(node)
        if title.text.startswith("kinds of "):
            notes.append(text_of(node))
        else:
            nodes[title.text] = fragment(link.attrib[XLINK])
    arrows: set[tuple[str, str, str | None]] = set()
    for edge in svg.iter(f"{SVG}g"):
        if edge.attrib.get("class") != "edge":
            continue
        title = edge.find(f"{SVG}title")
        assert title is not None and title.text
        # a loop drawn on a side of its node has that side (":w") in its title
        tail, head = (re.sub(r":[nsewc]$", "", end) for end in title.text.split("->"))
        if tail.startswith("kinds of "):
            continue
        links = {a.attrib[XLINK] for a in edge.iter(f"{SVG}a")}
        assert len(links) <= 1, links
        prop = fragment(links.pop()) if links else None
        arrows.add((nodes[tail], prop, nodes[head]))
    return nodes, arrows, " ".join(notes)


def written(text: str) -> tuple[set[str], set[tuple[str, str | None, str]], str]:
    """The Mermaid diagram read back: class names, arrows as (tail, property or None, head)
    and the notes' text."""
    classes = set(re.findall(r"^    class (\w+)", text, re.M))
    arrows: set[tuple[str, str | None, str]] = set()
    for sup, sub in re.findall(r"^    (\w+) <\|-- (\w+)$", text, re.M):
        arrows.add((sub, None, sup))
    for tail, head, prop in re.findall(r"^    (\w+) --> (\w+) : (\w+)$", text, re.M):
        arrows.add((tail, prop, head))
    notes = " ".join(re.findall(r'^    note for \w+ "([^"]*)"$', text, re.M))
    return classes, arrows, notes


# --- the README -----------------------------------------------------------------------------


def test_the_readme_diagram_is_generated_from_the_ontology(ontology: Graph) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme_block(readme)
    assert readme[start:end] == mermaid(ontology), (
        "README.md's model diagram has drifted from ontology/: run " + COMMAND
    )


def test_the_readme_diagram_names_every_class_and_property_between_classes(
    ontology: Graph,
) -> None:
    text = mermaid(ontology)
    classes, arrows, notes = written(text)
    for cls in our_classes(ontology):
        name = local_name(str(cls))
        assert name in classes or re.search(rf"\b{name}\b", notes), name
    for domain, prop, rng in property_arrows(ontology):
        assert (domain, prop, rng) in arrows, (domain, prop, rng)
    # sub-classes, and the kinds of event folded into a note
    assert ("State", None, "Agent") in arrows and ("Article", None, "TreatyDivision") in arrows
    assert ("Ratification", None, "RatificationStep") in arrows
    assert "Signing" in notes and "StateVisit" in notes and "Signing" not in classes
    # datatype properties are attributes of their domain's class
    treaty = re.search(r"^    class Treaty \{\n(.*?)^    \}", text, re.M | re.S)
    assert treaty is not None and "articleCount" in treaty.group(1)


def test_the_readme_block_is_found_under_its_section_only() -> None:
    readme = (
        "# x\n```mermaid\nflowchart LR\n```\n## The model\n\ntext\n\n```mermaid\nold\n```\n"
        "after\n## Next\n```mermaid\nother\n```\n"
    )
    updated = rewrite_readme(readme, "classDiagram\n")
    assert updated == readme.replace("```mermaid\nold\n", "```mermaid\nclassDiagram\n")
    with pytest.raises(ValueError, match="no ```mermaid block"):
        readme_block("## The model\ntext\n## Next\n```mermaid\nx\n```\n")
    with pytest.raises(ValueError, match="no '## The model' section"):
        readme_block("# nothing\n")


def test_the_command_rewrites_a_readme_and_then_leaves_it(
    tmp_path: Path, ontology: Graph, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# t\n\n## The model\n\n```mermaid\nstale\n```\n\nEnd.\n", encoding="utf-8")
    assert vocab.main([str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text == f"# t\n\n## The model\n\n```mermaid\n{mermaid(ontology)}```\n\nEnd.\n"
    assert vocab.main([str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == text
    out = capsys.readouterr().out
    assert "rewritten" in out and "already up to date" in out
    assert vocab.main([]) == 2


# --- the picture on /def.html ---------------------------------------------------------------


@needs_dot
def test_the_picture_is_titled_and_described_in_words(svg: ET.Element, ontology: Graph) -> None:
    assert svg.attrib["role"] == "group"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.text == TITLE
    assert desc is not None and desc.text
    assert svg.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"
    count = len(our_classes(ontology))
    assert f"{count} classes of the ontology" in desc.text
    _, arrows, _ = drawn(svg)
    linked = {prop for _, prop, _ in arrows if prop is not None}
    assert {prop for _, prop, _ in property_arrows(ontology)} <= linked
    assert f"; {len(linked)} properties drawn as" in desc.text
    assert "party, from treaty to state" in desc.text
    assert "Kinds of event, in a note: authorisation to sign" in desc.text
    assert not svg.findall(f".//{SVG}script") and not svg.findall(f".//{SVG}image")


@needs_dot
def test_every_class_is_in_the_picture_and_each_box_links_to_its_entry(
    svg: ET.Element, ontology: Graph, page_ids: set[str]
) -> None:
    nodes, _, notes = drawn(svg)
    boxes = set(nodes.values())
    for cls in our_classes(ontology):
        name, label = local_name(str(cls)), english(ontology, cls)
        if name in boxes:
            assert nodes[label] == name  # the box is named by the label, and links to the entry
        else:
            assert label in notes, f"{name} is neither a box nor in a note"
        assert name in page_ids  # its entry, where its box or its note links
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and desc.text
    assert f"drawn as {len(nodes)} boxes" in desc.text
    # the one outside class: ELI's legal resource, which treaties and divisions specialise
    assert nodes["eli:LegalResource"] == "eli_LegalResource"


@needs_dot
def test_every_link_of_the_picture_lands_on_an_entry_of_the_page(
    svg: ET.Element, page_ids: set[str]
) -> None:
    hrefs = [a.attrib[XLINK] for a in svg.iter(f"{SVG}a")]
    assert len(hrefs) > 50
    for href in hrefs:
        if href.startswith("http://data.europa.eu/eli/ontology#"):
            continue  # another vocabulary's class links to its own definition
        assert href.startswith("def.html#"), href
        assert href.removeprefix("def.html#") in page_ids, href


@needs_dot
def test_each_property_is_an_arrow_from_its_domain_to_its_range_linked_to_its_entry(
    svg: ET.Element, ontology: Graph
) -> None:
    _, arrows, _ = drawn(svg)
    expected = property_arrows(ontology)
    assert len(expected) > 20
    for domain, prop, rng in expected:
        assert (domain, prop, rng) in arrows, (domain, prop, rng)
    # a union domain gives an arrow from each member
    assert ("Norm", "condition", "Condition") in arrows
    assert ("DirectedObligation", "condition", "Condition") in arrows
    # sub-classes: hollow-headed arrows without a link; properties: filled heads
    assert ("State", None, "Agent") in arrows and ("Treaty", None, "eli_LegalResource") in arrows
    for edge in svg.iter(f"{SVG}g"):
        if edge.attrib.get("class") == "edge":
            head = edge.find(f".//{SVG}polygon")
            linked = edge.find(f".//{SVG}a") is not None
            assert head is not None and (head.attrib["fill"] == "none") != linked
    assert not any(tail == "Signing" for tail, _, _ in arrows)  # a kind, in the note


@needs_dot
def test_the_picture_and_the_readme_show_the_same_classes_and_arrows(
    svg: ET.Element, ontology: Graph
) -> None:
    nodes, svg_arrows, svg_notes = drawn(svg)
    classes, md_arrows, md_notes = written(mermaid(ontology))
    assert set(nodes.values()) == classes
    assert svg_arrows == md_arrows
    for cls in our_classes(ontology):
        name, label = local_name(str(cls)), english(ontology, cls)
        if name not in classes:  # a kind: in the note of both
            assert re.search(rf"\b{name}\b", md_notes) and label in svg_notes, name


@needs_dot
def test_the_downloadable_picture_is_the_inline_one(pages: Pages, page: str) -> None:
    file = pages.picture("/def", "vocabulary")
    assert file is not None
    text = file.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    root = ET.fromstring(file)
    assert root.attrib["id"] == "pic-vocabulary"
    inline = re.search(r'<svg\b[^>]*\bid="pic-vocabulary".*?</svg>', page, re.S)
    assert inline is not None and inline.group(0) in text
    assert '<a href="def.vocabulary.svg" download>' in page


@needs_dot
def test_the_picture_is_the_same_bytes_from_a_graph_read_in_another_order(
    graph: Graph, pages: Pages
) -> None:
    triples = list(graph)
    random.Random(16).shuffle(triples)
    shuffled = Graph()
    for triple in triples:
        shuffled.add(triple)
    again = Pages(shuffled, queries=bundled(), graphviz=Graphviz())
    assert again.picture("/def", "vocabulary") == pages.picture("/def", "vocabulary")


def test_the_readme_diagram_is_the_same_from_a_graph_read_in_another_order(
    ontology: Graph,
) -> None:
    triples = list(ontology)
    random.Random(16).shuffle(triples)
    shuffled = Graph()
    for triple in triples:
        shuffled.add(triple)
    assert mermaid(shuffled) == mermaid(ontology)


# --- the model, on small graphs -------------------------------------------------------------


def small() -> Graph:
    """Two of our classes under an outside one, a union domain, ``domainIncludes``, kinds,
    a datatype property, a property of any resource."""
    g = Graph()
    for name, label in [
        ("Thing", "thing"),
        ("Part", "part"),
        ("Whole", "whole"),
        ("Happening", "happening"),
        ("A", "kind a"),
        ("B", "kind b"),
        ("C", "kind c"),
        ("Pair", "pair"),
        ("P1", "pair one"),
        ("P2", "pair two"),
    ]:
        g.add((T[name], RDF.type, OWL.Class))
        g.add((T[name], RDFS.label, Literal(label, lang="en")))
    g.add((EX.Outside, RDF.type, OWL.Class))
    g.add((T.Whole, RDFS.subClassOf, EX.Outside))
    g.add((T.Part, RDFS.subClassOf, EX.Middle))  # an outside class between
    g.add((EX.Middle, RDFS.subClassOf, EX.Outside))
    for kind in ("A", "B", "C"):
        g.add((T[kind], RDFS.subClassOf, T.Happening))
    for kind in ("P1", "P2"):
        g.add((T[kind], RDFS.subClassOf, T.Pair))
    union = BNode()
    members = BNode()
    Collection(g, members, [T.Part, T.Happening])
    g.add((union, OWL.unionOf, members))
    props = {
        "within": (union, EX.Outside),
        "has": (T.Whole, T.Part),
        "size": (T.Part, URIRef("http://www.w3.org/2001/XMLSchema#integer")),
        "anything": (RDFS.Resource, RDFS.Resource),
    }
    for name, (domain, rng) in props.items():
        g.add((T[name], RDF.type, OWL.ObjectProperty))
        g.add((T[name], RDFS.label, Literal(name, lang="en")))
        g.add((T[name], RDFS.domain, domain))
        g.add((T[name], RDFS.range, rng))
    g.add((EX.linked, RDF.type, OWL.ObjectProperty))
    g.add((EX.linked, SCHEMA.domainIncludes, T.Pair))
    g.add((EX.linked, SCHEMA.rangeIncludes, T.Thing))
    return g


def test_the_model_reads_unions_includes_outside_classes_kinds_and_attributes() -> None:
    model = vocabulary(GraphIndex(small()))
    boxes = {box.term.name: box for box in model.boxes}
    outside, linked = qname(EX.Outside), qname(EX.linked)
    # Outside is drawn (ours specialise it and a property ends there); Middle is not
    assert set(boxes) == {"Thing", "Part", "Whole", "Happening", "Pair", "P1", "P2", outside}
    assert not boxes[outside].ours and boxes["Part"].ours
    arrows = {
        (a.tail.name, a.property.name if a.property else None, a.head.name) for a in model.arrows
    }
    assert arrows == {
        ("Whole", None, outside),
        ("Part", None, outside),  # through Middle, which is not drawn
        ("P1", None, "Pair"),
        ("P2", None, "Pair"),  # two plain sub-classes stay boxes
        ("Part", "within", outside),  # a union domain: an arrow from each member
        ("Happening", "within", outside),
        ("Whole", "has", "Part"),
        ("Pair", linked, "Thing"),  # schema:domainIncludes / rangeIncludes
    }
    assert [k.name for k in boxes["Happening"].kinds] == ["A", "B", "C"] and MIN_KINDS == 3
    assert [a.name for a in boxes["Part"].attributes] == ["size"]
    assert [t.name for t in model.loose] == ["anything"]
    assert model.classes == 11  # our ten classes, and Outside


def test_a_class_with_few_plain_sub_classes_keeps_them_as_boxes() -> None:
    g = small()
    g.remove((T.C, None, None))
    model = vocabulary(GraphIndex(g))
    names = {box.term.name for box in model.boxes}
    assert {"A", "B"} <= names
    assert not any(box.kinds for box in model.boxes)


#: One line of the Mermaid diagram: each statement it may hold, with the text it may carry.
MERMAID_LINE = re.compile(
    r"classDiagram|    direction LR"
    r'|    class \w+(\["[\w ,.\-:]*"\])?( \{)?'
    r"|        [\w ;,.\-]+|    \}"
    r"|    \w+ <\|-- \w+|    \w+ --> \w+ : [\w.\-]+"
    r'|    note for \w+ "[\w ,.\-:]*(<br>[\w ,.\-:]*)*"'
)


@needs_dot
def test_hostile_labels_are_text_and_unsafe_links_are_not_links() -> None:
    g = small()
    hostile = 'x "quoted" \\N &amp; <script>alert(1)</script>\nnext'
    g.set((T.Whole, RDFS.label, Literal(hostile, lang="en")))
    g.set((T.has, RDFS.label, Literal("has <b>&lt;", lang="en")))
    bad = URIRef("javascript:alert(1)")
    g.add((bad, RDF.type, OWL.Class))
    g.add((T.Thing, RDFS.subClassOf, bad))
    g.add((T.has, RDFS.range, bad))
    odd = T["Odd-Na.me"]
    g.add((odd, RDF.type, OWL.Class))
    g.add((T.size, RDFS.domain, odd))
    links = Links(GraphIndex(g), None)
    sketch = vocabulary_sketch(links, DOC, "pic-vocabulary")
    assert sketch is not None and sketch.dot is not None
    drawn_svg = Graphviz().draw(sketch.dot)
    assert drawn_svg is not None
    root = ET.fromstring(
        tidy(drawn_svg, prefix="pic-vocabulary", title=sketch.title, desc=sketch.desc)
    )
    assert not root.findall(f".//{SVG}script") and not root.findall(f".//{SVG}b")
    nodes = [n for n in root.iter(f"{SVG}g") if n.attrib.get("class") == "node"]
    shown = " ".join(hostile.split())
    (whole,) = [n for n in nodes if shown in text_of(n)]
    link = whole.find(f".//{SVG}a")
    assert link is not None and link.attrib[XLINK] == "def.html#Whole"
    edges = [e for e in root.iter(f"{SVG}g") if e.attrib.get("class") == "edge"]
    assert any("has <b>&lt;" in text_of(e) for e in edges)
    hrefs = [a.attrib[XLINK] for a in root.iter(f"{SVG}a") if XLINK in a.attrib]
    assert "def.html#has" in hrefs and not any("javascript" in h for h in hrefs)
    (unsafe,) = [n for n in nodes if "javascript:alert(1)" in text_of(n)]
    assert not [a for a in unsafe.iter(f"{SVG}a") if XLINK in a.attrib]  # shown, not linked
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text is not None and '"quoted"' in desc.text
    # in Mermaid, names and labels keep only what it shows literally
    text = mermaid(g)
    assert 'class Odd_Na_me["Odd-Na.me"] {' in text and "javascript" in text
    for line in text.splitlines():
        assert MERMAID_LINE.fullmatch(line), line
