"""Print SPARQL results: a table that fits the terminal, or the standard result formats.

CSV, TSV and JSON are written by pyoxigraph's SPARQL results serializers and graphs by its
RDF serializers, so the output is exactly what other SPARQL tools read. Only the table is
ours: a view for people, with IRIs shortened to prefixed names.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from treatykg.errors import UsageError
from treatykg.namespaces import qname

TABLE_FORMATS = ("table", "csv", "tsv", "json", "turtle", "ntriples")
_MIN_COLUMN = 8


def write(result: Any, fmt: str, out: TextIO, *, width: int | None = None) -> int:
    """Write a query result in ``fmt``; return the number of rows (or triples)."""
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        if fmt == "json":
            out.write(result.serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8") + "\n")
        else:
            out.write(("true" if bool(result) else "false") + "\n")
        return 1
    if isinstance(result, ox.QueryTriples):
        return _write_graph(list(result), fmt, out)
    names = [variable.value for variable in result.variables]
    if fmt in ("csv", "tsv", "json"):
        formats = {
            "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV,
            "json": ox.QueryResultsFormat.JSON,
        }
        text = result.serialize(format=formats[fmt]).decode("utf-8")
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
    import textwrap

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
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        from treatykg.serialize import OUTPUT_PREFIXES

        return qname(term.value, OUTPUT_PREFIXES)
    if isinstance(term, ox.Literal):
        text = " ".join(term.value.split())
        return f"{text} @{term.language}" if term.language else text
    return str(term)


def _write_graph(triples: list[Any], fmt: str, out: TextIO) -> int:
    import pyoxigraph as ox

    from treatykg.serialize import OUTPUT_PREFIXES

    formats = {
        "table": ox.RdfFormat.TURTLE,
        "turtle": ox.RdfFormat.TURTLE,
        "ntriples": ox.RdfFormat.N_TRIPLES,
        "json": ox.RdfFormat.JSON_LD,
    }
    if fmt not in formats:
        raise UsageError(
            "a CONSTRUCT or DESCRIBE query gives a graph: use --format turtle, "
            "ntriples or json (JSON-LD)"
        )
    triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    prefixes = OUTPUT_PREFIXES if formats[fmt] == ox.RdfFormat.TURTLE else None
    data = ox.serialize(triples, format=formats[fmt], prefixes=prefixes)
    out.write(data.decode("utf-8"))
    return len(triples)


def write_remote(result: Any, fmt: str, out: TextIO, *, width: int | None = None) -> int:
    """Write a :class:`treatykg.remote.RemoteResult` like :func:`write` writes local ones."""
    import pyoxigraph as ox

    if result.kind == "graph":
        triples = list(ox.parse(result.ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
        return _write_graph(triples, fmt, out)
    if result.kind == "ask" and fmt != "json":
        out.write(("true" if result.boolean else "false") + "\n")
        return 1
    if fmt in ("csv", "tsv", "json"):
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
        from treatykg.serialize import OUTPUT_PREFIXES

        return qname(value["value"], OUTPUT_PREFIXES)
    text = " ".join(value.get("value", "").split())
    language = value.get("xml:lang")
    return f"{text} @{language}" if language else text
