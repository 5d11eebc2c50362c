"""The JSON-LD context, generated from the ontology, and the framed treaty view.

Design (see the module constants for the details):

* **Inline, not by URL.** :func:`treatykg.serialize.jsonld` and :func:`framed` embed the
  context. The same dict is published at :data:`CONTEXT_URL` for people writing their own
  JSON-LD, but a dump that only names the URL cannot be read offline, and a processor that
  fetches it (rdflib does, unasked) makes a network call per load. Our own loader refuses
  remote contexts, so an inline context is also what lets ``treatykg validate`` read our dump.
* **``id`` and ``type``** alias ``@id`` and ``@type``, as schema.org, ActivityStreams and
  Verifiable Credentials do, so that JavaScript can write ``node.id``.
* **Vocabulary prefixes only.** Classes, properties and SKOS values compact to ``tkg:Treaty``,
  but resources (``…/id/state/prk``, treaty IRIs, Wikidata items) stay absolute IRIs: they can
  be fetched as they are, and the per-kind prefixes of the Turtle output would clash with
  terms (``source``, ``office``, ``place``, ``condition``; ``org`` is W3C ORG).
* **One term per property**, named by its local name (``party``, ``dateDocument``), typed from
  the ontology: ``@type: @id`` for object properties, the ``rdfs:range`` datatype for datatype
  properties, a language map for ``rdf:langString`` ranges. A value that does not fit the
  term (an untagged string where a language map is declared, the literal publisher in the
  ontology header) is still written, faithfully, under the compact IRI (``dcterms:publisher``).
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef
from rdflib.term import Node

from treatykg import graphstore
from treatykg.namespaces import ELI, PREFIXES, TKG, qname
from treatykg.serialize import Prepared, RdfInput, canonical_json, canonical_tree, term_key

CONTEXT_URL = "https://w3id.org/treatykg/context.jsonld"

CONTEXT_PREFIXES: dict[str, str] = {
    prefix: ns for prefix, ns in PREFIXES.items() if prefix not in ("id", "wd")
}
"""Vocabulary prefixes. ``id`` is the alias of ``@id``; ``wd`` items are resources, kept whole."""

_LANGUAGE = "@language"
_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)

# Standard properties the data uses: (term, property, coercion). The coercion is "@id" for
# links, "@language" for a language map (only where every value is language-tagged), a
# datatype, or None for plain strings. "dcterms:language" is named by its compact IRI: the
# key is the same as without a term, but the value becomes a plain "en".
STANDARD_TERMS: tuple[tuple[str, str, str | None], ...] = (
    ("label", "rdfs:label", _LANGUAGE),
    ("altLabel", "skos:altLabel", _LANGUAGE),
    ("prefLabel", "skos:prefLabel", _LANGUAGE),
    ("definition", "skos:definition", _LANGUAGE),
    ("description", "dcterms:description", _LANGUAGE),
    ("source", "dcterms:source", "@id"),
    ("publisher", "dcterms:publisher", "@id"),
    ("license", "dcterms:license", "@id"),
    ("issued", "dcterms:issued", "xsd:date"),
    ("created", "dcterms:created", "xsd:date"),
    ("modified", "dcterms:modified", "xsd:date"),
    ("identifier", "dcterms:identifier", None),
    ("dcterms:language", "dcterms:language", "xsd:language"),
    ("exactMatch", "skos:exactMatch", "@id"),
    ("closeMatch", "skos:closeMatch", "@id"),
    ("isPartOf", "eli:is_part_of", "@id"),
    ("number", "eli:number", None),
    ("title", "eli:title", _LANGUAGE),
    ("language", "eli:language", "@id"),
    ("realizes", "eli:realizes", "@id"),
    ("dateDocument", "eli:date_document", "xsd:date"),
    ("firstDateEntryInForce", "eli:first_date_entry_in_force", "xsd:date"),
    ("dateNoLongerInForce", "eli:date_no_longer_in_force", "xsd:date"),
)

REVERSE_TERMS: dict[str, str] = {
    "articles": "eli:is_part_of",
    "norms": "tkg:expressedBy",
    "obligations": "tkg:derivedFrom",
}
"""Reverse properties for the framed tree; always arrays (``@set``)."""


def build_context(ontology: Graph) -> dict[str, Any]:
    """The JSON-LD 1.1 context (the value of ``@context``) for data described by ``ontology``.

    Raises ValueError if two terms would share a name, rather than letting one win silently.
    """
    context: dict[str, Any] = {"@version": 1.1}
    _add(context, "id", "@id")
    _add(context, "type", "@type")
    for prefix, namespace in sorted(CONTEXT_PREFIXES.items()):
        _add(context, prefix, namespace)
    for prop in tkg_properties(ontology):
        _add(context, str(prop)[len(str(TKG)) :], _property_definition(ontology, prop))
    for term, iri, coercion in STANDARD_TERMS:
        _add(context, term, _definition(iri, coercion))
    for term, iri in REVERSE_TERMS.items():
        _add(context, term, {"@reverse": iri, "@container": "@set"})
    return context


def context_document(context: Mapping[str, Any]) -> bytes:
    """The bytes to publish at :data:`CONTEXT_URL`: ``{"@context": …}`` as canonical JSON."""
    return canonical_json({"@context": dict(context)})


def tkg_properties(ontology: Graph) -> list[URIRef]:
    """Every ``tkg:`` property the ontology declares, sorted."""
    found = {
        s
        for kind in _PROPERTY_TYPES
        for s in ontology.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and str(s).startswith(str(TKG))
    }
    return sorted(found)


def _property_definition(ontology: Graph, prop: URIRef) -> dict[str, str]:
    """``@type``/``@container`` from the property's kind and its single rdfs:range."""
    compact = qname(prop, CONTEXT_PREFIXES)
    if (prop, RDF.type, OWL.ObjectProperty) in ontology:
        return _definition(compact, "@id")
    ranges = set(ontology.objects(prop, RDFS.range))
    if len(ranges) != 1 or (prop, RDF.type, OWL.DatatypeProperty) not in ontology:
        return _definition(compact, None)
    (range_,) = ranges
    if range_ == RDF.langString:
        return _definition(compact, _LANGUAGE)
    if isinstance(range_, URIRef) and str(range_).startswith(str(XSD)) and range_ != XSD.string:
        return _definition(compact, qname(range_, CONTEXT_PREFIXES))
    return _definition(compact, None)


def _definition(iri: str, coercion: str | None) -> dict[str, str]:
    if coercion is None:
        return {"@id": iri}
    if coercion == _LANGUAGE:
        return {"@id": iri, "@container": _LANGUAGE}
    return {"@id": iri, "@type": coercion}


def _add(context: dict[str, Any], term: str, definition: Any) -> None:
    if term in context:
        raise ValueError(f"JSON-LD term {term!r} defined twice: {context[term]!r}, {definition!r}")
    context[term] = definition


# --- the framed view -----------------------------------------------------------------------------

FRAME: dict[str, Any] = {
    "type": ["tkg:Treaty", "tkg:BilateralTreaty"],
    "articles": {"norms": {"obligations": {}}},
}
"""Treaty → articles (by number) → norms → directed obligations, for web developers.

Every node of :func:`framed_subgraph` is embedded wherever it is linked (``@embed:
@always``), except a node's own ancestors, which stay IRIs (``isPartOf``, ``expressedBy``,
``derivedFrom``). The subgraph decides what an embedded node shows: conditions in full;
parties, bearers, beneficiaries and legal bases as ``{id, label}``, so that
``obligation.bearer.label.en`` works without a lookup. Links out of the view (sources, topics,
replaced treaties) stay IRIs. Framing matches types literally (no inference), so the treaty
subclasses are listed. The frame has no per-property subframes on purpose: in JSON-LD
framing a subframe also filters, and ``{"legalBasis": {…}}`` silently dropped every norm
without a legal basis.
"""

_LINK_PROPERTIES = (TKG.party, TKG.cites, TKG.bearer, TKG.beneficiary, TKG.legalBasis)
_LINK_PROPERTIES = (TKG.party, TKG.cites, TKG.bearer, TKG.beneficiary, TKG.legalBasis)


def framed(data: ox.Store | RdfInput, context: Mapping[str, Any]) -> bytes:
    """The framed JSON-LD document (:data:`FRAME`) for every treaty that has articles.

    ``data`` is the published default graph (ontology and data): a pyoxigraph Store, or an
    rdflib Graph (or what :mod:`treatykg.serialize` accepts), which is loaded into one.
    Output: ``{"@context": …, "@graph": [treaty, …]}`` as canonical JSON, arrays in a
    canonical order, articles by number.

    Why not frame with pyld, the JSON-LD reference processor? It is right but slow: its
    framing finds the nodes of a reverse property (``articles``, ``norms``, ``obligations``)
    by scanning every node for each node it embeds, so it is quadratic (38 s at 100k
    triples), and its compaction walks every value in Python. The frame is fixed, so the tree
    is built directly instead: two whole-graph SPARQL queries fetch the triples
    :func:`framed_subgraph` selects, and :class:`_FramedWriter` embeds, compacts and writes
    them as pyld frames and compacts them (``@embed: @always``, JSON-LD 1.1, the context of
    :func:`build_context`). :func:`framed_by_pyld` keeps pyld's answer as the reference, and
    the tests compare the two byte for byte on the bundled data and on a generated corpus.
    Anything the direct writer does not model (blank nodes, RDF lists, context features that
    :func:`build_context` never writes) is framed by pyld, on the same subgraph.

    A Store reads derived integer literals back as ``xsd:integer`` (see
    :mod:`treatykg.graphstore`); such a value is written with the datatype its property's term
    declares (``"articleCount": "23"``, an ``xsd:positiveInteger``) when it is in that type's
    range. The shapes require exactly that datatype, so a release only ever held that one.
    """
    store = _as_store(data)
    compactor = _Compactor.parse(context)
    with graphstore.no_gc():
        columns = _framed_columns(store)
        if compactor is not None:
            try:
                return _FramedWriter(compactor, columns).document(context)
            except _UnsupportedError:
                pass
    restored = _restore_integer_types(list(zip(*columns, strict=True)), compactor)
    return framed_by_pyld(_rdflib_graph(restored), context)


def framed_by_pyld(graph: RdfInput, context: Mapping[str, Any]) -> bytes:
    """:func:`framed` computed by pyld's framing, the JSON-LD reference: the reference the
    direct writer is tested against, and its fallback for input it does not model.

    rdflib writes :func:`framed_subgraph` as expanded JSON-LD and pyld frames it; the
    document loader refuses every URL, so nothing is ever fetched.
    """
    import json

    from pyld import jsonld as pyld  # ~0.2 s to import: only the reference needs it

    subgraph = Graph(bind_namespaces="none")
    for triple in framed_subgraph(_as_graph(graph)):
        subgraph.add(triple)
    document = json.loads(subgraph.serialize(format="json-ld", auto_compact=False))
    options = {
        "documentLoader": refuse_to_load,
        "processingMode": "json-ld-1.1",
        "omitGraph": False,
        "omitDefault": True,
        "embed": "@always",
    }
    result = pyld.frame(document, {"@context": dict(context), **FRAME}, options)
    return _framed_document(result["@graph"], context)


def refuse_to_load(url: str, options: Any = None) -> Any:
    """A pyld document loader that never touches the network."""
    from pyld.jsonld import JsonLdError

    raise JsonLdError(
        f"treatykg does not fetch JSON-LD documents ({url})",
        "jsonld.LoadDocumentError",
        {"url": url},
        code="loading document failed",
    )


def _framed_document(nodes: list[dict[str, Any]], context: Mapping[str, Any]) -> bytes:
    graph = [_sort_tree(node) for node in canonical_tree(nodes)]
    return canonical_json({"@context": dict(context), "@graph": graph})


def framed_subgraph(graph: Graph) -> list[tuple[Node, Node, Node]]:
    """The triples :data:`FRAME` shows: treaties with articles, their articles, norms,
    obligations and conditions in full, and the labels of the parties and instruments.

    The rdflib version, for :func:`framed_by_pyld`; :func:`framed` asks a Store for the same
    triples with SPARQL.
    """
    articles = sorted(
        (a for a in graph.subjects(RDF.type, TKG.Article) if (a, ELI.is_part_of, None) in graph),
        key=term_key,
    )
    treaties = _sorted({t for a in articles for t in graph.objects(a, ELI.is_part_of)})
    norms = _sorted({n for a in articles for n in graph.subjects(TKG.expressedBy, a)})
    obligations = _sorted({o for n in norms for o in graph.subjects(TKG.derivedFrom, n)})
    tree = [*treaties, *articles, *norms, *obligations]
    conditions = _sorted({c for node in tree for c in graph.objects(node, TKG.condition)})
    linked = _sorted({o for node in tree for p in _LINK_PROPERTIES for o in graph.objects(node, p)})
    triples = [t for node in (*tree, *conditions) for t in graph.triples((node, None, None))]
    triples += [t for node in linked for t in graph.triples((node, RDFS.label, None))]
    return triples


def _sorted(nodes: set[Node]) -> list[Node]:
    return sorted(nodes, key=term_key)


def _as_graph(data: RdfInput) -> Graph:
    if isinstance(data, Prepared):
        data = data.source
    if isinstance(data, Graph):
        return data
    graph = Graph(bind_namespaces="none")
    for statement in data:
        graph.add(tuple(statement[:3]))  # type: ignore[arg-type]
    return graph


def _as_store(data: ox.Store | RdfInput) -> ox.Store:
    if isinstance(data, ox.Store):
        return data
    return graphstore.as_store(_as_graph(data))


def _sort_tree(treaty: dict[str, Any]) -> dict[str, Any]:
    """Articles in number order ("2" before "10"); unnumbered ones last, by id."""
    articles = treaty.get("articles")
    if isinstance(articles, list):
        treaty["articles"] = sorted(articles, key=_article_key)
    return treaty


def _article_key(article: Any) -> tuple[int, str, str]:
    number = article.get("number") if isinstance(article, dict) else None
    head = _article_head(number)
    return (*head, canonical_json(article).decode())


def _article_head(number: Any) -> tuple[int, str]:
    """The leading part of an article's sort key; the canonical JSON breaks ties."""
    if isinstance(number, str) and number.isdigit():
        return (int(number), "")
    return (2**63, str(number))


# --- the framed subgraph, from a Store -----------------------------------------------------------

Triple = tuple[str, str, str]
"""(subject, predicate, object), each in N-Triples form (see :mod:`treatykg.graphstore`)."""

_ARTICLE = f"?article a <{TKG.Article}> ; <{ELI.is_part_of}>"
_TREE_QUERIES = (
    f"""SELECT ?s ?p ?o WHERE {{
  {{ ?s a <{TKG.Article}> ; <{ELI.is_part_of}> ?treaty . ?s ?p ?o }}
  UNION {{ {{ SELECT DISTINCT ?s WHERE {{ {_ARTICLE} ?s }} }} ?s ?p ?o }}
}}""",
    f"""SELECT ?s ?p ?o WHERE {{
  {{ {_ARTICLE} ?treaty . ?s <{TKG.expressedBy}> ?article . ?s ?p ?o }}
  UNION {{ {_ARTICLE} ?treaty . ?norm <{TKG.expressedBy}> ?article .
           ?s <{TKG.derivedFrom}> ?norm . ?s ?p ?o }}
}}""",
)
"""Every triple of the tree :func:`framed_subgraph` selects: its articles (``tkg:Article``
with ``eli:is_part_of``) and their treaties; the norms they express and the obligations
derived from those. Two queries of about the same size, evaluated side by side. A node
reached twice (an article part of two treaties) has its triples twice: the writer keeps each
value once, which is cheaper than ``DISTINCT`` here."""

_CONDITION = f"<{TKG.condition}>"
_LINKS = frozenset(f"<{p}>" for p in _LINK_PROPERTIES)
_LABEL = f"<{RDFS.label}>"

Columns = tuple[list[str], list[str], list[str]]


def _framed_columns(store: ox.Store) -> Columns:
    """The triples of :func:`framed_subgraph`, from the store, as subject, predicate and
    object columns: the tree's in two queries, then its conditions' triples and its linked
    nodes' labels in another (the nodes named with ``VALUES``: a few per treaty)."""
    subjects, predicates, objects = [], [], []
    for columns in graphstore.select_all(store, _TREE_QUERIES):
        if columns and columns[0]:
            subjects += columns[0]
            predicates += columns[1]
            objects += columns[2]
    conditions: set[str] = set()
    linked: set[str] = set()
    for p, o in zip(predicates, objects, strict=True):
        if p == _CONDITION:
            conditions.add(o)
        elif p in _LINKS:
            linked.add(o)
    branches = []
    if iris := sorted(t for t in conditions if t.startswith("<")):
        branches.append(f"{{ VALUES ?s {{ {' '.join(iris)} }} ?s ?p ?o }}")
    if iris := sorted(t for t in linked if t.startswith("<")):
        branches.append(
            f"{{ VALUES ?s {{ {' '.join(iris)} }} ?s {_LABEL} ?o BIND({_LABEL} AS ?p) }}"
        )
    more: list[Triple] = []
    if branches:
        query = f"SELECT ?s ?p ?o WHERE {{ {' UNION '.join(branches)} }}"
        more += graphstore.select(store, query)
    # Blank nodes cannot be named in a query; the store finds them by their own labels.
    for node in sorted(t for t in conditions if t.startswith("_:")):
        more += _triples_of(store, node, None)
    for node in sorted(t for t in linked if t.startswith("_:")):
        more += _triples_of(store, node, _LABEL)
    for s, p, o in more:
        subjects.append(s)
        predicates.append(p)
        objects.append(o)
    return subjects, predicates, objects


def _triples_of(store: ox.Store, blank: str, predicate: str | None) -> list[Triple]:
    pattern = None if predicate is None else ox.NamedNode(predicate[1:-1])
    return [
        (blank, str(q.predicate), str(q.object))
        for q in store.quads_for_pattern(ox.BlankNode(blank[2:]), pattern, None, ox.DefaultGraph())
    ]


def _rdflib_graph(triples: list[Triple]) -> Graph:
    """The triples as an rdflib Graph (for :func:`framed_by_pyld`)."""
    from rdflib import BNode, Literal

    def term(text: str) -> Node:
        if text.startswith("<"):
            return URIRef(text[1:-1])
        if text.startswith("_:"):
            return BNode(text[2:])
        lexical, language, datatype = graphstore.literal_parts(text)
        if language:
            return Literal(lexical, lang=language)
        if datatype == graphstore.XSD_STRING:
            return Literal(lexical)
        return Literal(lexical, datatype=URIRef(datatype), normalize=False)

    graph = Graph(bind_namespaces="none")
    for s, p, o in triples:
        graph.add((term(s), term(p), term(o)))
    return graph


# The derived integer types a Store reads back as xsd:integer, with their value ranges.
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    f"{XSD}{name}": bounds
    for name, bounds in {
        "nonNegativeInteger": (0, None),
        "positiveInteger": (1, None),
        "nonPositiveInteger": (None, 0),
        "negativeInteger": (None, -1),
        "long": (-(2**63), 2**63 - 1),
        "int": (-(2**31), 2**31 - 1),
        "short": (-(2**15), 2**15 - 1),
        "byte": (-(2**7), 2**7 - 1),
        "unsignedLong": (0, 2**64 - 1),
        "unsignedInt": (0, 2**32 - 1),
        "unsignedShort": (0, 2**16 - 1),
        "unsignedByte": (0, 2**8 - 1),
    }.items()
}
_XSD_INTEGER_SUFFIX = f'"^^<{XSD}integer>'


def _restore_integer_types(triples: list[Triple], compactor: _Compactor | None) -> list[Triple]:
    """The triples with :func:`_restored_integer` applied (for :func:`framed_by_pyld`)."""
    if compactor is None or not compactor.integer_types:
        return triples
    declared = compactor.integer_types
    return [
        (s, p, _restored_integer(o, declared[p]) if p in declared else o) for s, p, o in triples
    ]


def _restored_integer(value: str, datatype: str) -> str:
    """``"23"^^xsd:integer`` as ``"23"^^xsd:positiveInteger`` (``datatype``) if it is in that
    type's range; any other value as it is (see :func:`framed`)."""
    if not value.endswith(_XSD_INTEGER_SUFFIX):
        return value
    lexical = value[1 : -len(_XSD_INTEGER_SUFFIX)]
    low, high = _INTEGER_RANGES[datatype]
    number = int(lexical)
    if (low is not None and number < low) or (high is not None and number > high):
        return value
    return graphstore.literal_term(lexical, datatype=datatype)


# --- JSON-LD compaction, as pyld does it ---------------------------------------------------------


class _UnsupportedError(Exception):
    """Input or context the direct writer does not model: frame with pyld instead."""


_KEYWORDS = frozenset(
    {
        *("@base", "@container", "@context", "@direction", "@graph", "@id", "@import"),
        *("@included", "@index", "@json", "@language", "@list", "@nest", "@none", "@prefix"),
        *("@propagate", "@protected", "@reverse", "@set", "@type", "@value", "@version"),
        "@vocab",
    }
)
_GEN_DELIM = re.compile(r".*[:/?#\[\]@]$")

# Kinds of value, for term selection: a node, or a literal (plain, tagged or typed).
_NODE = ("@node", "")
_PLAIN = ("@plain", "")


@dataclass(frozen=True)
class _Term:
    """A term definition, as pyld's active context holds it (only what build_context uses)."""

    iri: str
    type: str | None = None
    container: frozenset[str] = frozenset()
    reverse: bool = False
    prefix: bool = False


class _Compactor:
    """IRI compaction, term selection and value compaction of JSON-LD 1.1 (pyld's
    ``_compact_iri``, ``_select_term`` and ``_compact_value``), for contexts made of what
    :func:`build_context` writes: prefixes, keyword aliases, and terms with ``@id``, ``@type``
    (``@id`` or a datatype), ``@container`` (``@language``, ``@set``) and ``@reverse``.
    Results are cached: a corpus has few properties and value kinds, and each IRI is
    compacted once.
    """

    def __init__(self, terms: dict[str, _Term]) -> None:
        self.terms = terms
        self.inverse = self._inverse_context()
        self.alias_id = self._keyword("@id")
        self.alias_type = self._keyword("@type")
        self.alias_none = self._keyword("@none")
        # Prefix candidates for compact IRIs, by their stem (up to their last / or #).
        self._candidates = [(t, d) for t, d in terms.items() if ":" not in t and d.iri]
        self._by_stem: dict[str, list[tuple[str, _Term]]] = {}
        for term, definition in self._candidates:
            self._by_stem.setdefault(_stem(definition.iri), []).append((term, definition))
        self._prefixes = frozenset(t for t, d in terms.items() if d.prefix)
        self._pools: dict[str, list[tuple[str, _Term]]] = {}
        self._cache: dict[tuple[str, tuple[str, str] | None, bool, bool], str] = {}
        self._keys: dict[tuple[str, tuple[str, str], bool], tuple[str, _Term | None]] = {}
        #: property IRI → the derived integer datatype its (only) term declares
        self.integer_types: dict[str, str] = {}
        declared: dict[str, set[str | None]] = {}
        for definition in terms.values():
            if not definition.reverse and not definition.iri.startswith("@"):
                declared.setdefault(definition.iri, set()).add(definition.type)
        for prop, types in declared.items():
            if len(types) == 1 and (datatype := next(iter(types))) in _INTEGER_RANGES:
                self.integer_types[f"<{prop}>"] = datatype

    # --- the context ------------------------------------------------------------------------

    @classmethod
    def parse(cls, context: Mapping[str, Any]) -> _Compactor | None:
        """The compactor for ``context``; None if it uses anything not modelled here."""
        local = dict(context)
        if local.pop("@version", 1.1) != 1.1 or any(k.startswith("@") for k in local):
            return None
        terms: dict[str, _Term] = {}
        defining: set[str] = set()

        def expand(value: str) -> str | None:
            if value in _KEYWORDS:
                return value
            if value.startswith("@") or ":" not in value:
                return None  # a relative IRI or a term used as an IRI: not written by us
            prefix, suffix = value.split(":", 1)
            if prefix == "_" or suffix.startswith("//"):
                return value
            if prefix in local:
                definition = define(prefix)
                if definition is not None and definition.prefix:
                    return definition.iri + suffix
            return value

        def define(term: str) -> _Term | None:
            if term in terms:
                return terms[term]
            if term in defining:
                return None  # a cycle of prefixes: pyld refuses such a context
            defining.add(term)
            value = local[term]
            if isinstance(value, str):
                iri = expand(value)
                if iri is None:
                    return None
                is_prefix = ":" not in term and (
                    iri.startswith("_:") or bool(_GEN_DELIM.match(iri))
                )
                definition = _Term(iri, prefix=is_prefix)
            elif isinstance(value, dict) and set(value) <= {
                "@id",
                "@type",
                "@container",
                "@reverse",
            }:
                definition_or_none = _expanded_term(value, expand)
                if definition_or_none is None:
                    return None
                definition = definition_or_none
            else:
                return None
            if ":" in term and term.split(":", 1)[0] in local and expand(term) != definition.iri:
                return None  # pyld refuses such a context
            terms[term] = definition
            return definition

        for term in local:
            if define(term) is None:
                return None
        return cls(terms)

    def _inverse_context(self) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
        """pyld's inverse context: IRI → container → @language/@type → value → term."""
        inverse: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        for term, definition in sorted(self.terms.items(), key=lambda kv: (len(kv[0]), kv[0])):
            if not definition.iri:
                continue
            container = "".join(sorted(definition.container)) or "@none"
            entry = inverse.setdefault(definition.iri, {}).setdefault(
                container, {"@language": {}, "@type": {}, "@any": {}}
            )
            entry["@any"].setdefault("@none", term)
            if definition.reverse:
                entry["@type"].setdefault("@reverse", term)
            elif definition.type is not None:
                entry["@type"].setdefault(definition.type, term)
            else:
                entry["@language"].setdefault("@none", term)
                entry["@type"].setdefault("@none", term)
        return inverse

    def _keyword(self, keyword: str) -> str:
        alias = self.inverse.get(keyword, {}).get("@none", {}).get("@type", {}).get("@none")
        return alias or keyword

    def expand(self, value: str) -> str:
        """A compact IRI of the frame (``tkg:Treaty``) as a full IRI."""
        prefix, _, suffix = value.partition(":")
        definition = self.terms.get(prefix)
        if suffix and definition is not None and definition.prefix:
            return definition.iri + suffix
        if value in self.terms:
            return self.terms[value].iri
        return value

    # --- IRIs and keys ----------------------------------------------------------------------

    def iri(self, iri: str) -> str:
        """A node IRI as written in ``id`` and ``@type: @id`` values (not vocabulary-relative)."""
        return self.compact_iri(iri, None, vocab=False)

    def vocab(self, iri: str) -> str:
        """A type or datatype IRI (vocabulary-relative, no value)."""
        return self.compact_iri(iri, None, vocab=True)

    def key(self, prop: str, kind: tuple[str, str]) -> tuple[str, _Term | None]:
        """The key a value of ``kind`` of property ``prop`` is written under, and its term."""
        found = self._keys.get((prop, kind, False))
        if found is None:
            key = self.compact_iri(prop, kind, vocab=True)
            found = self._keys[(prop, kind, False)] = (key, self.terms.get(key))
        return found

    def reverse_key(self, prop: str) -> str:
        """The reverse term for node values of ``prop`` (a frame's reverse property)."""
        found = self._keys.get((prop, _NODE, True))
        if found is None:
            key = self.compact_iri(prop, _NODE, vocab=True, reverse=True)
            found = self._keys[(prop, _NODE, True)] = (key, self.terms.get(key))
        term = found[1]
        if term is None or not term.reverse or "@set" not in term.container:
            raise _UnsupportedError(f"no reverse term for {prop}")
        return found[0]

    def compact_iri(
        self, iri: str, kind: tuple[str, str] | None, *, vocab: bool, reverse: bool = False
    ) -> str:
        """pyld's ``_compact_iri`` (``kind`` None: no value; else the kind of the value)."""
        cache_key = (iri, kind, vocab, reverse)
        found = self._cache.get(cache_key)
        if found is None:
            found = self._cache[cache_key] = self._compact_iri(iri, kind, vocab, reverse)
        return found

    def _compact_iri(
        self, iri: str, kind: tuple[str, str] | None, vocab: bool, reverse: bool
    ) -> str:
        if iri in _KEYWORDS:
            return self._keyword(iri)
        if vocab and iri in self.inverse:
            term = self._select_term(iri, kind, reverse)
            if term is not None:
                return term
        candidate = None
        for term, definition in self._prefix_candidates(iri):
            if definition.iri == iri:
                continue
            curie = f"{term}:{iri[len(definition.iri) :]}"
            other = self.terms.get(curie)
            usable = (definition.prefix and other is None) or (
                kind is None and other is not None and other.iri == iri
            )
            if usable and (candidate is None or (len(curie), curie) < (len(candidate), candidate)):
                candidate = curie
        if candidate is not None:
            return candidate
        head, colon, _ = iri.partition(":")
        if colon and head in self._prefixes:
            raise _UnsupportedError(f"IRI confused with a prefix: {iri}")
        return iri

    def _prefix_candidates(self, iri: str) -> list[tuple[str, _Term]]:
        """The terms whose IRI is a prefix of ``iri``.

        Such a term's stem (its IRI up to its last ``/`` or ``#``) is a prefix of ``iri``
        ending with ``/`` or ``#`` (or ""), that is a prefix of the stem of ``iri`` ending
        so. The terms of those stems (:meth:`_pool`, cached per stem: data IRIs share a few
        thousand) are the only ones checked.
        """
        return [(t, d) for t, d in self._pool(_stem(iri)) if iri.startswith(d.iri)]

    def _pool(self, stem: str) -> list[tuple[str, _Term]]:
        found = self._pools.get(stem)
        if found is None:
            parent = self._pool(_stem(stem[:-1])) if stem else []
            found = self._pools[stem] = parent + self._by_stem.get(stem, [])
        return found

    def _select_term(self, iri: str, kind: tuple[str, str] | None, reverse: bool) -> str | None:
        containers: list[str] = []
        if kind == _NODE:
            containers += ["@id", "@id@set", "@type", "@set@type"]
        if reverse:
            which, value = "@type", "@reverse"
            containers.append("@set")
        else:
            if kind is None or kind == _NODE:
                which, value = "@type", "@id"
            elif kind[0] == "@language":
                containers += ["@language", "@language@set"]
                which, value = "@language", kind[1]
            elif kind[0] == "@type":
                which, value = "@type", kind[1]
            else:
                which, value = "@language", "@null"
            containers.append("@set")
        containers.append("@none")
        if kind is not None:
            containers += ["@index", "@index@set"]
        if kind == _PLAIN:
            containers += ["@language", "@language@set"]
        prefs: list[str] = []
        if value in ("@id", "@reverse") and kind == _NODE:
            if value == "@reverse":
                prefs.append("@reverse")
            prefs += ["@id", "@vocab"]  # no @type: @vocab terms here, so the order is moot
        else:
            prefs.append(value)
        prefs.append("@none")
        by_container = self.inverse[iri]
        for container in containers:
            entry = by_container.get(container)
            if entry is None:
                continue
            candidates = entry[which]
            for pref in prefs:
                if pref in candidates:
                    return candidates[pref]
        return None


def _expanded_term(value: dict[str, Any], expand: Any) -> _Term | None:
    """An expanded term definition of the forms :func:`build_context` writes, else None."""
    container = value.get("@container", [])
    containers = frozenset([container] if isinstance(container, str) else container)
    if not containers <= {"@language", "@set"}:
        return None
    if "@reverse" in value:
        if "@id" in value or "@type" in value or "@language" in containers:
            return None
        iri = expand(value["@reverse"])
        if iri is None or iri in _KEYWORDS:
            return None
        return _Term(iri, container=containers, reverse=True)
    if not isinstance(value.get("@id"), str):
        return None
    iri = expand(value["@id"])
    if iri is None:
        return None
    type_: str | None = None
    if "@type" in value:
        if "@language" in containers or not isinstance(value["@type"], str):
            return None
        type_ = value["@type"] if value["@type"] == "@id" else expand(value["@type"])
        if type_ is None or (type_ in _KEYWORDS and type_ != "@id"):
            return None
    return _Term(iri, type=type_, container=containers)


def _stem(iri: str) -> str:
    return iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]


# --- the framed tree, written directly -----------------------------------------------------------

_encode = json.encoder.encode_basestring  # what json.dumps(str, ensure_ascii=False) writes
_RDF_TYPE = f"<{RDF.type}>"
_LIST_TERMS = frozenset({f"<{RDF.first}>", f"<{RDF.rest}>"})
_RDF_NIL = f"<{RDF.nil}>"
# rdflib writes these as JSON numbers and booleans (rdflib's toPython), the rest as strings.
_NATIVE_TYPES = frozenset({f"{XSD}boolean", f"{XSD}integer", f"{XSD}double"})

SortKey = tuple[str, str]
Entry = tuple[str, SortKey, int, Any, Any, bool]
"""One value of a node: its key; its sort key (how :func:`canonical_tree` orders an array:
node objects by id, then other values by their JSON; language-map values by language and
text); how it is written; what is written; its Python value (what an article's number is
compared by), its language or the frame of a reverse node; whether its key is always an
array."""

# How a value is written: its text as it is; an embedded node; a node the frame embeds (by a
# reverse property); a small object (value object, {"id": …}) given as its members' texts;
# a string in a language map.
_TEXT, _EMBEDDED, _FRAMED, _OBJECT, _IN_MAP = range(5)
# How a literal of a property is written, by the literal's suffix (@lang, ^^<datatype>, none).
_AS_STRING, _AS_NATIVE, _AS_OBJECT = range(5, 8)


@dataclass(frozen=True)
class _Frame:
    """:data:`FRAME`, expanded: the types it matches, and its reverse properties."""

    types: frozenset[str]
    reverse: tuple[tuple[str, _Frame], ...]

    @classmethod
    def parse(cls, frame: Mapping[str, Any], compactor: _Compactor, top: bool) -> _Frame:
        types: set[str] = set()
        reverse = []
        for key, value in frame.items():
            if key == compactor.alias_type and top:
                for name in value if isinstance(value, list) else [value]:
                    types.add(f"<{compactor.expand(name)}>")
                continue
            term = compactor.terms.get(key)
            if term is None or not term.reverse or not isinstance(value, dict):
                raise _UnsupportedError(f"frame key {key!r}")
            reverse.append((f"<{term.iri}>", cls.parse(value, compactor, top=False)))
        return cls(frozenset(types), tuple(reverse))


class _FramedWriter:
    """Embeds and compacts the framed subgraph as pyld's ``frame`` does, and writes the
    canonical JSON text of the result straight into one list of strings.

    Embedding follows pyld's framing with ``@embed: @always``: every value that is a subject
    of the subgraph is embedded with all its values, except a node already on the path from
    the top (its parent excepted, as pyld checks), which stays a reference; the frame's
    reverse properties embed the nodes pointing at the node. Compaction follows
    :class:`_Compactor`. The text is written in its final order and indentation as the tree
    is walked (the canonical order of every array is known before its elements are written:
    nodes by id, other values by their JSON), so each byte is written once; the text of a
    node that embeds nothing (a state's ``{id, label}``) is made once per indentation.
    """

    def __init__(self, compactor: _Compactor, columns: Columns) -> None:
        self.c = compactor
        self.frame = _Frame.parse(FRAME, compactor, top=True)
        subjects, predicates, objects = columns
        if (
            _RDF_NIL in objects
            or not _LIST_TERMS.isdisjoint(predicates)
            or "\n_:" in "\n" + "\n".join(subjects)
            or "\n_:" in "\n" + "\n".join(objects)
        ):
            raise _UnsupportedError("blank nodes and RDF lists are framed by pyld")
        integer_types = compactor.integer_types
        #: subject → property → values (each once, rdf:type included)
        self.nodes: dict[str, dict[str, list[str]]] = {}
        nodes = self.nodes
        for s, p, o in zip(subjects, predicates, objects, strict=True):
            props = nodes.get(s)
            if props is None:
                props = nodes[s] = {}
            if p in integer_types:
                o = _restored_integer(o, integer_types[p])
            values = props.get(p)
            if values is None:
                props[p] = [o]
            elif o not in values:
                values.append(o)
        for props in nodes.values():
            if any(not t.startswith("<") for t in props.get(_RDF_TYPE, ())):
                raise _UnsupportedError("a literal rdf:type")
        #: reverse property → node → the nodes that have it as a value
        self.children: dict[str, dict[str, list[str]]] = {}
        pending = [self.frame]
        while pending:
            frame = pending.pop()
            for prop, subframe in frame.reverse:
                pending.append(subframe)
                if prop not in self.children:
                    index: dict[str, list[str]] = {}
                    for s, props in nodes.items():
                        for o in props.get(prop, ()):
                            if o.startswith("<"):
                                index.setdefault(o, []).append(s)
                    self.children[prop] = index
        self.ids: dict[str, str] = {}
        self.prepared: dict[str, list[Entry]] = {}
        self.leaves: dict[tuple[str, int], str] = {}
        self.prefixes: dict[tuple[str, int], tuple[str, str]] = {}
        self.closings: dict[int, str] = {}
        self.natives: dict[tuple[str, str], Any] = {}
        # Per property: how its node values and its literals (by suffix) are written.
        self.node_plans: dict[str, tuple[str, bool, bool, dict[str, Entry]]] = {}
        self.literal_plans: dict[str, dict[str, tuple[int, str, bool, Any]]] = {}

    def document(self, context: Mapping[str, Any]) -> bytes:
        """The framed document's bytes: ``canonical_json({"@context": …, "@graph": […]})``."""
        types = self.frame.types
        tops = [
            s for s, props in self.nodes.items() if not types.isdisjoint(props.get(_RDF_TYPE, ()))
        ]
        tops.sort(key=self.compact_id)
        context_text = json.dumps(dict(context), sort_keys=True, indent=2, ensure_ascii=False)
        out = ['{\n  "@context": ', context_text.replace("\n", "\n  "), ',\n  "@graph": ']
        if tops:
            out.append("[")
            for i, top in enumerate(tops):
                out.append(",\n    " if i else "\n    ")
                self.node(top, out, [], self.frame, 4, top=True)
            out.append("\n  ]")
        else:
            out.append("[]")
        out.append("\n}\n")
        return "".join(out).encode("utf-8")

    def compact_id(self, subject: str) -> str:
        found = self.ids.get(subject)
        if found is None:
            found = self.ids[subject] = self.c.iri(subject[1:-1])
        return found

    def node(
        self,
        subject: str,
        out: list[str],
        stack: list[str],
        frame: _Frame | None,
        indent: int,
        top: bool = False,
    ) -> None:
        """Write a node with all its values, compacted, placed at ``indent``.

        ``frame`` is None for a node embedded as the value of a property (pyld's implicit
        frame: no reverse properties); ``top`` for a match of the frame itself, whose
        ``articles`` go in number order.
        """
        entries = self.prepared.pop(subject, None) or self.members(subject, stack)
        if frame is not None:
            for prop, subframe in frame.reverse:
                children = self.children[prop].get(subject)
                if not children:
                    continue
                key = self.c.reverse_key(prop[1:-1])
                for child in dict.fromkeys(children):
                    if child == subject or child in stack:
                        raise _UnsupportedError(f"{child} is its own ancestor")
                    sort_key = ("0", self.compact_id(child))
                    entries.append((key, sort_key, _FRAMED, child, subframe, True))
        entries.sort(key=_BY_KEY)
        stack.append(subject)
        out.append("{")
        prefixes = self.prefixes
        count = len(entries)
        start = 0
        while start < count:
            first = entries[start]
            key = first[0]
            end = start + 1
            while end < count and entries[end][0] == key:
                end += 1
            prefix = prefixes.get((key, indent)) or self._member_prefix(key, indent)
            out.append(prefix[1] if start else prefix[0])
            how = first[2]
            if how == _IN_MAP:
                self.language_map(entries, start, end, out, indent + 2)
            elif end - start == 1 and not first[5]:
                if how == _TEXT:
                    out.append(first[3])
                else:
                    self.write(first, out, stack, indent + 2)
            elif top and key == "articles":
                self.articles(entries[start:end], out, stack, indent + 2)
            else:
                self.array(entries, start, end, out, stack, indent + 2)
            start = end
        out.append(self.closings.get(indent) or self._closing(indent))
        stack.pop()

    def _closing(self, indent: int) -> str:
        found = self.closings[indent] = "\n" + " " * indent + "}"
        return found

    def _member_prefix(self, key: str, indent: int) -> tuple[str, str]:
        """What goes before a member ``key`` of an object at ``indent``: first, and after a
        comma. Keys and languages repeat in every node, so they are encoded once."""
        pad = "\n" + " " * (indent + 2)
        first = f"{pad}{_encode(key)}: "
        found = self.prefixes[(key, indent)] = (first, "," + first)
        return found

    def members(self, subject: str, stack: list[str]) -> list[Entry]:
        """The node's values: (key, sort key, how to write it, what, Python value, whether
        the key is always an array), keys not yet in order."""
        c = self.c
        nodes = self.nodes
        compact_id = self.compact_id(subject)
        entries: list[Entry] = [
            (c.alias_id, _ID_SORT, _TEXT, _encode(compact_id), compact_id, False)
        ]
        for prop, values in nodes[subject].items():
            if prop == _RDF_TYPE:
                for value in values:
                    name = c.vocab(value[1:-1])
                    text = _encode(name)
                    entries.append((c.alias_type, ("1", text), _TEXT, text, name, False))
                continue
            plans = None
            for value in values:
                if value[0] == "<":
                    node_plan = self.node_plans.get(prop) or self._node_plan(prop)
                    # pyld's check for circular embeds skips the top of its stack (the node
                    # itself, not yet on ``stack`` here): a node embeds itself once.
                    if value in nodes and value not in stack:
                        sort_key = ("0", self.compact_id(value))
                        entries.append(
                            (node_plan[0], sort_key, _EMBEDDED, value, None, node_plan[1])
                        )
                    else:
                        entries.append(node_plan[3].get(value) or self.reference(prop, value))
                    continue
                end = value.rindex('"')
                suffix = value[end + 1 :]
                if plans is None:
                    plans = self.literal_plans.get(prop)
                    if plans is None:
                        plans = self.literal_plans[prop] = {}
                plan = plans.get(suffix)
                if plan is None:
                    plan = plans[suffix] = self._literal_plan(prop, suffix)
                how, key, as_array, extra = plan
                if "\\" not in value:
                    lexical = value[1:end]
                    text = value[: end + 1]  # the JSON string: nothing to escape
                else:
                    lexical = graphstore.literal_parts(value)[0]
                    text = _encode(lexical)
                if how == _IN_MAP:
                    entries.append((key, (extra, text), _IN_MAP, text, extra, False))
                elif how == _AS_STRING:
                    entries.append((key, ("1", text), _TEXT, text, lexical, as_array))
                else:
                    entries.append(self.literal(key, as_array, how, extra, lexical))
        return entries

    def write(self, entry: Entry, out: list[str], stack: list[str], indent: int) -> None:
        """Write one value placed at ``indent``."""
        how = entry[2]
        what = entry[3]
        if how == _TEXT:
            out.append(what)
        elif how == _EMBEDDED:
            found = self.leaves.get((what, indent))
            if found is not None:
                out.append(found)
                return
            props = self.nodes[what]
            if any(v in self.nodes for values in props.values() for v in values):
                self.node(what, out, stack, None, indent)
                return
            text: list[str] = []  # a node that embeds nothing: the same text everywhere
            self.node(what, text, stack, None, indent)
            found = self.leaves[(what, indent)] = "".join(text)
            out.append(found)
        elif how == _FRAMED:
            self.node(what, out, stack, entry[4], indent)
        elif how == _OBJECT:
            out.append(_small_object(what, indent))
        else:
            raise _UnsupportedError("a language-map value and another under one key")

    def array(
        self,
        entries: list[Entry],
        start: int,
        end: int,
        out: list[str],
        stack: list[str],
        indent: int,
    ) -> None:
        """Write entries[start:end] (in their final order) as an array placed at ``indent``."""
        pad = "\n" + " " * (indent + 2)
        out.append("[")
        for i in range(start, end):
            out.append("," + pad if i > start else pad)
            entry = entries[i]
            if entry[2] == _TEXT:
                out.append(entry[3])
            else:
                self.write(entry, out, stack, indent + 2)
        out.append("\n" + " " * indent + "]")

    def articles(self, entries: list[Entry], out: list[str], stack: list[str], indent: int) -> None:
        """A treaty's articles in number order; articles with the same number in the order of
        their canonical JSON, as :func:`_sort_tree` puts them."""
        keyed = sorted(((_article_head(self.number(e[3], stack)), e) for e in entries), key=_first)
        ordered: list[Entry | str] = []
        start = 0
        while start < len(keyed):
            end = start + 1
            while end < len(keyed) and keyed[end][0] == keyed[start][0]:
                end += 1
            if end - start == 1:
                ordered.append(keyed[start][1])
            else:  # rare: write them aside and compare their text at indentation 0
                texts = []
                for _, entry in keyed[start:end]:
                    text: list[str] = []
                    self.write(entry, text, stack, indent + 2)
                    texts.append("".join(text))
                dedent = "\n" + " " * (indent + 2)
                ordered += sorted(texts, key=lambda t: t.replace(dedent, "\n"))
            start = end
        pad = "\n" + " " * (indent + 2)
        out.append("[")
        for i, item in enumerate(ordered):
            out.append("," + pad if i else pad)
            if isinstance(item, str):
                out.append(item)
            else:
                self.write(item, out, stack, indent + 2)
        out.append("\n" + " " * indent + "]")

    def number(self, article: str, stack: list[str]) -> Any:
        """The Python value of an article's ``number`` as pyld's output holds it (the
        article's members are kept for writing it)."""
        entries = self.prepared[article] = self.members(article, stack)
        numbers = sorted((e for e in entries if e[0] == "number"), key=_BY_KEY)
        if not numbers:
            return None
        values = []
        for _, _, how, _, value, _ in numbers:
            if how not in (_TEXT, _OBJECT) or (how == _OBJECT and "@value" not in value):
                raise _UnsupportedError("an article number that is a node or a language map")
            values.append(value)
        return values if numbers[0][5] or len(values) > 1 else values[0]

    def language_map(
        self, entries: list[Entry], start: int, end: int, out: list[str], indent: int
    ) -> None:
        """Write entries[start:end], language-map values sorted by language and text, as a
        language map (``{"en": …, "fr": …}``) placed at ``indent``."""
        out.append("{")
        prefixes = self.prefixes
        i = start
        while i < end:
            language = entries[i][4]
            j = i + 1
            while j < end and entries[j][4] == language:
                j += 1
            prefix = prefixes.get((language, indent)) or self._member_prefix(language, indent)
            out.append(prefix[1] if i > start else prefix[0])
            if j - i == 1:
                out.append(entries[i][3])
            else:
                inner = "\n" + " " * (indent + 4)
                texts = [entries[k][3] for k in range(i, j)]
                out.append("[" + inner + ("," + inner).join(texts) + inner[:-2] + "]")
            i = j
        for k in range(start, end):
            if entries[k][2] != _IN_MAP:
                raise _UnsupportedError("a language-map value and another under one key")
        out.append(self.closings.get(indent) or self._closing(indent))

    def reference(self, prop: str, value: str) -> Entry:
        """A node that is not embedded: its IRI under an ``@type: @id`` term, else
        ``{"id": IRI}``."""
        key, as_array, as_iri, references = self.node_plans.get(prop) or self._node_plan(prop)
        compact = self.compact_id(value)
        text = _encode(compact)
        entry: Entry
        if as_iri:
            entry = (key, ("1", text), _TEXT, text, compact, as_array)
        else:
            alias = self.c.alias_id
            entry = (key, ("0", compact), _OBJECT, {alias: text}, {alias: compact}, as_array)
        references[value] = entry
        return entry

    def _node_plan(self, prop: str) -> tuple[str, bool, bool, dict[str, Entry]]:
        """The key of the property's node values, whether it is always an array, whether a
        reference is written as a bare IRI (an ``@type: @id`` term), and the references
        written so far."""
        key, term = self.c.key(prop[1:-1], _NODE)
        found = self.node_plans[prop] = (
            key,
            term is not None and "@set" in term.container,
            term is not None and term.type == "@id",
            {},
        )
        return found

    def _literal_plan(self, prop: str, suffix: str) -> tuple[int, str, bool, Any]:
        """How a literal of ``prop`` with this suffix is written: (how, key, always an array,
        the language map's key or the datatype)."""
        if suffix.startswith("@"):
            kind = ("@language", suffix[1:])
        elif suffix.startswith("^^<"):
            kind = ("@type", suffix[3:-1])
        else:
            kind = _PLAIN
        key, term = self.c.key(prop[1:-1], kind)
        as_array = term is not None and "@set" in term.container
        if term is not None and "@language" in term.container:
            return _IN_MAP, key, as_array, kind[1] or self.c.alias_none
        if kind == _PLAIN:
            return _AS_STRING, key, as_array, None
        native = kind[0] == "@type" and kind[1] in _NATIVE_TYPES
        if kind[0] == "@type" and term is not None and term.type == kind[1]:
            return (_AS_NATIVE if native else _AS_STRING), key, as_array, kind[1]
        return _AS_OBJECT, key, as_array, (kind, native)

    def literal(self, key: str, as_array: bool, how: int, extra: Any, lexical: str) -> Entry:
        """A literal written as a JSON number or boolean, or as a value object."""
        if how == _AS_NATIVE:
            value = self._native(lexical, extra)
            text = _scalar(value)
            return key, ("1", text), _TEXT, text, value, as_array
        (which, tag), native = extra
        value = self._native(lexical, tag) if native else lexical
        if which == "@type":
            obj = {self.c.alias_type: self.c.vocab(tag), "@value": value}
        else:
            obj = {"@language": tag, "@value": value}
        texts = {k: _scalar(v) for k, v in obj.items()}
        sort_key = ("1", json.dumps(obj, sort_keys=True, ensure_ascii=False))
        return key, sort_key, _OBJECT, texts, obj, as_array

    def _native(self, lexical: str, datatype: str) -> Any:
        """The JSON value rdflib writes for an xsd:boolean, xsd:integer or xsd:double."""
        found = self.natives.get((lexical, datatype))
        if found is None:
            from rdflib import Literal

            found = Literal(lexical, datatype=URIRef(datatype), normalize=False).toPython()
            self.natives[(lexical, datatype)] = found
        return found


_ID_SORT = ("0", "")
_BY_KEY = operator.itemgetter(0, 1)


def _first(pair: tuple[Any, ...]) -> Any:
    return pair[0]


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _encode(value)
    return json.dumps(value)


def _small_object(members: dict[str, str], indent: int) -> str:
    """A JSON object of scalar member texts, keys sorted, placed at ``indent``."""
    pad = "\n" + " " * (indent + 2)
    body = ("," + pad).join(f"{_encode(key)}: {members[key]}" for key in sorted(members))
    return "{" + pad + body + "\n" + " " * indent + "}"


__all__ = [
    "CONTEXT_PREFIXES",
    "CONTEXT_URL",
    "FRAME",
    "REVERSE_TERMS",
    "STANDARD_TERMS",
    "build_context",
    "context_document",
    "framed",
    "framed_by_pyld",
    "framed_subgraph",
    "refuse_to_load",
    "tkg_properties",
]
