"""The graph read once into plain dictionaries, so that a page is a few look-ups.

A release's site has hundreds of pages (tens of thousands for a large corpus) and a server
renders them on request, so no page may walk the whole graph: :class:`GraphIndex` reads it
once into statements by subject and by object, each list sorted by :func:`term_key` (the one
term order), the class and property hierarchies, the files a distribution names, the main
dataset and the IRIs that get a page of their own. Everything a page shows is then ordered
the same way every time, and the same graph gives byte-identical pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Protocol

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, VOID
from rdflib.term import Node

from treatykg.namespaces import DATASET, DCAT, ELI, SCHEMA
from treatykg.rdf.terms import term_key
from treatykg.web import urls
from treatykg.web.languages import DEFAULT

#: Properties whose values name a resource, best first; shown together as its names.
LABELS: tuple[URIRef, ...] = (
    SKOS.prefLabel,
    RDFS.label,
    DCTERMS.title,
    ELI.title,
    FOAF.name,
    SCHEMA["name"],
    SKOS.altLabel,
)
#: The language a label is preferred in after the page's own: English, then untagged, then
#: French, then the rest.
LANG_RANK: dict[str, int] = {"en": 0, "": 1, "fr": 2}
#: Server paths whose page is not a resource page (the home page, the vocabulary, the shapes).
SPECIAL_PATHS = ("/", "/def", "/shapes")


def lang_rank(language: str | None, page: str = DEFAULT) -> int:
    """Where a text in ``language`` comes among several on a page in ``page``'s language: the
    page's language first, then :data:`LANG_RANK`'s order."""
    if language == page:
        return -1
    return LANG_RANK.get(language or "", 3)


#: What :meth:`GraphIndex.label` caches for a node without a name.
_NO_LABEL = object()


class PageSet(Protocol):
    """The IRIs that have a resource page: asked one by one, listed for a static site."""

    def __contains__(self, iri: object, /) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...


class GraphIndex:
    """Statements by subject and by object, every node, hierarchies, labels and files."""

    def __init__(self, graph: rdflib.Graph) -> None:
        out: dict[Node, dict[URIRef, list[Node]]] = defaultdict(lambda: defaultdict(list))
        incoming: dict[Node, list[tuple[URIRef, Node]]] = defaultdict(list)
        nodes: set[Node] = set()
        for subject, predicate, obj in graph:
            assert isinstance(predicate, URIRef)  # a graph's predicates are IRIs
            out[subject][predicate].append(obj)
            nodes.add(subject)
            if not isinstance(obj, Literal):
                incoming[obj].append((predicate, subject))
                nodes.add(obj)
        #: subject → predicate → objects, sorted.
        self.out: Mapping[Node, Mapping[URIRef, list[Node]]] = {
            subject: {p: sorted(values, key=term_key) for p, values in props.items()}
            for subject, props in out.items()
        }
        #: object → (predicate, subject) pairs, sorted.
        self.incoming: Mapping[Node, list[tuple[URIRef, Node]]] = {
            obj: sorted(pairs, key=lambda pair: (term_key(pair[0]), term_key(pair[1])))
            for obj, pairs in incoming.items()
        }
        self.super_classes = self._hierarchy(RDFS.subClassOf)
        self.super_properties = self._hierarchy(RDFS.subPropertyOf)
        #: IRI → site path of every file a distribution names: links to these go to the file
        #: itself, not to a page about it.
        self.files: dict[str, str] = self._download_files()
        #: The dataset the site is about, for the footer, the navigation and the home page.
        self.dataset: Node | None = self._main_dataset()
        #: The IRIs that have a resource page.
        self.pages: PageSet = self._resource_pages(nodes)
        self._labels: MutableMapping[tuple[Node, str], tuple[str, str] | None] = {}

    # --- statements -------------------------------------------------------------------------

    def values(self, node: Node | None, predicate: URIRef) -> list[Node]:
        """The objects of ``node``'s ``predicate`` statements, sorted."""
        if node is None:
            return []
        return self.out.get(node, {}).get(predicate, [])

    def value(self, node: Node | None, predicate: URIRef) -> Node | None:
        """The first (in term order) object of ``node``'s ``predicate``, or None."""
        values = self.values(node, predicate)
        return values[0] if values else None

    def literals(self, node: Node | None, predicate: URIRef) -> list[Literal]:
        """The literal objects of ``node``'s ``predicate``, sorted."""
        return [v for v in self.values(node, predicate) if isinstance(v, Literal)]

    def subjects(self, predicate: URIRef, obj: Node) -> list[Node]:
        """The subjects of ``predicate`` statements about ``obj``, sorted."""
        return [s for p, s in self.incoming.get(obj, ()) if p == predicate]

    def described(self, namespace: str) -> Iterator[URIRef]:
        """The IRIs in ``namespace`` that are the subject of a statement (the terms of a
        vocabulary the graph describes), in no particular order."""
        for subject in self.out:
            if isinstance(subject, URIRef) and str(subject).startswith(namespace):
                yield subject

    def pairs(self, predicate: URIRef) -> Iterator[tuple[Node, Node]]:
        """(subject, object) of every ``predicate`` statement, in no particular order: for the
        few look-ups that need every statement of one property (hierarchies, alignments)."""
        for subject, props in self.out.items():
            for obj in props.get(predicate, ()):
                yield subject, obj

    def best_literal(
        self, node: Node | None, predicate: URIRef, language: str = DEFAULT
    ) -> Literal | None:
        """The literal of ``predicate`` in ``language``, else English, else untagged, else
        any (:func:`lang_rank`)."""
        literals = self.literals(node, predicate)
        if not literals:
            return None
        return min(literals, key=lambda v: (lang_rank(v.language, language), str(v)))

    def union(self, node: Node) -> list[Node]:
        """The members of ``node``'s ``owl:unionOf`` list (none if it has none)."""
        head = self.value(node, OWL.unionOf)
        members = []
        seen: set[Node] = set()
        while head is not None and head != RDF.nil and head not in seen:
            seen.add(head)
            first = self.value(head, RDF.first)
            if first is not None:
                members.append(first)
            head = self.value(head, RDF.rest)
        return members

    # --- types ------------------------------------------------------------------------------

    def instances(self, cls: URIRef) -> list[Node]:
        """Instances of ``cls`` or of any of its sub-classes, sorted."""
        found = {s for c in self.classes(cls) for s in self.subjects(RDF.type, c)}
        return sorted(found, key=term_key)

    def classes(self, cls: URIRef) -> list[Node]:
        """``cls`` and its sub-classes, at any depth, sorted."""
        classes: set[Node] = {cls}
        frontier: list[Node] = [cls]
        while frontier:
            current = frontier.pop()
            for sub in self.subjects(RDFS.subClassOf, current):
                if sub not in classes:
                    classes.add(sub)
                    frontier.append(sub)
        return sorted(classes, key=term_key)

    def is_a(self, node: Node, cls: URIRef) -> bool:
        """Whether ``node`` has type ``cls``, directly or by a sub-class."""
        seen: set[Node] = set()
        frontier = list(self.values(node, RDF.type))
        while frontier:
            current = frontier.pop()
            if current == cls:
                return True
            if current not in seen:
                seen.add(current)
                frontier.extend(self.super_classes.get(current, ()))
        return False

    def _hierarchy(self, predicate: URIRef) -> dict[Node, list[Node]]:
        found: dict[Node, list[Node]] = defaultdict(list)
        for subject, obj in self.pairs(predicate):
            found[subject].append(obj)
        return {
            s: [o for o in sorted(objects, key=term_key) if isinstance(o, URIRef)]
            for s, objects in found.items()
        }

    # --- labels -----------------------------------------------------------------------------

    def label(self, node: Node, language: str = DEFAULT) -> tuple[str, str] | None:
        """The best name of ``node`` for a page in ``language``: (text, language), the page's
        language first, then English (:func:`lang_rank`)."""
        cached = self._labels.get((node, language), _NO_LABEL)
        if cached is not _NO_LABEL:
            return cached  # type: ignore[return-value]
        best: tuple[tuple[int, int, str], tuple[str, str]] | None = None
        props = self.names(node)
        for rank, predicate in enumerate(LABELS):
            for value in props.get(predicate, ()):
                if not isinstance(value, Literal):
                    continue
                lang = value.language or ""
                key = (lang_rank(lang, language), rank, str(value))
                if best is None or key < best[0]:
                    best = (key, (str(value), lang))
        found = best[1] if best else None
        self._labels[(node, language)] = found
        return found

    def names(self, node: Node) -> Mapping[URIRef, list[Node]]:
        """``node``'s statements of :data:`LABELS` (here, all of its statements) by property."""
        return self.out.get(node, {})

    # --- files, the dataset and the pages ---------------------------------------------------

    def _download_files(self) -> dict[str, str]:
        files: dict[str, str] = {}
        for predicate in (DCAT.downloadURL, DCAT.accessURL, VOID.dataDump):
            for _, obj in self.pairs(predicate):
                path = urls.path_of(str(obj))
                if path is not None and path not in ("", "/"):
                    files[str(obj)] = path
        return files

    def _main_dataset(self) -> Node | None:
        if DATASET in self.out:
            return DATASET
        datasets = [s for s in self.subjects(RDF.type, DCAT.Dataset) if isinstance(s, URIRef)]
        return min(datasets, key=term_key) if datasets else None

    def _resource_pages(self, nodes: set[Node]) -> set[str]:
        """Our IRIs among ``nodes`` (every subject and every object that is not a literal),
        except those whose document is another page (the root, ``def``, ``shapes``), a hash
        IRI, or a download file."""
        return {str(n) for n in nodes if isinstance(n, URIRef) and self.has_page(str(n))}

    def has_page(self, iri: str) -> bool:
        """Whether the IRI ``iri``, if the graph names it, gets a resource page: ours, not a
        hash IRI, a download file or one of the pages that are not resource pages."""
        if "#" in iri or iri in self.files:
            return False
        path = urls.path_of(iri)
        return path is not None and path not in SPECIAL_PATHS

    def guesses(self, path: str) -> list[str]:
        """The paths of pages that a mistyped ``path`` may have meant, sorted, for the "not
        found" page to pick the closest from: here, every page's."""
        return sorted(urls.path_of(iri) or "" for iri in self.pages)

    def file_paths(self) -> dict[str, str]:
        """File name (``shapes.ttl``) → site path of every download file."""
        return {path.lstrip("/"): path for path in self.files.values()}
