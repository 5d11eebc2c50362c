"""A small synthetic corpus (benchmarks/gen_corpus.py), published as a build publishes it:
the bundled ontology with the data, as an rdflib Graph and as a pyoxigraph Store."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from treatykg.rdf import serialize
from treatykg.rdf.load import load, load_ontology

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gen_corpus.py"


def generate(out: Path, treaties: int = 5, seed: int = 1, *, inject: bool = False) -> Path:
    """Write a corpus of ``treaties`` synthetic treaties into ``out`` (with ``inject``, with
    the defects listed in ``out/injected.tsv``)."""
    spec = importlib.util.spec_from_file_location("gen_corpus", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    options = ["--treaties", str(treaties), "--seed", str(seed), "--out", str(out)]
    assert module.main([*options, "--inject"] if inject else options) == 0
    return out


def published(data: Path | None = None) -> tuple[Graph, ox.Store]:
    """The ontology and the data (``data``, or the bundled data) in one default graph."""
    graph = Graph(bind_namespaces="none")
    for triple in load_ontology():
        graph.add(triple)
    for s, p, o, _ in load([data] if data is not None else None).quads((None, None, None, None)):
        graph.add((s, p, o))
    store = ox.Store()
    store.load(serialize.ntriples(graph), format=ox.RdfFormat.N_TRIPLES)
    return graph, store
