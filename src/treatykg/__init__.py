"""treatykg: a knowledge graph of treaties, published as RDF and checked with SHACL.

The package bundles the ontology, shapes, queries and data, and offers a small API:
:func:`load` reads RDF strictly (with file:line:column errors), :func:`validate` checks it
against the shapes and returns a :class:`Report`. pySHACL is imported only when validating.
"""

from __future__ import annotations

import sys
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import TYPE_CHECKING, Any

from treatykg.errors import InputError, TreatykgError, UsageError

if TYPE_CHECKING:
    from treatykg.build import BuildResult, build
    from treatykg.load import load
    from treatykg.report import Report, Result
    from treatykg.validate import check_shapes, validate

# The API is imported on first use (PEP 562): rdflib and pySHACL cost ~0.2-0.4 s to import,
# which `treatykg --help` and `--version` should not pay.
_LAZY = {
    "build": "treatykg.build",
    "BuildResult": "treatykg.build",
    "load": "treatykg.load",
    "Report": "treatykg.report",
    "Result": "treatykg.report",
    "check_shapes": "treatykg.validate",
    "validate": "treatykg.validate",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'treatykg' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


class _Package(ModuleType):
    """The treatykg package, whose API functions share names with their modules.

    Importing the submodule ``treatykg.load`` would normally set the package attribute
    ``load`` to that module, hiding the function ``treatykg.load()``. This keeps the
    attribute for the function; the submodules stay importable as usual
    (``from treatykg.load import load_ontology``).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

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
