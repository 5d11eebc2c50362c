"""``treatykg build``: validate the data, then publish it into a release directory.

The publishing modules are imported inside :func:`run`, not at the top, so that
``treatykg --help`` does not import rdflib, pyoxigraph or pySHACL.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import PROG, HelpFormatter, print_error, warn_without_graphviz
from treatykg.cli.options import (
    add_engine_option,
    add_source_options,
    add_verbose_option,
)

if TYPE_CHECKING:
    from treatykg.changes.summary import Summary
    from treatykg.cli.common import Subcommands

NAME = "build"
HELP = "validate the data, then publish it into a release directory"

EXIT_CODES = """\
exit codes:
  0  built: every file written, the data conforms
  1  the data does not conform: the report is printed on stdout, nothing is
     written
  2  usage or input error (missing file, syntax error, --out is not a build
     directory, --previous is not a build, states no version or has the version
     being built): one line on stderr, nothing is written
"""


def add_parser(commands: Subcommands) -> None:
    """Add ``build`` and its options to the ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Validate the ontology, data and shapes, then write the release: the dataset as "
            "Turtle, N-Triples and JSON-LD (TriG and N-Quads too when the data has named "
            "graphs), a framed JSON-LD view, the JSON-LD context, the ontology and shapes, "
            "the VoID/DCAT description, the validation report and a manifest of checksums. "
            "Nothing is written unless the data conforms, and the output directory is "
            "replaced only when every file is complete. With --previous, the release also "
            "holds the changes since the previous release."
        ),
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--out", default="dist", metavar="DIR", help="release directory (default: dist)"
    )
    parser.add_argument(
        "--data",
        nargs="+",
        metavar="PATH",
        help="data files or directories, e.g. mydata/ (default: the bundled data)",
    )
    add_source_options(parser)
    add_engine_option(parser)
    parser.add_argument(
        "--previous",
        metavar="DIR",
        help=(
            "the previous release (a build directory; it may be --out itself): write the "
            "changes since it into the release as changes-VERSION.rdfp (RDF Patch), .ru "
            "(SPARQL Update) and .json (summary), keep the changes files it has, and name "
            "both versions in void.ttl. VERSION is the dataset's dcat:version "
            "(data/dataset.ttl), which must differ from DIR's"
        ),
    )
    parser.add_argument(
        "--site",
        action="store_true",
        help="also write the static site (pages and per-resource documents) into DIR/site",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="do not print progress and the summary"
    )
    add_verbose_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Build; on invalid data print the report on stdout and write nothing."""
    from treatykg.publish.build import InvalidDataError, build

    shown: list[str] = []

    def progress(stage: str) -> None:
        # Each file is followed by its "write" (its checksum) and some steps write several
        # files: a person needs each step once, in order, not a line per file.
        if stage == "write" or stage in shown:
            return
        shown.append(stage)
        print(f"{PROG}: {stage}…", file=err, flush=True)

    show_progress = not args.quiet and err.isatty()
    if args.site:
        warn_without_graphviz(err)
    try:
        result = build(
            args.out,
            data=args.data,
            ontology=args.ontology,
            shapes=args.shapes,
            engine=args.engine,
            progress=progress if show_progress else None,
            site=args.site,
            previous=args.previous,
        )
    except InvalidDataError as invalid:
        out.write(invalid.report.to_text(verbose=args.verbose))
        print_error(invalid, err)
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
        if result.changes is not None:
            print(changes_line(result.changes), file=err)
    return 0


def changes_line(changes: Summary) -> str:
    """The line that says what changed since the previous release."""
    changed, added, removed = (changes.count(s) for s in ("changed", "added", "removed"))
    return (
        f"changes since {changes.old_version}: {changed:,} resource{_s(changed)} changed, "
        f"{added:,} added, {removed:,} removed ({changes.removed:,} statement"
        f"{_s(changes.removed)} removed, {changes.added:,} added)"
    )


def _s(count: int) -> str:
    return "" if count == 1 else "s"
