"""The ``treatykg`` command line: one module per command, each with its sub-parser and its
``run``, which :func:`build_parser` gathers and :func:`main` dispatches to.

Exit codes are part of the interface (CI scripts branch on them): 0 conforms, 1 does not
conform, 2 usage or input error. Errors a user can cause are printed as one line on stderr,
never as a traceback; the report goes to stdout and the one-line summary to stderr, so that
``treatykg validate --format turtle > report.ttl`` captures only the report.

rdflib, pyoxigraph and pySHACL are imported inside the commands that need them, so that
``treatykg --help`` starts in a fraction of the time.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from treatykg import __version__
from treatykg.cli import (
    build,
    check_shapes,
    diff,
    load,
    query,
    serve,
    site,
    validate,
    wikidata,
)
from treatykg.cli.common import EXIT_CODES, PROG, HelpFormatter, print_error
from treatykg.errors import TreatykgError

#: The command modules, in the order ``treatykg`` and ``treatykg --help`` list them.
_COMMANDS = (build, serve, wikidata, site, validate, query, load, diff, check_shapes)

#: Every command with its one-line help, in that order. Each line fits 80 columns with the
#: name column before it.
COMMANDS = {command.NAME: command.HELP for command in _COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the global options and every command's sub-parser, each of
    which names its handler as ``func``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Publish and check the treaty knowledge graph.",
        epilog=EXIT_CODES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # Not required: without a command, main() lists them (argparse would only say one is
    # missing).
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parser(commands)
    return parser


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
        code: int = args.func(args, sys.stdout, sys.stderr)
        return code
    except TreatykgError as error:
        print_error(error, sys.stderr)
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


def _quiet_libraries() -> None:
    """Keep the libraries' logging to what a command-line user needs to see."""
    # rdflib logs every ill-typed literal (e.g. "2024-13-45"^^xsd:date) with a traceback;
    # SHACL's sh:datatype reports those properly, so the log is noise on a CLI.
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    # pySHACL attaches its own stderr handler at INFO on every call; keep only real problems.
    logging.getLogger("pyshacl-validate").addFilter(_errors_only)


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR
