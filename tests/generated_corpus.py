"""A small synthetic corpus (benchmarks/gen_corpus.py), published as a build publishes it:
the bundled ontology with the data, as an rdflib Graph and as a pyoxigraph Store; and a copy of
data/ with one generated treaty added, to run the tests on another corpus (``--data``)."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from locations import ROOT
from treatykg.rdf import serialize
from treatykg.rdf.load import load, load_ontology

SCRIPT = ROOT / "benchmarks" / "gen_corpus.py"
#: Where the generator's sources live; its other shared resources are agents.
SOURCES = "https://w3id.org/treatykg/id/source/"


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


def corpus_with_a_new_treaty(out: Path, *, seed: int = 7) -> Path:
    """A copy of the checkout's ``data/`` with one generated treaty added as a maintainer adds
    a treaty (README, "To add a treaty"; docs/modelling.md, "Corpus layout"): the treaty in
    ``treaties/{year}-syn0001/treaty.ttl``, the agents and the source that the generator
    shares between treaties appended to ``agents.ttl`` and ``sources.ttl``. Returns the
    copy's folder, for ``pytest --data`` or ``treatykg build --data``.

    The generated treaty has articles, language versions, norms, obligations, events and
    claims, all invented and marked ``syn`` in their IRIs; the data/ it is added to is the
    checkout's, whatever corpus the session runs on.
    """
    generated = generate(out / "generated", treaties=1, seed=seed)
    data = out / "data"
    shutil.copytree(ROOT / "data", data)
    treaty_text = (generated / "treaty-0001.ttl").read_text(encoding="utf-8")
    found = re.search(r"eli/treaty/([0-9]{4})/(syn[0-9]{4})", treaty_text)
    assert found, "gen_corpus.py wrote no treaty IRI"
    folder = data / "treaties" / f"{found[1]}-{found[2]}"
    folder.mkdir()
    (folder / "treaty.ttl").write_text(treaty_text, encoding="utf-8")
    shared = Graph(bind_namespaces="none").parse(generated / "shared.ttl", format="turtle")
    sources, agents = Graph(bind_namespaces="none"), Graph(bind_namespaces="none")
    for s, p, o in shared:
        (sources if str(s).startswith(SOURCES) else agents).add((s, p, o))
    for name, part in (("agents.ttl", agents), ("sources.ttl", sources)):
        for prefix, namespace in shared.namespaces():
            part.bind(prefix, namespace)
        with (data / name).open("a", encoding="utf-8") as file:
            file.write("\n# A generated treaty's shared resources (tests/generated_corpus.py).\n")
            file.write(part.serialize(format="turtle"))
    return data
