"""The SPARQL 1.1 Service Description that ``GET /sparql`` without a query answers.

It tells a client where the endpoint is (where this server was reached, or its configured
public URL: :mod:`treatykg.web.public_url`), that it speaks SPARQL 1.1 Query, which result
formats it answers in (by their W3C format IRIs), whether the default graph is the union of
the named graphs, and how many triples the default graph holds.
"""

from __future__ import annotations

import functools

import pyoxigraph as ox
from rdflib.namespace import RDF, VOID

from treatykg.namespaces import SD
from treatykg.web.endpoint.media import FORMAT_IRIS, GRAPH_TYPES, W3C_FORMATS

_RDF_TYPE = ox.NamedNode(str(RDF.type))


@functools.lru_cache(maxsize=64)
def serialize(endpoint_url: str, *, union: bool, triples: int, media: str) -> bytes:
    """The description in ``media``, one of :data:`~treatykg.web.endpoint.media.GRAPH_TYPES`.

    Kept for the last few endpoints asked about: the endpoint comes from each request (the
    address a client used), so the cache is bounded, whatever ``Host`` headers arrive."""
    return (
        ox.serialize(
            _triples(endpoint_url, union=union, triples=triples),
            format=getattr(ox.RdfFormat, GRAPH_TYPES[media]),
            prefixes={"sd": str(SD), "void": str(VOID), "formats": W3C_FORMATS},
        )
        or b""
    )  # serialize returns None only when given an output to write to


def _triples(endpoint_url: str, *, union: bool, triples: int) -> list[ox.Triple]:
    service, dataset, graph = (ox.BlankNode(name) for name in ("service", "dataset", "graph"))

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(str(SD) + name)

    statements = [
        ox.Triple(service, _RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint_url)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        *(
            ox.Triple(service, sd("resultFormat"), ox.NamedNode(W3C_FORMATS + name))
            for name in FORMAT_IRIS.values()
        ),
    ]
    if union:
        statements.append(ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")))
    return [
        *statements,
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, _RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), graph),
        ox.Triple(graph, _RDF_TYPE, sd("Graph")),
        ox.Triple(graph, ox.NamedNode(str(VOID) + "triples"), ox.Literal(triples)),
    ]
