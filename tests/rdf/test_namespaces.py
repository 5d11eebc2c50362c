"""Our vocabulary in code is exactly our vocabulary in ontology/, both ways.

:class:`treatykg.namespaces.TKG` is a closed namespace: code can only name the terms it lists,
so the list must be the ontology's own. A term declared in ``ontology/`` but missing from
``TKG`` cannot be used from Python; a term in ``TKG`` that the ontology does not declare
would be an IRI nobody defines.
"""

from __future__ import annotations

import pytest
from rdflib import RDF, URIRef

from treatykg import namespaces
from treatykg.namespaces import TKG
from treatykg.rdf.load import load_ontology


def _declared() -> set[str]:
    ontology = load_ontology()
    own = str(TKG)
    return {
        str(s)[len(own) :]
        for s in ontology.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(own)
    }


def _in_code() -> set[str]:
    return set(getattr(TKG, "__annotations__", {}))


def test_every_declared_term_is_in_the_closed_namespace() -> None:
    missing = _declared() - _in_code()
    assert not missing, f"declared in ontology/ but not in namespaces.TKG: {sorted(missing)}"


def test_every_term_in_the_closed_namespace_is_declared() -> None:
    undeclared = _in_code() - _declared()
    assert not undeclared, f"in namespaces.TKG but not declared in ontology/: {sorted(undeclared)}"


def test_the_namespace_is_closed() -> None:
    assert TKG.Article == URIRef("https://w3id.org/treatykg/def#Article")
    with pytest.raises(AttributeError):
        _ = TKG.Articel  # a misspelt term raises instead of minting an IRI


def test_every_ontology_term_used_anywhere_in_ontology_is_declared() -> None:
    """No tkg: IRI in ontology/ (as object or predicate) is left undeclared."""
    ontology = load_ontology()
    own = str(TKG)
    used = {
        str(t)[len(own) :]
        for triple in ontology
        for t in triple
        if isinstance(t, URIRef) and str(t).startswith(own)
    }
    assert used <= _declared(), sorted(used - _declared())


def test_namespaces_are_defined_only_in_the_namespaces_module() -> None:
    """No other module of the package mints a Namespace of its own."""
    from pathlib import Path

    package = Path(namespaces.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "namespaces.py" and "Namespace(" in path.read_text(encoding="utf-8")
    ]
    assert not offenders, offenders
