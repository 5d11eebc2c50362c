"""The ``treatykg`` command line.

Exit codes are part of the interface (CI scripts branch on them): 0 conforms, 1 does not
conform, 2 usage or input error. Errors a user can cause are printed as one line on stderr,
never as a traceback; the report goes to stdout and the one-line summary to stderr, so that
``treatykg validate --format turtle > report.ttl`` captures only the report.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from treatykg import __version__
from treatykg.errors import TreatykgError

if TYPE_CHECKING:
    from treatykg.remote import Endpoint
    from treatykg.report import Report

# rdflib, pyoxigraph and pySHACL are imported inside the commands that need them, so that
# `treatykg --help` starts in a fraction of the time.

PROG = "treatykg"

EXIT_CODES = """\
exit codes:
  0  the data conforms (warnings and infos do not fail)
  1  the data does not conform: the report is printed on stdout
  2  usage or input error (missing file, unsupported format, syntax error):
     one line on stderr, "treatykg: error: path:line:column: message"
"""


BUILD_EXIT_CODES = """\
exit codes:
  0  built: every file written, the data conforms
  1  the data does not conform: the report is printed on stdout, nothing is written
  2  usage or input error (missing file, syntax error, --out is not a build directory):
     one line on stderr, nothing is written
"""


QUERY_EXIT_CODES = """\
exit codes:
  0  the query ran
  2  usage or input error: unknown query (close matches are listed), SPARQL
     syntax error (line and column), unknown parameter, a parameter that takes
     an IRI given something else, refused SERVICE
"""


LOAD_EXIT_CODES = """\
exit codes:
  0    every graph replaced, and the store holds as many triples as were sent
  1    replaced, but the store reports a different triple count
  2    usage or input error: malformed dump (nothing sent), store unreachable, refusing,
       timing out or lost mid-load; one line on stderr. Before the swap, the staging
       graphs are dropped and the target graphs stay as they were
  130  interrupted (Ctrl-C): the same, staging graphs dropped, targets unchanged
"""


SERVE_EXIT_CODES = """\
exit codes:
  0  stopped by Ctrl-C or SIGTERM
  1  the bundled data does not conform (only when there was no build to serve)
  2  usage or input error: not a build directory, address in use or not available
"""


SITE_EXIT_CODES = """\
exit codes:
  0  written: the site replaced --out whole
  2  usage or input error: not a build directory, --out is not an earlier site
"""


WIKIDATA_EXIT_CODES = """\
exit codes:
  0  written: the files replaced --out whole
  2  usage or input error: not a build directory, --out is not an earlier output
"""


#: Every command with its one-line help, in the order ``treatykg`` and ``treatykg --help``
#: list them. Each line fits 80 columns with the name column before it.
COMMANDS = {
    "build": "validate the data, then publish it into a release directory",
    "serve": "serve a build as linked data, with a read-only SPARQL endpoint",
    "wikidata": "write the files that link the dataset with Wikidata",
    "site": "write a build's pages and documents as a static site",
    "validate": "validate RDF data against the SHACL shapes",
    "query": "run a bundled SPARQL query, or your own .rq file",
    "load": "load a build into a triplestore, atomically",
    "check-shapes": "check SHACL shapes against the W3C SHACL-SHACL shapes",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Publish and check the treaty knowledge graph.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # Not required: without a command, main() lists them (argparse would only say one is
    # missing).
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help=COMMANDS["build"],
        description=(
            "Validate the ontology, data and shapes, then write the release: the dataset as "
            "Turtle, N-Triples and JSON-LD (TriG and N-Quads too when the data has named "
            "graphs), a framed JSON-LD view, the JSON-LD context, the ontology and shapes, "
            "the VoID/DCAT description, the validation report and a manifest of checksums. "
            "Nothing is written unless the data conforms, and the output directory is "
            "replaced only when every file is complete."
        ),
        epilog=BUILD_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "--out", default="dist", metavar="DIR", help="release directory (default: dist)"
    )
    build.add_argument(
        "--data",
        nargs="+",
        metavar="PATH",
        help="data files or directories, e.g. mydata/ (default: the bundled data)",
    )
    _add_source_options(build)
    _add_engine_option(build)
    build.add_argument(
        "--site",
        action="store_true",
        help="also write the static site (pages and per-resource documents) into DIR/site",
    )
    build.add_argument(
        "-q", "--quiet", action="store_true", help="do not print progress and the summary"
    )
    _add_verbose_option(build)

    serve = commands.add_parser(
        "serve",
        help=COMMANDS["serve"],
        description=(
            "Serve a build at its IRIs' own paths: every resource IRI answers 303 See Other "
            "to its HTML, Turtle, JSON-LD or N-Triples document, chosen by the Accept header; "
            "/sparql is a read-only SPARQL 1.1 endpoint (no SERVICE, timeout and result cap); "
            "/.well-known/void describes the dataset. Listens on 127.0.0.1 unless told "
            "otherwise. Without --build, serves ./dist if it is a build, else builds the "
            "bundled data into a temporary directory first."
        ),
        epilog=SERVE_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--build", metavar="DIR", help="build directory to serve (default: dist)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)"
    )
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=2,
        metavar="N",
        help="query worker processes, each with its own copy of the store (default: 2)",
    )
    serve.add_argument(
        "--timeout",
        type=_positive_float,
        default=10.0,
        metavar="SECONDS",
        help="stop a SPARQL query after this long and answer 503 (default: 10)",
    )
    serve.add_argument(
        "--max-result-size",
        type=_positive_float,
        default=16.0,
        metavar="MIB",
        help="refuse (422) a query result larger than this, in MiB (default: 16)",
    )
    serve.add_argument(
        "--max-request-size",
        type=_positive_float,
        default=128.0,
        metavar="KIB",
        help="refuse (413) a request body larger than this, in KiB (default: 128)",
    )
    serve.add_argument(
        "--query-cache",
        type=float,
        default=32.0,
        metavar="MIB",
        help="keep recent query answers, up to this many MiB, and answer repeats from memory "
        "(exact: the data never changes while serving); the bundled queries are answered at "
        "start-up, within the same budget; 0 turns both off (default: 32)",
    )
    serve.add_argument(
        "--per-client",
        type=_positive_int,
        default=1,
        metavar="N",
        help="queries one client (one address) may run at once; its others wait (default: 1)",
    )
    serve.add_argument(
        "--long-after",
        type=_positive_float,
        default=0.1,
        metavar="SECONDS",
        help="a query running longer is long: long queries may hold every worker but one, and "
        "one that finds them taken yields its worker when another query waits (default: 0.1)",
    )
    serve.add_argument(
        "--penalty",
        type=_positive_float,
        default=30.0,
        metavar="SECONDS",
        help="a client whose query ran out of time or yielded may, for this long (doubling "
        "with each repeat, up to 10 minutes), only run one query in a free long-query lane; "
        "otherwise it is answered 429 (default: 30)",
    )
    serve.add_argument("-q", "--quiet", action="store_true", help="do not log one line per request")

    link = commands.add_parser(
        "wikidata",
        help=COMMANDS["wikidata"],
        description=(
            "Write the Wikidata-shaped view (wikidata.nt), the SSSOM mappings, the "
            "QuickStatements of what Wikidata could take (each with references, only for "
            "verified items), the unmatched entities and a Mix'n'match catalogue, from a "
            "build or, without --build, from the bundled data."
        ),
        epilog=WIKIDATA_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    link.add_argument("--build", metavar="DIR", help="build to read (default: bundled data)")
    link.add_argument("--out", default="wikidata", metavar="DIR", help="output (wikidata)")
    link.add_argument("-q", "--quiet", action="store_true", help="do not print the summary")

    site = commands.add_parser(
        "site",
        help=COMMANDS["site"],
        description=(
            "Write everything treatykg serve answers with (pages, per-resource Turtle, "
            "JSON-LD and N-Triples documents, the build's files) as a static site, with an "
            "Apache .htaccess that does the 303 content negotiation, and a w3id.htaccess for "
            "the permanent namespace."
        ),
        epilog=SITE_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    site.add_argument("--build", default="dist", metavar="DIR", help="build to publish (dist)")
    site.add_argument("--out", default="site", metavar="DIR", help="site directory (site)")
    site.add_argument(
        "--site-url",
        metavar="URL",
        help="where the site will be hosted, for the w3id.htaccess redirects",
    )
    site.add_argument("-q", "--quiet", action="store_true", help="do not print the summary")

    validate = commands.add_parser(
        "validate",
        help=COMMANDS["validate"],
        description=(
            "Validate RDF data against SHACL shapes. Without PATHS the data bundled with "
            "treatykg is validated; several paths are validated as one union. Directories "
            "are read recursively (.ttl, .trig, .nt, .nq, .jsonld)."
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="RDF files or directories")
    _add_source_options(validate)
    _add_engine_option(validate)
    _add_output_options(validate)
    _add_verbose_option(validate)

    query = commands.add_parser(
        "query",
        help=COMMANDS["query"],
        description=(
            "Run one of the bundled competency questions by name, or any .rq file, on an "
            "in-memory store holding the bundled ontology and data (or a build's dump). "
            "SERVICE is refused unless --allow-service is given: it makes the store fetch "
            "from the network."
        ),
        epilog=QUERY_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    query.add_argument("name", nargs="?", metavar="NAME|FILE", help="query name or .rq file")
    query.add_argument("--list", action="store_true", help="list the bundled queries")
    query.add_argument(
        "--format",
        choices=("table", "csv", "tsv", "json", "turtle", "ntriples"),
        default="table",
        help="table (default; a graph prints as Turtle), csv, tsv, json (SPARQL JSON "
        "results, or JSON-LD for a graph), turtle or ntriples (for CONSTRUCT/DESCRIBE)",
    )
    query.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter the query's header declares (repeatable); one declared as an "
        "IRI takes a full IRI, e.g. https://w3id.org/treatykg/id/norm/csp-art-4",
    )
    query.add_argument(
        "--build", metavar="DIR", help="query a build's dump instead of the bundled sources"
    )
    query.add_argument("--allow-service", action="store_true", help="let SERVICE reach the network")
    query.add_argument(
        "--endpoint",
        metavar="URL",
        help="run on this SPARQL 1.1 endpoint (e.g. http://127.0.0.1:7878/query) instead",
    )
    query.add_argument(
        "--default-graph",
        metavar="IRI",
        help="with --endpoint: query this graph as the default graph (default-graph-uri), "
        "e.g. the release graph treatykg load fills, https://w3id.org/treatykg/graph/release",
    )
    _add_remote_options(query, timeout=60.0)

    push = commands.add_parser(
        "load",
        help=COMMANDS["load"],
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
        epilog=LOAD_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    push.add_argument(
        "--endpoint",
        required=True,
        metavar="URL",
        help="Graph Store endpoint, e.g. http://127.0.0.1:7878/store",
    )
    push.add_argument(
        "--update-endpoint",
        "--update-url",
        dest="update_endpoint",
        metavar="URL",
        help="SPARQL Update endpoint for the swap (default: the store URL with /store "
        "replaced by /update, as on Oxigraph; required for other URLs)",
    )
    push.add_argument(
        "--query-endpoint",
        metavar="URL",
        help="SPARQL endpoint for the count check (default: the store URL with /store "
        "replaced by /query)",
    )
    push.add_argument(
        "--graph",
        default="https://w3id.org/treatykg/graph/release",
        metavar="IRI",
        help="graph that receives the default graph (default: %(default)s)",
    )
    push.add_argument("--build", default="dist", metavar="DIR", help="build to push (dist)")
    push.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=50_000,
        metavar="TRIPLES",
        help="triples per Graph Store request, which bounds the memory used (default 50000)",
    )
    _add_remote_options(push, timeout=120.0)
    push.add_argument(
        "--graph-param",
        default="graph",
        metavar="NAME",
        help="query parameter naming the graph: graph (the standard; default) or graph-uri "
        "(Virtuoso)",
    )
    push.add_argument("-q", "--quiet", action="store_true", help="do not print progress on stderr")

    check = commands.add_parser(
        "check-shapes",
        help=COMMANDS["check-shapes"],
        description="Check that SHACL shapes are well-formed (default: the bundled shapes).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="shapes files or directories")
    _add_output_options(check)
    return parser


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shapes",
        nargs="+",
        metavar="PATH",
        help="SHACL shapes files or directories (default: the bundled shapes)",
    )
    parser.add_argument(
        "--ontology",
        nargs="+",
        metavar="PATH",
        help="ontology files mixed into the data for subclass targets (default: bundled)",
    )


def _add_remote_options(parser: argparse.ArgumentParser, *, timeout: float) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=timeout,
        metavar="SECONDS",
        help=f"seconds to wait for the server (default {timeout:g})",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        help="user name; the password is read from $TREATYKG_ENDPOINT_PASSWORD, never given "
        "on the command line",
    )
    parser.add_argument(
        "--auth", choices=("basic", "digest"), default="basic", help="HTTP auth scheme"
    )


def _add_engine_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=("auto", "pyshacl"),
        default="auto",
        help="auto (default): every shape compiled to SPARQL and run once over the whole "
        "graph on pyoxigraph, with pySHACL for any shape it cannot compile; pyshacl: "
        "pySHACL only, the reference (slower, same results)",
    )


def _add_verbose_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list each shape pySHACL validated because the fast engine does not compile it, "
        "with the reason (by default, one line counts them)",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "turtle"),
        default="text",
        help="report format on stdout: text (default; printed when there are results) "
        "or turtle (the W3C sh:ValidationReport, always printed)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="do not print the summary line on stderr"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script passes it to sys.exit)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and argparse usage errors
        return exit_.code if isinstance(exit_.code, int) else 2
    if args.command is None:
        sys.stderr.write(_listing(parser))
        return 2
    _quiet_libraries()
    try:
        if args.command == "build":
            return _build(args, sys.stdout, sys.stderr)
        if args.command == "validate":
            return _validate(args, sys.stdout, sys.stderr)
        if args.command == "query":
            return _query(args, sys.stdout, sys.stderr)
        if args.command == "load":
            return _load(args, sys.stdout, sys.stderr)
        if args.command == "serve":
            return _serve(args, sys.stdout, sys.stderr)
        if args.command == "site":
            return _site(args, sys.stdout, sys.stderr)
        if args.command == "wikidata":
            return _wikidata(args, sys.stdout, sys.stderr)
        return _check_shapes(args, sys.stdout, sys.stderr)
    except TreatykgError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``treatykg validate | head``): not an error worth a traceback.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _listing(parser: argparse.ArgumentParser) -> str:
    """The usage line and every command with its one-line help: what to type next, for
    someone who typed ``treatykg`` alone."""
    width = max(len(name) for name in COMMANDS) + 2
    lines = [parser.format_usage().rstrip(), "", "commands:"]
    lines += [f"  {name:<{width}}{help_}" for name, help_ in COMMANDS.items()]
    lines += ["", f"{PROG}: error: name a command; {PROG} COMMAND --help describes it"]
    return "\n".join(lines) + "\n"


def _validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from treatykg.load import load, load_ontology, load_shapes
    from treatykg.validate import validate

    started = time.perf_counter()
    data = load(args.paths or None)
    shapes = load_shapes(args.shapes)
    ontology = load_ontology(args.ontology)
    report = validate(data, shapes=shapes, ontology=ontology, engine=args.engine)
    return _emit(report, args, out, err, time.perf_counter() - started)


def _build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from treatykg.build import InvalidDataError, build

    def progress(stage: str) -> None:
        print(f"{PROG}: {stage}…", file=err, flush=True)

    show_progress = not args.quiet and err.isatty()
    try:
        result = build(
            args.out,
            data=args.data,
            ontology=args.ontology,
            shapes=args.shapes,
            engine=args.engine,
            progress=progress if show_progress else None,
            site=args.site,
        )
    except InvalidDataError as invalid:
        out.write(invalid.report.to_text(verbose=args.verbose))
        print(f"{PROG}: error: {invalid}", file=err)
        return invalid.exit_code
    if args.verbose:
        for line in result.report.fallback_lines(verbose=True):
            print(line, file=err)
    if result.removed:
        names = ", ".join(path.name for path in result.removed)
        print(f"{PROG}: removed what killed builds left beside {result.out}: {names}", file=err)
    if not args.quiet:
        size = sum(f.size for f in result.files)
        print(
            f"built {result.out}/: {len(result.files) + 1} files ({size / 1024:,.0f} KiB), "
            f"{result.statements:,} triples, {result.report.counts()}, "
            f"in {result.duration:.2f} s (validation {result.timings['validate']:.2f} s)",
            file=err,
        )
    return 0


def _query(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import shutil
    from pathlib import Path

    from treatykg import query, results
    from treatykg.errors import UsageError

    if args.list:
        for item in query.bundled():
            print(f"{item.name}\n    {item.title}: {item.question}", file=out)
        return 0
    if not args.name:
        raise UsageError("name a query or a .rq file, or use --list")
    chosen = query.find(args.name)
    values = {}
    for pair in args.param:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param takes NAME=VALUE, got {pair!r}")
        values[name.strip()] = value
    text = query.bind(chosen, values)
    started = time.perf_counter()
    # The table fits a terminal; to a file or a pipe, whole values on lines of any length.
    width = shutil.get_terminal_size((100, 24)).columns if out.isatty() else None
    if args.endpoint:
        from treatykg import remote

        endpoint = remote.Endpoint(
            args.endpoint, args.timeout, args.user, args.auth, args.default_graph
        )
        answer = remote.run(endpoint, text, form=query.form(text), result_format=args.format)
        rows = results.write_remote(answer, args.format, out, width=width)
        if rows == 0 and answer.kind == "select" and not args.default_graph:
            _explain_no_rows(endpoint, err)
    else:
        query.check(text, allow_service=args.allow_service)
        store = query.embedded_store(Path(args.build) if args.build else None)
        rows = query.run(
            text,
            store,
            source=str(chosen.path or chosen.name),
            then=lambda result: results.write(result, args.format, out, width=width),
        )
    seconds = time.perf_counter() - started
    print(f"{rows:,} result{'' if rows == 1 else 's'} in {seconds:.2f} s", file=err)
    return 0


def _explain_no_rows(endpoint: Endpoint, err: TextIO) -> None:
    """Say why a store answers nothing when it holds the release in a named graph."""
    from treatykg import remote

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


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _load(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pathlib import Path

    from treatykg import remote

    store_url = args.endpoint.rstrip("/")
    query_url = args.query_endpoint
    if query_url is None and store_url.endswith("/store"):
        query_url = store_url[: -len("store")] + "query"
    last_shown = [float("-inf")]

    def progress(event: remote.Progress) -> None:
        graphs = f"{event.graphs:,} graph{'' if event.graphs == 1 else 's'}"
        if event.stage == "checked":
            print(
                f"{PROG}: {event.total:,} triples in {graphs}, well-formed; staging them in "
                f"chunks of {args.chunk_size:,}",
                file=err,
                flush=True,
            )
        elif event.stage == "sent":
            now = time.monotonic()
            if event.sent == event.total or now - last_shown[0] >= 1.0:
                last_shown[0] = now
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
            progress=None if args.quiet else progress,
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


def _serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import tempfile
    from pathlib import Path

    from treatykg import serve
    from treatykg.build import InvalidDataError, build

    if not 0 <= args.port <= 65535:
        raise _usage(f"--port must be between 0 and 65535, got {args.port}")
    if not serve.is_loopback(args.host):
        print(
            f"{PROG}: warning: listening on {args.host}, reachable from other machines; "
            "treatykg serve has no TLS and no authentication (put a reverse proxy in front)",
            file=err,
        )
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
                print(f"{PROG}: error: {invalid}", file=err)
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
        )
        serve.run(settings, announce=lambda line: print(f"{PROG}: {line}", file=out, flush=True))
    return 0


def _site(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from treatykg.site import write_site

    started = time.perf_counter()
    result = write_site(args.build, args.out, site_url=args.site_url)
    if not args.quiet:
        print(
            f"wrote {result.out}/: {result.files:,} files ({result.bytes / 1024:,.0f} KiB) for "
            f"{result.resources:,} resources, in {time.perf_counter() - started:.2f} s",
            file=err,
        )
    return 0


def _wikidata(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from treatykg.build import write_linking

    written = write_linking(args.out, args.build)
    if not args.quiet:
        print(f"wrote {args.out}/: {', '.join(f.name for f in written)}", file=err)
    return 0


def _usage(message: str) -> TreatykgError:
    from treatykg.errors import UsageError

    return UsageError(message)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _check_shapes(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from treatykg.validate import check_shapes

    started = time.perf_counter()
    report = check_shapes(args.paths or None)
    return _emit(report, args, out, err, time.perf_counter() - started)


def _emit(report: Report, args: argparse.Namespace, out: TextIO, err: TextIO, total: float) -> int:
    verbose = getattr(args, "verbose", False)  # check-shapes has no fast engine, no -v
    if args.format == "turtle":
        out.write(report.to_turtle())
    elif report.results:
        out.write(report.to_text(verbose=verbose))
    if verbose and (args.format == "turtle" or not report.results):
        # No text report to hold the list: keep stdout as it was and list them on stderr.
        for line in report.fallback_lines(verbose=True):
            print(line, file=err)
    if not args.quiet:
        status = "conforms" if report.conforms else "does not conform"
        files = len(report.files)
        where = f" in {files:,} file{'' if files == 1 else 's'}" if files else ""
        print(
            f"{status}: {report.statements:,} triples{where}, {report.counts()}, "
            f"validated in {report.duration:.2f} s ({total:.2f} s in all)",
            file=err,
        )
    return 0 if report.conforms else 1


def _quiet_libraries() -> None:
    # rdflib logs every ill-typed literal (e.g. "2024-13-45"^^xsd:date) with a traceback;
    # SHACL's sh:datatype reports those properly, so the log is noise on a CLI.
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    # pySHACL attaches its own stderr handler at INFO on every call; keep only real problems.
    logging.getLogger("pyshacl-validate").addFilter(_errors_only)


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


if __name__ == "__main__":
    sys.exit(main())
