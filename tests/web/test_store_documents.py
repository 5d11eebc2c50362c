"""The documents and pages of a large build, read from its store on disk
(:class:`treatykg.web.pages.store_index.StoreIndex`) instead of an rdflib graph in memory.

A small synthetic build is read both ways (``in_memory=True`` and ``False``): the store path
must give the same resources, documents isomorphic to the in-memory ones (the store has its
own blank node labels), and byte for byte the same pages and pictures, without ever reading
the build into memory. The home page of a store, which cannot list ten million triples' worth
of treaties, lists the first ones and says how many there are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

from generated_corpus import generate
from treatykg.rdf import serialize
from treatykg.web import urls
from treatykg.web.documents import Document, Documents, Recent
from treatykg.web.pages import home, resource
from treatykg.web.pages.store_index import SortedDump, StoreIndex
from treatykg.web.serve import Settings, create_app

#: What a document is parsed with, by suffix.
PARSERS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of a synthetic corpus of 4 treaties."""
    from treatykg.publish.build import build

    folder = tmp_path_factory.mktemp("store-documents")
    out = folder / "dist"
    build(out, data=generate(folder / "corpus", treaties=4))
    return out


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stores")


@pytest.fixture(scope="module")
def in_memory(corpus_build: Path) -> Documents:
    return Documents(corpus_build, endpoint=None, in_memory=True)


@pytest.fixture(scope="module")
def from_store(corpus_build: Path, stores: Path) -> Documents:
    return Documents(corpus_build, endpoint=None, in_memory=False, store=stores)


@pytest.fixture(scope="module")
def both_sites(
    in_memory: Documents, from_store: Documents
) -> tuple[dict[str, Document], dict[str, Document]]:
    """Everything a static site holds, made each way."""
    return dict(in_memory.everything()), dict(from_store.everything())


def test_a_large_build_is_read_from_its_store_never_into_memory(
    from_store: Documents, in_memory: Documents, both_sites: object
) -> None:
    assert from_store.large and not in_memory.large
    assert isinstance(from_store.pages._index, StoreIndex)
    assert "graph" not in from_store.__dict__, "the store path read the build into memory"


def test_the_store_finds_the_same_resources_and_successors(
    from_store: Documents, in_memory: Documents
) -> None:
    assert list(from_store.resources) == list(in_memory.resources)
    assert len(from_store.resources) == len(in_memory.resources) > 100
    for path, iri in in_memory.resources.items():
        assert path in from_store.resources and from_store.resources[path] == iri
    for path in ("/id/state/nowhere", "/", "/treatykg.ttl", "/def#Treaty", "//id", "/id/"):
        assert path not in from_store.resources, path
        assert (path in in_memory.resources) is False, path
    assert from_store.successors == in_memory.successors


def test_documents_from_the_store_are_isomorphic_to_those_from_memory(
    both_sites: tuple[dict[str, Document], dict[str, Document]], in_memory: Documents
) -> None:
    """Each resource's RDF documents: the same graph; the same bytes unless it has blank
    nodes (whose labels are the store's own)."""
    memory, store = both_sites
    same_bytes = 0
    for path in in_memory.resources:
        blank = any(
            isinstance(t, BNode)
            for triple in in_memory.document_graph(urls.iri_of(path))
            for t in triple
        )
        for suffix, parser in PARSERS.items():
            name = urls.document(path, suffix)
            ours, theirs = memory[name].body, store[name].body
            assert store[name].media_type == memory[name].media_type
            if not blank and path not in ("/def", "/shapes"):
                assert ours == theirs, name
                same_bytes += 1
            assert isomorphic(
                Graph().parse(data=ours, format=parser), Graph().parse(data=theirs, format=parser)
            ), name
    assert same_bytes > 100


def test_pages_and_pictures_from_the_store_are_the_same_bytes(
    both_sites: tuple[dict[str, Document], dict[str, Document]],
) -> None:
    memory, store = both_sites
    assert sorted(store) == sorted(memory)
    pages = [name for name in memory if name.endswith((".html", ".svg"))]
    assert len(pages) > 200 and "/index.html" in pages and "/index.timeline.svg" in pages
    for name in pages:
        assert store[name] == memory[name], name


def test_the_not_found_page_guesses_close_paths_it_can_look_up(
    from_store: Documents, in_memory: Documents
) -> None:
    path = next(p for p in in_memory.resources if p.startswith("/id/state/syn-"))
    typed = path.replace("-", "_") + "/"
    page = from_store.not_found(typed, "html").body.decode()
    assert "Perhaps you meant" in page and urls.relative(typed, path + ".html") in page
    assert "Perhaps you meant" not in from_store.not_found("/nothing/like/it", "html").body.decode()


def test_the_home_page_of_a_store_lists_the_first_and_says_how_many(
    corpus_build: Path, stores: Path, in_memory: Documents, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(home, "MAX_TREATIES", 2)
    monkeypatch.setattr(home, "MAX_EVENTS", 3)
    served = Documents(corpus_build, in_memory=False, store=stores)  # with an endpoint
    page = served.pages.index()
    full = in_memory.pages.index()
    assert "The first 2 of 4 treaties, the most recently signed first" in page
    assert page.count('<tr class="treaty">') == 2

    def treaties(html: str) -> list[str]:
        return [line for line in html.splitlines() if line.startswith('<tr class="treaty">')]

    assert treaties(page) == treaties(full)[:2]  # the same order as in memory
    events = full.count('<tr class="event">')
    assert events > 3
    assert f"The first 3 of {events} dated events, by date" in page
    assert page.count('<tr class="event">') == 3

    def rows(html: str) -> list[str]:
        return [line for line in html.splitlines() if line.startswith('<tr class="event">')]

    assert rows(page) == rows(full)[:3]
    assert "ask the SPARQL endpoint for all of them" in page
    assert "The first" not in full  # a graph in memory lists them all
    picture = served.pages.picture("/index", "timeline")
    assert picture is not None and f"the first 3 of {events} dated events" in picture.decode()


def test_a_store_index_never_lists_every_statement(from_store: Documents) -> None:
    index = from_store.pages._index
    with pytest.raises(TypeError):
        list(index.out)
    with pytest.raises(TypeError):
        len(index.incoming)


def test_recent_keeps_the_most_recently_used_within_its_budget() -> None:
    recent: Recent[str, bytes] = Recent(10, len)
    recent["a"] = b"1234"
    recent["b"] = b"1234"
    assert recent.get("a") == b"1234"  # "a" is now the most recent
    recent["c"] = b"1234"  # over budget: "b" goes
    assert "b" not in recent and "a" in recent and "c" in recent
    assert recent.weight == 8
    recent.put("huge", b"x" * 11)  # heavier than the budget: not kept
    assert "huge" not in recent and recent.weight == 8
    assert recent.setdefault("a", b"other") == b"1234"
    del recent["a"]
    assert list(recent) == ["c"] and recent.weight == 4


def test_a_server_of_a_large_build_answers_pages_and_documents_from_the_store(
    corpus_build: Path, stores: Path, in_memory: Documents
) -> None:
    app = create_app(Settings(corpus_build, in_memory=False, store=stores))
    assert app.state.documents.large
    client = TestClient(app, follow_redirects=False)  # no lifespan: no SPARQL workers
    path = next(p for p in in_memory.resources if p.startswith("/eli/treaty/"))
    redirect = client.get(path, headers={"Accept": "text/turtle"})
    assert redirect.status_code == 303 and redirect.headers["Location"].endswith(".ttl")
    turtle = client.get(path + ".ttl")
    assert turtle.status_code == 200 and turtle.content == in_memory.document(path, "ttl").body
    page = client.get(path + ".html")
    assert page.status_code == 200 and "<h1" in page.text
    again = client.get(path + ".html", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/id/state/nowhere.ttl").status_code == 404
    assert client.get("/").status_code == 200
    assert "graph" not in app.state.documents.__dict__


def test_the_page_of_a_hub_names_only_what_it_shows(
    corpus_build: Path, stores: Path, in_memory: Documents, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resource of a store that many statements point to lists them by IRI."""
    monkeypatch.setattr(resource, "NAMED_INCOMING", 5)
    monkeypatch.setattr(resource, "MAX_LISTED", 3)
    served = Documents(corpus_build, endpoint=None, in_memory=False, store=stores)
    path = "/id/org/syn-news-agency"
    iri = URIRef(urls.iri_of(path))
    pointing = {s for s, _, _ in in_memory.graph.triples((None, None, iri))}
    assert len(pointing) > 5
    page = served.pages.resource(str(iri))
    table = page.split('id="referenced-by"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr><td>") == 3
    first = sorted(pointing, key=str)[0]
    assert (
        urls.relative(path + ".html", urls.document(urls.path_of(str(first)) or "", "html"))
        in table
    )
    assert f"… and {len(pointing) - 3} more" in page


def test_a_sorted_dump_finds_each_subject_and_only_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = Graph()
    names = ["http://a", "http://a/b", "http://a#x", "http://ab", "http://b"]
    for n, name in enumerate(names):
        for i in range(n + 1):
            graph.add((URIRef(name), URIRef(f"http://p/{i}"), Literal("x" * 40 * i)))
    graph.add((BNode("b1"), URIRef("http://p/0"), URIRef("http://a")))
    graph.add((BNode("b10"), URIRef("http://p/0"), URIRef("http://a")))
    text = serialize.ntriples(graph)
    for ending in (text, text.rstrip(b"\n")):  # with a last newline and without
        (tmp_path / "dump.nt").write_bytes(ending)
        for step in (16, 64, 1 << 20):
            monkeypatch.setattr(SortedDump, "STEP", step)
            dump = SortedDump(tmp_path / "dump.nt")
            lines = text.splitlines(keepends=True)
            for subject in [f"<{n}>".encode() for n in names] + [b"_:b1", b"_:b10"]:
                wanted = b"".join(line for line in lines if line.startswith(subject + b" "))
                found = dump.about(subject)
                assert found.rstrip(b"\n") == wanted.rstrip(b"\n"), (subject, step)
            for absent in (b"<http://0>", b"<http://a/c>", b"<http://zz>", b"_:b2", b"<http://a"):
                assert dump.about(absent) == b"", (absent, step)


def test_the_summary_of_a_store_is_made_once_per_build_and_kept(
    corpus_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Summarising a store for its home page reads statements of the whole store: it is
    done once, kept beside the store, and read back by the next server."""
    first = Documents(corpus_build, endpoint=None, in_memory=False, store=tmp_path)
    notes: list[str] = []
    first.prepare(notes.append)
    assert notes and "once for this build" in notes[0]
    assert first._summaries_path().is_file()
    page = first.page("index")
    assert page is not None

    def never(*_: object) -> None:
        raise AssertionError("summarised again")

    monkeypatch.setattr(StoreIndex, "_first_treaties", never)
    monkeypatch.setattr(StoreIndex, "_first_dated_events", never)
    again = Documents(corpus_build, endpoint=None, in_memory=False, store=tmp_path)
    notes.clear()
    again.prepare(notes.append)
    assert not notes
    assert again.page("index") == page
    in_memory = Documents(corpus_build, endpoint=None, in_memory=True)
    in_memory.prepare(notes.append)  # nothing to make for a small build
    assert not notes and "graph" not in in_memory.__dict__


def test_prepare_store_summarises_a_large_build_too(
    corpus_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``serve --prepare-store`` makes all a large build's server would first wait for: the
    store on disk and the summary of its home page."""
    from treatykg.cli import main

    assert (
        main(["serve", "--prepare-store", "--build", str(corpus_build), "--store", str(tmp_path)])
        == 0
    )
    out, err = capsys.readouterr()
    store = Path(out.strip())
    assert store.is_dir() and store.parent == tmp_path
    assert store.with_name(store.name + ".summaries.json").is_file()
    assert "for its home page" in err
