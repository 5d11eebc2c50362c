"""The bundled queries' titles and questions in the pages' four languages.

Each ``queries/**/*.rq`` header gives its title and question in English (``# title:``, what
``treatykg query --list`` and other tools read) and, on the lines right after, in French,
Russian and Korean (``# title@fr:`` …), for the queries page in each language
(:mod:`treatykg.sparql.catalogue`). These tests say that every query has all of them, each
in the language its tag names and keeping the English one's code (IRIs, prefixed names,
variables), that the parser refuses a tag it cannot place, and that the page in a language
shows that language's text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph

from treatykg import resources
from treatykg.cli import main
from treatykg.errors import InputError
from treatykg.sparql import catalogue
from treatykg.web.languages import DEFAULT, LANGUAGES
from treatykg.web.pages import Pages
from treatykg.web.pages.graph_index import GraphIndex
from treatykg.web.pages.links import Links
from treatykg.web.pages.queries import queries_view

QUERIES = catalogue.bundled()
TRANSLATIONS = [language for language in LANGUAGES if language != DEFAULT]

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: What a translation keeps as the English has it: IRIs, prefixed names (rdfs:label),
#: variable names (claimSubject), acronyms (QID, SKOS) and numbers (Article 4).
CODE = re.compile(
    r"https?://[^\s<>()]+"
    r"|\b[a-z]+:[A-Za-z]\w*"
    r"|\b[a-z]+[A-Z]\w*"
    r"|\b[A-Z]{2,}\b"
    r"|\btreatykg\b"
    r"|\b\d+\b"
)


def test_the_header_languages_are_the_pages() -> None:
    """The parser cannot import the web stage's list (tests/test_architecture.py): its own
    copy must not drift from it."""
    assert catalogue.HEADER_LANGUAGES == LANGUAGES


def test_every_query_is_bundled_here() -> None:
    assert len(QUERIES) == len(resources.query_files()) >= 28
    assert {q.name.split("/")[0] for q in QUERIES} >= {"articles", "qc", "federated"}


@pytest.mark.parametrize("item", QUERIES, ids=lambda q: q.name)
def test_title_and_question_in_every_language(item: catalogue.Query) -> None:
    assert item.titles[DEFAULT] == item.title and item.questions[DEFAULT] == item.question
    for language in LANGUAGES:
        for texts in (item.titles, item.questions):
            assert texts.get(language, "").strip(), (item.name, language)
    for language in TRANSLATIONS:
        for texts in (item.titles, item.questions):
            assert texts[language] != texts[DEFAULT], (item.name, language, "not translated")
            assert texts[language] == " ".join(texts[language].split()), (item.name, language)


@pytest.mark.parametrize("item", QUERIES, ids=lambda q: q.name)
def test_each_text_is_in_the_language_of_its_tag(item: catalogue.Query) -> None:
    """Korean in Hangul, Russian in Cyrillic, French and English in neither; a question ends
    with a question mark, which French writes after a space."""
    for language in LANGUAGES:
        for text in (item.titles[language], item.questions[language]):
            assert bool(HANGUL.search(text)) == (language == "ko"), (item.name, language, text)
            assert bool(CYRILLIC.search(text)) == (language == "ru"), (item.name, language, text)
        question = item.questions[language]
        ending = " ?" if language == "fr" else "?"
        assert question.endswith(ending) and not question.endswith("  ?"), (item.name, language)
        if language != "fr":
            assert not question.endswith(" ?"), (item.name, language)


@pytest.mark.parametrize("item", QUERIES, ids=lambda q: q.name)
def test_translations_keep_the_code_of_the_english(item: catalogue.Query) -> None:
    for english, texts in ((item.title, item.titles), (item.question, item.questions)):
        tokens = {token.rstrip(".,;:?") for token in CODE.findall(english)}
        for language in TRANSLATIONS:
            missing = sorted(token for token in tokens if token not in texts[language])
            assert not missing, (item.name, language, missing)


@pytest.mark.parametrize("item", QUERIES, ids=lambda q: q.name)
def test_the_translations_follow_the_english_lines(item: catalogue.Query) -> None:
    """The header's layout: each English line, then its translations in the pages' order,
    before the columns and parameters."""
    assert item.path is not None
    keys = []
    for line in item.path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"#\s*(title|question|columns|parameters)(@\w+)?:", line)
        if match:
            keys.append(match.group(1) + (match.group(2) or ""))
    expected = [
        *(["title"] + [f"title@{language}" for language in TRANSLATIONS]),
        *(["question"] + [f"question@{language}" for language in TRANSLATIONS]),
        "columns",
        "parameters",
    ]
    assert keys == expected, item.name


# --- the parser ---------------------------------------------------------------------------------


HEADER = """# title: Articles of a treaty
# title@fr: Articles d'un traité
# title@KO: 조약의 조항
# question: Which articles?
# question@ru: Какие статьи?
# columns: article
# parameters: none
# title@fr: a later line does not count
SELECT ?article WHERE { ?article a ?kind } ORDER BY ?article
"""


def test_the_parser_reads_the_tagged_lines() -> None:
    query = catalogue.parse(HEADER, "mine")
    assert query.title == "Articles of a treaty" and query.question == "Which articles?"
    assert query.titles == {
        "en": "Articles of a treaty",
        "fr": "Articles d'un traité",
        "ko": "조약의 조항",  # a language tag is case-insensitive
    }
    assert query.questions == {"en": "Which articles?", "ru": "Какие статьи?"}
    assert query.columns == "article" and query.parameters == "none"
    assert query.title_in("ko") == "조약의 조항" and query.question_in("ru") == "Какие статьи?"
    # no translation: the English
    assert query.title_in("ru") == query.title and query.question_in("ko") == query.question
    assert hash(query) == hash(catalogue.parse(HEADER, "mine"))  # still a frozen value


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("# title@kr: 조약의 조항", "unknown language tag 'kr'"),
        ("# question@de: Welche Artikel?", "unknown language tag 'de'"),
        ("# title@fr-CA: Articles d'un traité", "unknown language tag 'fr-CA'"),
        ("# title@en: Articles of a treaty", "English is the untagged '# title:' line"),
        ("# columns@fr: article", "columns is not translated"),
        ("# parameters@ru: none", "parameters is not translated"),
        ("# title@ru:", "has no text"),
    ],
)
def test_the_parser_refuses_a_tag_it_cannot_place(line: str, says: str) -> None:
    text = f"# title: Articles\n{line}\nASK {{}}\n"
    with pytest.raises(InputError) as raised:
        catalogue.parse(text, "mine", Path("mine.rq"))
    assert str(raised.value).startswith("mine.rq:2: ") and says in str(raised.value)
    if "unknown" in says:  # and says which tags there are
        assert "@fr, @ru, @ko" in str(raised.value)


def test_a_file_with_a_wrong_tag_is_refused_by_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.rq"
    path.write_text("# title: Mine\n# title@kr: 내 쿼리\nASK {}\n", encoding="utf-8")
    assert main(["query", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: " in err and "unknown language tag 'kr'" in err


def test_the_list_is_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.split())  # the list wraps at 80 columns
    assert all(f"{q.name}: {q.title} {q.question}" in flat for q in QUERIES)
    assert not HANGUL.search(out) and not CYRILLIC.search(out)
    assert not any(q.titles["fr"] in out for q in QUERIES)


# --- the queries page ---------------------------------------------------------------------------


class _Sections(HTMLParser):
    """Per query section of a queries page: the heading's text and ``lang``, the first
    paragraph's text; and the text of the list's link to it."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.headings: dict[str, tuple[str, str | None]] = {}
        self.questions: dict[str, str] = {}
        self.listed: dict[str, str] = {}
        self._section: str | None = None
        self._into: tuple[str, str, str | None] | None = None  # what, section, lang
        self._text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "section" and str(values.get("id", "")).startswith("q-"):
            self._section = values["id"]
        elif tag == "a" and str(values.get("href", "")).startswith("#q-"):
            self._into, self._text = ("listed", str(values["href"])[1:], None), []
        elif tag == "h2" and self._section:
            self._into, self._text = ("heading", self._section, values.get("lang")), []
        elif tag == "p" and self._section and self._section not in self.questions:
            self._into, self._text = ("question", self._section, None), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = None
        if self._into is None or tag not in ("a", "h2", "p"):
            return
        what, section, lang = self._into
        text = " ".join("".join(self._text).split())
        if what == "listed" and tag == "a":
            self.listed[section] = text
        elif what == "heading" and tag == "h2":
            self.headings[section] = (text, lang)
        elif what == "question" and tag == "p":
            self.questions[section] = text
        else:
            return
        self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._text.append(data)


@pytest.fixture(scope="module")
def pages(release: Path) -> Pages:
    """The pages as tests/web/test_pages.py makes them, from a build."""
    graph = Graph()
    for name in ("treatykg.ttl", "void.ttl", "validation-report.ttl"):
        graph.parse(release / name)
    return Pages(graph, queries=QUERIES, shapes=Graph().parse(release / "shapes.ttl"))


def _section(name: str) -> str:
    return "q-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name)


def test_the_korean_queries_page_shows_the_korean_titles(pages: Pages) -> None:
    page = _Sections(pages.in_language("ko").queries())
    articles = next(q for q in QUERIES if q.name == "articles")
    assert page.lang == "ko"
    assert page.headings["q-articles"] == (articles.titles["ko"], None)  # no lang: the page's
    assert page.headings["q-articles"][0] == "조약의 조항"
    assert page.listed["q-articles"] == "조약의 조항"
    assert page.questions["q-articles"] == articles.questions["ko"]
    assert articles.title not in page.headings.values()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_query_is_shown_in_the_language_of_the_page(pages: Pages, language: str) -> None:
    page = _Sections(pages.in_language(language).queries())
    assert page.lang == language
    assert len(page.headings) == len(QUERIES)
    for item in QUERIES:
        section = _section(item.name)
        assert page.headings[section] == (item.titles[language], None), (language, item.name)
        assert page.listed[section] == item.titles[language], (language, item.name)
        assert page.questions[section] == item.questions[language], (language, item.name)


def test_a_query_without_translations_shows_its_english_marked_as_such() -> None:
    """A query of someone else's, with an English header only: the Korean page shows the
    English, and says it is English (``title_lang``, ``question_lang``)."""
    mine = catalogue.parse("# title: Mine\n# question: Mine?\nASK {}\n", "mine")
    both = catalogue.parse(HEADER, "both")
    links = Links(GraphIndex(Graph()), "sparql", "ko")
    view = queries_view(links, links.page("/queries"), [mine, both])
    first, second = view.queries
    assert (first.title, first.title_lang) == ("Mine", "en")
    assert (first.question, first.question_lang) == ("Mine?", "en")
    assert (second.title, second.title_lang) == ("조약의 조항", None)
    assert (second.question, second.question_lang) == ("Which articles?", "en")
    english = queries_view(Links(GraphIndex(Graph()), "sparql"), "/queries.html", [mine])
    assert english.queries[0].title_lang is None and english.queries[0].question_lang is None
