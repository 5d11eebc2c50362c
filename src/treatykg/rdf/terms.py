"""RDF terms: the one converter between rdflib and pyoxigraph, the one order, the one way to
write a SPARQL string.

rdflib is the graph API users get; pyoxigraph parses, sorts, stores and writes. Terms cross
between them in both directions, and every crossing must agree on three things, kept here:

* **conversion** (:class:`TermConverter`): literals keep their lexical form, ``xsd:string``
  literals become plain rdflib literals (what rdflib's own parser makes, so pySHACL's
  ``sh:in`` and ``sh:hasValue`` compare them right), IRIs and blank nodes are cached (rdflib's
  ``__hash__``/``__eq__`` are slow Python code), and blank nodes read from a file are scoped
  to that file with stable labels, so that a release is byte-identical whoever builds it;
* **order** (:func:`term_key`, and :func:`ntriples_key` for terms already written as
  N-Triples text): IRIs, then blank nodes, then literals; each by its text, literals then by
  language and datatype. Output that lists terms is sorted with it, so it is deterministic;
* **SPARQL strings** (:func:`sparql_string`): the one escaper for text put into a query.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import XSD, BNode, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from treatykg.errors import InputError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_GENERATED_BNODE = re.compile(r"[0-9a-f]{1,32}")  # pyoxigraph drops leading zeros


class TermConverter:
    """Terms between rdflib and pyoxigraph, in both directions.

    ``bnode_prefix`` scopes the blank nodes read from one file (:meth:`for_file`); without
    it, blank node labels are kept as they are (terms treatykg wrote or labelled itself).
    One converter per use: it caches the terms it has seen.
    """

    def __init__(self, bnode_prefix: str | None = None, shown: str = "<terms>") -> None:
        self._shown = shown
        self._bnode_prefix = bnode_prefix
        self._bnodes: dict[str, BNode] = {}
        self._iris: dict[str, URIRef] = {}
        # Keyed by (type, text): rdflib's own __hash__/__eq__ are slow Python code.
        self._oxigraph: dict[tuple[type, str], tuple[Any, str]] = {}

    @classmethod
    def for_file(cls, path: Path, shown: str) -> TermConverter:
        """A converter whose blank nodes are scoped to the file ``path`` (shown as ``shown``).

        The scope is distinct between files and the same wherever the files are (a clone, the
        installed package): taken from the file's name and content, never from its absolute
        path, so that a release is byte-identical whoever builds it.
        """
        digest = hashlib.sha1(path.name.encode() + b"\0", usedforsecurity=False)
        with contextlib.suppress(OSError):  # the parser reports the error
            digest.update(path.read_bytes())
        return cls(f"f{digest.hexdigest()[:10]}", shown)

    # --- pyoxigraph -> rdflib -------------------------------------------------------------

    def __call__(self, term: Any) -> Node:
        """The rdflib term for the pyoxigraph term ``term``."""
        if isinstance(term, ox.NamedNode):
            iri = self._iris.get(term.value)
            if iri is None:
                iri = self._iris[term.value] = URIRef(term.value)
            return iri
        if isinstance(term, ox.Literal):
            return self._literal(term)
        if isinstance(term, ox.BlankNode):
            return self._bnode(term.value)
        if isinstance(term, ox.DefaultGraph):
            return DATASET_DEFAULT_GRAPH_ID
        if isinstance(term, ox.Triple):
            raise InputError(self._shown, "RDF 1.2 triple terms (<<( ... )>>) are not supported")
        raise InputError(self._shown, f"unsupported RDF term {term!r}")

    def _bnode(self, label: str) -> BNode:
        bnode = self._bnodes.get(label)
        if bnode is None:
            if self._bnode_prefix is None:
                local = label
            elif _GENERATED_BNODE.fullmatch(label):
                # pyoxigraph names anonymous nodes ([] and lists) at random: number them instead.
                local = f"{self._bnode_prefix}n{len(self._bnodes) + 1}"
            else:
                local = f"{self._bnode_prefix}x{label}"
            bnode = self._bnodes[label] = BNode(local)
        return bnode

    def _literal(self, term: ox.Literal) -> Literal:
        if getattr(term, "direction", None):
            raise InputError(
                self._shown,
                f'RDF 1.2 base direction ("{term.value}"@{term.language}--{term.direction}) '
                "is not supported",
            )
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)

    # --- rdflib -> pyoxigraph -------------------------------------------------------------

    def to_oxigraph(self, term: Node) -> tuple[Any, str]:
        """The pyoxigraph term for the rdflib term ``term``, and its N-Triples form."""
        if isinstance(term, Literal):  # never cached: rdflib equates "a"@EN and "a"@en
            literal = _oxigraph_literal(term)
            return literal, str(literal)
        key = (type(term), str(term))
        found = self._oxigraph.get(key)
        if found is None:
            if isinstance(term, URIRef):
                node: Any = ox.NamedNode(str(term))
            elif isinstance(term, BNode):
                node = ox.BlankNode(str(term))  # keep the label: the loader made it stable
            else:
                raise TypeError(f"cannot serialize RDF term {term!r}")
            found = self._oxigraph[key] = (node, str(node))
        return found


def _oxigraph_literal(term: Literal) -> ox.Literal:
    """The pyoxigraph literal for an rdflib literal, lexical form kept."""
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is None:
        return ox.Literal(str(term))
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))


# --- the order of terms -------------------------------------------------------------------------


def term_key(term: Node) -> tuple[int, str, str, str]:
    """A total order on RDF terms: IRIs, then blank nodes, then literals.

    Literals sort by lexical form, then language, then datatype (``xsd:string`` counts as
    none, as RDF 1.1 says a plain literal is one).
    """
    if isinstance(term, URIRef):
        return (0, str(term), "", "")
    if isinstance(term, BNode):
        return (1, str(term), "", "")
    if isinstance(term, Literal):
        datatype = None if term.datatype in (None, XSD.string) else term.datatype
        return (2, str(term), term.language or "", str(datatype or ""))
    raise TypeError(f"cannot order RDF term {term!r}")


def ntriples_key(term: str) -> tuple[int, str, str, str]:
    """:func:`term_key` for a term written in N-Triples (``<iri>``, ``_:b``, ``"lit"@en``)."""
    if term.startswith("<"):
        return (0, term[1:-1], "", "")
    if term.startswith("_:"):
        return (1, term[2:], "", "")
    lexical, language, datatype = literal_parts(term)
    return (2, lexical, language, "" if datatype in (XSD_STRING, RDF_LANGSTRING) else datatype)


# --- terms written as N-Triples text ------------------------------------------------------


def iri_of(term: str) -> str:
    """``http://x`` for ``<http://x>``."""
    return term[1:-1]


def literal_parts(term: str) -> tuple[str, str, str]:
    """(lexical form, language tag or "", datatype IRI) of an N-Triples literal."""
    end = term.rindex('"')
    body = term[1:end]
    lexical = _unescape(body) if "\\" in body else body
    suffix = term[end + 1 :]
    if suffix.startswith("@"):
        return lexical, suffix[1:], RDF_LANGSTRING
    if suffix.startswith("^^<"):
        return lexical, "", suffix[3:-1]
    return lexical, "", XSD_STRING


def lexical_of(term: str) -> str:
    """The lexical form of a literal, the IRI of an IRI, the label of a blank node."""
    if term.startswith('"'):
        return literal_parts(term)[0]
    if term.startswith("<"):
        return term[1:-1]
    return term[2:]


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code:
            return chr(int(code, 16))
        return _SIMPLE.get(match.group(3), match.group(0))

    return _ESCAPE.sub(replace, body)


def literal_term(lexical: str, language: str = "", datatype: str = "") -> str:
    """The N-Triples form pyoxigraph writes for a literal (its own escaping)."""
    if language:
        return str(ox.Literal(lexical, language=language))
    if datatype and datatype != XSD_STRING:
        return str(ox.Literal(lexical, datatype=ox.NamedNode(datatype)))
    return str(ox.Literal(lexical))


# --- SPARQL -------------------------------------------------------------------------------------


def sparql_string(text: str) -> str:
    """A string literal for a SPARQL query text: the one escaper treatykg uses.

    SPARQL's short strings may not hold ``"``, ``\\``, a line feed or a carriage return as
    they are (ECHAR, SPARQL 1.1 section 19.8); everything else may stand as written.
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'
