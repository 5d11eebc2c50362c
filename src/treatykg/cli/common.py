"""What every command of the ``treatykg`` command line shares: its name, the exit codes of a
validation, the one-line error, the report and its summary, and the number parsers.

Exit codes are part of the interface (CI scripts branch on them), and so are the words of the
error line; keeping them here keeps them the same for every command.
"""

from __future__ import annotations

import argparse
import shutil
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from typing import TypeAlias

    from treatykg.validation.report import Report

    #: What ``add_parser`` of each command module receives: the ``COMMAND`` sub-parsers
    #: (typeshed's name for what ``add_subparsers`` returns; not subscriptable at run time).
    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """``--help`` at the terminal's width: a description (one paragraph written on one line)
    is wrapped, while the exit codes' table (lines laid out by hand) is kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" not in text.strip():
            return argparse.HelpFormatter._fill_text(self, text, width, indent)
        return super()._fill_text(text, width, indent)


#: The program name, in usage lines and at the start of every line the commands print.
PROG = "treatykg"

#: The exit codes of ``treatykg validate`` and ``treatykg check-shapes``, also shown by
#: ``treatykg --help``.
EXIT_CODES = """\
exit codes:
  0  the data conforms (warnings and infos do not fail)
  1  the data does not conform: the report is printed on stdout
  2  usage or input error (missing file, unsupported format, syntax error): one
     line on stderr, "treatykg: error: path:line:column: message"
"""


def print_error(message: object, err: TextIO) -> None:
    """Print the one line an error a user can cause gets, never a traceback."""
    print(f"{PROG}: error: {message}", file=err)


def print_report(
    report: Report, args: argparse.Namespace, out: TextIO, err: TextIO, total: float
) -> int:
    """Print a validation report on stdout and its summary on stderr, and return the exit
    code: ``treatykg validate --format turtle > report.ttl`` captures only the report."""
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


def warn_without_graphviz(err: TextIO) -> None:
    """Say once, before pages are made, that their graph pictures will be missing: pages are
    still written (each says where its picture would be), so this is a warning, not an error."""
    from treatykg.web.pages.pictures.graphviz import COMMAND  # start-up: pages import Jinja2

    if shutil.which(COMMAND) is None:
        print(
            f"{PROG}: warning: Graphviz ({COMMAND}) is not installed, so the pages will lack "
            "their obligations, neighbourhood and vocabulary pictures; install it (Debian: "
            "apt install graphviz)",
            file=err,
        )


def positive_int(text: str) -> int:
    """A whole number of at least 1, written as people write them: ``50,000`` or ``1_000``."""
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """A number more than 0 (a duration or a size), so that 0 cannot turn a limit off."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value
