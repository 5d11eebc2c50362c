"""Exceptions that treatykg raises on purpose.

Every error a user can cause (a bad path, malformed RDF, a wrong option) is a
:class:`TreatykgError`. The CLI prints those as one line and exits with their
``exit_code``; anything else is a bug and is allowed to show a traceback.
"""

from __future__ import annotations

import re

# pyoxigraph opens its RDF syntax errors with the position, in one of several shapes ("Parser
# error at line 4 between columns 17 and 23: ...", "Parser error between line 2 column 11 and
# line 3 column 1: ..."); InputError shows the position already, as path:line:column.
_PARSER_POSITION = re.compile(r"^Parser error (?:at|between) [^:]*:\s*")


class TreatykgError(Exception):
    """Base class for errors caused by the input or the invocation, not by a bug."""

    exit_code: int = 2


class InputError(TreatykgError):
    """An input file is missing, unreadable, of an unsupported format or malformed.

    ``str(error)`` is ``path:line:column: message`` when the position is known,
    else ``path: message``, so editors and CI logs can jump to the defect.
    """

    def __init__(
        self,
        path: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        if self.column is None:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: {self.message}"

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, int | None, int | None]]:
        # Keep the error picklable (multiprocessing, pytest-xdist) despite the custom __init__.
        return (type(self), (self.path, self.message, self.line, self.column))


class UsageError(TreatykgError):
    """The command line or the API was called with arguments that cannot work together."""


def syntax_cause(error: SyntaxError) -> str:
    """What a pyoxigraph RDF parser error says went wrong, without the position it starts with,
    so that ``path:line:column: cause`` gives the position once."""
    return _PARSER_POSITION.sub("", error.msg or str(error))
