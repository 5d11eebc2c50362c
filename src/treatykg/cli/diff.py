"""``treatykg diff``: what changed between two releases, for a person and for a store.

The changes modules are imported inside :func:`run`, not at the top, so that
``treatykg --help`` does not import rdflib or pyoxigraph.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from treatykg.cli.common import PROG, HelpFormatter

if TYPE_CHECKING:
    from treatykg.cli.common import Subcommands

NAME = "diff"
HELP = "what changed between two releases: a summary, or a patch"

#: What ``--format`` writes on stdout.
FORMATS = ("text", "json", "rdf-patch", "sparql-update")

EXIT_CODES = """\
exit codes:
  0  compared (with --exit-code: and the releases hold the same statements)
  1  with --exit-code only: the releases differ
  2  usage or input error: not a build or an RDF file, malformed RDF, a
     download that failed or does not match its manifest; one line on stderr,
     nothing written
"""


def add_parser(commands: Subcommands) -> None:
    """Add ``diff`` and its options to the ``COMMAND`` sub-parsers."""
    parser = commands.add_parser(
        NAME,
        help=HELP,
        description=(
            "Compare two releases: OLD and NEW are build directories (their treatykg.nt, "
            "treatykg.nq and void.ttl), RDF files of any format treatykg reads, or http(s) "
            "URLs of either (a URL ending in / is a published release: its manifest.json is "
            "fetched, then its dumps, each checked against the manifest's SHA-256). "
            "Statements with blank nodes are compared by content, never by label. The summary "
            "lists, per resource, whether it was added, removed or changed, and for a changed "
            "one the properties whose values changed. --rdf-patch writes the changes as an "
            "RDF Patch (the rows a store applies; `treatykg load --update` applies it checked "
            "and atomically), --sparql-update as SPARQL 1.1 Update (DELETE DATA, INSERT DATA, "
            "and DELETE … WHERE for blank nodes) for the default graph or --graph."
        ),
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("old", metavar="OLD", help="the earlier release (directory, file or URL)")
    parser.add_argument("new", metavar="NEW", help="the later release (directory, file or URL)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="what stdout gets: the summary as text (default) or JSON, the RDF Patch, or the "
        "SPARQL Update",
    )
    parser.add_argument(
        "--rdf-patch", metavar="FILE", help="also write the changes as an RDF Patch to FILE"
    )
    parser.add_argument(
        "--sparql-update", metavar="FILE", help="also write the changes as SPARQL Update to FILE"
    )
    parser.add_argument(
        "--summary-json", metavar="FILE", help="also write the summary as JSON to FILE"
    )
    parser.add_argument(
        "--graph",
        metavar="IRI",
        help="the graph the SPARQL Update changes (default: the default graph; "
        "treatykg load puts a release in https://w3id.org/treatykg/graph/release)",
    )
    parser.add_argument(
        "--exit-code",
        action="store_true",
        help="exit with 1 when the releases differ, 0 when they do not (as git diff does)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Diff, write what was asked, print the summary (or the chosen format) on stdout."""
    from treatykg.changes import patch, summary, update
    from treatykg.changes.diff import diff
    from treatykg.changes.releases import open_side
    from treatykg.errors import UsageError

    if args.graph is not None and not args.graph.startswith(("http://", "https://", "urn:")):
        raise UsageError(
            f"--graph {args.graph!r}: give an absolute IRI (http://, https:// or urn:)"
        )
    with tempfile.TemporaryDirectory(prefix="treatykg-diff-") as work:
        changeset = diff(open_side(args.old, Path(work)), open_side(args.new, Path(work)))
    made = summary.Summary.of(changeset)
    outputs: dict[str, bytes] = {}

    def rendered(kind: str) -> bytes:
        if kind not in outputs:
            if kind == "rdf-patch":
                outputs[kind] = patch.write(changeset)
            elif kind == "sparql-update":
                outputs[kind] = update.update_file(changeset, args.graph)
            elif kind == "json":
                outputs[kind] = summary.to_json(made)
            else:
                width = 80 if not out.isatty() else None
                outputs[kind] = "".join(
                    f"{line}\n" for line in summary.text_lines(made, width)
                ).encode()
        return outputs[kind]

    for kind, path in (
        ("rdf-patch", args.rdf_patch),
        ("sparql-update", args.sparql_update),
        ("json", args.summary_json),
    ):
        if path is not None:
            _write(Path(path), rendered(kind))
    out.write(rendered(args.format).decode("utf-8"))
    out.flush()
    if args.format != "text" and not changeset.empty:
        removed = changeset.removed
        print(
            f"{PROG}: {removed:,} statement{'' if removed == 1 else 's'} removed, "
            f"{changeset.added:,} added",
            file=err,
        )
    return 1 if args.exit_code and not changeset.empty else 0


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file renamed over it."""
    from treatykg.errors import InputError

    try:
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as handle:
            handle.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(handle.name, 0o666 & ~mask)  # as open() would have made it, not 0600
        os.replace(handle.name, path)
    except OSError as error:
        raise InputError(str(path), f"cannot write it: {error.strerror or error}") from None
