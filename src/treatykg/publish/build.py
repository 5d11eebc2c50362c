"""``treatykg build``: validate the sources, then publish them in every form users load.

The build is the project's main job. It is all-or-nothing: the sources are loaded and
validated first, and **nothing is written unless the data conforms**; the files are then
written into a staging directory that replaces the output directory only once every file is
complete (see :mod:`treatykg.atomic`). The output is deterministic: the same input gives
byte-identical files, so a release can be diffed in git and its checksums mean something.

The files are the rows of :data:`treatykg.publish.release.FILES`. The data takes one road:

1. **files → pyoxigraph quads** (:func:`~treatykg.rdf.load.load_quads`: strict, blank nodes
   scoped per file, literals exactly as written); the ontology, small, is read with rdflib
   (the JSON-LD context is made from it) and converted once;
2. **quads → one Store** (:func:`~treatykg.validation.validate.validate_quads`), which the
   validation, the VoID statistics, the framed view and the Wikidata files all query;
3. **quads → sorted lines** (:func:`~treatykg.rdf.serialize.sort_statements`): the dumps
   (Turtle, N-Triples, TriG, N-Quads, JSON-LD) are written from them, since a Store rewrites
   some literals. The quads end here: once the dumps are written, the lines go too.

The Store normalises typed literals, so the statistics add back what it merged
(:func:`~treatykg.rdf.store.merges`, from the lines) rather than loading a second Store.
Only data with named graphs needs a second Store: of the default graph, which the views and
links read, while the statistics count the union.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from treatykg import atomic
from treatykg.errors import TreatykgError
from treatykg.namespaces import DATASET, new_graph
from treatykg.publish import jsonld, release
from treatykg.publish.release import OutputFile, skolemize_report
from treatykg.publish.statistics import store_statistics
from treatykg.rdf import serialize
from treatykg.rdf import store as graphstore
from treatykg.rdf.load import PathLike, Paths, load_ontology, load_quads, load_shapes, parse_bytes
from treatykg.rdf.terms import TermConverter
from treatykg.validation.report import Report
from treatykg.validation.validate import validate_quads
from treatykg.web.documents import Documents
from treatykg.web.site import write_into

Progress = Callable[[str], None]

__all__ = [
    "BuildResult",
    "InvalidDataError",
    "OutputFile",
    "build",
    "skolemize_report",
    "write_linking",
]


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
    ``engine`` is passed to :func:`treatykg.validation.validate.validate`; ``site`` also writes the
    static site (:mod:`treatykg.web.site`) into ``out/site``.
    Raises :class:`InvalidDataError` (nothing written) when the data does not conform, and
    :class:`~treatykg.errors.InputError` on malformed or missing input.
    """
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
        everything = [*_ox_quads(onto), *loaded.quads()]
        named = loaded.graph_formats and any(
            type(q.graph_name) is not ox.DefaultGraph for q in everything
        )
    with stage("validate"):
        report, store = validate_quads(
            everything, shapes_graph, files_for=loaded.files_for, files=loaded.files, engine=engine
        )
    if not report.conforms:
        raise InvalidDataError(report)
    del loaded  # the quads live on in ``everything`` until they are sorted

    leftovers: list[Path] = []
    # One background thread: the VoID statistics query the Store without holding the GIL,
    # on the second core, while this thread writes the dumps.
    with (
        atomic.staging(out, leftovers) as staging,
        ThreadPoolExecutor(1, "treatykg-build") as background,
    ):
        with stage("context"):
            context = jsonld.build_context(onto)
        with stage("sort"):
            dumps = serialize.sort_statements(everything, named_graphs=named)
            del everything  # the sorted statements keep one quad per distinct statement
            merges = graphstore.merges(dumps.lines())
            about = _about_lines(dumps.default, DATASET)
        statistics = background.submit(store_statistics, store, merges=merges)
        with stage("published"):
            published = store if not named else _store_of(dumps.default_statements())
        del store  # with named graphs, the statistics hold the Store of their union
        sources = release.Sources(
            published,
            dumps=dumps,
            named_graphs=named,
            context=context,
            ontology=onto,
            shapes=shapes_graph,
            report=report.graph,
            about=about,
            statistics=statistics.result,
        )
        statements = len(dumps)
        del dumps
        files = [f for f in release.FILES if named or not f.named_graphs_only]
        last_dump = max(i for i, f in enumerate(files) if f.dump)
        for i, file in enumerate(files):
            with stage(file.step):
                content = file.make(sources)
            with stage("write"):
                (staging / file.name).write_bytes(content)
            sources.written.append(file.record(content, named))
            del content
            if i == last_dump:
                sources.dumps = None  # the views and links read the Store: free the quads
        with stage("write"):
            (staging / atomic.MARKER).write_bytes(release.manifest(sources.written))
        if site:
            with stage("site"):
                (staging / "site").mkdir()
                write_into(Documents(staging, endpoint=None), staging / "site")
    return BuildResult(
        out=out,
        files=tuple(sources.written),
        statements=statements,
        report=report,
        timings=stage.timings,
        removed=tuple(leftovers),
    )


def write_linking(out: PathLike, data: PathLike | None = None) -> tuple[OutputFile, ...]:
    """``treatykg wikidata``: the linking files alone, from the build ``data`` points to (its
    ``treatykg.ttl``) or from the bundled sources, into ``out`` with a manifest; the same bytes
    a build writes, replaced whole like a build."""
    if data is None:
        quads = [*_ox_quads(load_ontology()), *load_quads().quads()]
    else:
        quads = list(load_quads([Path(data) / "treatykg.ttl"]).quads())
    sources = release.Sources(_store_of(q for q in quads if type(q.graph_name) is ox.DefaultGraph))
    del quads
    with atomic.staging(Path(out)) as staging:
        for file in release.LINKING_FILES:
            content = file.make(sources)
            (staging / file.name).write_bytes(content)
            sources.written.append(file.record(content, named_graphs=False))
        (staging / atomic.MARKER).write_bytes(release.manifest(sources.written))
    return tuple(sources.written)


def _ox_quads(graph: Graph) -> list[ox.Quad]:
    """An rdflib graph (the ontology: small) as pyoxigraph quads in the default graph."""
    convert = TermConverter().to_oxigraph
    return [ox.Quad(convert(s)[0], convert(p)[0], convert(o)[0]) for s, p, o in graph]


def _store_of(quads: Iterable[ox.Quad]) -> ox.Store:
    """A Store of ``quads`` (the published default graph, for the views and links)."""
    store = ox.Store()
    store.bulk_extend(quads)
    return store


def _about_lines(lines: tuple[bytes, ...], subject: URIRef) -> Graph:
    """The statements about ``subject``, exactly as written, found by bisection in the
    sorted lines (a corpus has a million)."""
    prefix = f"<{subject}> ".encode()
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
