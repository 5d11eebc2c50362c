"""The options several commands take, defined once so that they read the same in every
command's help: where the shapes and ontology come from, the validation engine, ``-v``, the
report format, and how to reach a remote store."""

from __future__ import annotations

import argparse


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """``--shapes`` and ``--ontology`` (build, validate)."""
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


def add_remote_options(parser: argparse.ArgumentParser, *, timeout: float) -> None:
    """``--timeout``, ``--user`` and ``--auth`` for a SPARQL or Graph Store endpoint (query,
    load); the password never appears on the command line."""
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


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    """``--engine`` (build, validate)."""
    parser.add_argument(
        "--engine",
        choices=("auto", "pyshacl"),
        default="auto",
        help="auto (default): every shape compiled to SPARQL and run once over the whole "
        "graph on pyoxigraph, with pySHACL for any shape it cannot compile; pyshacl: "
        "pySHACL only, the reference (slower, same results)",
    )


def add_verbose_option(parser: argparse.ArgumentParser) -> None:
    """``-v`` (build, validate): which shapes the fast engine left to pySHACL, and why."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list each shape pySHACL validated because the fast engine does not compile it, "
        "with the reason (by default, one line counts them)",
    )


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--format`` and ``-q`` of a validation report (validate, check-shapes)."""
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
