"""``treatykg serve``: serve a build as linked data, with a read-only SPARQL endpoint.

The building and serving modules are imported inside :func:`run`, not at the top, so that
``treatykg --help`` does not import rdflib, pyoxigraph, starlette or uvicorn.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import (
    PROG,
    HelpFormatter,
    positive_float,
    positive_int,
    print_error,
    warn_without_graphviz,
)
from treatykg.errors import UsageError

if TYPE_CHECKING:
    from treatykg.cli.common import Subcommands

NAME = "serve"
HELP = "serve a build as linked data, with a read-only SPARQL endpoint"

EXIT_CODES = """\
exit codes:
  0  stopped by Ctrl-C or SIGTERM
  1  the bundled data does not conform (only when there was no build to serve)
  2  usage or input error: not a build directory, address in use or not
     available
"""


def add_parser(commands: Subcommands) -> None:
    """Add ``serve`` and its options (the endpoint's limits and admission) to the
    ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Serve a build at its IRIs' own paths: every resource IRI answers 303 See Other "
            "to its HTML, Turtle, JSON-LD or N-Triples document, chosen by the Accept header; "
            "/sparql is a read-only SPARQL 1.1 endpoint (no SERVICE, timeout and result cap); "
            "/.well-known/void describes the dataset. Listens on 127.0.0.1 unless told "
            "otherwise. Without --build, serves ./dist if it is a build, else builds the "
            "bundled data into a temporary directory first."
        ),
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--build", metavar="DIR", help="build directory to serve (default: dist)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)"
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=2,
        metavar="N",
        help="query worker processes (default: 2); each loads the dump into memory, or all "
        "share one store on disk (see --store)",
    )
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="keep the SPARQL endpoint's store on disk in DIR, made once per build and opened "
        "read-only by every worker, whatever the build's size (default: a store on disk in "
        "~/.cache/treatykg/stores for a dump over 64 MiB, else a copy in memory per worker)",
    )
    parser.add_argument(
        "--in-memory",
        action="store_true",
        help="have every worker load the dump into memory, however large: queries run about "
        "6 times faster, but memory grows with workers × triples",
    )
    parser.add_argument(
        "--prepare-store",
        action="store_true",
        help="make the build's store on disk (in --store DIR or the default; about 15 s per "
        "million triples, once per build), print where it is, and exit",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=10.0,
        metavar="SECONDS",
        help="stop a SPARQL query after this long and answer 503 (default: 10)",
    )
    parser.add_argument(
        "--max-result-size",
        type=positive_float,
        default=16.0,
        metavar="MIB",
        help="refuse (422) a query result larger than this, in MiB (default: 16)",
    )
    parser.add_argument(
        "--max-request-size",
        type=positive_float,
        default=128.0,
        metavar="KIB",
        help="refuse (413) a request body larger than this, in KiB (default: 128)",
    )
    parser.add_argument(
        "--query-cache",
        type=float,
        default=32.0,
        metavar="MIB",
        help="keep recent query answers, up to this many MiB, and answer repeats from memory "
        "(exact: the data never changes while serving); the bundled queries are answered after "
        "start-up, within the same budget; 0 turns both off (default: 32)",
    )
    parser.add_argument(
        "--per-client",
        type=positive_int,
        default=1,
        metavar="N",
        help="queries one client (one address) may run at once; its others wait (default: 1)",
    )
    parser.add_argument(
        "--long-after",
        type=positive_float,
        default=0.1,
        metavar="SECONDS",
        help="a query running longer is long: long queries may hold every worker but one, and "
        "one that finds them taken yields its worker when another query waits (default: 0.1)",
    )
    parser.add_argument(
        "--penalty",
        type=positive_float,
        default=30.0,
        metavar="SECONDS",
        help="a client whose query ran out of time or yielded may, for this long (doubling "
        "with each repeat, up to 10 minutes), only run one query in a free long-query lane; "
        "otherwise it is answered 429 (default: 30)",
    )
    parser.add_argument(
        "--cors",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="let web pages on other origins read every answer (Access-Control-Allow-Origin: "
        "*, preflights answered, never credentials): the data is public and read-only, as "
        "Wikidata's and DBpedia's endpoints allow (default: --cors)",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help="only let pages on ORIGIN (https://example.org, repeatable) read the answers, "
        "instead of every origin",
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the base URL the server is reached at behind a reverse proxy "
        "(https://example.org/treatykg/): the Service Description and /.well-known/void "
        "then name URL + sparql as the endpoint (default: the address each request came to)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="do not log one line per request"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Serve ``--build``, else ./dist, else a build of the bundled data made for the purpose,
    until Ctrl-C or SIGTERM."""
    from treatykg.publish.build import InvalidDataError, build
    from treatykg.web import serve
    from treatykg.web.cors import CorsPolicy
    from treatykg.web.public_url import configured

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    if args.in_memory and (args.store is not None or args.prepare_store):
        raise UsageError("--in-memory keeps no store on disk: leave out --store/--prepare-store")
    if args.cors_origin and not args.cors:
        raise UsageError("--no-cors lets no origin read: leave out --cors-origin")
    cors = CorsPolicy(args.cors, tuple(_origin(o) for o in args.cors_origin or ()))
    public_url = configured(args.public_url) if args.public_url is not None else None
    if args.prepare_store:
        return _prepare_store(args, out, err)
    if not serve.is_loopback(args.host):
        print(
            f"{PROG}: warning: listening on {args.host}, reachable from other machines; "
            "treatykg serve has no TLS and no authentication (put a reverse proxy in front)",
            file=err,
        )
    warn_without_graphviz(err)
    with tempfile.TemporaryDirectory(prefix="treatykg-serve-") as scratch:
        if args.build is not None:
            folder = Path(args.build)
        elif (Path("dist") / "manifest.json").is_file():
            folder = Path("dist")
        else:
            folder = Path(scratch) / "dist"
            print(f"{PROG}: no build in ./dist; building the bundled data first", file=err)
            try:
                build(folder)
            except InvalidDataError as invalid:
                out.write(invalid.report.to_text())
                print_error(invalid, err)
                return invalid.exit_code
        settings = serve.Settings(
            build=folder,
            host=args.host,
            port=args.port,
            workers=args.workers,
            timeout=args.timeout,
            max_result_bytes=int(args.max_result_size * 1024 * 1024),
            max_body_bytes=int(args.max_request_size * 1024),
            cache_bytes=max(0, int(args.query_cache * 1024 * 1024)),
            per_client=args.per_client,
            long_after=args.long_after,
            penalty=args.penalty,
            access_log=not args.quiet,
            store=Path(args.store) if args.store is not None else None,
            in_memory=True if args.in_memory else None,
            cors=cors,
            public_url=public_url,
        )
        serve.run(
            settings,
            announce=lambda line: print(f"{PROG}: {line}", file=out, flush=True),
            note=lambda line: print(f"{PROG}: {line}", file=err, flush=True),
        )
    return 0


def _origin(value: str) -> str:
    """An origin as browsers send it (``scheme://host[:port]``, no path), else a UsageError."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
        raise UsageError(f"--cors-origin wants an origin such as https://example.org, got {value}")
    if parts.query or parts.fragment:
        raise UsageError(f"--cors-origin wants an origin such as https://example.org, got {value}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _prepare_store(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``--prepare-store``: make the store on disk of ``--build`` (or ./dist) and say where;
    for a build large enough to be served from it, summarise it for its home page too, so
    that the server's first answer waits for neither."""
    from treatykg.web.documents import Documents
    from treatykg.web.endpoint.disk_store import prepare_store
    from treatykg.web.serve import dump_of

    folder = Path(args.build if args.build is not None else "dist")
    store = Path(args.store) if args.store is not None else None
    documents = Documents(folder, store=store)  # an InputError unless it is a build
    print(prepare_store(dump_of(folder), store), file=out)
    documents.prepare(note=lambda line: print(f"{PROG}: {line}", file=err, flush=True))
    return 0
