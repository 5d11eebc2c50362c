"""``treatykg load``: load a build into a triplestore, atomically.

The store client is imported inside the functions that use it, not at the top, so that
``treatykg --help`` does not import the HTTP and RDF machinery it needs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import PROG, positive_int
from treatykg.cli.options import add_remote_options

if TYPE_CHECKING:
    from treatykg.cli.common import Subcommands
    from treatykg.sparql.remote import Progress

NAME = "load"
HELP = "load a build into a triplestore, atomically"

EXIT_CODES = """\
exit codes:
  0    every graph replaced, and the store holds as many triples as were sent
  1    replaced, but the store reports a different triple count
  2    usage or input error: malformed dump (nothing sent), store unreachable, refusing,
       timing out or lost mid-load; one line on stderr. Before the swap, the staging
       graphs are dropped and the target graphs stay as they were
  130  interrupted (Ctrl-C): the same, staging graphs dropped, targets unchanged
"""


def add_parser(commands: Subcommands) -> None:
    """Add ``load`` and its options to the ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Replace graphs in a triplestore with a build's dump, atomically and in bounded "
            "memory. The dump is parsed once to check it (nothing is sent if it is malformed), "
            "then streamed in chunks of --chunk-size triples with Graph Store Protocol POSTs "
            "into a staging graph per target graph (urn:treatykg:staging:<UUIDv5 of the "
            "target IRI>, dropped first), and one SPARQL Update then moves every staging graph "
            "onto its target (MOVE GRAPH … TO GRAPH …): a store that runs an update as one "
            "transaction, like Oxigraph, switches all the graphs at once. A failure before "
            "that drops the staging graphs and leaves the targets as they were. The default "
            "graph goes to --graph; named graphs keep their names. Afterwards the triple "
            "count of each graph is read back and compared."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--endpoint",
        required=True,
        metavar="URL",
        help="Graph Store endpoint, e.g. http://127.0.0.1:7878/store",
    )
    parser.add_argument(
        "--update-endpoint",
        "--update-url",
        dest="update_endpoint",
        metavar="URL",
        help="SPARQL Update endpoint for the swap (default: the store URL with /store "
        "replaced by /update, as on Oxigraph; required for other URLs)",
    )
    parser.add_argument(
        "--query-endpoint",
        metavar="URL",
        help="SPARQL endpoint for the count check (default: the store URL with /store "
        "replaced by /query)",
    )
    parser.add_argument(
        "--graph",
        default="https://w3id.org/treatykg/graph/release",
        metavar="IRI",
        help="graph that receives the default graph (default: %(default)s)",
    )
    parser.add_argument("--build", default="dist", metavar="DIR", help="build to push (dist)")
    parser.add_argument(
        "--chunk-size",
        type=positive_int,
        default=50_000,
        metavar="TRIPLES",
        help="triples per Graph Store request, which bounds the memory used (default 50000)",
    )
    add_remote_options(parser, timeout=120.0)
    parser.add_argument(
        "--graph-param",
        default="graph",
        metavar="NAME",
        help="query parameter naming the graph: graph (the standard; default) or graph-uri "
        "(Virtuoso)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="do not print progress on stderr"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Push the build, then print each graph's sent and stored counts on stdout."""
    from treatykg.sparql import remote

    store_url = args.endpoint.rstrip("/")
    query_url = args.query_endpoint
    if query_url is None and store_url.endswith("/store"):
        query_url = store_url[: -len("store")] + "query"
    try:
        loaded = remote.push(
            store_url,
            Path(args.build),
            graph=args.graph,
            query_url=query_url,
            update_url=args.update_endpoint,
            chunk_size=args.chunk_size,
            timeout=args.timeout,
            user=args.user,
            auth=args.auth,
            graph_param=args.graph_param,
            progress=None if args.quiet else _progress_printer(args.chunk_size, err),
        )
    except remote.LoadInterrupted as stop:
        print(f"{PROG}: interrupted: {stop}", file=err)
        return 130
    mismatch = False
    for item in loaded:
        check = "not checked" if item.stored is None else f"{item.stored:,} in the store"
        ok = item.stored is None or item.stored == item.sent
        mismatch |= not ok
        print(
            f"<{item.graph}>: {item.sent:,} triples sent, {check}{'' if ok else ' (MISMATCH)'}",
            file=out,
        )
    return 1 if mismatch else 0


def _progress_printer(chunk_size: int, err: TextIO) -> Callable[[Progress], None]:
    """Progress lines on stderr: the check, the staging (at most one line a second, and the
    last), the swap."""
    last_shown = float("-inf")

    def progress(event: Progress) -> None:
        nonlocal last_shown
        graphs = f"{event.graphs:,} graph{'' if event.graphs == 1 else 's'}"
        if event.stage == "checked":
            print(
                f"{PROG}: {event.total:,} triples in {graphs}, well-formed; staging them in "
                f"chunks of {chunk_size:,}",
                file=err,
                flush=True,
            )
        elif event.stage == "sent":
            now = time.monotonic()
            if event.sent == event.total or now - last_shown >= 1.0:
                last_shown = now
                share = 100 * event.sent // max(event.total, 1)
                print(
                    f"{PROG}: {event.sent:,} of {event.total:,} triples staged ({share}%)",
                    file=err,
                    flush=True,
                )
        elif event.stage == "swapping":
            print(
                f"{PROG}: swapping {graphs} in with one update (the store copies "
                f"{event.total:,} triples)…",
                file=err,
                flush=True,
            )
        elif event.stage == "swapped":
            print(f"{PROG}: {graphs} swapped in", file=err, flush=True)

    return progress
