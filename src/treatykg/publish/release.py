"""The files of a release, in one table: each one's name, format, what it holds, how it is made.

``treatykg build`` writes the rows of :data:`FILES` in order (the dumps, then the views made
from the published Store, then the linking files, and ``void.ttl`` last, since it lists every
file before it with its size and checksum); ``manifest.json`` and ``void.ttl`` describe each
file with its row's words; ``treatykg wikidata`` writes the linking rows alone. A file's format
is the row of :mod:`treatykg.rdf.formats` for its suffix. Adding a file to a release is one row
here and, if it is made from something new, one field of :class:`Sources`.

Each row writes its file itself (:attr:`ReleaseFile.write`), and its record is read back
from the file: a dump of ten million statements is gigabytes, never held in memory whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SH
from rdflib.term import Node

from treatykg import __version__
from treatykg.link import mappings, wikidata_view
from treatykg.namespaces import BASE, DATASET, DCAT, new_graph
from treatykg.publish import jsonld, void
from treatykg.publish.statistics import Statistics
from treatykg.rdf import formats, serialize
from treatykg.rdf.dumps import Dumps

REPORT = URIRef(f"{BASE}dataset/validation-report")

_T = TypeVar("_T")


@dataclass(frozen=True)
class OutputFile:
    """One file of a release, as the manifest and the dataset description list it."""

    name: str
    media_type: str
    description: str
    size: int
    sha256: str


@dataclass
class Sources:
    """What a release's files are made from; a build gives them all, ``treatykg wikidata``
    only the published Store. A row reads only what it needs, and a source a build no longer
    needs is dropped (``dumps``, once the dumps are written: at a million triples they are a
    large part of the build's memory)."""

    #: The published default graph (ontology and data), which the views and links query.
    published: ox.Store
    #: Every statement (named graphs too), deduplicated and sorted, as the dumps write it.
    dumps: Dumps | None = None
    #: Whether the data has named graphs (then TriG and N-Quads are written too).
    named_graphs: bool = False
    context: dict[str, Any] | None = None
    ontology: Graph | None = None
    shapes: Graph | None = None
    report: Graph | None = None
    #: The hand-written statements about the dataset (``data/dataset.ttl``), for ``void.ttl``.
    about: Graph | None = None
    #: The VoID statistics of the dumps (counted while the dumps are written).
    statistics: Callable[[], Statistics] | None = None
    #: The versions before this one and the changesets it publishes (``build --previous``).
    history: void.History | None = None
    #: The files written so far, for ``void.ttl``.
    written: list[OutputFile] = field(default_factory=list)
    _tables: dict[str, Path] = field(default_factory=dict, repr=False)

    def link_table(self, name: str, path: Path) -> None:
        """Write a table of :func:`treatykg.link.mappings.write_exports` at ``path``: all four
        are made in one reading of the Store, into files beside ``path`` that each row then
        moves into place."""
        if not self._tables:
            spooled = {table: path.with_name(f".{table}.part") for table in mappings.TABLES}
            handles = {table: spool.open("wb") for table, spool in spooled.items()}
            try:
                mappings.write_exports(self.published, handles)
            finally:
                for handle in handles.values():
                    handle.close()
            self._tables.update(spooled)
        self._tables.pop(name).replace(path)


@dataclass(frozen=True)
class ReleaseFile:
    """One row of :data:`FILES`."""

    name: str
    #: What it holds, as ``manifest.json`` and ``void.ttl`` describe it.
    holds: str
    #: How it is made, from the release's :class:`Sources`: writes the file at the path.
    write: Callable[[Sources, Path], None]
    #: The build stage that times its making (``BuildResult.timings``).
    step: str
    #: It holds the whole dataset in an RDF syntax: a ``void:dataDump``.
    dump: bool = False
    #: It holds the default graph only: said so when the data has named graphs.
    flat: bool = False
    #: Written only when the data has named graphs.
    named_graphs_only: bool = False

    @property
    def format(self) -> formats.Format:
        """Its format: the row of :mod:`treatykg.rdf.formats` for its suffix."""
        return formats.BY_SUFFIX[PurePosixPath(self.name).suffix]

    def description(self, named_graphs: bool) -> str:
        if self.flat and named_graphs:
            return f"{self.holds} (the default graph only; named graphs are in the .trig/.nq)"
        return self.holds

    def record(self, path: Path, named_graphs: bool) -> OutputFile:
        """The manifest's record of this file, as written at ``path``."""
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        media_type = self.format.media_type
        size = path.stat().st_size
        return OutputFile(self.name, media_type, self.description(named_graphs), size, digest)

    def make(self, sources: Sources, directory: Path, named_graphs: bool = False) -> OutputFile:
        """Write the file into ``directory`` and return its record."""
        path = directory / self.name
        self.write(sources, path)
        return self.record(path, named_graphs)


def _need(value: _T | None, what: str) -> _T:
    if value is None:
        raise RuntimeError(f"this file is made from the {what}, which was not given")
    return value


def _bytes(make: Callable[[Sources], bytes]) -> Callable[[Sources, Path], None]:
    """A row writer for a file small enough to make in memory (the ontology, the context)."""

    def write(sources: Sources, path: Path) -> None:
        path.write_bytes(make(sources))

    return write


def _streamed(write: Callable[[Sources, BinaryIO], None]) -> Callable[[Sources, Path], None]:
    """A row writer for a view written to a file object as it is made."""

    def into(sources: Sources, path: Path) -> None:
        with path.open("wb") as handle:
            write(sources, handle)

    return into


def _dumps(sources: Sources) -> Dumps:
    return _need(sources.dumps, "sorted statements")


def _framed(sources: Sources, handle: BinaryIO) -> None:
    context = _need(sources.context, "JSON-LD context")
    jsonld.write_framed(sources.published, context, handle)


def _report(sources: Sources) -> bytes:
    return serialize.turtle(skolemize_report(_need(sources.report, "validation report")))


def _description(sources: Sources) -> bytes:
    statistics = _need(sources.statistics, "statistics")()
    about = _need(sources.about, "dataset metadata")
    return serialize.turtle(
        release_description(statistics, sources.written, about, history=sources.history)
    )


def _link_table(name: str) -> Callable[[Sources, Path], None]:
    return lambda sources, path: sources.link_table(name, path)


_DATA = "ontology and data"
_ONTOLOGY = "the treatykg ontology"
_SHAPES = "the SHACL shapes every release conforms to"

#: Every file of a release, in the order a build writes them.
FILES: tuple[ReleaseFile, ...] = (
    ReleaseFile(
        "treatykg.ttl",
        _DATA,
        lambda s, path: _dumps(s).write_turtle(path),
        "turtle",
        dump=True,
        flat=True,
    ),
    ReleaseFile(
        "treatykg.nt",
        _DATA,
        lambda s, path: _dumps(s).write_ntriples(path),
        "ntriples",
        dump=True,
        flat=True,
    ),
    ReleaseFile(
        "treatykg.trig",
        f"{_DATA}, with every named graph",
        lambda s, path: _dumps(s).write_trig(path),
        "trig",
        dump=True,
        named_graphs_only=True,
    ),
    ReleaseFile(
        "treatykg.nq",
        f"{_DATA}, with every named graph",
        lambda s, path: _dumps(s).write_nquads(path),
        "nquads",
        dump=True,
        named_graphs_only=True,
    ),
    ReleaseFile(
        "treatykg.jsonld",
        f"{_DATA} as expanded JSON-LD, one node object per line (compact it with "
        "context.jsonld; treatykg.framed.jsonld is the compacted view)",
        lambda s, path: _dumps(s).write_jsonld(path),
        "jsonld",
        dump=True,
    ),
    ReleaseFile(
        "treatykg.framed.jsonld",
        "treaties embedding their articles, "
        "norms and directed obligations (JSON-LD framed for web pages)",
        _streamed(_framed),
        "framed",
    ),
    ReleaseFile(
        "context.jsonld",
        "the treatykg JSON-LD context",
        _bytes(lambda s: jsonld.context_document(_need(s.context, "JSON-LD context"))),
        "context",
    ),
    ReleaseFile(
        "ontology.ttl",
        _ONTOLOGY,
        _bytes(lambda s: serialize.turtle(_need(s.ontology, "ontology"))),
        "ontology",
    ),
    ReleaseFile(
        "ontology.jsonld",
        _ONTOLOGY,
        _bytes(
            lambda s: serialize.jsonld(_need(s.ontology, "ontology"), _need(s.context, "context"))
        ),
        "ontology",
    ),
    ReleaseFile(
        "shapes.ttl",
        _SHAPES,
        _bytes(lambda s: serialize.turtle(_need(s.shapes, "shapes"))),
        "shapes",
    ),
    ReleaseFile(
        "shapes.jsonld",
        _SHAPES,
        _bytes(lambda s: serialize.jsonld(_need(s.shapes, "shapes"), _need(s.context, "context"))),
        "shapes",
    ),
    ReleaseFile(
        "validation-report.ttl",
        "the SHACL validation report of this release",
        _bytes(_report),
        "report",
    ),
    ReleaseFile(
        "wikidata.nt",
        "the dataset in Wikidata's RDF model (wdt:, p:/ps:/pq:/pr:, ranks, references), "
        "with Wikidata's items wherever a verified link exists",
        _streamed(lambda s, handle: wikidata_view.write_view_ntriples(s.published, handle)),
        "link",
    ),
    ReleaseFile(
        "mappings.sssom.tsv",
        "SSSOM mappings of treatykg's terms and entities to Wikidata",
        _link_table("mappings.sssom.tsv"),
        "link",
    ),
    ReleaseFile(
        "wikidata.qs",
        "QuickStatements V1 commands for what Wikidata could take from treatykg, each "
        "with its references, only for items with a verified link",
        _link_table("wikidata.qs"),
        "link",
    ),
    ReleaseFile(
        "wikidata-unmatched.tsv",
        "treatykg entities with no verified Wikidata item (never created automatically)",
        _link_table("wikidata-unmatched.tsv"),
        "link",
    ),
    ReleaseFile(
        "mixnmatch.tsv",
        "a Mix'n'match catalogue of the unmatched entities (id, name, description, type, url)",
        _link_table("mixnmatch.tsv"),
        "link",
    ),
    # Last: the description lists every file written before it, with its size and checksum.
    ReleaseFile(
        "void.ttl", "VoID and DCAT description of the dataset", _bytes(_description), "describe"
    ),
)

BY_NAME: dict[str, ReleaseFile] = {f.name: f for f in FILES}

#: The files ``treatykg wikidata`` writes: those that link the dataset with Wikidata.
LINKING_FILES: tuple[ReleaseFile, ...] = tuple(f for f in FILES if f.step == "link")


def release_description(
    statistics: Statistics,
    files: Sequence[OutputFile],
    about: Graph,
    history: void.History | None = None,
) -> Graph:
    """The dataset description of a release (``void.ttl``): ``about`` holds the hand-written
    statements about the dataset, ``files`` what was written, with sizes and checksums,
    ``history`` the versions before it (:func:`treatykg.publish.void.dataset_description`)."""
    distributions = [
        void.Distribution(
            f.name,
            f.media_type,
            f.size,
            f.sha256,
            f.description,
            dump=f.name in BY_NAME and BY_NAME[f.name].dump,
        )
        for f in files
    ]
    return void.dataset_description(
        statistics,
        distributions,
        metadata=about,
        version=dataset_version(str(v) for v in about.objects(DATASET, DCAT.version)),
        history=history,
    )


def dataset_version(stated: Iterable[str]) -> str:
    """The version a release is published as: the dataset's ``dcat:version`` (the least, should
    the data state several), else treatykg's own version."""
    return min(stated, default=__version__)


def skolemize_report(report: Graph) -> Graph:
    """The validation report with stable IRIs instead of pySHACL's random blank nodes.

    The report node becomes :data:`REPORT`; every other blank node gets an IRI derived from
    a hash of what it says, so the published report is identical from one build to the next.
    """
    labels: dict[BNode, URIRef] = {}
    roots = [s for s in report.subjects(RDF.type, SH.ValidationReport) if isinstance(s, BNode)]
    for root in roots:
        labels[root] = REPORT

    def label(node: BNode, depth: int = 0) -> URIRef:
        if node not in labels:
            parts = sorted(
                f"{p.n3()} {label(o, depth + 1) if isinstance(o, BNode) and depth < 8 else o.n3()}"
                for p, o in report.predicate_objects(node)
                if p != SH.result
            )
            digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
            labels[node] = URIRef(f"{REPORT}/{digest}")
        return labels[node]

    def term(node: Node) -> Node:
        return label(node) if isinstance(node, BNode) else node

    graph = new_graph()
    for s, p, o in report:
        graph.add((term(s), p, term(o)))
    graph.add((REPORT, DCTERMS.subject, DATASET))
    return graph


def manifest(files: Sequence[OutputFile]) -> bytes:
    """``manifest.json``: the generator and every file, by name, with its checksum."""
    return serialize.canonical_json(
        {
            "generator": f"treatykg {__version__}",
            "files": [
                {
                    "name": f.name,
                    "mediaType": f.media_type,
                    "description": f.description,
                    "bytes": f.size,
                    "sha256": f.sha256,
                }
                for f in sorted(files, key=lambda f: f.name)
            ],
        }
    )
