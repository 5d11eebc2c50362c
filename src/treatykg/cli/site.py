"""``treatykg site``: write a build's pages and documents as a static site.

The site writer is imported inside :func:`run`, not at the top, so that ``treatykg --help``
does not import rdflib or pyoxigraph.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import HelpFormatter, warn_without_graphviz

if TYPE_CHECKING:
    from treatykg.cli.common import Subcommands

NAME = "site"
HELP = "write a build's pages and documents as a static site"

EXIT_CODES = """\
exit codes:
  0  written: the site replaced --out whole
  2  usage or input error: not a build directory, --out is not an earlier site
"""


def add_parser(commands: Subcommands) -> None:
    """Add ``site`` and its options to the ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Write everything treatykg serve answers with (pages, per-resource Turtle, "
            "JSON-LD and N-Triples documents, the build's files) as a static site, with an "
            "Apache .htaccess that does the 303 content negotiation, and a w3id.htaccess for "
            "the permanent namespace."
        ),
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--build", default="dist", metavar="DIR", help="build to publish (dist)")
    parser.add_argument("--out", default="site", metavar="DIR", help="site directory (site)")
    parser.add_argument(
        "--site-url",
        metavar="URL",
        help="where the site will be hosted, for the w3id.htaccess redirects",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="do not print the summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write the site and print one summary line on stderr."""
    from treatykg.web.site import write_site

    warn_without_graphviz(err)
    started = time.perf_counter()
    result = write_site(args.build, args.out, site_url=args.site_url)
    if not args.quiet:
        print(
            f"wrote {result.out}/: {result.files:,} files ({result.bytes / 1024:,.0f} KiB) for "
            f"{result.resources:,} resources, in {time.perf_counter() - started:.2f} s",
            file=err,
        )
    return 0
