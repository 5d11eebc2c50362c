"""``treatykg validate``: validate RDF data against the SHACL shapes.

The loading and validation modules are imported inside :func:`run`, not at the top, so that
``treatykg --help`` does not import rdflib, pyoxigraph or pySHACL.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import EXIT_CODES, HelpFormatter, print_report
from treatykg.cli.options import (
    add_engine_option,
    add_output_options,
    add_source_options,
    add_verbose_option,
)

if TYPE_CHECKING:
    from treatykg.cli.common import Subcommands

NAME = "validate"
HELP = "validate RDF data against the SHACL shapes"


def add_parser(commands: Subcommands) -> None:
    """Add ``validate`` and its options to the ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Validate RDF data against SHACL shapes. Without PATHS the data bundled with "
            "treatykg is validated; several paths are validated as one union. Directories "
            "are read recursively (.ttl, .trig, .nt, .nq, .jsonld)."
        ),
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="RDF files or directories")
    add_source_options(parser)
    add_engine_option(parser)
    add_output_options(parser)
    add_verbose_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Validate the paths (or the bundled data) as one union and print the report."""
    from treatykg.rdf.load import load, load_ontology, load_shapes
    from treatykg.validation.validate import validate

    started = time.perf_counter()
    data = load(args.paths or None)
    shapes = load_shapes(args.shapes)
    ontology = load_ontology(args.ontology)
    report = validate(data, shapes=shapes, ontology=ontology, engine=args.engine)
    return print_report(report, args, out, err, time.perf_counter() - started)
