"""``treatykg check-shapes``: check SHACL shapes against the W3C SHACL-SHACL shapes.

The validation module is imported inside :func:`run`, not at the top, so that
``treatykg --help`` does not import rdflib, pyoxigraph or pySHACL.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import EXIT_CODES, HelpFormatter, print_report
from treatykg.cli.options import add_output_options

if TYPE_CHECKING:
    from treatykg.cli.common import Subcommands

NAME = "check-shapes"
HELP = "check SHACL shapes against the W3C SHACL-SHACL shapes"


def add_parser(commands: Subcommands) -> None:
    """Add ``check-shapes`` and its options to the ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description="Check that SHACL shapes are well-formed (default: the bundled shapes).",
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="shapes files or directories")
    add_output_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Validate the shapes (or the bundled ones) against SHACL-SHACL and print the report."""
    from treatykg.validation.validate import check_shapes

    started = time.perf_counter()
    report = check_shapes(args.paths or None)
    return print_report(report, args, out, err, time.perf_counter() - started)
