"""The pages' own text in English, French, Russian and Korean: marked, extracted, translated.

What a page writes itself (headings, table headers, explanations, the footer) is English in the
templates and in :mod:`treatykg.web.pages.render`, marked with ``_()`` or ``ngettext()``;
Babel extracts it into ``locales/messages.pot`` and each language's ``messages.po`` holds its
translations (:mod:`treatykg.web.pages.i18n`). Four things can go wrong without anything
failing: a string written in a template without ``_()`` stays English on every page; a new
message without a translation falls back to English (gettext never complains); a translation
can lose a ``%(name)s`` or a link, or take the wrong plural form; and the catalogues can drift
from the sources. Each has a test here, and the pages rendered in French, Russian and Korean are
read to check that their headings are the translations.
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import markupsafe
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader, nodes
from rdflib import Graph, Literal, URIRef

from treatykg.namespaces import BASE
from treatykg.sparql.catalogue import bundled
from treatykg.web.languages import DEFAULT, LANGUAGES
from treatykg.web.pages import Pages
from treatykg.web.pages.i18n import LOCALE_DIR, catalogue_path, translations

PAGES_DIR = LOCALE_DIR.parent
TEMPLATES = PAGES_DIR / "templates"
CONFIG = LOCALE_DIR / "babel.cfg"
POT = LOCALE_DIR / "messages.pot"
TRANSLATED = tuple(language for language in LANGUAGES if language != DEFAULT)
TREATY = f"{BASE}eli/treaty/2024/csp"
ARTICLE_4 = f"{TREATY}/art_4"

#: The keywords of the extraction command (``-k _ -k ngettext:1,2`` on top of Babel's).
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "ngettext": (1, 2)}
#: What to run when the catalogues are behind the sources (also in babel.cfg).
UPDATE = """the catalogues are behind the sources; from the repository root run
    pybabel extract -F src/treatykg/web/pages/locales/babel.cfg -k _ -k ngettext:1,2 \\
        -o src/treatykg/web/pages/locales/messages.pot src/treatykg/web/pages
    pybabel update -i src/treatykg/web/pages/locales/messages.pot \\
        -d src/treatykg/web/pages/locales -D messages --ignore-obsolete
then translate each new or fuzzy entry of locales/{fr,ru,ko}/LC_MESSAGES/messages.po and
remove its fuzzy flag"""

#: Words a template may write outside a translation call, each with the reason.
ALLOWED: dict[str, str] = {
    "treatykg": "the project's name (the <title> suffix, the home page's fallback heading)",
    "SHA-256": "the name of a hash function, a table header written the same in every language",
    "shapes.ttl": "a file name, shown when the shapes page has no link to the file",
}
#: Attributes whose text a reader sees or hears (tooltips, screen readers, form controls).
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "label")
#: Filters that pass their input's text through to the page.
TEXT_FILTERS = {"upper", "lower", "capitalize", "title", "trim", "e", "escape", "safe"}
#: Stands for whatever an expression writes (``{{ … }}``): data, or a translation.
MARK = "\ue000"

#: A message: its msgid and, for ngettext, its plural msgid.
Message = tuple[str, str | None]


# --- what the templates write themselves ----------------------------------------------------


def _written(expr: nodes.Node) -> Iterator[str]:
    """The string constants that ``expr`` can write to the page as they are: ``"no"`` in
    ``{{ "yes" if x else "no" }}``; not the arguments of calls (``_("…")``, macros) or tests."""
    if isinstance(expr, nodes.Const) and isinstance(expr.value, str):
        yield expr.value
    elif isinstance(expr, nodes.CondExpr):
        yield from _written(expr.expr1)
        if expr.expr2 is not None:
            yield from _written(expr.expr2)
    elif isinstance(expr, nodes.Or | nodes.And | nodes.Add):
        yield from _written(expr.left)
        yield from _written(expr.right)
    elif isinstance(expr, nodes.Concat):
        for node in expr.nodes:
            yield from _written(node)
    elif isinstance(expr, nodes.Filter) and expr.name in TEXT_FILTERS and expr.node is not None:
        yield from _written(expr.node)


def _skeleton(node: nodes.Node, markup: list[str]) -> None:
    """The template's markup in source order, with both branches of an ``if`` and a loop's
    body once; an expression (``{{ … }}``) becomes :data:`MARK` followed by the string
    constants it can write, escaped as autoescape would, so that the HTML parser sees them
    where they land: in the text, in a visible attribute, or in one nobody reads."""
    if isinstance(node, nodes.TemplateData):
        markup.append(node.data)
    elif isinstance(node, nodes.Output):
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                markup.append(child.data)
            else:
                markup.append(MARK + MARK.join(html.escape(text) for text in _written(child)))
    elif isinstance(node, nodes.Assign):  # {% set x = "…" %}: written where x is
        markup.extend(MARK + html.escape(text) for text in _written(node.node))
    elif isinstance(node, nodes.Expr):  # a test, a loop's iterable, a macro's defaults
        return
    else:
        for child in node.iter_child_nodes():
            _skeleton(child, markup)


class _Furniture(HTMLParser):
    """The text nodes and the visible attribute values of a template's skeleton."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._raw = tag
        self.found.extend(
            f'{tag} {name}="{value}"'
            for name, value in attrs
            if name in VISIBLE_ATTRIBUTES and value and _has_words(value)
        )

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw is None and _has_words(data):
            self.found.append(" ".join(data.split()))


def _has_words(text: str) -> bool:
    return any(char.isalpha() for char in text)


def _allowed(text: str) -> bool:
    """Whether ``text`` has no letters once the allowed words are taken out."""
    for word in ALLOWED:
        text = re.sub(rf"(?<![\w.-]){re.escape(word)}(?![\w.-])", "", text)
    return not _has_words(text)


def furniture(source: str) -> list[str]:
    """Every piece of text with a letter that the template ``source`` writes outside a
    translation call: text between tags, visible attributes, string constants written by an
    expression (each expression shown as ``{{…}}``). Comments, tags and CSS are not text."""
    markup: list[str] = []
    _skeleton(Environment(extensions=["jinja2.ext.i18n"]).parse(source), markup)
    parser = _Furniture()
    parser.feed("".join(markup))
    parser.close()
    return [text.replace(MARK, "{{…}}") for text in parser.found]


def template_names() -> list[str]:
    return sorted(Environment(loader=FileSystemLoader(TEMPLATES)).list_templates())


def test_the_furniture_finder_finds_unmarked_text() -> None:
    """The finder below is what stands between a new template string and an English word
    on a Korean page: it must see text, attributes and constants, and nothing else."""
    source = """{% extends "base.html" %}{# a comment #}<!-- an HTML comment -->
<style>h1{font-weight:700}</style>
<h1 title="Tooltip {{ x }}">Heading {{ name }}</h1><img alt="A picture" src="{{ src }}">
<p>{{ _("Marked %(n)s", n=value) }} · {{ "—" }} <code>{{ code }}</code></p>
{% if a %}<td>{{ "yes" if ok else "no" }}</td>{% else %}<td>{{ _("no") }}</td>{% endif %}
{{ ngettext("%(num)d row", "%(num)d rows", n) }} {{ macro_call("argument") }}"""
    assert sorted(furniture(source)) == sorted(
        [
            'h1 title="Tooltip {{…}}"',
            "Heading {{…}}",
            'img alt="A picture"',
            "{{…}}yes{{…}}no",
        ]
    )


def test_every_template_string_is_marked() -> None:
    unmarked = {
        name: [text for text in furniture((TEMPLATES / name).read_text()) if not _allowed(text)]
        for name in template_names()
    }
    unmarked = {name: found for name, found in unmarked.items() if found}
    assert not unmarked, (
        f"template text outside _() / ngettext(), English on every page: {unmarked}; mark it "
        '({{ _("Text") }}), or add a word that is no word (a name, a symbol) to ALLOWED'
    )


def test_every_allowed_word_is_still_written() -> None:
    """An allowance that nothing uses any more is a hole waiting for a real word."""
    written = " ".join(
        text for name in template_names() for text in furniture((TEMPLATES / name).read_text())
    )
    assert {word for word in ALLOWED if word not in written} == set()


# --- the messages and the catalogues ---------------------------------------------------------


def _message(found: str | tuple[str | None, ...] | None, where: str, plural: bool) -> Message:
    """A message as an extractor gives it: the msgid, or a tuple of the call's arguments (None
    for each that is not a literal: the count, the keyword arguments)."""
    arguments = (found,) if not isinstance(found, tuple) else found
    singular = arguments[0]
    assert isinstance(singular, str) and singular, f"{where}: a message that is not a literal"
    if not plural:
        return singular, None
    assert len(arguments) > 1 and isinstance(arguments[1], str), f"{where}: no literal plural"
    return singular, arguments[1]


def template_messages() -> set[Message]:
    """The messages of every template, as Jinja2 reads them (its own extractor)."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    found = set()
    for name in template_names():
        source = (TEMPLATES / name).read_text()
        for line, function, message in env.extract_translations(source):
            where = f"{name}:{line}"
            assert function in ("_", "gettext", "ngettext"), (
                f"{where}: {function}() is not in the extraction command's keywords"
            )
            found.add(_message(message, where, plural=function == "ngettext"))
    return found


def python_messages() -> set[Message]:
    """The messages of the Python modules of the pages (render.py's ``self._("Home")``),
    as Babel's Python extractor reads them."""
    found = set()
    for path in sorted(PAGES_DIR.rglob("*.py")):
        with path.open("rb") as source:
            for line, message, _comments, _context in extract("python", source, KEYWORDS):
                found.add(_message(message, f"{path.name}:{line}", isinstance(message, tuple)))
    return found


@functools.cache
def source_messages() -> frozenset[Message]:
    """Every message the pages use."""
    return frozenset(template_messages() | python_messages())


def configured_messages() -> set[Message]:
    """What the extraction command finds with babel.cfg."""
    with CONFIG.open() as config:
        method_map, options_map = parse_mapping_cfg(config, str(CONFIG))
    return {
        _message(message, f"{filename}:{line}", isinstance(message, tuple))
        for filename, line, message, _comments, _context in extract_from_dir(
            PAGES_DIR, method_map, options_map, keywords=KEYWORDS
        )
    }


def _catalogue(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=language)


def _messages_of(catalogue: Catalog) -> set[Message]:
    return {
        (m.id[0], m.id[1]) if isinstance(m.id, tuple | list) else (m.id, None)
        for m in catalogue
        if m.id
    }


def test_the_extraction_finds_the_pages_messages() -> None:
    """Both routes to the messages (Jinja2's and Babel's extractors, file by file; the
    pybabel command's configuration) find the same ones, including render.py's."""
    found = source_messages()
    assert ("Home", None) in python_messages() and ("Properties", None) in template_messages()
    assert ("%(num)d row.", "%(num)d rows.") in found
    assert configured_messages() == found


def test_the_catalogue_template_is_current() -> None:
    in_pot = _messages_of(_catalogue(POT))
    found = source_messages()
    missing, stale = sorted(found - in_pot), sorted(in_pot - found)
    assert not missing and not stale, (
        f"{UPDATE}\nnot in messages.pot: {missing}\nno longer used: {stale}"
    )


#: ``%(name)s``, ``%(num)d``; ``{name}`` (render.py's ``self._("…", name=…)``).
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
#: A tag, with its attributes: a translation keeps the msgid's links and markup.
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    catalogue = _catalogue(catalogue_path(language), language)
    problems = []
    for singular, plural in sorted(source_messages()):
        entry = catalogue.get(singular)
        if entry is None:
            problems.append(f"missing: {singular!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy (not used until checked): {singular!r}")
        wanted = {singular} if plural is None else {singular, plural}
        if plural is None:
            forms = [entry.string] if isinstance(entry.string, str) else []
        else:
            forms = list(entry.string) if isinstance(entry.string, tuple | list) else []
            if not entry.pluralizable or entry.id[1] != plural:
                problems.append(f"not the plural entry of {singular!r} / {plural!r}")
            if len(forms) != catalogue.num_plurals:
                problems.append(f"{len(forms)} forms, not {catalogue.num_plurals}: {singular!r}")
        if not forms or not all(forms):
            problems.append(f"untranslated: {singular!r}")
        for form in forms:
            if any(_placeholders(form) != _placeholders(m) for m in wanted):
                problems.append(f"placeholders differ: {singular!r} → {form!r}")
            if any(Counter(_TAG.findall(form)) != Counter(_TAG.findall(m)) for m in wanted):
                problems.append(f"markup differs: {singular!r} → {form!r}")
    problems += [f"{m.id!r}: {e}" for m, errors in catalogue.check() for e in errors]
    assert not problems, f"{catalogue_path(language)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalogues_hold_the_template_and_nothing_else(language: str) -> None:
    catalogue = _catalogue(catalogue_path(language), language)
    assert _messages_of(catalogue) == _messages_of(_catalogue(POT)), UPDATE
    assert not catalogue.obsolete, f"obsolete entries (#~) in {language}: {UPDATE}"
    assert catalogue.locale is not None and str(catalogue.locale) == language


def test_no_message_is_a_fragment() -> None:
    """Whole sentences: a message that starts with a comma or a space is glued to another,
    and a translator cannot reorder the two (word order differs in Korean)."""
    fragments = [m for m, _ in source_messages() if m[:1] in (",", ";", ".", " ") or m != m.strip()]
    assert not fragments


# --- plurals -----------------------------------------------------------------------------------

#: Each language's plural rule (GNU gettext's), and the form it gives some counts.
PLURAL_FORMS = {
    "fr": ("nplurals=2; plural=(n > 1);", {0: 0, 1: 0, 2: 1, 5: 1, 21: 1}),
    "ru": (
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);",
        {1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 14: 2, 21: 0, 22: 1, 25: 2, 101: 0, 111: 2},
    ),
    "ko": ("nplurals=1; plural=0;", {0: 0, 1: 0, 2: 0, 21: 0}),
}


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_forms_follow_the_language(language: str) -> None:
    header, counts = PLURAL_FORMS[language]
    catalogue = _catalogue(catalogue_path(language), language)
    assert catalogue.plural_forms == header
    entry = catalogue.get("%(num)d row.")
    assert entry is not None and isinstance(entry.string, tuple)
    assert len(set(entry.string)) == len(entry.string)  # each form its own words
    compiled = translations(language)
    for count, form in counts.items():
        said = compiled.ngettext("%(num)d row.", "%(num)d rows.", count)
        assert said == entry.string[form], (language, count)


# --- the pages in each language ---------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(graph: Graph, release: Path) -> Pages:
    return Pages(graph, queries=bundled(), shapes=Graph().parse(release / "shapes.ttl"))


class _Elements(HTMLParser):
    """What a page says: the <html> lang, its text, the site navigation's links, and the
    elements whose text the templates write themselves, in order: the headings that have an
    id (``<h2 id="properties">``; a heading without one is a resource's name), the column
    headers (``<thead>``: a row header is a property's label), form labels and buttons."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.furniture: list[tuple[str, str | None, str]] = []
        self.nav: list[str] = []
        self._text: list[str] = []
        self._open: list[tuple[str, str | None, list[str]]] = []
        self._in_head = self._in_nav = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "thead":
            self._in_head = True
        elif tag == "nav" and "class" not in values:
            self._in_nav = True
        furniture = (
            (tag in ("h2", "h3") and values.get("id"))
            or (tag == "th" and self._in_head)
            or tag in ("label", "button")
        )
        if furniture:
            self._open.append((tag, values.get("id"), []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == self._open[-1][0]:
            name, id_, parts = self._open.pop()
            self.furniture.append((name, id_, " ".join("".join(parts).split())))
        if tag == "thead":
            self._in_head = False
        elif tag == "nav":
            self._in_nav = False

    def handle_data(self, data: str) -> None:
        for _, _, parts in self._open:
            parts.append(data)
        if self._in_nav and data.strip():
            self.nav.append(data.strip())
        self._text.append(data)

    @property
    def plain(self) -> str:
        return " ".join("".join(self._text).split())


def _rendered(pages: Pages) -> dict[str, str]:
    return {
        "index": pages.index(),
        "treaty": pages.resource(TREATY),
        "article 4": pages.resource(ARTICLE_4),
        "ontology": pages.ontology(),
        "queries": pages.queries(),
        "shapes": pages.shapes(),
        "endpoint": pages.results(None, None, None),
    }


@pytest.fixture(scope="module")
def english(pages: Pages) -> dict[str, _Elements]:
    return {name: _Elements(page) for name, page in _rendered(pages).items()}


#: "Properties" as the translators wrote it, not as the catalogue says: a check of the
#: catalogue's words, not only of its plumbing.
PROPERTIES = {"fr": "Propriétés", "ru": "Свойства", "ko": "속성"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_pages_speak_the_language(
    pages: Pages, english: dict[str, _Elements], language: str
) -> None:
    translated = {
        name: _Elements(page) for name, page in _rendered(pages.in_language(language)).items()
    }
    compiled = translations(language)
    for name, page in translated.items():
        assert page.lang == language, name
        # the same page, element by element: each heading, column header, label and button
        # that the English page writes from a message is that message's translation here
        assert [(t, i) for t, i, _ in page.furniture] == [
            (t, i) for t, i, _ in english[name].furniture
        ], name
        checked = 0
        for (tag, id_, text), (_, _, said) in zip(
            english[name].furniture, page.furniture, strict=True
        ):
            if (text, None) in source_messages():
                assert said == compiled.gettext(text), (name, tag, id_, text)
                checked += 1
        assert checked >= 2, f"{name}: too few headings to compare ({checked})"
        assert page.nav[0] == compiled.gettext("Home") != "Home", name
    headings = {id_: text for _, id_, text in translated["article 4"].furniture}
    assert headings["properties"] == PROPERTIES[language]
    ontology = {id_: text for _, id_, text in translated["ontology"].furniture}
    assert ontology["section-properties"] == PROPERTIES[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_counts_take_the_languages_plural(
    pages: Pages, english: dict[str, _Elements], language: str
) -> None:
    compiled = translations(language)
    # the articles on the treaty's page ("Preamble and articles (23 articles)")
    (heading,) = [text for _, id_, text in english["treaty"].furniture if id_ == "articles"]
    count = int(re.search(r"\d+", heading).group())  # type: ignore[union-attr]
    treaty = _Elements(pages.in_language(language).resource(TREATY))
    (said,) = [text for _, id_, text in treaty.furniture if id_ == "articles"]
    singular = "Preamble and articles (%(num)d article)"
    plural = "Preamble and articles (%(num)d articles)"
    assert said == compiled.ngettext(singular, plural, count) % {"num": count}
    # the endpoint's rows, and the first rows of a longer result
    endpoint = pages.in_language(language)
    for rows, total in ((1, 1), (2, 2), (5, 5), (21, 21), (21, 500)):
        results = {
            "head": {"vars": ["x"]},
            "results": {
                "bindings": [{"x": {"type": "literal", "value": str(i)}} for i in range(rows)]
            },
            "total": total,
        }
        text = _Elements(endpoint.results("SELECT ?x {}", results, None)).plain
        expected = compiled.ngettext("%(num)d row.", "%(num)d rows.", total) % {"num": total}
        assert expected in text, (language, total)
        if total > rows:
            first = compiled.ngettext(
                'The first %(num)d is shown; <a href="%(href)s">the whole result as CSV</a>,'
                " or ask for JSON.",
                'The first %(num)d are shown; <a href="%(href)s">the whole result as CSV</a>,'
                " or ask for JSON.",
                rows,
            )
            assert re.sub(r"<[^>]+>", "", first % {"num": rows, "href": ""}) in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_condition_is_worded_in_the_readers_language(
    pages: Pages, graph: Graph, language: str
) -> None:
    """Article 3's condition (a direct threat of armed invasion) is quoted on the treaty page
    in the reader's language where the data has that wording (French), else in English with
    its tag shown; never in two languages at once."""
    condition = URIRef("https://w3id.org/treatykg/id/condition/csp-art-3-direct-threat")
    wordings = {
        w.language: str(w)
        for w in graph.objects(condition, URIRef("https://w3id.org/treatykg/def#wording"))
        if isinstance(w, Literal)
    }
    assert {"en", "fr"} <= set(wordings)
    page = pages.in_language(language).resource("https://w3id.org/treatykg/eli/treaty/2024/csp")

    def escape(text: str) -> str:
        return str(markupsafe.escape(text))

    shown = wordings.get(language, wordings["en"])
    other = wordings["fr" if shown == wordings["en"] else "en"]
    assert escape(shown) in page and escape(other) not in page
    if language not in wordings:
        escaped = re.escape(escape(shown))
        assert re.search(rf'<q><span lang="en">{escaped}</span>[^<]*<[^>]*>@en<', page), language


def test_a_qualifier_is_worded_in_the_languages_order(pages: Pages) -> None:
    """A claim's qualifiers are whole messages with their value, so Korean can put the
    particle after the date ("2024년 10월 8일부터"), where English puts "from" before it."""
    deployment = "https://w3id.org/treatykg/id/event/dprk-troop-deployment-to-russia"

    def said(language: str) -> str:
        page = pages.in_language(language).resource(deployment)
        start = page.index("place/vladivostok")
        claim = page[page.rindex('class="claimed"', 0, start) : page.index("</p>", start)]
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", claim))

    assert "from 8 October 2024 until 13 October 2024 at Vladivostok" in said("en")
    assert "2024년 10월 8일부터 2024년 10월 13일까지" in said("ko")
