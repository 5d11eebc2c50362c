"""Two releases to diff (the fixture ``pair`` in tests/changes/conftest.py): the bundled
data as it is (0.1.0), and a copy changed in every way a changeset must handle (0.2.0). The
changes are made here, in a temporary copy, to exercise the mechanism;
they are not facts and never reach data/.

What the new release changes, and what each change tests:

* the dataset's ``dcat:version`` 0.1.0 → 0.2.0 and its dates: a changed literal;
* ``dcterms:modified`` of the dataset as an ``xsd:dateTime`` instead of an ``xsd:date``: a
  literal whose datatype changed (the same day);
* Kim Jong Un's quotation on an "ardent friendship" removed: a removed resource;
* the signing's French label changed: a changed language-tagged literal;
* a new quotation: an added resource;
* the ontology's ``owl:unionOf ( tkg:Statement tkg:Quotation )`` list in the other order: a
  blank-node molecule removed and another added, while every other blank node stays the same
  content under new labels (the ontology file changed, so its labels all changed).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from treatykg.resources import resource_dir

REMOVED = "https://w3id.org/treatykg/id/quotation/kim-ardent-friendship"
ADDED = "https://w3id.org/treatykg/id/quotation/test-added-quotation"
SIGNING = "https://w3id.org/treatykg/id/event/2024-06-19-signing"
DATASET = "https://w3id.org/treatykg/dataset"
ABOUT = "https://w3id.org/treatykg/def#about"

_ADDED_TTL = """
PREFIX dcterms:   <http://purl.org/dc/terms/>
PREFIX rdfs:      <http://www.w3.org/2000/01/rdf-schema#>
PREFIX tkg:       <https://w3id.org/treatykg/def#>
PREFIX person:    <https://w3id.org/treatykg/id/person/>
PREFIX quotation: <https://w3id.org/treatykg/id/quotation/>
PREFIX source:    <https://w3id.org/treatykg/id/source/>
PREFIX state:     <https://w3id.org/treatykg/id/state/>

quotation:test-added-quotation
    a tkg:Quotation ;
    rdfs:label "A quotation added by the changeset tests"@en ,
        "Une citation ajoutée par les tests des changements"@fr ;
    tkg:text "amitié ardente"@fr ;
    tkg:speaker person:kim-jong-un ;
    tkg:about state:prk , state:rus ;
    dcterms:description "Added to a temporary copy of the data, to test changesets."@en ;
    dcterms:source source:frwiki-seed-article .
"""


@dataclass(frozen=True)
class Pair:
    old: Path
    new: Path
    #: The sources of the new release (data and ontology folders), to build it again.
    new_data: Path
    new_ontology: Path


def changed_sources(root: Path) -> tuple[Path, Path]:
    """A copy of the bundled data and ontology with the changes above, under ``root``."""
    data, ontology = root / "data", root / "ontology"
    shutil.copytree(resource_dir("data"), data)
    shutil.copytree(resource_dir("ontology"), ontology)
    dataset = data / "dataset.ttl"
    text = dataset.read_text(encoding="utf-8")
    text = text.replace('dcat:version "0.1.0"', 'dcat:version "0.2.0"')
    text = text.replace(
        'dcterms:issued "2026-11-28"^^xsd:date', 'dcterms:issued "2026-12-06"^^xsd:date'
    )
    text = text.replace(
        'dcterms:modified "2026-11-28"^^xsd:date',
        'dcterms:modified "2026-12-06T00:00:00Z"^^xsd:dateTime',
    )
    dataset.write_text(text, encoding="utf-8")
    quotations = data / "treaties" / "2024-csp" / "quotations.ttl"
    text = quotations.read_text(encoding="utf-8")
    text, removed = re.subn(r"\nquotation:kim-ardent-friendship\n.*?\.\n", "\n", text, flags=re.S)
    assert removed == 1
    quotations.write_text(text, encoding="utf-8")
    (data / "treaties" / "2024-csp" / "test-added.ttl").write_text(_ADDED_TTL, encoding="utf-8")
    events = data / "treaties" / "2024-csp" / "events.ttl"
    text = events.read_text(encoding="utf-8")
    old_label = '"Signature du traité de partenariat stratégique global"@fr'
    assert old_label in text
    events.write_text(
        text.replace(old_label, old_label[:-4] + ' (Pyongyang)"@fr'), encoding="utf-8"
    )
    vocabulary = ontology / "treatykg.ttl"
    text = vocabulary.read_text(encoding="utf-8")
    union = "owl:unionOf ( tkg:Statement tkg:Quotation )"
    assert text.count(union) == 1
    vocabulary.write_text(
        text.replace(union, "owl:unionOf ( tkg:Quotation tkg:Statement )"), encoding="utf-8"
    )
    return data, ontology
