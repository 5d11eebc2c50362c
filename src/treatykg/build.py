"""``treatykg build``: validate the sources, then publish them in every form users load.

The build is the project's main job. It is all-or-nothing: the sources are loaded and
validated first, and **nothing is written unless the data conforms**; the files are then
written into a staging directory that replaces the output directory only once every file is
complete (see :mod:`treatykg.atomic`). The output is deterministic: the same input gives
byte-identical files, so a release can be diffed in git and its checksums mean something.

What each file holds is listed in :data:`FILES` and repeated in the dataset description
(``void.ttl``) and in ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, RDF, SH
from rdflib.term import Node

from treatykg import __version__, atomic, describe, serialize
from treatykg.errors import TreatykgError
from treatykg.load import Paths, load, load_graph, load_ontology, load_quads, load_shapes
from treatykg.namespaces import BASE, new_graph
from treatykg.report import Report

DATASET = URIRef(f"{BASE}dataset")
REPORT = URIRef(f"{BASE}dataset/validation-report")

Progress = Callable[[str], None]
Quad = tuple[Node, Node, Node, Node]


@dataclass(frozen=True)
class OutputFile:
    """One file of a release, as the manifest and the dataset description list it."""

    name: str
    media_type: str
    description: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BuildResult:
    """What a successful build wrote, and how long each stage took."""

    out: Path
    files: tuple[OutputFile, ...]
    #: Triples (quads) in the published dump: ontology and data.
    statements: int
    report: Report = field(repr=False)
    #: Seconds per stage, in the order the stages ran.
    timings: dict[str, float] = field(default_factory=dict)
    #: Staging directories that builds killed earlier had left beside ``out``, now removed.
    removed: tuple[Path, ...] = ()

    @property
    def duration(self) -> float:
        return sum(self.timings.values())


class InvalidDataError(TreatykgError):
    """The data does not conform to the shapes: nothing was written."""

    exit_code = 1

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(f"the data does not conform ({report.summary()}); nothing was written")


class _Stages:
    """Times named stages and tells a progress callback when each one starts."""

    def __init__(self, progress: Progress | None) -> None:
        self.timings: dict[str, float] = {}
        self._progress = progress

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        if self._progress is not None:
            self._progress(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started


def build(
    out: str | Path = "dist",
    *,
    data: Paths | None = None,
    ontology: Paths | None = None,
    shapes: Paths | None = None,
    engine: str = "auto",
    progress: Progress | None = None,
    site: bool = False,
) -> BuildResult:
    """Validate the sources and publish them into ``out``.

    ``data``, ``ontology`` and ``shapes`` default to the content bundled with treatykg;
    ``engine`` is passed to :func:`treatykg.validate.validate`; ``site`` also writes the
    static site (:mod:`treatykg.site`) into ``out/site``.
    Raises :class:`InvalidDataError` (nothing written) when the data does not conform, and
    :class:`~treatykg.errors.InputError` on malformed or missing input.
    """
    from treatykg.validate import validate_quads

    out = Path(out)
    atomic.check_replaceable(out)  # fail before the expensive work, not after it
    stage = _Stages(progress)
    with stage("load"):
        loaded = load_quads(data)
        onto = load_ontology(ontology)
        shapes_graph = load_shapes(shapes)
    with stage("merge"):
        # Everything stays in pyoxigraph terms: converting a corpus to rdflib costs more than
        # all the rest of the build (see benchmarks/bench_scale.py).
        data_quads = list(loaded.quads())
        everything = [*_ox_quads(onto), *data_quads]
        named = loaded.graph_formats and any(
            type(q.graph_name) is not ox.DefaultGraph for q in data_quads
        )
    with stage("validate"):
        report, store = validate_quads(
            everything, shapes_graph, files_for=loaded.files_for, files=loaded.files, engine=engine
        )
    if not report.conforms:
        raise InvalidDataError(report)

    from treatykg import context as jsonld_context
    from treatykg import serialize

    dump = "ontology and data"
    flat = f"{dump} (the default graph only; named graphs are in the .trig/.nq)"
    written: list[OutputFile] = []
    # One background thread: the VoID statistics load a Store of their own and count it
    # without holding the GIL, on the second core, while this thread writes the dumps.
    leftovers: list[Path] = []
    with (
        atomic.staging(out, leftovers) as staging,
        ThreadPoolExecutor(1, "treatykg-build") as background,
    ):

        def emit(step: str, name: str, fmt: str, what: str, make: Callable[[], bytes]) -> None:
            """Make one file's bytes (timed as ``step``), write it, remember its checksum."""
            with stage(step):
                content = make()
            with stage("write"):
                (staging / name).write_bytes(content)
            digest = hashlib.sha256(content).hexdigest()
            # An RDF format's name, or the media type of a file that is not RDF (mappings).
            media_type = fmt if "/" in fmt else serialize.get_format(fmt).media_type
            written.append(OutputFile(name, media_type, what, len(content), digest))

        with stage("context"):
            context = jsonld_context.build_context(onto)
        with stage("sort"):
            canonical = serialize.canonical(everything, named_graphs=named)  # sorted once
            default = serialize.Canonical(canonical.default, (), canonical.statements)
        statistics = background.submit(_statistics, canonical)
        with stage("published"):
            published = store if not named else _default_store(canonical)
        files = [
            (
                "turtle",
                "treatykg.ttl",
                "turtle",
                flat if named else dump,
                default.turtle,
            ),
            (
                "ntriples",
                "treatykg.nt",
                "ntriples",
                flat if named else dump,
                default.ntriples,
            ),
        ]
        if named:
            files += [
                (
                    "trig",
                    "treatykg.trig",
                    "trig",
                    f"{dump}, with every named graph",
                    canonical.trig,
                ),
                (
                    "nquads",
                    "treatykg.nq",
                    "nquads",
                    f"{dump}, with every named graph",
                    canonical.nquads,
                ),
            ]
        files += [
            (
                "jsonld",
                "treatykg.jsonld",
                "jsonld",
                f"{dump} as expanded JSON-LD, one node object per line (compact it with "
                "context.jsonld; treatykg.framed.jsonld is the compacted view)",
                canonical.jsonld,
            ),
            (
                "framed",
                "treatykg.framed.jsonld",
                "jsonld",
                "treaties embedding their articles, "
                "norms and directed obligations (JSON-LD framed for web pages)",
                lambda: jsonld_context.framed(published, context),
            ),
            (
                "context",
                "context.jsonld",
                "jsonld",
                "the treatykg JSON-LD context",
                lambda: jsonld_context.context_document(context),
            ),
            (
                "ontology",
                "ontology.ttl",
                "turtle",
                "the treatykg ontology",
                lambda: serialize.turtle(onto),
            ),
            (
                "ontology",
                "ontology.jsonld",
                "jsonld",
                "the treatykg ontology",
                lambda: serialize.jsonld(onto, context),
            ),
            (
                "shapes",
                "shapes.ttl",
                "turtle",
                "the SHACL shapes every release conforms to",
                lambda: serialize.turtle(shapes_graph),
            ),
            (
                "shapes",
                "shapes.jsonld",
                "jsonld",
                "the SHACL shapes every release conforms to",
                lambda: serialize.jsonld(shapes_graph, context),
            ),
            (
                "report",
                "validation-report.ttl",
                "turtle",
                "the SHACL validation report of this release",
                lambda: serialize.turtle(skolemize_report(report.graph)),
            ),
        ]
        for step, name, fmt, what, make in files:
            emit(step, name, fmt, what, make)
        for name, media_type, what, make in linking_files(published):
            emit("link", name, media_type, what, make)
        # Last: the description lists every file written so far, with its size and checksum.
        emit(
            "describe",
            "void.ttl",
            "turtle",
            "VoID and DCAT description of the dataset",
            lambda: serialize.turtle(_description(canonical, written, statistics.result())),
        )
        with stage("write"):
            (staging / atomic.MARKER).write_bytes(_manifest(written))
        if site:
            from treatykg.documents import Documents
            from treatykg.site import write_into

            with stage("site"):
                (staging / "site").mkdir()
                write_into(Documents(staging, endpoint=None), staging / "site")
    return BuildResult(
        out=out,
        files=tuple(written),
        statements=len(canonical),
        report=report,
        timings=stage.timings,
        removed=tuple(leftovers),
    )


def linking_files(
    published: ox.Store | Graph,
) -> list[tuple[str, str, str, Callable[[], bytes]]]:
    """The files that link the dataset with Wikidata: name, media type, description, maker.

    ``published`` is the published default graph, best as a pyoxigraph Store: the four
    tables are then read from it in one pass (:func:`treatykg.linking.exports`).
    """
    from treatykg import linking, wikidata

    tables: dict[str, str] = {}

    def table(name: str) -> Callable[[], bytes]:
        def make() -> bytes:
            if not tables:
                tables.update(linking.exports(published))
            return tables[name].encode("utf-8")

        return make

    return [
        (
            "wikidata.nt",
            "application/n-triples",
            "the dataset in Wikidata's RDF model (wdt:, p:/ps:/pq:/pr:, ranks, references), "
            "with Wikidata's items wherever a verified link exists",
            lambda: wikidata.view_ntriples(published),
        ),
        (
            "mappings.sssom.tsv",
            "text/tab-separated-values",
            "SSSOM mappings of treatykg's terms and entities to Wikidata",
            table("mappings.sssom.tsv"),
        ),
        (
            "wikidata.qs",
            "text/plain",
            "QuickStatements V1 commands for what Wikidata could take from treatykg, each "
            "with its references, only for items with a verified link",
            table("wikidata.qs"),
        ),
        (
            "wikidata-unmatched.tsv",
            "text/tab-separated-values",
            "treatykg entities with no verified Wikidata item (never created automatically)",
            table("wikidata-unmatched.tsv"),
        ),
        (
            "mixnmatch.tsv",
            "text/tab-separated-values",
            "a Mix'n'match catalogue of the unmatched entities (id, name, description, type, url)",
            table("mixnmatch.tsv"),
        ),
    ]


def write_linking(out: str | Path, data: Paths | None = None) -> tuple[OutputFile, ...]:
    """``treatykg wikidata``: the linking files alone, from the build ``data`` points to (its
    ``treatykg.ttl``) or from the bundled sources, into ``out`` with a manifest; the same bytes
    a build writes, replaced whole like a build."""
    if data is None:
        published, _ = _merge(load_ontology(), load())
    else:
        published = load_graph([Path(data) / "treatykg.ttl"])
    written = []
    with atomic.staging(Path(out)) as staging:
        for name, media_type, what, make in linking_files(published):
            content = make()
            (staging / name).write_bytes(content)
            digest = hashlib.sha256(content).hexdigest()
            written.append(OutputFile(name, media_type, what, len(content), digest))
        (staging / atomic.MARKER).write_bytes(_manifest(written))
    return tuple(written)


def _statistics(canonical: serialize.Canonical) -> describe.Statistics:
    """The VoID numbers of what the dumps hold (see :func:`_statistics_store`)."""
    return describe.store_statistics(_statistics_store(canonical))


def _description(
    canonical: serialize.Canonical, files: Sequence[OutputFile], stats: describe.Statistics
) -> Graph:
    distributions = [
        describe.Distribution(
            f.name,
            f.media_type,
            f.size,
            f.sha256,
            f.description,
            dump=f.name.startswith("treatykg.") and ".framed." not in f.name,
        )
        for f in files
    ]
    about = _about_lines(canonical, DATASET)
    return describe.describe(stats, distributions, metadata=about, version=_version(about))


#: XSD datatypes in N-Triples, and a stand-in no Store interprets (see _statistics_store).
_XSD_TYPED = b'"^^<http://www.w3.org/2001/XMLSchema#'
_OPAQUE_TYPED = b'"^^<urn:treatykg:opaque-xsd:'


def _statistics_store(canonical: serialize.Canonical) -> ox.Store:
    """A Store of every statement (named graphs merged) that counts what the files hold.

    A Store merges literals it normalizes ("2"^^xsd:integer and "2"^^xsd:positiveInteger
    become one term), which would change the counts of distinct objects and of triples. The
    XSD datatypes are renamed to a datatype no Store interprets, one for one (the counts do
    not look at datatypes), so that every literal stays distinct exactly as in the files.
    """
    store = ox.Store()
    text = canonical.ntriples_of(with_named=True).replace(_XSD_TYPED, _OPAQUE_TYPED)
    store.bulk_load(text, format=ox.RdfFormat.N_TRIPLES)
    return store


def _ox_quads(graph: Graph) -> list[ox.Quad]:
    """An rdflib graph (the ontology: small) as pyoxigraph quads in the default graph."""
    from treatykg.serialize import _ToOxigraph

    convert = _ToOxigraph()
    return [ox.Quad(convert(s)[0], convert(p)[0], convert(o)[0]) for s, p, o in graph]


def _default_store(canonical: serialize.Canonical) -> ox.Store:
    """A Store of the published default graph (what the flat dumps hold)."""
    store = ox.Store()
    store.bulk_load(canonical.ntriples_of(), format=ox.RdfFormat.N_TRIPLES)
    return store


def _about_lines(canonical: serialize.Canonical, subject: URIRef) -> Graph:
    """The statements about ``subject``, exactly as written, found by bisection in the
    sorted lines (a corpus has a million)."""
    from bisect import bisect_left

    from treatykg.load import parse_bytes

    prefix = f"<{subject}> ".encode()
    lines = canonical.default
    start = bisect_left(lines, prefix, key=serialize.line_key)
    block = []
    for line in lines[start:]:
        if not line.startswith(prefix):
            break
        block.append(line)
    graph = new_graph()
    for s, p, o in parse_bytes(b"\n".join(block) + b"\n"):
        graph.add((s, p, o))
    return graph


def _merge(ontology: Graph, data: Dataset) -> tuple[Graph, tuple[Quad, ...]]:
    """What the dumps publish: the ontology with the data's default graph as one Graph, and
    the statements of the data's named graphs (usually none) kept apart as quads."""
    merged = new_graph()
    for triple in ontology:
        merged.add(triple)
    named: list[Quad] = []
    for s, p, o, g in data.quads((None, None, None, None)):
        if g is None or g == DATASET_DEFAULT_GRAPH_ID:
            merged.add((s, p, o))
        else:
            named.append((s, p, o, g))
    return merged, tuple(named)


def _version(about: Graph) -> str:
    version = next(about.objects(DATASET, URIRef("http://www.w3.org/ns/dcat#version")), None)
    return str(version) if version is not None else __version__


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


def _manifest(files: Sequence[OutputFile]) -> bytes:
    from treatykg.serialize import canonical_json

    return canonical_json(
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
