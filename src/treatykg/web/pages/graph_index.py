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

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, VOID
from rdflib.term import Node

from treatykg.namespaces import DATASET, DCAT, ELI, SCHEMA
from treatykg.rdf.terms import term_key
from treatykg.web import urls

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
#: The language a label is preferred in: English, then untagged, then French, then the rest.
LANG_RANK: dict[str, int] = {"en": 0, "": 1, "fr": 2}
#: Server paths whose page is not a resource page (the home page, the vocabulary, the shapes).
SPECIAL_PATHS = ("/", "/def", "/shapes")


def lang_rank(language: str | None) -> int:
    """Where a text in ``language`` comes among several: see :data:`LANG_RANK`."""
    return LANG_RANK.get(language or "", 3)


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
        self.out: dict[Node, dict[URIRef, list[Node]]] = {
            subject: {p: sorted(values, key=term_key) for p, values in props.items()}
            for subject, props in out.items()
        }
        #: object → (predicate, subject) pairs, sorted.
        self.incoming: dict[Node, list[tuple[URIRef, Node]]] = {
            obj: sorted(pairs, key=lambda pair: (term_key(pair[0]), term_key(pair[1])))
            for obj, pairs in incoming.items()
        }
        #: Every subject and every object that is not a literal.
        self.nodes: set[Node] = nodes
        self.super_classes = self._hierarchy(RDFS.subClassOf)
        self.super_properties = self._hierarchy(RDFS.subPropertyOf)
        #: IRI → site path of every file a distribution names: links to these go to the file
        #: itself, not to a page about it.
        self.files: dict[str, str] = self._download_files()
        #: The dataset the site is about, for the footer, the navigation and the home page.
        self.dataset: Node | None = self._main_dataset()
        #: The IRIs that have a resource page.
        self.pages: set[str] = self._resource_pages()
        self._labels: dict[Node, tuple[str, str] | None] = {}

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

    def best_literal(self, node: Node | None, predicate: URIRef) -> Literal | None:
        """The English (else untagged, else any) literal of ``predicate``."""
        literals = self.literals(node, predicate)
        if not literals:
            return None
        return min(literals, key=lambda v: (lang_rank(v.language), str(v)))

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
        classes: set[Node] = {cls}
        frontier: list[Node] = [cls]
        while frontier:
            current = frontier.pop()
            for sub in self.subjects(RDFS.subClassOf, current):
                if sub not in classes:
                    classes.add(sub)
                    frontier.append(sub)
        found = {s for c in classes for s in self.subjects(RDF.type, c)}
        return sorted(found, key=term_key)

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
        return {
            s: [o for o in props[predicate] if isinstance(o, URIRef)]
            for s, props in self.out.items()
            if predicate in props
        }

    # --- labels -----------------------------------------------------------------------------

    def label(self, node: Node) -> tuple[str, str] | None:
        """The best name of ``node``: (text, language), English first."""
        if node in self._labels:
            return self._labels[node]
        best: tuple[tuple[int, int, str], tuple[str, str]] | None = None
        props = self.out.get(node, {})
        for rank, predicate in enumerate(LABELS):
            for value in props.get(predicate, ()):
                if not isinstance(value, Literal):
                    continue
                lang = value.language or ""
                key = (lang_rank(lang), rank, str(value))
                if best is None or key < best[0]:
                    best = (key, (str(value), lang))
        found = best[1] if best else None
        self._labels[node] = found
        return found

    # --- files, the dataset and the pages ---------------------------------------------------

    def _download_files(self) -> dict[str, str]:
        files: dict[str, str] = {}
        for props in self.out.values():
            for predicate in (DCAT.downloadURL, DCAT.accessURL, VOID.dataDump):
                for obj in props.get(predicate, ()):
                    path = urls.path_of(str(obj))
                    if path is not None and path not in ("", "/"):
                        files[str(obj)] = path
        return files

    def _main_dataset(self) -> Node | None:
        if DATASET in self.out:
            return DATASET
        datasets = [s for s in self.subjects(RDF.type, DCAT.Dataset) if isinstance(s, URIRef)]
        return min(datasets, key=term_key) if datasets else None

    def _resource_pages(self) -> set[str]:
        """Our IRIs that are a subject or an object, except those whose document is another
        page (the root, ``def``, ``shapes``), a hash IRI, or a download file."""
        pages = set()
        for node in self.nodes:
            if not isinstance(node, URIRef):
                continue
            text = str(node)
            if "#" in text or text in self.files:
                continue
            path = urls.path_of(text)
            if path is None or path in SPECIAL_PATHS:
                continue
            pages.add(text)
        return pages

    def file_paths(self) -> dict[str, str]:
        """File name (``shapes.ttl``) → site path of every download file."""
        return {path.lstrip("/"): path for path in self.files.values()}
