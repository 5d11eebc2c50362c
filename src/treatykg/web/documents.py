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
  at the ``dcat:downloadURL`` that ``void.ttl`` gives it.

Every document is made on first use and kept (the set is finite and small: ~450 resources);
:meth:`Documents.everything` makes them all, for a static site or to warm a server. The RDF
bytes come from :mod:`treatykg.rdf.serialize`, so they are deterministic like the build's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS
from rdflib.term import Node

from treatykg.errors import InputError
from treatykg.namespaces import ELI, TKG, new_graph
from treatykg.rdf import serialize
from treatykg.rdf.formats import FORMATS, by_key
from treatykg.rdf.load import parse_file
from treatykg.web import urls

if TYPE_CHECKING:
    from treatykg.web.pages import Pages

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

#: The media type of a picture file (``/id/treaty/x.obligations.svg``).
SVG = by_key("svg").content_type

#: The build files a site is made from; all must be present.
REQUIRED_FILES = ("treatykg.ttl", "void.ttl", "ontology.ttl", "shapes.ttl", "context.jsonld")


@dataclass(frozen=True)
class Document:
    """Bytes to send with their media type."""

    body: bytes
    media_type: str


class Documents:
    """Every document of one build, made on demand and cached (thread-safe)."""

    def __init__(self, build: str | Path, *, endpoint: str | None = "sparql") -> None:
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
        self._cache: dict[tuple[str, str], Document] = {}
        self._lock = threading.Lock()

    # --- graphs ----------------------------------------------------------------------------

    @cached_property
    def graph(self) -> Graph:
        """Everything the site describes: dataset and ontology, VoID, validation report, and
        the header of the shapes (so that their version IRI is a resource too)."""
        graph = new_graph()
        for name in ("treatykg.ttl", "void.ttl", "validation-report.ttl"):
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
    def resources(self) -> dict[str, str]:
        """Server path → IRI of every resource with a document of its own, sorted by path."""
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
        return dict(sorted(found.items()))

    @cached_property
    def pages(self) -> Pages:
        """The HTML pages of the build."""
        # Imported on first use, to keep the start-up fast: the RDF documents and the build
        # files need neither Jinja2 nor the templates.
        from treatykg.sparql import catalogue
        from treatykg.web.pages import Pages

        return Pages(
            self.graph, queries=catalogue.bundled(), endpoint=self.endpoint, shapes=self.shapes
        )

    # --- lookups ---------------------------------------------------------------------------

    @cached_property
    def successors(self) -> dict[str, str]:
        """Retired resource path → its successor's path (``tkg:replacedBy``): the redirect
        that docs/identifiers.md promises for an identifier that had to go."""
        found = {}
        for old, new in self.graph.subject_objects(TKG.replacedBy):
            old_path, new_path = urls.path_of(str(old)), urls.path_of(str(new))
            if old_path and new_path and old_path != new_path:
                found[old_path] = new_path
        return found

    def document(self, path: str, suffix: str) -> Document | None:
        """The ``suffix`` document ("ttl", "jsonld", "nt", "html") of a resource path."""
        if path not in self.resources or suffix not in urls.SUFFIXES:
            return None
        return self._cached(path, suffix, lambda: self._make(path, suffix))

    def page(self, name: str) -> Document | None:
        """A page that is not a resource: "index", "queries", "404"."""
        makers: dict[str, Callable[[], str]] = {
            "index": self.pages.index,
            "queries": self.pages.queries,
        }
        if name not in makers:
            return None
        return self._cached(name, "page", lambda: _html(makers[name]()))

    def picture(self, path: str) -> Document | None:
        """The picture file at ``path`` (``/id/x.neighbourhood.svg``, ``/index.timeline.svg``),
        or None if there is no such picture."""
        # Imported here for the same reason as the pages: the RDF documents need no picture.
        from treatykg.web.pages.pictures.picture import split_path

        found = split_path(path)
        if found is None:
            return None
        page, kind = found
        if page != "/index" and page not in self.resources:
            return None
        key = (path, "svg")
        if key not in self._cache:
            body = self.pages.picture(page, kind)
            if body is None:
                return None
            with self._lock:
                self._cache.setdefault(key, Document(body, SVG))
        return self._cache[key]

    def not_found(self, path: str, suffix: str) -> Document:
        """A 404 body in the requested format (not cached: it names the path asked for)."""
        if suffix == "html":
            return _html(self.pages.not_found(path))
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
        page followed by its pictures (``/id/state/prk.neighbourhood.svg``)."""
        # Every page's Graphviz pictures are drawn on the other cores meanwhile, in this order.
        self.pages.prefetch_pictures([*self.resources, "/index"])
        total = len(self.resources)
        for done, path in enumerate(self.resources, start=1):
            for suffix in urls.SUFFIXES:
                document = self.document(path, suffix)
                assert document is not None
                yield urls.document(path, suffix), document
            yield from self._pictures(path)
            if progress is not None:
                progress(done, total)
        for name in ("index", "queries"):
            document = self.page(name)
            assert document is not None
            yield f"/{name}.html", document
        yield from self._pictures("/index")

    def _pictures(self, page: str) -> Iterator[tuple[str, Document]]:
        # Imported here like the pages themselves (see ``pages``): start-up stays fast.
        from treatykg.web.pages.pictures.picture import KINDS, file_path

        for kind in KINDS:
            path = file_path(page, kind)
            document = self.picture(path)
            if document is not None:
                yield path, document

    # --- making documents -----------------------------------------------------------------

    def _cached(self, path: str, suffix: str, make: Callable[[], Document]) -> Document:
        key = (path, suffix)
        document = self._cache.get(key)
        if document is None:
            document = make()
            with self._lock:
                document = self._cache.setdefault(key, document)
        return document

    def _make(self, path: str, suffix: str) -> Document:
        iri = self.resources[path]
        if suffix == "html":
            return _html(self._html(path, iri))
        if path in WHOLE_FILE_DOCUMENTS:
            stem = WHOLE_FILE_DOCUMENTS[path]
            if suffix in ("ttl", "jsonld"):
                body = (self.build / f"{stem}.{suffix}").read_bytes()
                return Document(body, urls.SUFFIXES[suffix])
            return Document(serialize.ntriples(getattr(self, stem)), urls.SUFFIXES[suffix])
        return self._rdf(self.document_graph(iri), suffix)

    def _html(self, path: str, iri: str) -> str:
        if path == "/def":
            return self.pages.ontology()
        if path == "/shapes":
            return self.pages.shapes()
        return self.pages.resource(iri)

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
            for _, predicate, value in self.graph.triples((subject, None, None)):
                graph.add((subject, predicate, value))
                if isinstance(value, BNode):
                    pending.append(value)
                elif isinstance(value, URIRef):
                    linked.add(value)
        for subject, predicate, _ in self.graph.triples((None, None, node)):
            graph.add((subject, predicate, node))
            if isinstance(subject, URIRef):
                linked.add(subject)
        for other in linked - {node}:
            for label in LABELS:
                for value in self.graph.objects(other, label):
                    graph.add((other, label, value))
        return graph


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


def _html(text: str) -> Document:
    return Document(text.encode("utf-8"), urls.SUFFIXES["html"])


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


__all__ = ["Document", "Documents"]
