"""The guard every query passes before it runs: size, nesting, SERVICE, updates, the query
form, and syntax errors in words.

The embedded store is pyoxigraph, which would send ``SERVICE`` requests anywhere and cannot
be told not to, and whose optimiser and evaluation slow down on deeply nested groups long
before they are deep. So queries are checked before they run: ``SERVICE`` is refused unless
the caller allows it, and size and nesting are capped (:func:`check`; the endpoint applies
the same checks with its own status codes). The checks read the query with a small lexer
that mirrors Oxigraph's (see :func:`_code`), and err on the side of refusing: a query they
wrongly refuse costs a rewrite, one they wrongly let through makes the server fetch a URL of
the client's choosing.

The size cap is also what bounds the stack a query may need: :mod:`treatykg.sparql.execute`
runs each query on a thread sized for its length, and the largest query :data:`MAX_QUERY_BYTES`
admits fits the largest such stack.

When pyoxigraph does refuse a query, :func:`syntax_message` says where and why in words,
reading the same lexer's tokens, instead of its list of every token it would have taken.
"""

from __future__ import annotations

import functools
import re

from treatykg.errors import UsageError

#: Queries larger than this are refused before parsing (a bundled query is ~2 KB).
MAX_QUERY_BYTES = 64 * 1024
#: Deeper nesting of { }, ( ) and [ ] is refused before parsing. Not for the stack (a level of
#: brackets costs at most 12 KB of it, and no more per byte than the chains that
#: :data:`treatykg.sparql.execute.STACK_PER_BYTE` measures): nested groups, paths and blank
#: nodes make pyoxigraph's optimiser and evaluation slow long before they are deep, and no
#: real query nests 100 deep.
MAX_NESTING = 100

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


def check(text: str, *, allow_service: bool = False) -> None:
    """Refuse queries that would hurt: too big, too deeply nested, or federated."""
    if byte_size(text) > MAX_QUERY_BYTES:
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


def byte_size(text: str) -> int:
    """The query's length in bytes of UTF-8, as the size cap and the stack sizing count it
    (lone surrogates, which a form or a JSON string may carry, count as three bytes)."""
    return len(text.encode("utf-8", "surrogatepass"))


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


# --- syntax errors in words -------------------------------------------------------------


def syntax_message(error: SyntaxError, text: str | None = None) -> str:
    """pyoxigraph's syntax error as "SPARQL syntax error at line L, column C: …".

    Given the query ``text``, the cause is in words (:func:`explain`); without it, it is
    pyoxigraph's list of what it expected, which the endpoint cuts to one short line.
    """
    if text is None:
        message = str(error)
        where = re.match(r"error at (\d+):(\d+): (.*)", message, re.DOTALL)
        if where:
            line, column, detail = where.groups()
            message = f"line {line}, column {column}: {detail}"
        return f"SPARQL syntax error at {message}"
    line, column, cause = explain(error, text)
    cause = cause.removeprefix("syntax error ")  # "near '…'": said once is enough
    if line is None:
        return f"SPARQL syntax error: {cause}"
    return f"SPARQL syntax error at line {line}, column {column}: {cause}"


def explain(error: SyntaxError, text: str) -> tuple[int | None, int | None, str]:
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
    return _skip(text, start), end


def _skip(text: str, start: int) -> int:
    """Where the blanks and comments from ``start`` end (``start`` itself if there are none)."""
    blanks = _SKIP.match(text, start)
    return blanks.end() if blanks else start


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
