"""treatykg: a knowledge graph of treaties, published as RDF and checked with SHACL.

The package bundles the ontology, shapes, queries and data, and offers a small API:
:func:`load` reads RDF strictly (with file:line:column errors), :func:`validate` checks it
against the shapes and returns a :class:`Report`. pySHACL is imported only when validating.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from treatykg.errors import InputError, TreatykgError, UsageError

if TYPE_CHECKING:
    from treatykg.publish.build import BuildResult, build
    from treatykg.rdf.load import load
    from treatykg.validation.report import Report, Result
    from treatykg.validation.validate import check_shapes, validate

# The API is imported on first use (PEP 562): rdflib and pySHACL cost ~0.2-0.4 s to import,
# which `treatykg --help` and `--version` should not pay.
_LAZY = {
    "build": "treatykg.publish.build",
    "BuildResult": "treatykg.publish.build",
    "load": "treatykg.rdf.load",
    "Report": "treatykg.validation.report",
    "Result": "treatykg.validation.report",
    "check_shapes": "treatykg.validation.validate",
    "validate": "treatykg.validation.validate",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'treatykg' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


try:
    __version__ = version("treatykg")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "BuildResult",
    "InputError",
    "Report",
    "Result",
    "TreatykgError",
    "UsageError",
    "__version__",
    "build",
    "check_shapes",
    "load",
    "validate",
]
