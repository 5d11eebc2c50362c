"""Find the RDF content that ships with treatykg (ontology, shapes, queries, data).

In the repository the content sits in top-level folders next to ``src/``. The wheel copies
those folders into the package as ``treatykg/_resources/<name>`` (see pyproject.toml), so an
installed treatykg works from any working directory. This module hides that difference:
it prefers the installed copy and falls back to the repository checkout (editable installs).

A maintainer's override: the environment variable :data:`DATA_ENV` (``TREATYKG_DATA``) names
a directory that replaces the bundled ``data/`` wherever the bundled data is the default (every
command run without ``--data`` or data paths). It exists so that the test suite can run against
another corpus (``pytest --data DIR`` sets it, for the subprocesses too) and so that a
maintainer can try a corpus without passing ``--data`` to every command. Users pass ``--data``
instead; the ontology, shapes and queries cannot be overridden this way.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

from treatykg.errors import UsageError
from treatykg.rdf import formats

RESOURCE_NAMES = ("ontology", "shapes", "queries", "data")

#: Suffixes that :mod:`treatykg.rdf.load` can parse; other files in data/ are ignored.
DATA_SUFFIXES: tuple[str, ...] = formats.readable_suffixes()

_REPO_ROOT = Path(__file__).resolve().parents[2]

#: The environment variable that replaces the bundled ``data/`` (see the module docstring).
DATA_ENV = "TREATYKG_DATA"


def resource_dir(name: str) -> Path:
    """The directory of bundled resource ``name`` (one of :data:`RESOURCE_NAMES`).

    Raises ValueError for an unknown name and FileNotFoundError when neither the installed
    copy nor the checkout has the folder (a broken install, or a checkout being built).
    Raises UsageError (exit code 2, one line) when :data:`DATA_ENV` names something that is
    not a directory: said, rather than silently falling back to the bundled data.
    """
    if name not in RESOURCE_NAMES:
        raise ValueError(f"unknown resource {name!r}; expected one of {', '.join(RESOURCE_NAMES)}")
    override = os.environ.get(DATA_ENV) if name == "data" else None
    if override:
        chosen = Path(override)
        if not chosen.is_dir():
            raise UsageError(f"{DATA_ENV}={override}: not a directory")
        return chosen
    installed = Path(str(files("treatykg") / "_resources" / name))
    if installed.is_dir():
        return installed
    checkout = _REPO_ROOT / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"bundled {name}/ not found (looked in {installed} and {checkout}); is treatykg installed?"
    )


def collect(directory: Path, suffixes: Iterable[str], *, recursive: bool) -> list[Path]:
    """Regular files under ``directory`` whose suffix (any case) is in ``suffixes``, sorted.

    Hidden files and folders (``.git``, editor lock files) are skipped. Sorting by the
    relative POSIX path makes load order, and so every derived artefact and report,
    independent of the filesystem's directory order.
    """
    wanted = {suffix.lower() for suffix in suffixes}
    candidates = directory.rglob("*") if recursive else directory.iterdir()
    found = [
        path
        for path in candidates
        if path.suffix.lower() in wanted
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
        and path.is_file()
    ]
    return sorted(found, key=lambda path: path.relative_to(directory).as_posix())


def ontology_files() -> list[Path]:
    """The bundled ontology modules: ``ontology/*.ttl``."""
    return collect(resource_dir("ontology"), [".ttl"], recursive=False)


def shape_files() -> list[Path]:
    """The bundled SHACL shapes: ``shapes/*.ttl`` only.

    ``shapes/examples/`` holds valid and invalid example data for the shapes; it must never
    be read as shapes, hence no recursion.
    """
    return collect(resource_dir("shapes"), [".ttl"], recursive=False)


def query_files() -> list[Path]:
    """The bundled SPARQL queries: ``queries/**/*.rq``."""
    return collect(resource_dir("queries"), [".rq"], recursive=True)


def data_files() -> list[Path]:
    """The bundled data: every parsable RDF file under ``data/``, recursively, sorted."""
    return collect(resource_dir("data"), DATA_SUFFIXES, recursive=True)
