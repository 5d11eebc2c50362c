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
    # columns: treaty, signing, date, place, …
    # parameters: treaty (IRI, optional: every treaty when not given)

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

A parameter is a ``VALUES ?name { … }`` line in the query, which the ``parameters`` line of
the header declares (:class:`Parameter`), one of three ways::

    # parameters: treaty (IRI, optional: every treaty when not given)
    # parameters: entity (IRI, required)
    # parameters: topic (IRI, default <https://w3id.org/treatykg/def#TransnationalThreats>)

An optional or required parameter's line is ``VALUES ?name { UNDEF }``, which leaves the variable
free: the file as written answers for every treaty (or entity), with a column saying which, in
any store. No treaty-specific question defaults to one treaty: a corpus has many. ``optional:``
says what the query answers when the parameter is not given; a ``required`` one must be given
to ``treatykg query`` (:func:`require`), since the answer for every value is not the question.
A ``default`` is a value the query's question names (a topic, a confidence level). A string
parameter is ``name (string, default "x")``. Anything else on the line, or a parameter without
its ``VALUES`` line (or with another value there than the header says), is refused with the
file and line (:class:`InputError`): a header that disagrees with its query would mislead the
CLI, the queries page and a reader alike.

:func:`bind` puts a value given on the command line into the ``VALUES`` line, as an RDF term
built by pyoxigraph (so it is escaped, never pasted into the query text as is). An IRI may be
given relative to ``https://w3id.org/treatykg/`` (``eli/treaty/2024/csp``, ``id/state/prk``,
``def#Sanctions``): our identifiers, as the site's paths show them.

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
# One parameter of a header's parameters line, "name (IRI, optional: …)", and its parentheses.
_PARAMETER = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)\s*(?:,|$)")
_DECLARATION = re.compile(
    r"(?P<kind>IRI|string)\s*,\s*(?:default\s+(?P<default>\S.*?)|(?P<required>required)"
    r"|optional:\s*(?P<absent>\S.*?))\s*$"
)
#: Where a relative IRI given to an IRI parameter may start: the identifiers we mint under
#: :data:`BASE` (things, legal resources, ontology terms).
_OURS = ("id/", "eli/", "def#")
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
class Parameter:
    """One parameter a query's header declares: ``treaty (IRI, optional: every treaty when not
    given)``.

    ``kind`` is ``IRI`` or ``string``. Exactly one of the three ways holds: ``default``, the
    value the query's ``VALUES`` line holds, as SPARQL (``<…>`` or ``"…"``); ``required``; or
    ``absent``, what the query answers when the parameter is not given (its ``VALUES`` line
    holds ``UNDEF``).
    """

    name: str
    kind: str
    default: str | None = None
    required: bool = False
    absent: str | None = None

    @property
    def takes_iri(self) -> bool:
        return self.kind == "IRI"

    def describe(self) -> str:
        """In words, for ``treatykg query --list``: ``treaty: IRI, optional (every treaty when
        not given)``."""
        if self.required:
            how = "required"
        elif self.absent is not None:
            how = f"optional ({self.absent})"
        else:
            how = f"default {self.default}"
        return f"{self.name}: {self.kind}, {how}"


@dataclass(frozen=True)
class Query:
    """A SPARQL query with its header.

    ``title`` and ``question`` are the English ones (the untagged header lines); ``titles`` and
    ``questions`` hold them in each language the header gives, English included, by language
    code (``{"en": "Articles of a treaty", "ko": "조약의 조항", …}``). ``parameters`` is the
    header's line as written (for people); ``declared`` the same, read (:class:`Parameter`).
    """

    name: str
    text: str
    title: str = ""
    question: str = ""
    columns: str = ""
    parameters: str = ""
    path: Path | None = None
    declared: tuple[Parameter, ...] = ()
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
        return tuple(parameter.name for parameter in self.declared)

    @property
    def iri_parameters(self) -> frozenset[str]:
        """The parameters that take an IRI (declared ``(IRI, …)``).

        A value for one of those that is not an IRI would become a literal, which matches
        nothing: the query would answer no rows instead of saying what went wrong.
        """
        return frozenset(parameter.name for parameter in self.declared if parameter.takes_iri)

    @property
    def optional_parameters(self) -> frozenset[str]:
        """The parameters that may be left out, the query then answering for every value
        (``treaty``: every treaty, with a ``treaty`` column saying which)."""
        return frozenset(p.name for p in self.declared if p.absent is not None)


def parse(text: str, name: str, path: Path | None = None) -> Query:
    """A :class:`Query` from the text of a ``.rq`` file (the header is optional).

    Raises :class:`InputError` for a header line in another language that is wrong (see the
    module's docstring): an unknown language tag, ``@en``, a tag on ``columns`` or
    ``parameters``, or no text; and for a ``parameters`` line that is not one of the forms
    :class:`Parameter` reads, or that disagrees with the query's ``VALUES`` lines."""
    where = str(path) if path else name
    fields: dict[str, str] = {}
    parameters_line = 0
    translated: dict[str, dict[str, str]] = {key: {} for key in _TRANSLATED}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER.match(line.strip())
        if not match:
            continue
        key, tag, value = match.group(1), match.group(2), match.group(3).strip()
        if tag is None:
            if key == "parameters" and key not in fields:
                parameters_line = number
            fields.setdefault(key, value)
            continue
        language = _header_language(key, tag, value, where, number)
        translated[key].setdefault(language, value)
    for key in _TRANSLATED:
        if key in fields:  # English first, as in the file
            translated[key] = {_ENGLISH: fields[key], **translated[key]}
    declared = _parameters(fields.get("parameters", ""), text, where, parameters_line)
    return Query(
        name=name,
        text=text,
        path=path,
        declared=declared,
        titles=translated["title"],
        questions=translated["question"],
        **fields,
    )


def _parameters(line: str, text: str, where: str, number: int) -> tuple[Parameter, ...]:
    """The parameters a header's ``parameters`` line declares, each checked against its
    ``VALUES`` line in ``text``; or why the line is refused."""
    if line.lower() in ("", "none"):
        return ()
    found: list[Parameter] = []
    position = 0
    while position < len(line):
        match = _PARAMETER.match(line, position)
        declaration = _DECLARATION.fullmatch(match.group(2).strip()) if match else None
        if match is None or declaration is None:
            shown = (match.group(0) if match else line[position:]).strip(" ,")
            raise InputError(
                where,
                f"'# parameters:' cannot read {shown!r}: write each as NAME (IRI, optional: "
                "what the query answers without it), NAME (IRI, required) or NAME (IRI, "
                'default <iri>) (string for a literal, default "text"), separated by commas, '
                "or 'none'",
                number,
            )
        parameter = Parameter(
            name=match.group(1),
            kind=declaration["kind"],
            default=declaration["default"],
            required=declaration["required"] is not None,
            absent=declaration["absent"],
        )
        _check_values_line(parameter, text, where, number)
        found.append(parameter)
        position = match.end()
    return tuple(found)


def _values_pattern(name: str) -> re.Pattern[str]:
    """The ``VALUES ?name { … }`` of a parameter (one variable, one row), not in a comment:
    a comment showing the line (``# edit VALUES ?treaty { UNDEF }``) is not taken for it. Before
    it on its line, a ``#`` counts only inside an IRI or a string."""
    code = r"""(?:[^#\n<"']|<[^>\n]*>|"[^"\n]*"|'[^'\n]*')*?"""
    values = r"VALUES\s+\?" + re.escape(name) + r"\s*\{"
    return re.compile(r"^(" + code + values + r")([^}]*)(\})", re.MULTILINE)


def _check_values_line(parameter: Parameter, text: str, where: str, number: int) -> None:
    """Refuse a declared parameter whose ``VALUES`` line is missing or holds another value
    than the header says: ``UNDEF`` for an optional or required one, else its default."""
    match = _values_pattern(parameter.name).search(text)
    wanted = parameter.default if parameter.default is not None else "UNDEF"
    if match is None:
        problem = f"declares {parameter.name!r} but the query has no VALUES ?{parameter.name} line"
    elif match.group(2).strip() != wanted:
        problem = (
            f"declares {parameter.name!r} as {parameter.describe().partition(', ')[2]!r}, but "
            f"its VALUES line holds {match.group(2).strip()!r} instead of {wanted!r}"
        )
    else:
        return
    raise InputError(where, f"'# parameters:' {problem}", number)


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


def require(query: Query, values: Mapping[str, str]) -> None:
    """Refuse to run ``query`` without a value for each of its required parameters.

    Kept apart from :func:`bind`, which also makes the text of a query with nothing given
    (the endpoint's warm-up, the queries page): only a person asking through
    ``treatykg query`` is told what is missing."""
    missing = [p for p in query.declared if p.required and p.name not in values]
    if missing:
        wanted = " ".join(f"--param {p.name}=IRI" for p in missing)
        names = ", ".join(repr(p.name) for p in missing)
        raise UsageError(
            f"query {query.name!r} needs {names}: give {wanted}, e.g. "
            f"{missing[0].name}=eli/treaty/2024/csp (relative to {BASE}) or the full IRI"
        )


def bind(query: Query, values: Mapping[str, str]) -> str:
    """The query text with each given parameter's ``VALUES ?name { … }`` holding its value.

    A parameter that the header declares as an IRI takes an IRI and nothing else
    (:func:`iri_value`). A string parameter's value is a plain literal. Both are written by
    pyoxigraph, which escapes them.
    """
    declared = {parameter.name: parameter for parameter in query.declared}
    text = query.text
    for name, value in values.items():
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise UsageError(f"query {query.name!r} has no parameter {name!r} (it has: {known})")
        pattern = _values_pattern(name)
        if not pattern.search(text):  # only a Query made by hand: parse checks the files
            raise UsageError(f"query {query.name!r} declares {name!r} but has no VALUES for it")
        if declared[name].takes_iri:
            term = str(ox.NamedNode(iri_value(name, value)))
        else:
            term = str(ox.Literal(value))
        text = pattern.sub(functools.partial(_put_value, term=term), text, count=1)
    return text


def _put_value(match: re.Match[str], term: str) -> str:
    """``VALUES ?name { term }``: a function, not a replacement template, in which the
    backslashes of an escaped literal would be read as group references."""
    return f"{match[1]} {term} {match[3]}"


def iri_value(name: str, value: str) -> str:
    """The IRI that ``--param name=value`` gives: an absolute IRI as it is, or one of ours
    relative to :data:`BASE` (``eli/treaty/2001/gnfc``, ``id/state/prk``, ``def#Sanctions``).

    Anything else is refused, with the full IRI the user probably meant: a value that is not
    an IRI would match nothing, and the query would answer no rows without a word why.
    Prefixed names such as ``state:rus``, which the table output prints, look like absolute
    IRIs with a scheme ``state:``; they are refused too, since they would match nothing.
    """
    given = value.strip()
    if given.startswith("<") and given.endswith(">"):
        given = given[1:-1].strip()  # copied from Turtle, or from a table cell
    prefix, colon, local = given.partition(":")
    namespaces = {**PREFIXES, **OUTPUT_PREFIXES}
    relative = given.lstrip("/")
    if colon and prefix in namespaces:
        advice = f"a prefixed name, not a full IRI; give the full IRI: {namespaces[prefix]}{local}"
    elif given != value:
        advice = f"give the IRI alone, without angle brackets or spaces: {given}"
    elif _ABSOLUTE_IRI.match(given):
        return _valid(name, value, given)
    elif relative.startswith(_OURS) and _IRI_PATH.fullmatch(relative):
        return _valid(name, value, BASE + relative)
    else:
        if not _IRI_PATH.fullmatch(relative):  # nothing like a path: show an IRI of ours
            relative = "eli/treaty/2024/csp"
        ours = relative if relative.startswith(_OURS) else "id/" + relative
        advice = (
            f"not an IRI; give the full IRI, e.g. {BASE}{ours}, or the part after {BASE} ({ours})"
        )
    raise UsageError(f"--param {name}={value}: {advice}")


def _valid(name: str, value: str, iri: str) -> str:
    """``iri``, if pyoxigraph takes it as an IRI."""
    try:
        ox.NamedNode(iri)
    except ValueError as error:
        raise UsageError(f"--param {name}={value}: not a valid IRI: {error}") from None
    return iri
