"""The namespaces treatykg uses, and one place that binds them.

rdflib binds 29 prefixes to every new graph by default (brick, csvw, ...), which then
leak into JSON-LD and some Turtle output. treatykg graphs are created without them and
get exactly :data:`PREFIXES` via :func:`bind_prefixes`, so output is stable and small.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import NamespaceManager

BASE = "https://w3id.org/treatykg/"

TKG = Namespace(f"{BASE}def#")
TKGSH = Namespace(f"{BASE}shapes#")
ID = Namespace(f"{BASE}id/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")

PREFIXES: dict[str, str] = {
    "tkg": str(TKG),
    "tkgsh": str(TKGSH),
    "id": str(ID),
    "eli": str(ELI),
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "vann": "http://purl.org/vocab/vann/",
    "org": "http://www.w3.org/ns/org#",
    "sem": str(SEM),
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": str(WD),
    "wdt": str(WDT),
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
}


# A conservative subset of Turtle's PN_LOCAL: what we print must also be valid Turtle,
# so a local part with "/" or "#" falls back to the full <IRI> instead of a bogus pname.
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")


def bind_prefixes(graph: Graph) -> Graph:
    """Bind exactly :data:`PREFIXES` on ``graph`` (replacing clashing bindings) and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def new_graph() -> Graph:
    """An empty in-memory Graph carrying only treatykg's prefixes."""
    return bind_prefixes(Graph(bind_namespaces="none"))


def new_namespace_manager(graph: Graph) -> NamespaceManager:
    """A NamespaceManager for ``graph`` that starts empty instead of with rdflib's 29 prefixes."""
    return NamespaceManager(graph, bind_namespaces="none")


def qname(iri: str | URIRef, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """``prefix:local`` for IRIs in a known namespace with a plain local part, else ``<iri>``.

    The longest matching namespace wins, so ``id:`` never shadows a more specific one.
    """
    text = str(iri)
    by_length = sorted(prefixes.items(), key=lambda item: len(item[1]), reverse=True)
    for prefix, namespace in by_length:
        if text.startswith(namespace):
            local = text[len(namespace) :]
            if local == "" or _LOCAL.fullmatch(local):
                return f"{prefix}:{local}"
    return f"<{text}>"
