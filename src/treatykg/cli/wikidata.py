"""``treatykg wikidata``: write the files that link the dataset with Wikidata.

The linking modules are imported inside :func:`run`, not at the top, so that
``treatykg --help`` does not import rdflib or pyoxigraph.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import HelpFormatter

if TYPE_CHECKING:
    from treatykg.cli.common import Subcommands

NAME = "wikidata"
HELP = "write the files that link the dataset with Wikidata"

EXIT_CODES = """\
exit codes:
  0  written: the files replaced --out whole
  2  usage or input error: not a build directory, --out is not an earlier
     output
"""


def add_parser(commands: Subcommands) -> None:
    """Add ``wikidata`` and its options to the ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Write the Wikidata-shaped view (wikidata.nt), the SSSOM mappings, the "
            "QuickStatements of what Wikidata could take (each with references, only for "
            "verified items), the unmatched entities and a Mix'n'match catalogue, from a "
            "build or, without --build, from the bundled data."
        ),
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--build", metavar="DIR", help="build to read (default: bundled data)")
    parser.add_argument("--out", default="wikidata", metavar="DIR", help="output (wikidata)")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not print the summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write the linking files and name them on stderr."""
    from treatykg.publish.build import write_linking

    written = write_linking(args.out, args.build)
    if not args.quiet:
        print(f"wrote {args.out}/: {', '.join(f.name for f in written)}", file=err)
    return 0
