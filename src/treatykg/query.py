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
be told not to, and which crashes on absurdly nested queries. So queries are checked before
they run: ``SERVICE`` is refused unless the caller allows it, and size and nesting are capped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from treatykg import resources
from treatykg.errors import InputError, UsageError

#: Queries larger than this are refused before parsing (a bundled query is ~2 KB).
MAX_QUERY_BYTES = 64 * 1024
#: Deeper nesting of { } and ( ) is refused before parsing (pyoxigraph overflows its stack
#: at a few thousand levels and takes the process down with it).
MAX_NESTING = 100

_HEADER = re.compile(r"^#\s*(title|question|columns|parameters):\s*(.*)$")
# The keyword, not a ?service variable nor a prefixed name such as ex:service.
_SERVICE = re.compile(r"(?<![?$\w:])SERVICE\b", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


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
        return tuple(re.findall(r"(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(", self.parameters))


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

    A value that looks like an absolute IRI becomes an IRI, anything else a plain literal;
    both are written by pyoxigraph, which escapes them.
    """
    import pyoxigraph as ox

    text = query.text
    for name, value in values.items():
        if name not in query.parameter_names:
            known = ", ".join(query.parameter_names) or "none"
            raise UsageError(f"query {query.name!r} has no parameter {name!r} (it has: {known})")
        pattern = re.compile(r"(VALUES\s+\?" + re.escape(name) + r"\s*\{)[^}]*(\})")
        if not pattern.search(text):
            raise UsageError(f"query {query.name!r} declares {name!r} but has no VALUES for it")
        if re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", value, re.IGNORECASE):
            try:
                term = str(ox.NamedNode(value))
            except ValueError as error:
                raise UsageError(f"--param {name}: not a valid IRI: {error}") from None
        else:
            term = str(ox.Literal(value))
        text = pattern.sub(lambda match, term=term: f"{match[1]} {term} {match[2]}", text, 1)
    return text


def check(text: str, *, allow_service: bool = False) -> None:
    """Refuse queries that would hurt: too big, too deeply nested, or federated."""
    if len(text.encode("utf-8")) > MAX_QUERY_BYTES:
        raise UsageError(f"the query is larger than {MAX_QUERY_BYTES // 1024} KiB")
    depth = deepest = 0
    for char in _code(text):
        if char in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})":
            depth -= 1
    if deepest > MAX_NESTING:
        raise UsageError(f"the query nests {{ }} or ( ) {deepest} deep; the limit is {MAX_NESTING}")
    if not allow_service and _SERVICE.search(_code(text)):
        raise UsageError(
            "the query uses SERVICE, which makes the store fetch from the network; "
            "pass --allow-service to run it anyway"
        )


def form(text: str) -> str:
    """The query form: "select", "ask", "construct" or "describe" (the first one named)."""
    match = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", _code(text), re.IGNORECASE)
    if match is None:
        raise UsageError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    return match.group(1).lower()


def _code(text: str) -> str:
    """The query as the parser sees it (\\u escapes decoded first, as SPARQL does), without
    comments and string literals, for the checks above."""
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    text = re.sub(r"'''.*?'''|\"\"\".*?\"\"\"", '""', text, flags=re.DOTALL)
    text = re.sub(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'", '""', text)
    text = re.sub(r"<[^<>\s]*>", "<>", text)  # IRIs may contain #, { or (
    return re.sub(r"#[^\n]*", "", text)


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
            raise InputError(str(path), str(error)) from None
    return store


def run(text: str, store):  # -> QuerySolutions | QueryBoolean | QueryTriples
    """Run a checked query on ``store``; a syntax error names its line and column."""
    # Read the union of all graphs only when there are named graphs: the union view costs
    # ~30% on every query over a store that holds only the default graph.
    union = next(iter(store.named_graphs()), None) is not None
    try:
        return store.query(text, use_default_graph_as_union=union)
    except SyntaxError as error:
        message = str(error)
        where = re.match(r"error at (\d+):(\d+): (.*)", message, re.DOTALL)
        if where:
            line, column, detail = where.groups()
            message = f"line {line}, column {column}: {detail}"
        raise UsageError(f"SPARQL syntax error at {message}") from None
