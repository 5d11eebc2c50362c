"""The changesets a release publishes: ``treatykg build --previous DIR``.

Why in the release: a store that loaded the previous release needs an update, not a reload; a
reader who cited it needs to know what changed; and both need it to be *the* changeset of this
release, published with it and named in its description, not one each computes. So a build
given the previous release (``DIR``, a build directory) diffs it against the release being
built (:func:`treatykg.changes.diff.diff`, on both releases' sorted ``treatykg.nt``: the new
one is read from the staging directory once its dumps are written) and writes three files:

* ``changes-<version>.rdfp``: the RDF Patch (:mod:`treatykg.changes.patch`), whose headers say
  what it applies to;
* ``changes-<version>.ru``: the same changes as a plain SPARQL 1.1 Update
  (:func:`treatykg.changes.update.update`) that any store runs, with a comment saying which
  release it applies to and that ``treatykg load --update`` applies it checked;
* ``changes-<version>.json``: the summary pages and people read
  (:mod:`treatykg.changes.summary`), with the new version's date.

A release also carries forward every ``changes-*`` file ``DIR`` has, byte for byte (checked
against ``DIR``'s manifest), so that the latest release holds the whole history and the static
site made from it keeps a page per version. ``void.ttl`` names the versions and changesets
(:mod:`treatykg.publish.void`); the files are listed there and in ``manifest.json``.

``DIR`` is read before the build starts, so that a wrong ``--previous`` (not a build, no
version, the same version as the one being built) fails at once, with one line and nothing
written. The version being built is known once the data is loaded, and checked then.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD
from rdflib.term import Node

from treatykg import atomic
from treatykg.changes import patch
from treatykg.changes.diff import diff
from treatykg.changes.releases import DEFAULT_DUMP, DESCRIPTION, open_side
from treatykg.changes.summary import Summary, file_name, from_json, to_json
from treatykg.changes.update import update_file
from treatykg.errors import InputError, UsageError
from treatykg.namespaces import ADMS, DATASET, DCAT
from treatykg.publish import void
from treatykg.publish.release import OutputFile, dataset_version
from treatykg.rdf import formats

#: The suffix and media type of the SPARQL Update file and of the summary (rows of
#: :mod:`treatykg.rdf.formats`).
UPDATE_SUFFIX = formats.BY_KEY["sparql-update"].suffix
UPDATE_MEDIA_TYPE = formats.BY_KEY["sparql-update"].media_type
SUMMARY_SUFFIX = formats.BY_KEY["json"].suffix
SUMMARY_MEDIA_TYPE = formats.BY_KEY["json"].media_type
#: A changeset's files, in the order a release lists them, each with its media type.
MEDIA_TYPES: dict[str, str] = {
    patch.SUFFIX: patch.MEDIA_TYPE,
    UPDATE_SUFFIX: UPDATE_MEDIA_TYPE,
    SUMMARY_SUFFIX: SUMMARY_MEDIA_TYPE,
}
_FILE = re.compile(r"changes-(?P<version>.+?)(?P<suffix>\.rdfp|\.ru|\.json)")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Where the version being built is stated, as an error message says.
_WHERE = "dcat:version in the data's dataset.ttl"


@dataclass(frozen=True)
class Previous:
    """The release ``--previous`` names, as read before the build starts."""

    directory: Path
    #: How the user named it, for messages.
    shown: str
    #: Its ``dcat:version``.
    version: str
    #: The versions it knows of (its own among them), with their dates and notes.
    versions: dict[str, void.Version]
    #: Its changesets, carried forward: each one's summary and file names.
    changesets: tuple[void.Changes, ...]


@dataclass(frozen=True)
class Published:
    """What :func:`publish` wrote into a release."""

    #: The records of the changeset files: the new ones, then those carried forward.
    files: tuple[OutputFile, ...]
    #: What ``void.ttl`` says of the versions and changesets.
    history: void.History
    #: The new changeset's summary.
    summary: Summary


def open_previous(directory: str | Path) -> Previous:
    """Read the release ``directory`` (a build): its version, the versions it knows of and
    its changeset files. An :class:`~treatykg.errors.InputError` (exit 2) when it is not a
    build, does not state its version, or its changeset files are not those its manifest
    lists."""
    shown = str(directory)
    path = Path(directory)
    if not path.is_dir():
        raise InputError(shown, "--previous: no such release directory")
    for required in (atomic.MARKER, DEFAULT_DUMP, DESCRIPTION):
        if not (path / required).is_file():
            raise InputError(
                shown,
                f"not a treatykg build (it has no {required}): --previous names the "
                "directory of the release before this one",
            )
    listed = _manifest(path / atomic.MARKER)
    description = _description(path / DESCRIPTION)
    stated = [str(v) for v in description.objects(DATASET, DCAT.version)]
    if not stated:
        raise InputError(
            str(path / DESCRIPTION),
            "it states no dcat:version of the dataset: --previous needs a release that says "
            "which version it is",
        )
    version = dataset_version(stated)
    versions = _versions(description)
    if version not in versions:  # a release built before versions were described
        dates = _literals(description.objects(DATASET, DCTERMS.issued))
        versions[version] = void.Version(version, dates[0] if dates else None)
    changesets = _carried(path, listed)
    for changes in changesets:
        for known in (changes.old, changes.new):
            versions.setdefault(known, void.Version(known))
        newer = versions[changes.new]
        if newer.previous is None or newer.issued is None:
            versions[changes.new] = void.Version(
                newer.version,
                newer.issued or _date(changes.summary.issued),
                newer.previous or changes.old,
                newer.notes,
            )
    return Previous(path, shown, version, versions, changesets)


def check(previous: Previous, version: str) -> None:
    """A :class:`~treatykg.errors.UsageError` (exit 2) unless ``version`` can follow
    ``previous``: it must be another version, not one already in its history, and a version
    that can name files (``changes-0.2.0.rdfp``) and IRIs."""
    if not _VERSION.fullmatch(version):
        raise UsageError(
            f"version {version!r} cannot name the changeset's files: give {_WHERE} letters, "
            "digits, dots, hyphens and underscores only (0.2.0)"
        )
    if version == previous.version:
        raise UsageError(
            f"--previous {previous.shown} is version {version}, the version being built: "
            f"raise {_WHERE} for the new release"
        )
    if version in previous.versions:
        raise UsageError(
            f"--previous {previous.shown} already has version {version} in its history: "
            f"raise {_WHERE} past {previous.version}"
        )


def publish(previous: Previous, staging: Path, version: str, issued: Literal | None) -> Published:
    """Write the changeset from ``previous`` to the release in ``staging`` (whose dumps are
    written) and copy ``previous``'s changeset files beside it; ``issued`` is the new
    version's date."""
    check(previous, version)
    old = open_side(str(previous.directory), staging)
    old.version = previous.version
    new = open_side(str(staging), staging)
    new.version = version
    changeset = diff(old, new)
    summary = Summary.of(changeset, issued=str(issued) if issued is not None else None)
    contents = {
        patch.SUFFIX: patch.write(changeset),
        UPDATE_SUFFIX: update_file(changeset),
        SUMMARY_SUFFIX: to_json(summary),
    }
    files: list[OutputFile] = []
    for suffix, data in contents.items():
        name = file_name(version, suffix)
        (staging / name).write_bytes(data)
        files.append(_record(staging / name, suffix, previous.version, version))
    for changes in previous.changesets:
        for name in changes.files:
            shutil.copyfile(previous.directory / name, staging / name)
            suffix = _suffix(name)
            files.append(_record(staging / name, suffix, changes.old, changes.new))
    new_changes = void.Changes(summary, tuple(file_name(version, s) for s in MEDIA_TYPES))
    history = void.History(
        previous.version,
        tuple(previous.versions[v] for v in sorted(previous.versions)),
        (*previous.changesets, new_changes),
    )
    return Published(tuple(files), history, summary)


def _record(path: Path, suffix: str, old: str, new: str) -> OutputFile:
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return OutputFile(
        path.name, MEDIA_TYPES[suffix], describe(suffix, old, new), path.stat().st_size, digest
    )


def describe(suffix: str, old: str, new: str) -> str:
    """What the changeset file with ``suffix`` holds, as the manifest and ``void.ttl`` say."""
    if suffix == patch.SUFFIX:
        return (
            f"the changes from version {old} to {new} as an RDF Patch: the statements removed "
            "and added, resource by resource, and what the patch applies to"
        )
    if suffix == UPDATE_SUFFIX:
        return (
            f"the changes from version {old} to {new} as a SPARQL 1.1 Update that any store "
            f"holding version {old} can run"
        )
    return (
        f"what changed from version {old} to {new}, per resource (added, removed or changed, "
        "and which properties), as JSON"
    )


def _suffix(name: str) -> str:
    found = _FILE.fullmatch(name)
    assert found is not None
    return found["suffix"]


def _manifest(path: Path) -> dict[str, str]:
    """The files a build's manifest lists, each with its SHA-256."""
    try:
        entries = json.loads(path.read_bytes())["files"]
        return {str(entry["name"]): str(entry["sha256"]) for entry in entries}
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(str(path), "not a treatykg manifest") from None


def _description(path: Path) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises several kinds for a malformed file
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(str(path), f"cannot read it as Turtle: {message}") from None
    return graph


def _versions(description: Graph) -> dict[str, void.Version]:
    """The versions a release's ``void.ttl`` describes, with their dates, notes and the
    versions they revise."""
    names: dict[URIRef, str] = {}
    for node in description.subjects(DCAT.isVersionOf, DATASET):
        stated = sorted(str(v) for v in description.objects(node, DCAT.version))
        if isinstance(node, URIRef) and stated:
            names[node] = stated[0]
    versions = {}
    for node, name in names.items():
        dates = _literals(description.objects(node, DCTERMS.issued))
        previous = sorted(
            names[o]
            for o in description.objects(node, DCAT.previousVersion)
            if isinstance(o, URIRef) and o in names
        )
        versions[name] = void.Version(
            name,
            dates[0] if dates else None,
            previous[0] if previous else None,
            tuple(_literals(description.objects(node, ADMS.versionNotes))),
        )
    return versions


def _carried(directory: Path, listed: dict[str, str]) -> tuple[void.Changes, ...]:
    """The changesets whose files ``directory``'s manifest lists, each checked against it."""
    by_version: dict[str, list[str]] = {}
    for name in sorted(listed):
        found = _FILE.fullmatch(name)
        if found is not None:
            by_version.setdefault(found["version"], []).append(name)
    carried = []
    for version, names in sorted(by_version.items()):
        for name in names:
            path = directory / name
            if not path.is_file() or _sha256(path) != listed[name]:
                raise InputError(str(path), "missing, or not the file its release's manifest lists")
        summary_name = file_name(version, SUMMARY_SUFFIX)
        if summary_name not in names:
            raise InputError(str(directory / names[0]), f"its summary {summary_name} is missing")
        summary = from_json((directory / summary_name).read_bytes(), str(directory / summary_name))
        if summary.new_version != version or summary.old_version is None:
            raise InputError(
                str(directory / summary_name), f"not the summary of the changes to {version}"
            )
        carried.append(void.Changes(summary, tuple(_ordered(names))))
    return tuple(carried)


def _ordered(names: Iterable[str]) -> list[str]:
    """A changeset's file names in the order of :data:`MEDIA_TYPES`."""
    order = list(MEDIA_TYPES)
    return sorted(names, key=lambda name: order.index(_suffix(name)))


def _literals(nodes: Iterable[Node]) -> list[Literal]:
    """The literals among ``nodes``, sorted (the least first)."""
    return sorted(n for n in nodes if isinstance(n, Literal))


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _date(text: str | None) -> Literal | None:
    """A date a summary gives (``2026-12-06``) as ``void.ttl`` states dates."""
    if text is None or not _DATE.fullmatch(text):
        return None
    return Literal(text, datatype=XSD.date)
