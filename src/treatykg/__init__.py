"""treatykg: a knowledge graph of treaties, published as RDF and checked with SHACL.

The package bundles the ontology, shapes, queries and data, and offers a small API:
:func:`load` reads RDF strictly (with file:line:column errors), :func:`validate` checks it
against the shapes and returns a :class:`Report`. pySHACL is imported only when validating.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from treatykg.errors import InputError, TreatykgError, UsageError
from treatykg.load import load
from treatykg.report import Report, Result
from treatykg.validate import check_shapes, validate

try:
    __version__ = version("treatykg")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "InputError",
    "Report",
    "Result",
    "TreatykgError",
    "UsageError",
    "__version__",
    "check_shapes",
    "load",
    "validate",
]
