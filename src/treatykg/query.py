"""Find, parameterise and run the bundled SPARQL queries on the embedded store.

Every bundled query (``queries/**/*.rq``) opens with a machine-readable header::

    # title: Signatories of a treaty
    # question: Who signed the treaty, in which office, where and on which date?
    # columns: signing, date, place, …
    # parameters: treaty (IRI, default <https://w3id.org/treatykg/eli/treaty/2024/csp>)

A parameter is a ``VALUES ?name { default }`` line in the query; :func:`bind` replaces the
default with a value given on the command line, as an RDF term built by pyoxigraph (so it is
escaped, never pasted into the query text as is).

The embedded store is pyoxigraph, which would send ``SERVICE`` requests anywhere and cannot
be told not to, and which parses, optimises, evaluates and frees a query by recursion, so that
a long chain of almost anything (``!!!…``, ``1+1+…``, ``a/a/…``, ``{} UNION {} UNION …``, a
collection of thousands of items) overflows the native stack and kills the process. So queries
are checked before they run: ``SERVICE`` is refused unless the caller allows it, and size and
nesting are capped. The checks read the query with a small lexer that mirrors Oxigraph's (see
:func:`_code`), and err on the side of refusing: a query they wrongly refuse costs a rewrite,
one they wrongly let through makes the server fetch a URL of the client's choosing. And every
query runs on a thread whose stack is sized for its length (:func:`on_query_stack`), which
holds the deepest query of that length: no query the size cap admits can overflow it.
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from treatykg import resources
from treatykg.errors import InputError, UsageError, syntax_cause

#: Queries larger than this are refused before parsing (a bundled query is ~2 KB).
MAX_QUERY_BYTES = 64 * 1024
#: Deeper nesting of { }, ( ) and [ ] is refused before parsing. Not for the stack (a level of
#: brackets costs at most 12 KB of it, and no more per byte than the chains below): nested
#: groups, paths and blank nodes make pyoxigraph's optimiser and evaluation slow long before
#: they are deep, and no real query nests 100 deep.
MAX_NESTING = 100
#: The stack a query's thread gets per byte of query text (see :func:`stack_bytes`): 2.4 times
#: the most that any production of the SPARQL grammar was measured to need per byte of query,
#: with pyoxigraph 0.5.13 on x86-64, from parsing to freeing the result. Each level of a chain
#: costs the same at any depth; measured per level (tests/sparql_chains.py spells each chain):
#:
#: * a collection item, ``?s ?p (:?a:?a…)``: 6.3 KB (two triple patterns) for 1.5 bytes,
#:   4.2 KB per byte, the most of all; a reifier, ``?s ?p ?o ~~~…``: 3.1 KB for 1 byte;
#: * a triple pattern ``?s ?p ?o,1,1…``, a path step ``a/a/…`` (``^a/``, ``a*/``, ``!a/``…),
#:   a ``DESCRIBE`` term: 3.2 KB for 2 or 3 bytes (``a|a|…``: 0.8 KB); ``BIND``, ``MINUS``,
#:   ``VALUES``, ``GRAPH``, ``{…}{…}``, sub-selects, projected and grouped expressions: 3.2 KB
#:   for 7 bytes or more; ``UNION``, ``OPTIONAL``, ``LATERAL``: 1.3 KB for 7 or more;
#:   ``FILTER``, ``HAVING``: 0.9 KB for 3 or more;
#: * ``!``: 0.9 KB for 1 byte; ``||``, ``&&``: 0.9 KB for 3; ``+ - * /``: 1.2 KB for 2;
#: * a level of brackets: ``(``: 1.8 KB for 2 bytes, ``STR(``: 8.8 KB for 5, ``{``: 3.9 KB
#:   for 2, ``EXISTS{FILTER(``: 11.8 KB for 16;
#: * nothing per item of a flat list: ``IN (…)``, function arguments, ``VALUES`` rows,
#:   ``CONSTRUCT`` templates, ``ORDER BY``, a negated property set.
#:
#: Levels of different productions add up along the recursion, so a mix costs no more per byte
#: than its parts: a 64 KiB query needs at most 277 MB (64 KiB of collection items). The 8 MB
#: of a main thread overflowed at 10,000 ``!`` and 8,000 ``1+`` (and would at 1,300 items).
#: tests/test_deep_queries.py holds every production, and generated mixes, to half of this.
STACK_PER_BYTE = 10 * 1024
#: What any query needs besides (Python's frames, pyoxigraph's fixed costs: ~30 KB measured).
_STACK_BASE = 16 * 1024 * 1024
_MIB = 1024 * 1024
_T = TypeVar("_T")

_HEADER = re.compile(r"^#\s*(title|question|columns|parameters):\s*(.*)$")
# One parameter of a header's parameters line, "name (IRI, default <…>)", and the parts of
# its parentheses that make it an IRI parameter.
_PARAMETER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)")
_IRI_PART = re.compile(r"\s*(?:IRI\s*|default\s*<.*)$", re.IGNORECASE)
_ABSOLUTE_IRI = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", re.IGNORECASE)
_IRI_PATH = re.compile(r"[^\s<>\"{}|\\^`]+")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# The lexical classes of SPARQL names as Oxigraph's parser spells them (its PN_CHARS_BASE
# stops at U+FFFD), so that a name found here ends exactly where Oxigraph's does.
_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_U = _BASE + "_"
_CHARS = _U + r"\-0-9" + "\u00b7\u0300-\u036f\u203f\u2040"
_VARCHARS = _U + "0-9\u00b7\u0300-\u036f\u203f\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_LOCAL_CHAR = f"[{_CHARS}:]|{_PLX}"
_PREFIX = rf"[{_BASE}][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+"
# One left-to-right pass: at each position the first alternative that matches wins and the
# scan resumes after it, so a quote inside an IRI or a # inside a string cannot hide code
# from the checks. Unterminated strings run to the end of their line (long strings: of the
# text): the parser refuses those queries anyway, and a scan that never backtracks stays
# linear in the length of the query.
_TOKEN = re.compile(
    r"(?P<comment>#[^\r\n]*)"
    r"|(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)"
    r"|(?P<string>'''(?:[^'\\]|\\.|'(?!''))*+(?:''')?"
    r'|"""(?:[^"\\]|\\.|"(?!""))*+(?:""")?'
    r"|'(?:[^'\\\r\n]|\\[^\r\n])*+'?"
    r'|"(?:[^"\\\r\n]|\\[^\r\n])*+"?)'
    rf"|(?P<var>[?$][{_VARCHARS}]++)"
    rf"|(?P<bnode>_:[{_U}0-9][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+)"
    rf"|(?P<pname>(?P<prefix>{_PREFIX})?:"
    rf"(?P<local>(?:[{_U}:0-9]|{_PLX})(?:{_LOCAL_CHAR})*+(?:\.++(?:{_LOCAL_CHAR})++)?+)?)"
    rf"|(?P<word>[{_CHARS}.]++)",
    re.DOTALL,
)
# A prologue declaration as Oxigraph reads it: no space needed after a keyword (PREFIXex:
# declares ex:), and an IRI runs to the first >.
_SPACE = r"(?:[ \t\r\n]|#[^\r\n]*)*+"
_DECLARATION = re.compile(
    rf"{_SPACE}(?:(?i:BASE){_SPACE}<[^>]*>"
    rf"|(?i:PREFIX){_SPACE}(?P<prefix>(?:{_PREFIX})?):{_SPACE}<(?P<iri>[^>]*)>)"
)
# A plain ASCII local name appended to a namespace that ends in / or # always makes a valid
# IRI, so the parser cannot reject such a prefixed name and re-read its local part as code.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_.:\-]+")
# The prologue in the code that _code leaves, and the first word after it.
_FIRST_WORD = re.compile(
    r"[\s\ufeff]*(?:(?:BASE\s*<[()]*>|PREFIX\s*[^\s:<>]*:\s*<[()]*>)\s*)*([A-Za-z]*)",
    re.IGNORECASE,
)
_UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_NOT_BRACKETS = re.compile(r"[^{}()\[\]]+")
# pyoxigraph's SPARQL syntax errors: where, and the "tokens", [classes], KEYWORDS and
# messages it expected there.
_PEG_ERROR = re.compile(r"error at (\d+):(\d+): expected (.*)", re.DOTALL)
_SKIP = re.compile(_SPACE)
_KEYWORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_READ_AHEAD = 8  # characters, when the parser does not say which keyword it read ahead for
_BLANKS = {" ": "space", "\t": "tab", "\n": "line break", "\r": "line break"}
_MAX_TOKEN = 30


@dataclass(frozen=True)
class Query:
    """A SPARQL query with its header."""

    name: str
    text: str
    title: str = ""
    question: str = ""
    columns: str = ""
    parameters: str = ""
    path: Path | None = None

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
    """A :class:`Query` from the text of a ``.rq`` file (the header is optional)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if match and match.group(1) not in fields:
            fields[match.group(1)] = match.group(2).strip()
    return Query(name=name, text=text, path=path, **fields)


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
    import pyoxigraph as ox

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
        text = pattern.sub(lambda match, term=term: f"{match[1]} {term} {match[2]}", text, 1)
    return text


def _check_iri(name: str, value: str) -> None:
    """Refuse a value that is not an absolute IRI, for a parameter that takes one, and show the
    full IRI the user probably meant.

    Prefixed names such as ``state:rus``, which the table output prints, look like absolute
    IRIs with a scheme ``state:``; they are refused too, since they would match nothing.
    """
    from treatykg.namespaces import BASE, PREFIXES
    from treatykg.serialize import OUTPUT_PREFIXES

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


def check(text: str, *, allow_service: bool = False) -> None:
    """Refuse queries that would hurt: too big, too deeply nested, or federated."""
    if _size(text) > MAX_QUERY_BYTES:
        raise UsageError(f"the query is larger than {MAX_QUERY_BYTES // 1024} KiB")
    deepest = nesting(text)
    if deepest > MAX_NESTING:
        raise UsageError(
            f"the query nests {{ }}, ( ) or [ ] {deepest} deep; the limit is {MAX_NESTING}"
        )
    if not allow_service and uses_service(text):
        raise UsageError(
            "the query uses SERVICE, which makes the store fetch from the network; "
            "pass --allow-service to run it anyway"
        )


@functools.lru_cache(maxsize=512)
def nesting(text: str) -> int:
    """How deep ``{ }``, ``( )`` and ``[ ]`` nest in the query, outside strings and comments.

    Parentheses inside IRIs count too: in ``FILTER(?a<(((1)))>0)`` the parser reads ``<`` as
    "less than", and then they are real parentheses.
    """
    deepest = 0
    for code in _views(text):
        depth = 0
        for char in _NOT_BRACKETS.sub("", code):
            if char in "{([":
                depth += 1
                deepest = max(deepest, depth)
            elif char in "})]":
                depth -= 1
    return deepest


@functools.lru_cache(maxsize=512)
def uses_service(text: str) -> bool:
    """Whether the query may use SERVICE, which makes pyoxigraph fetch from the network.

    Oxigraph needs no space around a keyword (``1SERVICE<…>``, ``SERVICESILENT:x`` and
    ``SERVICE:x`` all call out), so the word is refused anywhere outside comments, strings,
    IRIs, variables, blank nodes and the plain local part of a prefixed name whose namespace
    ends in / or #. So a prefix named ``service:`` is refused, and so is ``ex:service`` when
    ``ex:`` is undeclared or its namespace ends otherwise (``<http://x:>``): there the parser
    may reject the prefixed name, fall back to ``ex:`` alone and read ``service`` as code.
    """
    return any("SERVICE" in code.upper() for code in _views(text))


@functools.lru_cache(maxsize=512)
def is_update(text: str) -> bool:
    """Whether the text is a SPARQL Update rather than a query: its first word after the
    prologue is INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY or WITH."""
    return any(_first_word(code).upper().startswith(_UPDATES) for code in _views(text))


def form(text: str) -> str:
    """The query form: "select", "ask", "construct" or "describe" (the word after the prologue)."""
    word = _first_word(_code(text, decode=False)).upper()
    for name in _FORMS:
        if word.startswith(name):
            return name.lower()
    raise UsageError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE after the prefixes")


def _first_word(code: str) -> str:
    """The first word of the query proper, after its BASE and PREFIX declarations."""
    match = _FIRST_WORD.match(code)
    return match.group(1) if match else ""


@functools.lru_cache(maxsize=512)
def _views(text: str) -> tuple[str, str]:
    """The query's code read two ways, for checks that must hold under both.

    pyoxigraph 0.5 decodes ``\\u`` escapes only inside strings and IRIs, so ``"\\u0022"`` is a
    quote inside a string; SPARQL 1.1 decodes them everywhere before parsing, so
    ``S\\u0045RVICE`` is a keyword. A check that passes both readings fools neither parser.
    """
    return _code(text), _decode(_code(text, decode=False))


def _decode(text: str) -> str:
    """The text with ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes decoded, as SPARQL 1.1 says."""

    def char(match: re.Match[str]) -> str:
        point = int(match.group(1) or match.group(2), 16)
        return chr(point) if point <= 0x10FFFF else match.group()

    return _ESCAPE.sub(char, text)


@functools.lru_cache(maxsize=512)
def _code(text: str, *, decode: bool = True) -> str:
    """The query as the parser sees it, for the checks above, read in ONE left-to-right pass
    (after decoding \\u escapes, unless ``decode`` is false): comments and strings blanked,
    IRIs reduced to their parentheses, variables, blank nodes and safe local names hidden.

    One pass, because the earliest token must win: stripping strings and then IRIs in two
    passes let ``<http://x/'> … SERVICE … <http://y/'>`` hide SERVICE in a fake string.
    """
    if decode:
        text = _decode(text)
    safe = _safe_prefixes(text)

    def blank(match: re.Match[str]) -> str:
        kind, token = match.lastgroup, match.group()
        if kind == "comment":
            return " "
        if kind == "iri":
            return "<" + "".join(char for char in token if char in "()") + ">"
        if kind == "string":
            return '""'
        if kind == "var":
            return token[0] + "_"
        if kind == "bnode":
            return "_:_"
        if kind == "pname":
            prefix, local = match.group("prefix") or "", match.group("local") or ""
            hidden = local and prefix in safe and _PLAIN_LOCAL.fullmatch(local)
            return f"{prefix}:{'_' if hidden else local}"
        return token

    return _TOKEN.sub(blank, text)


def _safe_prefixes(text: str) -> set[str]:
    """The prefixes that the prologue declares, each time, with a namespace ending in / or #."""
    safe: dict[str, bool] = {}
    position = 0
    while (match := _DECLARATION.match(text, position)) and match.end() > position:
        position = match.end()
        if match.group("iri") is not None:
            iri = _decode(match.group("iri"))
            ok = len(iri) > 1 and iri.endswith(("/", "#"))
            safe[match.group("prefix")] = safe.get(match.group("prefix"), True) and ok
    return {prefix for prefix, ok in safe.items() if ok}


def embedded_store(build: Path | None = None):  # -> pyoxigraph.Store
    """An in-memory pyoxigraph store with the bundled ontology and data, or a build's dump.

    A build directory is read from its N-Quads dump when it has one (named graphs kept),
    else from its Turtle dump. Queries see the union of all graphs as their default graph.
    """
    import pyoxigraph as ox

    store = ox.Store()
    if build is None:
        paths = [*resources.ontology_files(), *resources.data_files()]
    else:
        dumps = [build / "treatykg.nq", build / "treatykg.ttl"]
        found = next((dump for dump in dumps if dump.is_file()), None)
        if found is None:
            raise InputError(str(build), "not a treatykg build (no treatykg.nq or treatykg.ttl)")
        paths = [found]
    for path in paths:
        suffix = path.suffix.lstrip(".")
        try:
            store.bulk_load(path=str(path), format=ox.RdfFormat.from_extension(suffix))
        except SyntaxError as error:
            raise InputError(str(path), syntax_cause(error), error.lineno, error.offset) from None
    return store


def run(
    text: str,
    store,
    *,
    source: str | None = None,
    then: Callable[[Any], _T] | None = None,
) -> Any:
    """Run a checked query on ``store``; a syntax error names its line and column.

    With ``source`` (the file the query came from), the error reads ``source:line:column:
    cause`` like an RDF syntax error, so that editors and CI logs can jump to it.

    The query is parsed, optimised and evaluated, and its result read and freed, on a thread
    with a stack for its length (:func:`on_query_stack`): pyoxigraph recurses at each of those
    steps, evaluating lazily as the result is read. ``then(result)`` reads the result there
    and its value is returned. Without ``then``, the result is read there into something that
    may go anywhere: for SELECT and ASK, a QuerySolutions or QueryBoolean re-read from the
    results as TSV (which keeps every term as it is), for CONSTRUCT and DESCRIBE a list of
    Triples.
    """
    import pyoxigraph as ox

    def execute() -> Any:
        # Read the union of all graphs only when there are named graphs: the union view costs
        # ~30% on every query over a store that holds only the default graph.
        union = next(iter(store.named_graphs()), None) is not None
        try:
            result = store.query(text, use_default_graph_as_union=union)
        except SyntaxError as error:
            if source is None:
                raise UsageError(syntax_message(error, text)) from None
            line, column, cause = _explain(error, text)
            raise InputError(source, cause, line, column) from None
        if then is not None:
            return then(result)
        if isinstance(result, ox.QueryTriples):
            return list(result)
        return result.serialize(format=ox.QueryResultsFormat.TSV)

    answer = on_query_stack(execute, size=_size(text))
    if then is None and isinstance(answer, bytes):
        return ox.parse_query_results(answer, format=ox.QueryResultsFormat.TSV)
    return answer


def stack_bytes(size: int) -> int:
    """The stack a thread needs to run a query of ``size`` bytes, whatever the query:
    :data:`STACK_PER_BYTE` per byte and a base, in whole MiB: 656 MiB for the largest query
    :data:`MAX_QUERY_BYTES` admits, 36 MiB for a bundled query (2 KB). Address space, not memory:
    the pages a query does not reach are never touched."""
    needed = _STACK_BASE + STACK_PER_BYTE * max(size, 0)
    return -(-needed // _MIB) * _MIB


_stack = threading.local()  # .size: the stack of the current thread, if on_query_stack made it
_stack_size_lock = threading.Lock()


def on_query_stack(function: Callable[..., _T], *args: Any, size: int = MAX_QUERY_BYTES) -> _T:
    """``function(*args)``, called on a thread with the stack that a query of ``size`` bytes
    needs (:func:`stack_bytes`): its value, or its exception raised here.

    Why a thread: pyoxigraph parses a query by recursive descent and optimises, evaluates and
    frees its algebra tree by recursion, so a long chain of operators, patterns or path steps
    overflows the 8 MB of a main thread (10,000 ``!`` do, or 1,300 items of a collection) and
    the process dies of SIGSEGV, which no Python code can catch. Capping the length of each
    such chain would mean modelling every recursive production of the grammar in a lexer, and
    refusing queries that run fine; a stack for the worst query of the length is simpler and
    refuses nothing (see :data:`STACK_PER_BYTE` for the measurements). Pages of the stack that
    a query does not reach cost no memory; the main thread stays free to take Ctrl-C.

    Whatever pyoxigraph made must be dropped on that thread too (its QuerySolutions panic on
    another one, and freeing a deep result recurses as deep as evaluating it): ``function``
    returns plain values, and the frames of an exception it raises are cleared there.
    On a thread that this function made with enough stack, ``function`` is called directly.
    """
    needed = stack_bytes(size)
    if getattr(_stack, "size", 0) >= needed:
        return function(*args)
    outcome: list[Any] = []

    def target(given: int) -> None:
        _mark_stack(given)
        try:
            outcome.append((True, function(*args)))
        except BaseException as error:  # raised again by the caller
            _clear_frames(error)
            outcome.append((False, error))

    def start(given: int) -> threading.Thread:
        thread = threading.Thread(target=target, args=(given,), name="treatykg-query", daemon=True)
        thread.start()
        return thread

    try:
        thread = _with_stack_size(needed, start)
    except RuntimeError:
        raise UsageError(
            f"cannot start a thread with the {needed // _MIB} MiB of stack that a query of "
            f"{size / 1024:.0f} KiB may need (is address space limited? ulimit -v)"
        ) from None
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def query_threads(workers: int, *, size: int) -> ThreadPoolExecutor:
    """A pool of ``workers`` threads, all started now, with the stack that
    :func:`on_query_stack` gives a query of ``size`` bytes: there it calls its function
    directly for such a query, without a thread of its own (for a larger one it still starts
    one). For many queries in a row: starting a thread costs ~0.1 ms, as much as a small
    query."""
    needed = stack_bytes(size)
    marks: list[int] = []
    pool = ThreadPoolExecutor(
        workers, thread_name_prefix="treatykg-query", initializer=_mark_stack, initargs=(0,)
    )
    # Each task waits for the others, so that each submit starts a new thread while the
    # stack size is set; then each thread notes its stack.
    started = threading.Barrier(workers + 1)

    def wait_then_mark() -> None:
        started.wait()
        _mark_stack(marks[0])

    def start(given: int) -> None:
        marks.append(given)
        for _ in range(workers):
            pool.submit(wait_then_mark)

    try:
        _with_stack_size(needed, start)
    except RuntimeError:
        pool.shutdown(wait=False, cancel_futures=True)
        raise UsageError(
            f"cannot start {workers} threads with {needed // _MIB} MiB of stack each"
        ) from None
    started.wait()
    return pool


def _with_stack_size(size: int, start: Callable[[int], _T]) -> _T:
    """``start(given)``, which starts threads, while new threads get ``size`` bytes of stack;
    ``given`` is ``size``, or 0 on a platform where Python cannot set it."""
    with _stack_size_lock:  # the size applies to every thread started meanwhile
        try:
            previous = threading.stack_size(size)
        except (ValueError, RuntimeError):  # a platform with fixed thread stacks
            return start(0)
        try:
            return start(size)
        finally:
            threading.stack_size(previous)


def _mark_stack(size: int) -> None:
    _stack.size = size


def _clear_frames(error: BaseException | None) -> None:
    """Drop the local variables of the frames of ``error``'s traceback, and of the errors it
    chains to: a pyoxigraph result held there would otherwise be freed on another thread."""
    seen: set[int] = set()
    chained = [error]
    while chained:
        error = chained.pop()
        if error is not None and id(error) not in seen:
            seen.add(id(error))
            traceback.clear_frames(error.__traceback__)
            chained += [error.__cause__, error.__context__]


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def syntax_message(error: SyntaxError, text: str | None = None) -> str:
    """pyoxigraph's syntax error as "SPARQL syntax error at line L, column C: …".

    Given the query ``text``, the cause is in words (:func:`_explain`); without it, it is
    pyoxigraph's list of what it expected, which the endpoint cuts to one short line.
    """
    if text is None:
        message = str(error)
        where = re.match(r"error at (\d+):(\d+): (.*)", message, re.DOTALL)
        if where:
            line, column, detail = where.groups()
            message = f"line {line}, column {column}: {detail}"
        return f"SPARQL syntax error at {message}"
    line, column, cause = _explain(error, text)
    cause = cause.removeprefix("syntax error ")  # "near '…'": said once is enough
    if line is None:
        return f"SPARQL syntax error: {cause}"
    return f"SPARQL syntax error at line {line}, column {column}: {cause}"


def _explain(error: SyntaxError, text: str) -> tuple[int | None, int | None, str]:
    """The line, column and cause in words of a pyoxigraph SPARQL syntax error in ``text``.

    pyoxigraph's parser says ``error at 3:13: expected one of …``, listing every token it
    would have taken there: for an undeclared prefix, five lines of character classes. Its
    own messages ("Prefix not found") hide in that list, as the items made of words. Its
    position is the furthest it read, and it reads a keyword's length ahead before comparing
    (OPTIONAL: eight characters, "}" and all), so a short undeclared prefix like ``f:b`` comes
    out as "expected OPTIONAL" a few characters on: undeclared prefixes are looked for in the
    text instead, and a list of keywords alone is a stretch to quote, not a position.
    """
    message = str(error)
    where = _PEG_ERROR.match(message)
    if where is None:
        return None, None, " ".join(message.split())
    line, column = int(where[1]), int(where[2])
    offset = _offset(text, line, column)
    expected = where[3].removeprefix("one of ").split(", ")
    said = [item for item in expected if item[:1].isalpha() and " " in item]
    opening = text.rfind("<", 0, offset)
    if "IRI parsing failed" in said and text[offset - 1 : offset] == ">" and opening >= 0:
        line, column = _line_column(text, opening)
        return line, column, f"not a valid IRI: {_shorten(text[opening:offset])}"
    undeclared = _undeclared_prefix(text, offset)
    if undeclared is not None:
        line, column = _line_column(text, undeclared.start())
        return line, column, f"undeclared prefix {undeclared['prefix'] or ''}:"
    if said:
        return line, column, said[0].rstrip(".")
    if all(_KEYWORD.fullmatch(item) or item == "[_]" for item in expected):
        back = max((len(item) for item in expected if item != "[_]"), default=_READ_AHEAD)
        start, end = _stretch(text, max(offset - back, 0), offset)
        if start < end:
            line, column = _line_column(text, start)
            return (
                line,
                column,
                f"syntax error near '{_shorten(' '.join(text[start:end].split()))}'",
            )
    # Otherwise the position is exact: the cause is what stands where something else belongs.
    if _SKIP.fullmatch(text, offset):
        return line, column, "unexpected end of the query"
    if text[offset] in _BLANKS:
        return line, column, f"unexpected {_BLANKS[text[offset]]}"
    start, _ = _stretch(text, offset, offset)
    found = _TOKEN.match(text, start)
    token = found.group() if found and found.group() else text[start]
    line, column = _line_column(text, start)
    return line, column, f"unexpected '{_shorten(token)}'"


def _stretch(text: str, start: int, end: int) -> tuple[int, int]:
    """``text[start:end]`` widened to whole words, without the blanks it starts with."""
    while start and text[start - 1 : start + 1].isalnum():
        start -= 1
    while end < len(text) and text[end - 1 : end + 1].isalnum():
        end += 1
    return _SKIP.match(text, start).end(), end


def _shorten(token: str) -> str:
    token = token.splitlines()[0]
    return token if len(token) <= _MAX_TOKEN else token[: _MAX_TOKEN - 1] + "…"


def _offset(text: str, line: int, column: int) -> int:
    """The index in ``text`` of a 1-based line and column (columns count characters)."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return len(text)
    return min(start + column - 1, len(text))


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _undeclared_prefix(text: str, offset: int) -> re.Match[str] | None:
    """The first prefixed name, up to ``offset``, whose prefix the prologue does not declare."""
    declared: set[str] = set()
    position = 0
    while (match := _DECLARATION.match(text, position)) and match.end() > position:
        position = match.end()
        if match.group("iri") is not None:
            declared.add(match.group("prefix"))
    for token in _TOKEN.finditer(text, position):
        if token.start() >= offset:
            break
        if token.lastgroup != "pname" or (token["prefix"] or "") in declared:
            continue
        if text[token.start() - 1 : token.start()] != "<":  # not an IRI the lexer missed
            return token
    return None
