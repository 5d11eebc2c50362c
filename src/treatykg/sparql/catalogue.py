"""The queries treatykg knows: the bundled ones users run, and the fixed whole-graph queries
the build runs itself.

The bundled queries are ``queries/**/*.rq``, plain SPARQL files with a header, for people and
for other triplestores. Each opens with a machine-readable header::

    # title: Signatories of a treaty
    # title@fr: Signataires d'un traité
    # title@ru: Подписанты договора
    # title@ko: 조약의 서명자
    # question: Who signed the treaty, in which office, where and on which date?
    # question@fr: Qui a signé le traité, en quelle qualité, où et à quelle date ?
    # question@ru: Кто подписал договор, в какой должности, где и какого числа?
    # question@ko: 누가 어떤 직위로 언제 어디서 조약에 서명했는가?
    # columns: signing, date, place, …
    # parameters: treaty (IRI, default <https://w3id.org/treatykg/eli/treaty/2024/csp>)

The untagged ``title`` and ``question`` are English: what ``treatykg query --list``, the CLI
and any other tool reading the header see, unchanged. The lines tagged ``@fr``, ``@ru`` and
``@ko`` (:data:`HEADER_LANGUAGES`, the languages of the pages) follow the English ones and give
the same title and question in that language, for the queries page in that language
(:attr:`Query.titles`, :meth:`Query.title_in`). They are plain SPARQL comments, so the files
stay runnable in any store; they are our translations of our own text, not data. Only
``title`` and ``question`` take a tag: ``columns`` and ``parameters`` name the query's
variables, which are the same in every language.

A header line that is wrong is refused, with its file and line (:class:`InputError`), rather
than skipped: a tag that is not one of :data:`HEADER_LANGUAGES` (``@kr`` for ``@ko``, or a
language the pages are not written in, whose line nothing would ever show), ``@en`` (English
is the untagged line: one place for it), a tag on ``columns`` or ``parameters``, or a tagged
line with no text. A skipped line would leave the page in that language showing English with
nothing to say why. As for the untagged lines, the first line of a key (and language) counts.

A parameter is a ``VALUES ?name { default }`` line in the query; :func:`bind` replaces the
default with a value given on the command line, as an RDF term built by pyoxigraph (so it is
escaped, never pasted into the query text as is).

The internal queries (VoID statistics, the JSON-LD framed view, the Wikidata view and mapping
tables) are ``.rq`` files too, kept as package data next to the stage that runs them
(``treatykg/publish/queries/``, ``treatykg/link/queries/``) and read with :func:`internal`:
readable and testable as SPARQL, never pasted together in f-strings. They are not listed by
``treatykg query --list``: their columns are shaped for our code, not for people.

Finding a query is not running it: :mod:`treatykg.sparql.guard` checks a query's text and
:mod:`treatykg.sparql.execute` runs it.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox

from treatykg import resources
from treatykg.errors import InputError, UsageError
from treatykg.namespaces import BASE, PREFIXES
from treatykg.rdf.serialize import OUTPUT_PREFIXES

_PLACEHOLDER = re.compile(r"\{\{([A-Z_][A-Z0-9_]*)\}\}")
_HEADER = re.compile(r"^#\s*(title|question|columns|parameters)(?:@([^\s:]*))?:\s*(.*)$")
#: The header keys a language tag may follow: the text people read.
_TRANSLATED = ("title", "question")
#: The languages a header's title and question are written in, English (the untagged lines)
#: first: the languages of the pages, :data:`treatykg.web.languages.LANGUAGES`, which this
#: stage may not import (tests/test_architecture.py); tests/sparql/test_query_headers.py keeps
#: the two equal.
HEADER_LANGUAGES: tuple[str, ...] = ("en", "fr", "ru", "ko")
_ENGLISH = HEADER_LANGUAGES[0]
# One parameter of a header's parameters line, "name (IRI, default <…>)", and the parts of
# its parentheses that make it an IRI parameter.
_PARAMETER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)")
_IRI_PART = re.compile(r"\s*(?:IRI\s*|default\s*<.*)$", re.IGNORECASE)
_ABSOLUTE_IRI = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", re.IGNORECASE)
_IRI_PATH = re.compile(r"[^\s<>\"{}|\\^`]+")


# --- the internal queries -------------------------------------------------------------------


@functools.cache
def _internal_text(package: str, name: str) -> str:
    return (files(package) / "queries" / f"{name}.rq").read_text(encoding="utf-8")


def internal(package: str, name: str, **values: str) -> str:
    """The text of the internal query ``name`` of ``package``, placeholders filled.

    A placeholder is ``{{NAME}}`` (SPARQL's own syntax never uses double braces); each value
    must already be SPARQL (an ``<iri>``, a string from
    :func:`treatykg.rdf.terms.sparql_string`, a FILTER expression). A placeholder without a
    value, or a value without a placeholder, is a programming error and raises KeyError.
    """
    text = _internal_text(package, name)
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        used.add(match.group(1))
        return values[match.group(1)]

    filled = _PLACEHOLDER.sub(fill, text)
    unused = set(values) - used
    if unused:
        raise KeyError(f"{package}/queries/{name}.rq has no placeholder {sorted(unused)}")
    return filled


# --- the bundled queries --------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A SPARQL query with its header.

    ``title`` and ``question`` are the English ones (the untagged header lines); ``titles`` and
    ``questions`` hold them in each language the header gives, English included, by language
    code (``{"en": "Articles of a treaty", "ko": "조약의 조항", …}``).
    """

    name: str
    text: str
    title: str = ""
    question: str = ""
    columns: str = ""
    parameters: str = ""
    path: Path | None = None
    # not hashed: a frozen Query stays hashable (by its other fields) with dicts in it
    titles: Mapping[str, str] = field(default_factory=dict, hash=False)
    questions: Mapping[str, str] = field(default_factory=dict, hash=False)

    def title_in(self, language: str) -> str:
        """The title in ``language``, else the English one (for a query of someone else's,
        whose header has no translation)."""
        return self.titles.get(language) or self.title

    def question_in(self, language: str) -> str:
        """The question in ``language``, else the English one."""
        return self.questions.get(language) or self.question

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The parameters the header declares, e.g. ``("treaty",)``."""
        if self.parameters.strip().lower() in ("", "none"):
            return ()
        return tuple(name for name, _inside in _PARAMETER.findall(self.parameters))

    @property
    def iri_parameters(self) -> frozenset[str]:
        """The parameters that take an IRI: declared ``(IRI, …)`` or with an IRI default.

        A value for one of those that is not an absolute IRI would become a literal, which
        matches nothing: the query would answer no rows instead of saying what went wrong.
        """
        return frozenset(
            name
            for name, inside in _PARAMETER.findall(self.parameters)
            if any(_IRI_PART.match(part) for part in inside.split(","))
        )


def parse(text: str, name: str, path: Path | None = None) -> Query:
    """A :class:`Query` from the text of a ``.rq`` file (the header is optional).

    Raises :class:`InputError` for a header line in another language that is wrong (see the
    module's docstring): an unknown language tag, ``@en``, a tag on ``columns`` or
    ``parameters``, or no text."""
    fields: dict[str, str] = {}
    translated: dict[str, dict[str, str]] = {key: {} for key in _TRANSLATED}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER.match(line.strip())
        if not match:
            continue
        key, tag, value = match.group(1), match.group(2), match.group(3).strip()
        if tag is None:
            fields.setdefault(key, value)
            continue
        language = _header_language(key, tag, value, str(path) if path else name, number)
        translated[key].setdefault(language, value)
    for key in _TRANSLATED:
        if key in fields:  # English first, as in the file
            translated[key] = {_ENGLISH: fields[key], **translated[key]}
    return Query(
        name=name,
        text=text,
        path=path,
        titles=translated["title"],
        questions=translated["question"],
        **fields,
    )


def _header_language(key: str, tag: str, value: str, where: str, line: int) -> str:
    """The language of a ``# key@tag:`` line, or why the line is refused."""
    language = tag.lower()  # language tags are case-insensitive (BCP 47)
    others = ", ".join(f"@{code}" for code in HEADER_LANGUAGES if code != _ENGLISH)
    if key not in _TRANSLATED:
        problem = f"'# {key}@{tag}:': {key} is not translated (it names the query's variables)"
    elif language == _ENGLISH:
        problem = f"'# {key}@{tag}:': English is the untagged '# {key}:' line"
    elif language not in HEADER_LANGUAGES:
        problem = (
            f"'# {key}@{tag}:': unknown language tag {tag!r}; a {key} is translated into "
            f"{others} (English is the untagged '# {key}:' line)"
        )
    elif not value:
        problem = f"'# {key}@{tag}:' has no text: give the {key} or leave the line out"
    else:
        return language
    raise InputError(where, problem, line)


def bundled() -> list[Query]:
    """Every bundled query, named by its path under ``queries/`` without ``.rq``."""
    root = resources.resource_dir("queries")
    return [
        parse(
            path.read_text(encoding="utf-8"),
            path.relative_to(root).with_suffix("").as_posix(),
            path,
        )
        for path in resources.query_files()
    ]


def find(name_or_file: str) -> Query:
    """A bundled query by name, or a ``.rq`` file by path; close matches on a miss."""
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.exists():
        if not path.is_file():
            raise InputError(name_or_file, "no such file")
        return parse(path.read_text(encoding="utf-8"), path.stem, path)
    queries = {query.name: query for query in bundled()}
    if name_or_file in queries:
        return queries[name_or_file]
    close = difflib.get_close_matches(name_or_file, list(queries), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UsageError(f"no bundled query named {name_or_file!r}{hint} (treatykg query --list)")


def bind(query: Query, values: Mapping[str, str]) -> str:
    """The query text with each ``VALUES ?name { … }`` default replaced by the given value.

    A parameter that the header declares as an IRI takes an absolute IRI and nothing else
    (:func:`_check_iri`). For the others, a value that looks like an absolute IRI becomes an
    IRI, anything else a plain literal. Both are written by pyoxigraph, which escapes them.
    """
    iris = query.iri_parameters
    text = query.text
    for name, value in values.items():
        if name not in query.parameter_names:
            known = ", ".join(query.parameter_names) or "none"
            raise UsageError(f"query {query.name!r} has no parameter {name!r} (it has: {known})")
        pattern = re.compile(r"(VALUES\s+\?" + re.escape(name) + r"\s*\{)[^}]*(\})")
        if not pattern.search(text):
            raise UsageError(f"query {query.name!r} declares {name!r} but has no VALUES for it")
        if name in iris:
            _check_iri(name, value)
        if _ABSOLUTE_IRI.match(value):
            try:
                term = str(ox.NamedNode(value))
            except ValueError as error:
                raise UsageError(f"--param {name}: not a valid IRI: {error}") from None
        else:
            term = str(ox.Literal(value))
        text = pattern.sub(functools.partial(_put_value, term=term), text, count=1)
    return text


def _put_value(match: re.Match[str], term: str) -> str:
    """``VALUES ?name { term }``: a function, not a replacement template, in which the
    backslashes of an escaped literal would be read as group references."""
    return f"{match[1]} {term} {match[2]}"


def _check_iri(name: str, value: str) -> None:
    """Refuse a value that is not an absolute IRI, for a parameter that takes one, and show the
    full IRI the user probably meant.

    Prefixed names such as ``state:rus``, which the table output prints, look like absolute
    IRIs with a scheme ``state:``; they are refused too, since they would match nothing.
    """
    given = value.strip()
    if given.startswith("<") and given.endswith(">"):
        given = given[1:-1].strip()  # copied from Turtle, or from a table cell
    prefix, colon, local = given.partition(":")
    namespaces = {**PREFIXES, **OUTPUT_PREFIXES}
    if colon and prefix in namespaces:
        advice = f"a prefixed name, not a full IRI; give the full IRI: {namespaces[prefix]}{local}"
    elif _ABSOLUTE_IRI.match(given):
        if given == value:
            return
        advice = f"give the IRI alone, without angle brackets or spaces: {given}"
    else:
        path = given.lstrip("/")
        if not _IRI_PATH.fullmatch(path):  # nothing like a path: show an IRI of ours
            path = "eli/treaty/2024/csp"
        full = BASE + (path if path.startswith(("id/", "eli/")) else "id/" + path)
        advice = f"not an absolute IRI; give the full IRI, e.g. {full}"
    raise UsageError(f"--param {name}={value}: {advice}")
