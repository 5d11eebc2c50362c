"""``treatykg build``: validate the sources, then publish them in every form users load.

The build is the project's main job. It is all-or-nothing: the sources are loaded and
validated first, and **nothing is written unless the data conforms**; the files are then
written into a staging directory that replaces the output directory only once every file is
complete (see :mod:`treatykg.atomic`). The output is deterministic: the same input gives
byte-identical files, so a release can be diffed in git and its checksums mean something.

The files are the rows of :data:`treatykg.publish.release.FILES`. The data takes one road, and
its memory does not grow with the files' quads, only with the Store (ten million statements
build in a few GB; see benchmarks/README.md):

1. **files → pyoxigraph quads**, one file at a time (:class:`~treatykg.rdf.load.QuadFiles`:
   strict, blank nodes scoped per file, literals exactly as written); the ontology, small, is
   read with rdflib (the JSON-LD context is made from it) and converted once;
2. each block of quads goes **into one in-memory Store**, which the validation
   (:func:`~treatykg.validation.validate.validate_loaded`), the VoID statistics, the framed
   view and the Wikidata files all query, **into** :class:`~treatykg.validation.engine.Originals`
   (the literals the Store rewrote), and **into a sorter** of N-Triples lines
   (:class:`~treatykg.rdf.sorted_lines.LineSorter`), which spills sorted runs into the staging
   directory past its memory budget, since the dumps must keep every literal as written;
3. **sorted lines → dumps** (:class:`~treatykg.rdf.dumps.Dumps`): N-Triples first, then the
   other formats read back from it, each written to its file as it is made. Past 200,000
   statements a second process writes them (:mod:`~treatykg.publish.dump_process`) while this
   one validates and writes the views and link files from the Store, so a large build uses
   both cores; each file's record (size, checksum) is read back from it.

Given the previous release (``previous``), the build also publishes the changeset from it
(:mod:`~treatykg.publish.changesets`): once the dumps are written it diffs the previous
release's ``treatykg.nt`` with the one in the staging directory, and writes the changeset files
(and copies the previous release's) before ``void.ttl``, which lists them. The previous release
is read before any work and the new version checked right after loading, so that a wrong
``previous`` costs no validation.

The Store normalises typed literals, so the statistics add back what it merged (from the
:class:`~treatykg.validation.engine.Originals`) rather than loading a second Store. Only data
with named graphs needs a second Store: of the default graph, which the views and links read,
while the statistics count the union.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from treatykg import atomic
from treatykg.changes.summary import Summary
from treatykg.errors import TreatykgError
from treatykg.namespaces import DATASET, DCAT, new_graph
from treatykg.publish import changesets, jsonld, release, void
from treatykg.publish.dump_process import DumpWriter
from treatykg.publish.ingest import SORT_DIRECTORY, ingest
from treatykg.publish.release import OutputFile, skolemize_report
from treatykg.publish.statistics import store_statistics
from treatykg.rdf.dumps import Dumps
from treatykg.rdf.load import (
    PathLike,
    Paths,
    QuadFiles,
    load_ontology,
    load_quads,
    load_shapes,
    parse_bytes,
)
from treatykg.rdf.terms import TermConverter
from treatykg.validation.report import Report
from treatykg.validation.validate import validate_loaded
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
    #: Seconds per stage, in the order the stages ran. ``dumps`` is the time spent waiting for
    #: the dumps, which a second process writes while the validation and the views run.
    timings: dict[str, float] = field(default_factory=dict)
    #: Seconds per dump step (``turtle``, ``jsonld`` …), as the process writing them measured.
    dump_timings: dict[str, float] = field(default_factory=dict)
    #: Staging directories that builds killed earlier had left beside ``out``, now removed.
    removed: tuple[Path, ...] = ()
    #: The changeset from the previous release (``previous``), when one was given.
    changes: Summary | None = None

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
    previous: str | Path | None = None,
) -> BuildResult:
    """Validate the sources and publish them into ``out``.

    ``data``, ``ontology`` and ``shapes`` default to the content bundled with treatykg;
    ``engine`` is passed to :func:`treatykg.validation.validate.validate`; ``site`` also writes the
    static site (:mod:`treatykg.web.site`) into ``out/site``. ``previous`` is the release before
    this one (a build directory; it may be ``out`` itself): the changeset from it is written
    into the release, with the changesets it carries (:mod:`treatykg.publish.changesets`).
    Raises :class:`InvalidDataError` (nothing written) when the data does not conform, and
    :class:`~treatykg.errors.InputError` on malformed or missing input, or a ``previous`` that
    is not a release this one can follow.
    """
    out = Path(out)
    atomic.check_replaceable(out)  # fail before the expensive work, not after it
    prior = changesets.open_previous(previous) if previous is not None else None
    published_changes: changesets.Published | None = None
    stage = _Stages(progress)
    leftovers: list[Path] = []
    files = QuadFiles(data)  # lists the files: a missing one fails here, before any work
    # One background thread: the VoID statistics query the Store without holding the GIL,
    # on the second core, while this thread writes the dumps.
    with (
        atomic.staging(out, leftovers) as staging,
        ThreadPoolExecutor(1, "treatykg-build") as background,
    ):
        with stage("load"):
            onto = load_ontology(ontology)
            shapes_graph = load_shapes(shapes)
            loaded = ingest(files, _ox_quads(onto), staging / SORT_DIRECTORY)
        if prior is not None:  # before the validation: a version that cannot follow is known now
            changesets.check(prior, _stated_version(loaded.published))
        named = loaded.named
        rows = [f for f in release.FILES if named or not f.named_graphs_only]
        dumps = Dumps(
            loaded.default, loaded.named_lines, staging, ntriples_name="treatykg.nt", about=DATASET
        )
        with stage("validate"):
            report = validate_loaded(
                loaded.store,
                shapes_graph,
                statements=loaded.statements,
                originals=loaded.originals,
                reference_data=loaded.reference_data,
                files_for=files.files_for,
                files=files.files,
                engine=engine,
            )
        if not report.conforms:
            raise InvalidDataError(report)
        # The dumps need only the sorted lines: a second process writes them from here on,
        # while this one writes the views from the Store. Not earlier: the validation's
        # queries already use both cores.
        writer = DumpWriter(dumps, rows, staging, named_graphs=named, runs=staging / SORT_DIRECTORY)
        try:
            with stage("context"):
                context = jsonld.build_context(onto)
            store, published = loaded.store, loaded.published
            statistics = background.submit(store_statistics, store, merges=loaded.merges())
            del loaded, store  # with named graphs, the statistics hold the Store of their union
            sources = release.Sources(
                published,
                named_graphs=named,
                context=context,
                ontology=onto,
                shapes=shapes_graph,
                report=report.graph,
                statistics=statistics.result,
            )
            if not writer.in_child:
                _wait_for_dumps(writer, dumps, sources, stage)
            for file in rows:
                if file.dump:
                    continue
                if file is rows[-1]:  # void.ttl lists every file before it: the dumps too
                    _wait_for_dumps(writer, dumps, sources, stage)
                    if prior is not None:  # and the changesets, diffed from the dumps
                        with stage("changes"):
                            published_changes = _publish_changes(prior, staging, sources)
                with stage(file.step):
                    file.write(sources, staging / file.name)
                with stage("write"):
                    sources.written.append(file.record(staging / file.name, named))
        finally:
            writer.stop()
        with stage("write"):
            shutil.rmtree(staging / SORT_DIRECTORY, ignore_errors=True)
            (staging / atomic.MARKER).write_bytes(release.manifest(sources.written))
        if site:
            with stage("site"):
                (staging / "site").mkdir()
                write_into(Documents(staging, endpoint=None), staging / "site")
    return BuildResult(
        out=out,
        files=tuple(sources.written),
        statements=writer.result().statements,
        report=report,
        timings=stage.timings,
        dump_timings=writer.result().timings,
        removed=tuple(leftovers),
        changes=published_changes.summary if published_changes is not None else None,
    )


def _stated_version(store: ox.Store) -> str:
    """The version the release will be published as, read from the loaded data (as
    ``void.ttl`` will read it from the dumps: :func:`release.dataset_version`)."""
    stated = store.quads_for_pattern(
        ox.NamedNode(str(DATASET)), ox.NamedNode(str(DCAT.version)), None, ox.DefaultGraph()
    )
    return release.dataset_version(q.object.value for q in stated if type(q.object) is ox.Literal)


def _publish_changes(
    prior: changesets.Previous, staging: Path, sources: release.Sources
) -> changesets.Published:
    """Write the changeset files into ``staging`` and tell ``void.ttl`` about them."""
    about = sources.about if sources.about is not None else new_graph()
    version = release.dataset_version(str(v) for v in about.objects(DATASET, DCAT.version))
    done = changesets.publish(prior, staging, version, void.issued(about))
    sources.written.extend(done.files)
    sources.history = done.history
    return done


def _wait_for_dumps(
    writer: DumpWriter, dumps: Dumps, sources: release.Sources, stage: _Stages
) -> None:
    """Put the dumps' records first in ``sources`` once written, and free their sorted lines."""
    if sources.about is not None:
        return
    with stage("dumps"):
        written = writer.result()
    sources.written[:0] = written.files
    sources.about = _about(written.about_lines)
    dumps.default.remove()
    if dumps.named is not None:
        dumps.named.remove()


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
            sources.written.append(file.make(sources, staging))
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


def _about(lines: list[bytes]) -> Graph:
    """The statements about the dataset, exactly as written, as an rdflib graph."""
    graph = new_graph()
    for s, p, o in parse_bytes(b"\n".join(lines) + b"\n" if lines else b""):
        graph.add((s, p, o))
    return graph
