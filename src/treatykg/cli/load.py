"""``treatykg load``: load a build into a triplestore, atomically (``--swap atomic``, the
default) or in bounded store memory (``--swap chunked``); see :mod:`treatykg.sparql.remote`.
``--update PATCH`` applies a changeset instead, checked and atomically; see
:mod:`treatykg.changes.apply`.

The store client is imported inside the functions that use it, not at the top, so that
``treatykg --help`` does not import the HTTP and RDF machinery it needs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import PROG, HelpFormatter, positive_int
from treatykg.cli.options import add_remote_options

if TYPE_CHECKING:
    from treatykg.cli.common import Subcommands
    from treatykg.sparql.remote import Progress

NAME = "load"
#: remote.OXIGRAPH_ATOMIC_LIMIT, repeated so that ``--help`` does not import the store client
#: (tests/cli/test_load_swap.py checks that they agree).
OXIGRAPH_ATOMIC_LIMIT = 1_000_000
HELP = "load a build into a triplestore, or apply a changeset to it"

EXIT_CODES = """\
exit codes:
  0    every graph replaced, and the store holds as many triples as were sent
  1    replaced, but the store reports a different triple count
  2    usage or input error: malformed dump or a dump over --atomic-limit
       (nothing sent), store unreachable, refusing, timing out or lost
       mid-load; one line on stderr, which says what the store holds. Before
       the swap, the staging graphs are emptied and the target graphs stay as
       they were; during a chunked swap, the targets are incomplete until the
       same load is run again, which finishes it
  130  interrupted (Ctrl-C): the same

with --update:
  0    the changeset applied, and the graph holds the new release's triple
       count
  1    not applied, nothing changed: the graph does not hold the old release's
       count, lacks a statement the changeset deletes, already holds one it
       adds (or its whole result: applied before?), or the update's own check
       refused it; or applied, but the graph does not hold the new release's
       count
  2    usage or input error: a malformed patch, or one without H
       fromTriples/toTriples, a build without its changeset; or the store
       unreachable, refusing or timing out: the update was not sent or was
       refused (nothing changed), or, if lost once sent, the store applied all
       of it or none (running the same command again says which)
  130  interrupted (Ctrl-C): the same
"""


def add_parser(commands: Subcommands) -> None:
    """Add ``load`` and its options to the ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Replace graphs in a triplestore with a build's dump, in bounded memory. The dump "
            "is parsed once to check it (nothing is sent if it is malformed), then streamed "
            "in chunks of --chunk-size triples with Graph Store Protocol POSTs into a staging "
            "graph per target graph (urn:treatykg:staging:<UUIDv5 of the target IRI>, emptied "
            "first). Then, with --swap atomic (the default), one SPARQL Update moves every "
            "staging graph onto its target (MOVE GRAPH … TO GRAPH …): a store that runs an "
            "update as one transaction switches all the graphs at once. Oxigraph's server "
            "holds that transaction in memory, so there a dump over --atomic-limit triples is "
            "refused before anything is sent. With --swap chunked, no request changes more "
            "than --chunk-size triples, so the store's memory stays bounded too, but the swap "
            "is not atomic: each target's old triples are deleted and the staged ones moved "
            "in, chunk by chunk, and readers see the target incomplete meanwhile; a journal "
            "graph (urn:treatykg:journal:<UUIDv5>) says so, and running the same load again "
            "after a failure finishes the swap. A failure before the swap empties the staging "
            "graphs and leaves the targets as they were. The default graph goes to --graph; "
            "named graphs keep their names. Afterwards the triple count of each graph is read "
            "back and compared. With --update PATCH, a changeset (`treatykg diff --rdf-patch`, "
            "or a build's own changes-<version>.rdfp) is applied to the graphs a load of the "
            "old release filled, instead of reloading: refused unless they hold the old "
            "release's triple count (H fromTriples), then one SPARQL Update makes every change, "
            "each conditioned in the store's transaction on every statement to delete being "
            "there and none to add (the statements are staged first in scratch graphs, "
            "urn:treatykg:patch:<UUID>:…, that the update drops), so that it is applied whole "
            "or not at all; afterwards the graph must hold the new release's count (H "
            "toTriples)."
        ),
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
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
        "--update",
        metavar="PATCH",
        help="apply a changeset instead of loading: an RDF Patch file (.rdfp), or a build "
        "directory, whose changes-<its version>.rdfp is the changeset to it from the release "
        "before (and whose treatykg.nq names the named graphs to count); needs the query "
        "endpoint",
    )
    parser.add_argument(
        "--chunk-size",
        type=positive_int,
        default=50_000,
        metavar="TRIPLES",
        help="triples per Graph Store request, which bounds the memory used (default 50000)",
    )
    parser.add_argument(
        "--swap",
        choices=("atomic", "chunked"),
        default="atomic",
        help="atomic (default): one update swaps every graph in, all or nothing; chunked: "
        "bounded memory in the store, not atomic (readers see a target incomplete while it "
        "is replaced; a journal in the store says so; the same load run again after a "
        "failure finishes it); needs the query endpoint",
    )
    parser.add_argument(
        "--atomic-limit",
        type=positive_int,
        metavar="TRIPLES",
        help="refuse an atomic swap of more triples, before sending anything (default: "
        f"{OXIGRAPH_ATOMIC_LIMIT:,} on Oxigraph's server, which holds the swap in memory, "
        "about 3.5 GB per million triples; no limit elsewhere)",
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
    if args.update is not None:
        return _run_update(args, store_url, query_url, out, err)
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
            swap=args.swap,
            atomic_limit=args.atomic_limit,
            progress=None if args.quiet else _progress_printer(args.chunk_size, args.swap, err),
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


def _run_update(
    args: argparse.Namespace, store_url: str, query_url: str | None, out: TextIO, err: TextIO
) -> int:
    """Apply the changeset ``--update`` names; print the graph's counts before and after."""
    from treatykg.changes import apply, patch
    from treatykg.errors import UsageError
    from treatykg.sparql import remote

    if query_url is None:
        raise UsageError(
            f"{store_url}: --update needs --query-endpoint too: the graph is counted before "
            "and after the changeset"
        )
    update_url = args.update_endpoint or remote.default_update_url(store_url)
    if update_url is None:
        raise UsageError(
            f"{store_url}: give --update-endpoint too: the changeset is applied with a SPARQL "
            "Update (only Oxigraph's, /update beside /store, is guessed)"
        )
    path, graphs = apply.locate(Path(args.update))
    changeset = patch.read(path)

    def say(text: str) -> None:
        print(f"{PROG}: {text}", file=err, flush=True)

    try:
        applied = apply.apply_remote(
            store_url,
            changeset,
            graph=args.graph,
            update_url=update_url,
            query_url=query_url,
            graphs=graphs,
            timeout=args.timeout,
            user=args.user,
            auth=args.auth,
            graph_param=args.graph_param,
            progress=None if args.quiet else say,
            shown=str(path),
        )
    except apply.ApplyInterrupted as stop:
        print(f"{PROG}: interrupted: {stop}", file=err)
        return 130
    named = len(applied.graphs)
    also = f" and {named:,} named graph{'' if named == 1 else 's'}" if named else ""
    print(
        f"<{applied.graph}>{also}: {applied.before:,} → {applied.after:,} triples, release "
        f"{applied.old_version or '(unversioned)'} → {applied.new_version or '(unversioned)'} "
        f"({applied.removed:,} statements deleted, {applied.added:,} added)",
        file=out,
    )
    return 0


def _progress_printer(chunk_size: int, swap: str, err: TextIO) -> Callable[[Progress], None]:
    """Progress lines on stderr: the check, the staging, the swap; the lines that repeat
    (staged, deleted, moved) at most once a second, and always the last of each."""
    last_shown = float("-inf")

    def say(text: str) -> None:
        print(f"{PROG}: {text}", file=err, flush=True)

    def often(event: Progress, text: str) -> None:
        nonlocal last_shown
        now = time.monotonic()
        if event.sent == event.total or now - last_shown >= 1.0:
            last_shown = now
            say(f"{text} ({100 * event.sent // max(event.total, 1)}%)")

    def progress(event: Progress) -> None:
        graphs = f"{event.graphs:,} graph{'' if event.graphs == 1 else 's'}"
        if event.stage == "checked":
            say(
                f"{event.total:,} triples in {graphs}, well-formed; staging them in chunks of "
                f"{chunk_size:,}"
            )
        elif event.stage == "sent":
            often(event, f"{event.sent:,} of {event.total:,} triples staged")
        elif event.stage == "resuming":
            say(
                f"{event.total:,} triples in {graphs}, well-formed: the same dump as the "
                f"chunked load that stopped midway; finishing its swap ({event.sent:,} "
                "triples still staged)"
            )
        elif event.stage == "swapping" and swap == "chunked":
            say(
                f"swapping {graphs} in chunk by chunk ({event.total:,} triples): until it is "
                "done, readers see each target incomplete as it is replaced"
            )
        elif event.stage == "swapping":
            say(f"swapping {graphs} in with one update (the store copies {event.total:,} triples)…")
        elif event.stage == "cleared":
            often(event, f"<{event.graph}>: {event.sent:,} of {event.total:,} old triples deleted")
        elif event.stage == "moved":
            often(event, f"{event.sent:,} of {event.total:,} triples moved in")
        elif event.stage == "swapped":
            say(f"{graphs} swapped in")

    return progress
