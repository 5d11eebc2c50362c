"""The documents a build publishes at its IRIs: what ``treatykg serve`` and ``treatykg site`` serve.

A build directory (``treatykg build``) holds whole-dataset files. Linked data needs one
document per resource as well: following ``…/id/state/prk`` must give that state's triples,
not 3,700 others. :class:`Documents` reads a build once and answers, for every server path:

* a **resource** (any IRI under ``https://w3id.org/treatykg/`` that the build mentions, except
  the build's own files) → its description in Turtle, JSON-LD, N-Triples and HTML. The
  description holds the resource's own triples (following blank nodes, as a Concise Bounded
  Description does), the triples that point to it, and the labels of every resource it
  links to or is linked from, so that a client can show names without a second request;
* the **vocabulary** (``/def``; its hash IRIs ``def#State`` come here too) and the
  **shapes** (``/shapes``) → the whole ontology or shapes file, as one hash-IRI document;
* a **build file** (``/treatykg.ttl``, ``/context.jsonld``, ``/void.ttl`` …) → its bytes,
  at the ``dcat:downloadURL`` that ``void.ttl`` gives it;
* a **changeset** the release keeps (:mod:`treatykg.web.changelog`): its IRI
  (``/dataset/changes/0.2.0``) is a resource whether or not the graph mentions it, and its
  page lists the changes (the RDF documents hold what the graph says about it); the list of
  every changeset is a page of its own, ``/dataset/changes.html``, beside the home page and
  the queries (:data:`PAGES`).

Every document is made on first use and kept (the set is finite and small: ~450 resources);
:meth:`Documents.everything` makes them all, for a static site or to warm a server. The RDF
bytes come from :mod:`treatykg.rdf.serialize`, so they are deterministic like the build's.

**Large builds.** A build is read into an rdflib graph in memory (about 1.4 GB and 50 s per
million triples) only if it is small; one whose dump the SPARQL endpoint would serve from a
store on disk (:func:`treatykg.web.endpoint.disk_store.on_disk`: over 64 MiB, about 430,000
triples) is read from that same read-only store and from its sorted N-Triples dump instead
(:class:`~treatykg.web.pages.store_index.StoreGraph`): a document is a few look-ups, whether
a resource exists is one, the pages walk a
:class:`~treatykg.web.pages.store_index.StoreIndex`, and the documents kept are the most
recently used within :data:`CACHED_BYTES`. Memory then stays about the same whatever the
size of the build. The two paths give the same pages and the same documents but for the
labels of blank nodes (the dump's, where reading ``treatykg.ttl`` scopes them to that file):
byte for byte on the bundled data, which has none in its documents. A small build keeps the
in-memory path all the same: it needs no store on disk made for it, and writes a static site
two to three times faster.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS
from rdflib.term import Node

from treatykg.errors import InputError
from treatykg.namespaces import ELI, TKG, new_graph
from treatykg.rdf import serialize
from treatykg.rdf.formats import FORMATS, by_key
from treatykg.rdf.load import parse_file
from treatykg.web import changelog, languages, urls
from treatykg.web.changelog import ChangeLog
from treatykg.web.endpoint import disk_store
from treatykg.web.languages import DEFAULT, LANGUAGES

if TYPE_CHECKING:
    from treatykg.web.pages import Pages
    from treatykg.web.pages.store_index import StoreGraph

#: Properties whose values name a resource; their triples go into the documents of the
#: resources that link to it.
LABELS: tuple[URIRef, ...] = (
    RDFS.label,
    SKOS.prefLabel,
    DCTERMS.title,
    FOAF.name,
    ELI.title,
)

#: The Content-Type of a build file served at the root under its own name, by its suffix.
MEDIA_TYPES: dict[str, str] = {f.suffix: f.content_type for f in FORMATS}

#: Paths with a document of their own that is a whole build file, not a description.
WHOLE_FILE_DOCUMENTS: dict[str, str] = {"/def": "ontology", "/shapes": "shapes"}

#: The pages that are not a resource's, by server path: the name :meth:`Documents.page` knows
#: each by. The changesets' page exists only in a release that keeps a changeset.
PAGES: dict[str, str] = {"/": "index", "/queries": "queries", changelog.INDEX_PATH: "changes"}

#: The media type of a picture file (``/id/treaty/x.obligations.svg``).
SVG = by_key("svg").content_type

#: The build files a site is made from; all must be present.
REQUIRED_FILES = ("treatykg.ttl", "void.ttl", "ontology.ttl", "shapes.ttl", "context.jsonld")

#: The bytes of the documents a large build keeps made (the most recently used): a server
#: of millions of resources cannot keep every one it was asked for.
CACHED_BYTES = 64 * 1024 * 1024
#: How many pages ahead the static site of a large build has its pictures drawn (two windows
#: are kept: see :data:`~treatykg.web.pages.pictures.painter.KEPT_PAGES`).
PREFETCH_WINDOW = 500


@dataclass(frozen=True)
class Document:
    """Bytes to send with their media type, and for a page its language (``Content-Language``;
    None for the RDF documents and files, which carry every language or none)."""

    body: bytes
    media_type: str
    language: str | None = None

    @cached_property
    def etag(self) -> str:
        """The strong entity tag of the bytes (a server's ``ETag``), computed once."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")

#: What :meth:`Recent.get` answers for a key it does not hold.
_ABSENT: Any = object()


class Recent(MutableMapping[_K, _V]):
    """The most recently used entries within a budget of weight (thread-safe): a cache that a
    long-running server can fill for ever without growing. An entry weighs what :meth:`put`
    says, else what ``weigh`` says of it, else 1; one heavier than the whole budget is not
    kept."""

    def __init__(self, budget: int, weigh: Callable[[_V], int] | None = None) -> None:
        self.budget = budget
        self.weight = 0
        self._weigh = weigh
        self._entries: OrderedDict[_K, tuple[_V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: _K, default: Any = None) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return default
            self._entries.move_to_end(key)
            return found[0]

    def __getitem__(self, key: _K) -> _V:
        found = self.get(key, _ABSENT)
        if found is _ABSENT:
            raise KeyError(key)
        return found

    def put(self, key: _K, value: _V, weight: int | None = None) -> _V:
        """Keep ``value`` (unless it alone outweighs the budget) and return it."""
        if weight is None:
            weight = self._weigh(value) if self._weigh is not None else 1
        if weight > self.budget:
            return value
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.weight -= old[1]
            self._entries[key] = (value, weight)
            self.weight += weight
            while self.weight > self.budget:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.weight -= dropped
        return value

    def setdefault(self, key: _K, default: _V) -> _V:
        """The value kept for ``key``, keeping ``default`` first if there is none."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found[0]
        return self.put(key, default)

    def __setitem__(self, key: _K, value: _V) -> None:
        self.put(key, value)

    def __delitem__(self, key: _K) -> None:
        with self._lock:
            _, weight = self._entries.pop(key)
            self.weight -= weight

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def __iter__(self) -> Iterator[_K]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)


class Documents:
    """Every document of one build, made on demand and cached (thread-safe).

    ``store`` (a directory of stores) and ``in_memory`` choose between reading the build
    into memory and reading it from its store on disk as the SPARQL endpoint does
    (:func:`~treatykg.web.endpoint.disk_store.on_disk`; by default, by the dump's size).
    """

    def __init__(
        self,
        build: str | Path,
        *,
        endpoint: str | None = "sparql",
        store: str | Path | None = None,
        in_memory: bool | None = None,
    ) -> None:
        self.build = Path(build)
        self.endpoint = endpoint
        manifest = self.build / "manifest.json"
        if not manifest.is_file():
            raise InputError(
                str(self.build), "not a treatykg build (no manifest.json); run treatykg build"
            )
        for name in REQUIRED_FILES:
            if not (self.build / name).is_file():
                raise InputError(str(self.build / name), "missing from the build")
        listed = json.loads(manifest.read_text(encoding="utf-8"))
        self.file_names: tuple[str, ...] = tuple(sorted(_manifest_names(listed)))
        #: The SHA-256 of each build file the manifest lists (the manifest itself is not).
        self.checksums: dict[str, str] = dict(_manifest_field(listed, "sha256"))
        #: The media type of each build file, as the manifest gives it.
        self.media_types: dict[str, str] = dict(_manifest_field(listed, "mediaType"))
        #: The changesets the release keeps (read now: a damaged summary fails at start-up).
        self.changes: ChangeLog = changelog.read(self.build, self.file_names)
        self.stores = Path(store) if store is not None else None
        #: Whether the build is read from its store on disk rather than held in memory.
        self.large = disk_store.on_disk(disk_store.dump_of(self.build), self.stores, in_memory)
        #: The documents made so far (all of them for a small build), by weight in bytes.
        self._cache: Recent[tuple[str, str], Document] = Recent(
            CACHED_BYTES if self.large else sys.maxsize, lambda document: len(document.body)
        )

    # --- graphs ----------------------------------------------------------------------------

    @cached_property
    def graph(self) -> Graph:
        """Everything the site describes: dataset and ontology, VoID, validation report, and
        the header of the shapes (so that their version IRI is a resource too)."""
        graph = new_graph()
        for quad in parse_file(self.build / "treatykg.ttl", "treatykg.ttl"):
            graph.add(quad[:3])
        for triple in self._extra():
            graph.add(triple)
        return graph

    @cached_property
    def store_path(self) -> Path:
        """Where the build's store on disk is (made first if there is none yet: 15 s per
        million triples, once per build), for a large build."""
        return disk_store.prepare_store(disk_store.dump_of(self.build), self.stores)

    @cached_property
    def store(self) -> ox.Store:
        """The build's store on disk, read-only, for a large build."""
        return ox.Store.read_only(str(self.store_path))

    def prepare(self, note: Callable[[str], Any] | None = None) -> None:
        """Make now what a large build's first pages would wait for: its store on disk and
        the summary of the dataset its home page shows, each made once per build and kept
        (``note`` is told first when they take long). A small build needs nothing."""
        if not self.large:
            return
        summaries = self._summaries_path()
        if note is not None and not summaries.is_file():
            note(
                f"summarising {self.build} for its home page, once for this build (about "
                "5 s per million triples)"
            )
        self.page("index")

    def _summaries_path(self) -> Path:
        """The file beside the store where the summaries of the dataset are kept."""
        return self.store_path.with_name(self.store_path.name + ".summaries.json")

    @cached_property
    def statements(self) -> Graph | StoreGraph:
        """What the documents are made of: :attr:`graph`, or for a large build the same
        statements looked up in :attr:`store` (and the small files the dump leaves out)."""
        if not self.large:
            return self.graph
        from treatykg.web.pages.store_index import SortedDump, StoreGraph

        dump = disk_store.dump_of(self.build)
        sorted_dump = SortedDump(dump) if dump.suffix == ".nt" else None
        return StoreGraph(self.store, self._extra(), sorted_dump)

    def _extra(self) -> Graph:
        """What :attr:`graph` holds beyond the dump: VoID, the validation report and the
        shapes' header."""
        graph = new_graph()
        for name in ("void.ttl", "validation-report.ttl"):
            path = self.build / name
            if path.is_file():
                for quad in parse_file(path, name):
                    graph.add(quad[:3])
        shapes = URIRef(urls.iri_of("/shapes"))
        for triple in self.shapes.triples((shapes, None, None)):
            graph.add(triple)
        return graph

    @cached_property
    def ontology(self) -> Graph:
        return _graph(self.build / "ontology.ttl")

    @cached_property
    def shapes(self) -> Graph:
        return _graph(self.build / "shapes.ttl")

    @cached_property
    def context(self) -> dict:
        """The JSON-LD context of the build, inlined into every JSON-LD document."""
        document = json.loads((self.build / "context.jsonld").read_text(encoding="utf-8"))
        return document["@context"]

    @cached_property
    def resources(self) -> Mapping[str, str]:
        """Server path → IRI of every resource with a document of its own, sorted by path
        (for a large build, a mapping that looks each path up: listing it reads the store
        whole)."""
        statements = self.statements
        changesets = {kept.path: kept.iri for kept in self.changes}
        if not isinstance(statements, Graph):
            return _StoreResources(self.file_names, statements, changesets)
        found: dict[str, str] = {}
        files = {f"/{name}" for name in self.file_names}
        for triple in self.graph:
            for term in (triple[0], triple[2]):
                if isinstance(term, URIRef):
                    path = urls.path_of(str(term))
                    if path and path != "/" and path not in files and "#" not in term:
                        found.setdefault(path, str(term))
        for path in WHOLE_FILE_DOCUMENTS:
            found[path] = urls.iri_of(path)
        found.update(changesets)
        return dict(sorted(found.items()))

    @cached_property
    def pages(self) -> Pages:
        """The HTML pages of the build."""
        # Imported on first use, to keep the start-up fast: the RDF documents and the build
        # files need neither Jinja2 nor the templates.
        from treatykg.sparql import catalogue
        from treatykg.web.pages import Pages
        from treatykg.web.pages.store_index import StoreGraph, StoreIndex

        statements = self.statements
        if isinstance(statements, StoreGraph):
            vocabulary = {s for s in self.ontology.subjects() if isinstance(s, URIRef)}
            source: Graph | StoreIndex = StoreIndex(statements, vocabulary, self._summaries_path())
        else:
            source = statements
        return Pages(
            source,
            queries=catalogue.bundled(),
            endpoint=self.endpoint,
            shapes=self.shapes,
            changes=self.changes,
        )

    def pages_in(self, language: str) -> Pages:
        """The HTML pages of the build in ``language`` (:mod:`treatykg.web.languages`)."""
        return self.pages.in_language(language)

    # --- lookups ---------------------------------------------------------------------------

    @cached_property
    def successors(self) -> dict[str, str]:
        """Retired resource path → its successor's path (``tkg:replacedBy``): the redirect
        that docs/identifiers.md promises for an identifier that had to go."""
        found = {}
        for old, new in self.statements.subject_objects(TKG.replacedBy):
            old_path, new_path = urls.path_of(str(old)), urls.path_of(str(new))
            if old_path and new_path and old_path != new_path:
                found[old_path] = new_path
        return found

    def document(self, path: str, suffix: str, language: str = DEFAULT) -> Document | None:
        """The ``suffix`` document ("ttl", "jsonld", "nt", "html") of a resource path; a page
        in ``language`` (the RDF documents carry every language)."""
        if path not in self.resources or suffix not in urls.SUFFIXES:
            return None
        if suffix != "html":
            return self._cached(path, suffix, lambda: self._make(path, suffix))
        return self._cached(
            languages.tagged(path, language), suffix, lambda: self._page(path, language)
        )

    def made(self, path: str, suffix: str) -> Document | None:
        """The ``suffix`` document of a resource path if it is made already, else None: no
        look-up, so a server can answer it at once while another document is being made. A
        page's ``path`` carries its language tag, as in its own path (``/id/x.ko``)."""
        return self._cache.get((path, suffix)) if suffix in urls.SUFFIXES else None

    def page(self, name: str, language: str = DEFAULT) -> Document | None:
        """A page that is not a resource (:data:`PAGES`: "index", "queries", "changes"), in
        ``language``; None for a name that is not one, or "changes" in a release that keeps
        no changeset."""
        pages = self.pages_in(language)
        makers: dict[str, Callable[[], str]] = {"index": pages.index, "queries": pages.queries}
        if self.changes:
            makers["changes"] = pages.changes
        if name not in makers:
            return None
        key = languages.tagged(name, language)
        return self._cached(key, "page", lambda: _html(makers[name](), language))

    def picture(self, path: str) -> Document | None:
        """The picture file at ``path`` (``/id/x.neighbourhood.svg``, ``/index.timeline.svg``),
        or None if there is no such picture."""
        # Imported here for the same reason as the pages: the RDF documents need no picture.
        from treatykg.web.pages.pictures.picture import split_path

        found = split_path(path)
        if found is None:
            return None
        page, kind = found
        page, language = languages.split(page)
        if page != "/index" and (page not in self.resources or page in self.changes.by_path):
            return None
        key = (path, "svg")
        document = self._cache.get(key)
        if document is None:
            body = self.pages_in(language).picture(page, kind)
            if body is None:
                return None
            document = self._cache.setdefault(key, Document(body, SVG))
        return document

    def not_found(self, path: str, suffix: str) -> Document:
        """A 404 body in the requested format (not cached: it names the path asked for)."""
        if suffix == "html":
            language = languages.split(path)[1]
            return _html(self.pages_in(language).not_found(path), language)
        iri = urls.iri_of(path)
        if suffix == "jsonld":
            # An empty graph (so RDF clients read "nothing here"), with the reason in a key
            # that no context maps, which JSON-LD processors drop and people can read.
            empty = {"@graph": [], "error": f"404 Not Found: {iri} is not in the treatykg dataset"}
            return Document(json.dumps(empty, ensure_ascii=False).encode(), urls.SUFFIXES["jsonld"])
        # A comment is a valid, empty Turtle and N-Triples document; the IRI is escaped by
        # keeping it on one line with no control characters.
        text = "".join(ch for ch in iri if ch.isprintable())
        body = f"# 404 Not Found: <{text}> is not in the treatykg dataset\n".encode()
        return Document(body, urls.SUFFIXES[suffix])

    def file(self, name: str) -> Path | None:
        """The path of a build file served at ``/name``, or None."""
        return self.build / name if name in self.file_names else None

    def everything(
        self, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[tuple[str, Document]]:
        """Every document with its site path (``/id/state/prk.ttl`` …), in path order, each
        page in each language followed by its pictures (``/id/state/prk.neighbourhood.svg``,
        ``/id/state/prk.ko.html``, ``/id/state/prk.ko.neighbourhood.svg``)."""
        # Every page's Graphviz pictures are drawn on the other cores meanwhile, in this order:
        # all at once, or for a large build a window ahead (a window's pictures are kept).
        paths = list(self.resources)
        total = len(paths)

        def prefetch(window: list[str]) -> None:
            window = [path for path in window if path not in self.changes.by_path]
            for language in LANGUAGES:
                self.pages_in(language).prefetch_pictures(window)

        prefetch(paths[:PREFETCH_WINDOW] if self.large else [*paths, "/index"])
        for done, path in enumerate(paths, start=1):
            if self.large and done % PREFETCH_WINDOW == 1:  # the next window, while this one
                start = done - 1 + PREFETCH_WINDOW  # is written
                prefetch(paths[start : start + PREFETCH_WINDOW])
            for suffix in urls.SUFFIXES:
                if suffix != "html":
                    document = self.document(path, suffix)
                    assert document is not None
                    yield urls.document(path, suffix), document
            for language in LANGUAGES:
                document = self.document(path, "html", language)
                assert document is not None
                yield urls.document(path, "html", language), document
                yield from self._pictures(path, language)
            if progress is not None:
                progress(done, total)
        for language in LANGUAGES:
            for path, name in PAGES.items():
                document = self.page(name, language)
                if document is not None:  # no page of changesets in a release without one
                    yield urls.document(path, "html", language), document
            yield from self._pictures("/index", language)

    def _pictures(self, page: str, language: str) -> Iterator[tuple[str, Document]]:
        # Imported here like the pages themselves (see ``pages``): start-up stays fast.
        from treatykg.web.pages.pictures.picture import KINDS, file_path

        for kind in KINDS:
            path = file_path(urls.document(page, "html", language), kind)
            document = self.picture(path)
            if document is not None:
                yield path, document

    # --- making documents -----------------------------------------------------------------

    def _cached(self, path: str, suffix: str, make: Callable[[], Document]) -> Document:
        key = (path, suffix)
        document = self._cache.get(key)
        if document is None:
            document = self._cache.setdefault(key, make())
        return document

    def _page(self, path: str, language: str) -> Document:
        """The page of the resource at ``path`` in ``language``."""
        pages, iri = self.pages_in(language), self.resources[path]
        kept = self.changes.by_path.get(path)
        if kept is not None:
            return _html(pages.changeset(kept.version), language)
        if path == "/def":
            return _html(pages.ontology(), language)
        if path == "/shapes":
            return _html(pages.shapes(), language)
        return _html(pages.resource(iri), language)

    def _make(self, path: str, suffix: str) -> Document:
        iri = self.resources[path]
        if path in WHOLE_FILE_DOCUMENTS:
            stem = WHOLE_FILE_DOCUMENTS[path]
            if suffix in ("ttl", "jsonld"):
                body = (self.build / f"{stem}.{suffix}").read_bytes()
                return Document(body, urls.SUFFIXES[suffix])
            return Document(serialize.ntriples(getattr(self, stem)), urls.SUFFIXES[suffix])
        return self._rdf(self.document_graph(iri), suffix)

    def _rdf(self, graph: Graph, suffix: str) -> Document:
        prepared = serialize.prepare(graph)
        if suffix == "ttl":
            body = serialize.turtle(prepared, _used_prefixes(graph))
        elif suffix == "nt":
            body = serialize.ntriples(prepared)
        else:
            body = serialize.jsonld(prepared, self.context)
        return Document(body, urls.SUFFIXES[suffix])

    def document_graph(self, iri: str) -> Graph:
        """The triples of the documents of ``iri``: its own (through blank nodes), the ones
        that point to it, and the labels of the resources on the other end of either."""
        source = self.statements
        graph = new_graph()
        node = URIRef(iri)
        linked: set[Node] = set()
        pending: list[Node] = [node]
        seen: set[Node] = set()
        while pending:
            subject = pending.pop()
            if subject in seen:
                continue
            seen.add(subject)
            for _, predicate, value in source.triples((subject, None, None)):
                graph.add((subject, predicate, value))
                if isinstance(value, BNode):
                    pending.append(value)
                elif isinstance(value, URIRef):
                    linked.add(value)
        for subject, predicate, _ in source.triples((None, None, node)):
            graph.add((subject, predicate, node))
            if isinstance(subject, URIRef):
                linked.add(subject)
        for other in linked - {node}:
            if isinstance(source, Graph):
                for label in LABELS:
                    for value in source.objects(other, label):
                        graph.add((other, label, value))
            else:  # a store: one look-up of the labels alone (a hub links to thousands)
                for triple in source.about(other, LABELS):
                    graph.add(triple)
        return graph


class _StoreResources(Mapping[str, str]):
    """:attr:`Documents.resources` of a large build: each path looked up in the store when
    asked (is its IRI the subject or the object of a statement?), the whole list made only
    if it is listed (a static site), by reading every statement once."""

    def __init__(
        self,
        file_names: tuple[str, ...],
        statements: StoreGraph,
        changesets: Mapping[str, str] | None = None,
    ) -> None:
        self._statements = statements
        self._files = {f"/{name}" for name in file_names}
        #: The changesets' paths (resources whether or not the store mentions them).
        self._changesets = dict(changesets or {})
        self._known: Recent[str, bool] = Recent(100_000)
        self._listed: dict[str, str] | None = None

    def _iri(self, path: str) -> str | None:
        """The IRI of the resource at ``path``, or None if there is none."""
        if path in WHOLE_FILE_DOCUMENTS:
            return urls.iri_of(path)
        if path in self._changesets:
            return self._changesets[path]
        if path == "/" or path in self._files:
            return None
        iri = urls.iri_of(path)
        if "#" in iri or urls.path_of(iri) != path:
            return None
        known = self._known.get(path)
        if known is None:
            known = self._known.put(path, self._statements.mentions(URIRef(iri)))
        return iri if known else None

    def __getitem__(self, path: str) -> str:
        iri = self._iri(path) if isinstance(path, str) else None
        if iri is None:
            raise KeyError(path)
        return iri

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._iri(path) is not None

    def _listing(self) -> dict[str, str]:
        if self._listed is None:
            found = {
                path: iri
                for iri in self._statements.iris()
                if (path := urls.path_of(iri))
                and path != "/"
                and path not in self._files
                and "#" not in iri
            }
            found.update((path, urls.iri_of(path)) for path in WHOLE_FILE_DOCUMENTS)
            found.update(self._changesets)
            self._listed = dict(sorted(found.items()))
        return self._listed

    def __iter__(self) -> Iterator[str]:
        return iter(self._listing())

    def __len__(self) -> int:
        return len(self._listing())


def _graph(path: Path) -> Graph:
    graph = new_graph()
    for quad in parse_file(path, path.name):
        graph.add(quad[:3])
    return graph


def _used_prefixes(graph: Graph) -> dict[str, str]:
    """The output prefixes that some IRI of ``graph`` uses, so a short document keeps a
    short header."""
    iris = {str(term) for triple in graph for term in triple if isinstance(term, URIRef)}
    return {
        prefix: namespace
        for prefix, namespace in serialize.OUTPUT_PREFIXES.items()
        if any(iri.startswith(namespace) for iri in iris)
    }


def _html(text: str, language: str = DEFAULT) -> Document:
    return Document(text.encode("utf-8"), urls.SUFFIXES["html"], language)


def _manifest_names(manifest: object) -> Iterator[str]:
    """The file names a build's manifest lists (its ``files`` entries, or its keys)."""
    files = manifest.get("files", manifest) if isinstance(manifest, dict) else manifest
    if isinstance(files, dict):
        yield from (name for name in files if "/" not in name)
    elif isinstance(files, list):
        for entry in files:
            name = entry.get("name") if isinstance(entry, dict) else entry
            if isinstance(name, str) and "/" not in name:
                yield name
    yield "manifest.json"


def _manifest_field(manifest: object, key: str) -> Iterator[tuple[str, str]]:
    """(name, value of ``key``) of each build file whose manifest entry gives one: its
    ``sha256`` or its ``mediaType``."""
    files = manifest.get("files") if isinstance(manifest, dict) else None
    for entry in files if isinstance(files, list) else ():
        if isinstance(entry, dict):
            name, value = entry.get("name"), entry.get(key)
            if isinstance(name, str) and isinstance(value, str):
                yield name, value


__all__ = ["PAGES", "Document", "Documents"]
