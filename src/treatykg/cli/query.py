"""``treatykg query``: run a bundled SPARQL query, or your own .rq file.

The SPARQL modules are imported inside the functions that use them, not at the top, so that
``treatykg --help`` does not import rdflib or pyoxigraph.
"""

from __future__ import annotations

import argparse
import shutil
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import PROG, HelpFormatter
from treatykg.cli.options import add_remote_options
from treatykg.errors import TreatykgError, UsageError

if TYPE_CHECKING:
    from treatykg.cli.common import Subcommands
    from treatykg.sparql.catalogue import Parameter, Query
    from treatykg.sparql.remote import Endpoint

NAME = "query"
HELP = "run a bundled SPARQL query, or your own .rq file"

EXIT_CODES = """\
exit codes:
  0  the query ran
  2  usage or input error: unknown query (close matches are listed), SPARQL
     syntax error (line and column), unknown parameter, a required parameter
     not given, a parameter that takes an IRI given something else, refused
     SERVICE
"""


def add_parser(commands: Subcommands) -> None:
    """Add ``query`` and its options to the ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Run one of the bundled competency questions by name, or any .rq file, on an "
            "in-memory store holding the bundled ontology and data (or a build's dump). "
            "SERVICE is refused unless --allow-service is given: it makes the store fetch "
            "from the network."
        ),
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("name", nargs="?", metavar="NAME|FILE", help="query name or .rq file")
    parser.add_argument(
        "--list", action="store_true", help="list the bundled queries and their parameters"
    )
    parser.add_argument(
        "--format",
        choices=("table", "csv", "tsv", "json", "turtle", "ntriples"),
        default="table",
        help="table (default; a graph prints as Turtle), csv, tsv, json (SPARQL JSON "
        "results, or JSON-LD for a graph), turtle or ntriples (for CONSTRUCT/DESCRIBE)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter the query's header declares (repeatable; --list shows them); "
        "one declared as an IRI takes a full IRI or the part after https://w3id.org/treatykg/, "
        "e.g. treaty=eli/treaty/2024/csp; a treaty left out means every treaty",
    )
    parser.add_argument(
        "--build", metavar="DIR", help="query a build's dump instead of the bundled sources"
    )
    parser.add_argument(
        "--allow-service", action="store_true", help="let SERVICE reach the network"
    )
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help="run on this SPARQL 1.1 endpoint (e.g. http://127.0.0.1:7878/query) instead",
    )
    parser.add_argument(
        "--default-graph",
        metavar="IRI",
        help="with --endpoint: query this graph as the default graph (default-graph-uri), "
        "e.g. the release graph treatykg load fills, https://w3id.org/treatykg/graph/release",
    )
    add_remote_options(parser, timeout=60.0)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """List the bundled queries, or run one with its parameters bound, locally or on
    ``--endpoint``, and count the results on stderr."""
    from treatykg.sparql import catalogue, execute, guard, results

    if args.list:
        out.write(listing(catalogue.bundled()))
        return 0
    if not args.name:
        raise UsageError("name a query or a .rq file, or use --list")
    chosen = catalogue.find(args.name)
    values = {}
    for pair in args.param:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param takes NAME=VALUE, got {pair!r}")
        values[name.strip()] = value
    text = catalogue.bind(chosen, values)
    catalogue.require(chosen, values)
    started = time.perf_counter()
    # The table fits a terminal; to a file or a pipe, whole values on lines of any length.
    width = shutil.get_terminal_size((100, 24)).columns if out.isatty() else None
    if args.endpoint:
        from treatykg.sparql import remote

        endpoint = remote.Endpoint(
            args.endpoint, args.timeout, args.user, args.auth, args.default_graph
        )
        answer = remote.run(endpoint, text, form=guard.form(text), result_format=args.format)
        rows = results.write_remote(answer, args.format, out, width=width)
        if rows == 0 and answer.kind == "select" and not args.default_graph:
            _explain_no_rows(endpoint, err)
    else:
        guard.check(text, allow_service=args.allow_service)
        store = execute.embedded_store(Path(args.build) if args.build else None)
        rows = execute.run(
            text,
            store,
            source=str(chosen.path or chosen.name),
            then=lambda result: results.write(result, args.format, out, width=width),
        )
    seconds = time.perf_counter() - started
    print(f"{rows:,} result{'' if rows == 1 else 's'} in {seconds:.2f} s", file=err)
    return 0


#: The width of ``--list``: a terminal's usual one, and the same in a file or a pipe.
LIST_WIDTH = 80


def listing(queries: Sequence[Query]) -> str:
    """``treatykg query --list``: each query's name and title, its question, and how to give
    each of its parameters, with what it does without one; lines of at most
    :data:`LIST_WIDTH` columns (an IRI longer than that stays whole), blank lines between
    queries, the same whether printed to a terminal or a file."""
    blocks = []
    for item in queries:
        lines = textwrap.wrap(f"{item.name}: {item.title}", LIST_WIDTH, subsequent_indent="    ")
        lines += textwrap.wrap(
            item.question, LIST_WIDTH, initial_indent="    ", subsequent_indent="    "
        )
        usages = [
            (f"--param {p.name}={'IRI' if p.takes_iri else 'TEXT'}", p) for p in item.declared
        ]
        column = max((len(usage) for usage, _p in usages), default=0)
        for usage, parameter in usages:
            lines += textwrap.wrap(
                f"{usage.ljust(column)}  {_without(parameter)}",
                LIST_WIDTH,
                initial_indent="    ",
                subsequent_indent=" " * (6 + column),
                break_long_words=False,
                break_on_hyphens=False,
            )
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _without(parameter: Parameter) -> str:
    """What a query does about ``parameter`` when it is not given, in the list's words; an IRI
    of ours as ``--param`` takes it, relative to https://w3id.org/treatykg/."""
    from treatykg.namespaces import BASE

    if parameter.required:
        return "required"
    if parameter.absent is not None:
        return f"optional: {parameter.absent}"
    default = parameter.default or ""
    if default.startswith(f"<{BASE}") and default.endswith(">"):
        default = default[len(BASE) + 1 : -1]
    return f"default {default}"


def _explain_no_rows(endpoint: Endpoint, err: TextIO) -> None:
    """Say why a store answers nothing when it holds the release in a named graph."""
    from treatykg.sparql import remote

    try:
        held = remote.holds_release(endpoint)
    except TreatykgError:  # the store cannot say (no GRAPH support, refused): stay silent
        return
    if held:
        print(
            f"{PROG}: note: no rows, but the store holds the release in the named graph "
            f"<{remote.DEFAULT_GRAPH}>, which its default graph does not include: add "
            f"--default-graph {remote.DEFAULT_GRAPH}, or serve a union default graph "
            "(oxigraph serve --union-default-graph)",
            file=err,
        )
