"""Print SPARQL results: a table that fits the terminal, or the standard result formats.

CSV, TSV and JSON are written by pyoxigraph's SPARQL results serializers and graphs by its
RDF serializers, so the output is exactly what other SPARQL tools read; which serializer a
``--format`` name means is read from the one format table, :mod:`treatykg.rdf.formats`.
Only the table is ours: a view for people, with IRIs shortened to prefixed names.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any, TextIO, cast

import pyoxigraph as ox

from treatykg.errors import UsageError
from treatykg.namespaces import qname
from treatykg.rdf.formats import by_key
from treatykg.rdf.jsonld_types import types_as_keyword
from treatykg.rdf.serialize import OUTPUT_PREFIXES

_MIN_COLUMN = 8


def _results(key: str) -> ox.QueryResultsFormat:
    """pyoxigraph's serializer for the SPARQL results format ``key`` of the format table."""
    return getattr(ox.QueryResultsFormat, str(by_key(key).results))


def _graph(key: str) -> ox.RdfFormat:
    """pyoxigraph's serializer for the RDF format ``key`` of the format table."""
    return getattr(ox.RdfFormat, str(by_key(key).parser))


#: What each ``--format`` name writes for SELECT and ASK results (``table`` is ours).
_RESULT_FORMATS = {"csv": _results("csv"), "tsv": _results("tsv"), "json": _results("sparql-json")}
#: What each ``--format`` name writes for a CONSTRUCT or DESCRIBE graph.
_GRAPH_FORMATS = {
    "table": _graph("turtle"),
    "turtle": _graph("turtle"),
    "ntriples": _graph("ntriples"),
    "json": _graph("jsonld"),
}


def write(result: Any, fmt: str, out: TextIO, *, width: int | None = None) -> int:
    """Write a query result in ``fmt``; return the number of rows (or triples)."""
    if isinstance(result, ox.QueryBoolean):
        if fmt == "json":
            out.write(_serialized(result, _RESULT_FORMATS["json"]).decode("utf-8") + "\n")
        else:
            out.write(("true" if bool(result) else "false") + "\n")
        return 1
    if isinstance(result, ox.QueryTriples):
        return _write_graph(list(result), fmt, out)
    names = [variable.value for variable in result.variables]
    if fmt in _RESULT_FORMATS:
        text = _serialized(result, _RESULT_FORMATS[fmt]).decode("utf-8")
        out.write(text if text.endswith("\n") else text + "\n")
        if fmt == "json":
            return len(json.loads(text)["results"]["bindings"])
        return max(len(text.splitlines()) - 1, 0)
    if fmt != "table":
        raise UsageError("a SELECT query gives rows: use --format table, csv, tsv or json")
    rows = [[_cell(row[name]) for name in names] for row in result]
    out.write(table(names, rows, width))
    return len(rows)


def table(header: list[str], rows: list[list[str]], width: int | None) -> str:
    """Rows for people: a table of whole values, never cut.

    ``width`` is the terminal's; None when the output is not a terminal (a file, a pipe),
    where lines may be as long as the values. When the table does not fit the terminal, each
    row becomes a record of ``column | value`` lines, as psql's expanded display does, long
    values wrapped: a date or a number is never cut, and two values never look the same.
    """
    if not header:
        return ""
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(header)]
    count = f"({len(rows)} row{'' if len(rows) == 1 else 's'})"
    if width is not None and sum(widths) + 2 * (len(header) - 1) > width:
        return _records(header, rows, width) + count + "\n"

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    ruler = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), ruler, *(line(row) for row in rows), count]) + "\n"


def _records(header: list[str], rows: list[list[str]], width: int) -> str:
    """Each row as a record: ``-[ RECORD n ]`` and one ``column | value`` line per column,
    values wrapped at the terminal's width (at spaces where they have some)."""
    name_width = max(len(name) for name in header)
    room = max(width - name_width - 3, _MIN_COLUMN)
    lines = []
    for number, row in enumerate(rows, 1):
        lines.append(f"-[ RECORD {number} ]".ljust(min(width, name_width + 3 + room), "-"))
        for name, cell in zip(header, row, strict=True):
            pieces = textwrap.wrap(cell, room, break_long_words=True, break_on_hyphens=False)
            for i, piece in enumerate(pieces or [""]):
                label = name if i == 0 else ""
                lines.append(f"{label.ljust(name_width)} | {piece}".rstrip())
    return "\n".join(lines) + "\n"


def _cell(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return qname(term.value, OUTPUT_PREFIXES)
    if isinstance(term, ox.Literal):
        text = " ".join(term.value.split())
        return f"{text} @{term.language}" if term.language else text
    return str(term)


def _write_graph(triples: list[Any], fmt: str, out: TextIO) -> int:
    if fmt not in _GRAPH_FORMATS:
        raise UsageError(
            "a CONSTRUCT or DESCRIBE query gives a graph: use --format turtle, "
            "ntriples or json (JSON-LD)"
        )
    triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    rdf_format = _GRAPH_FORMATS[fmt]
    prefixes = OUTPUT_PREFIXES if rdf_format == ox.RdfFormat.TURTLE else None
    data = cast(bytes, ox.serialize(triples, format=rdf_format, prefixes=prefixes))
    if rdf_format == ox.RdfFormat.JSON_LD:
        data = types_as_keyword(data)
    text = data.decode("utf-8")
    out.write(text if text.endswith("\n") or not text else text + "\n")
    return len(triples)


def write_remote(result: Any, fmt: str, out: TextIO, *, width: int | None = None) -> int:
    """Write a :class:`treatykg.sparql.remote.RemoteResult` like :func:`write` writes local ones."""
    if result.kind == "graph":
        triples = list(ox.parse(result.ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
        return _write_graph(triples, fmt, out)
    if result.kind == "ask" and fmt != "json":
        out.write(("true" if result.boolean else "false") + "\n")
        return 1
    if fmt in _RESULT_FORMATS:
        text = result.raw.decode("utf-8")
        out.write(text if text.endswith("\n") else text + "\n")
        return len(result.bindings) if fmt == "json" else max(len(text.splitlines()) - 1, 0)
    if fmt != "table":
        raise UsageError("a SELECT query gives rows: use --format table, csv, tsv or json")
    names = list(result.variables)
    rows = [[_binding_cell(row.get(name)) for name in names] for row in result.bindings]
    out.write(table(names, rows, width))
    return len(rows)


def _binding_cell(value: dict[str, str] | None) -> str:
    if value is None:
        return ""
    if value.get("type") == "uri":
        return qname(value["value"], OUTPUT_PREFIXES)
    text = " ".join(value.get("value", "").split())
    language = value.get("xml:lang")
    return f"{text} @{language}" if language else text


def _serialized(result: ox.QuerySolutions | ox.QueryBoolean, fmt: ox.QueryResultsFormat) -> bytes:
    """The results in ``fmt``: the bytes pyoxigraph returns when given no output to write to
    (its stubs say ``bytes | None`` for both ways of calling it)."""
    return cast(bytes, result.serialize(format=fmt))
