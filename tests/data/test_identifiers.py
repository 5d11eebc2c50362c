"""Published identifiers stay stable, and every Wikidata QID we cite is a verified one.

Why: a Wikibase "external identifier" property (and anyone else who links to us) stores only
the local part of our IRIs (``id/person/vladimir-putin``) and rebuilds the link with the
formatter URL ``https://w3id.org/treatykg/$1``. If an identifier silently disappears or is
renamed, those links break far away from here, where no test of ours can see it. So:

* ``tests/published_identifiers.txt`` is the registry of every identifier published so far;
  an identifier in it must stay in ``data/``, either live or retired with ``tkg:replacedBy``
  to a successor that exists (docs/identifiers.md, "Retirement");
* every identifier in ``data/`` must be in the registry, so that publishing one is a decision;
* every identifier matches :data:`IDENTIFIER_FORMAT`, the regular expression documented in
  docs/identifiers.md for the Wikidata property's "format as a regular expression";
* every Wikidata entity referenced in data, ontology, shapes, queries or code is one whose QID
  was verified in a source (``tests/wikidata_verified.tsv``, copied from treaty-facts.md §3-4),
  because a wrong QID (Q3159, the city of Kursk, for Kursk Oblast) looks perfectly plausible.

Run ``python tests/data/test_identifiers.py`` to print the registry lines that are missing, and
``python tests/data/test_identifiers.py --write`` to add them to the registry (it only ever adds
lines, keeps the header and the order, and leaves removals to a person).
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from treatykg.rdf.load import load

# Not from locations.py: this file also runs as a script (see the docstring).
TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent

DATA = ROOT / "data"
REGISTRY = TESTS / "published_identifiers.txt"
VERIFIED_QIDS = TESTS / "wikidata_verified.tsv"
DOC = ROOT / "docs" / "identifiers.md"

BASE = "https://w3id.org/treatykg/"
FORMATTER_URL = "https://w3id.org/treatykg/$1"
#: Namespaces under BASE that hold published resources. Not ``def``/``shapes`` (vocabulary,
#: versioned with the ontology) and not ``dataset`` (the distribution's own description).
PUBLISHED_PREFIXES = (BASE + "id/", BASE + "eli/")
REPLACED_BY = URIRef("https://w3id.org/treatykg/def#replacedBy")

#: The format of an identifier, exactly as documented in docs/identifiers.md (Wikidata P1793).
#: Wikibase format constraints match the whole value, so the tests use ``fullmatch``.
IDENTIFIER_FORMAT = (
    r"(id/[a-z]+/[a-z0-9]+(-[a-z0-9]+)*|eli/treaty/[0-9]{4}/[a-z0-9]+(/[a-z0-9_]+)?)"
)
IDENTIFIER_RE = re.compile(IDENTIFIER_FORMAT)

#: Kursk (city). Kursk Oblast has no verified QID; the city's must not stand in for it.
KURSK_CITY = "Q3159"
#: Directories scanned for Wikidata entity references, and the text files in them.
SCANNED_DIRS = ("data", "ontology", "shapes", "queries", "src")
TEXT_SUFFIXES = {".ttl", ".trig", ".nt", ".nq", ".jsonld", ".rq", ".py", ".html", ".md", ".txt"}
#: Full entity IRIs (entity, wiki page or Special:EntityData), http or https.
ENTITY_IRI = re.compile(
    r"https?://(?:www\.|m\.)?wikidata\.org/(?:entity/|wiki/(?:Special:EntityData/)?)(Q[0-9]+)"
)
#: Prefixes declared for the entity namespace, so that ``wikidata:Q42`` is caught like ``wd:Q42``.
ENTITY_PREFIX_DECL = re.compile(
    r"(?:PREFIX|@prefix)\s+([A-Za-z][\w.-]*)?:\s*<https?://www\.wikidata\.org/entity/>",
    re.IGNORECASE,
)


@cache
def data_graph() -> Graph:
    """The data in the repository's data/ directory (what the registry was generated from)."""
    return load(DATA)


def data_identifiers() -> set[str]:
    """Local parts of every published IRI that is the subject of a statement in data/."""
    return {
        str(s)[len(BASE) :]
        for s in data_graph().subjects()
        if isinstance(s, URIRef) and str(s).startswith(PUBLISHED_PREFIXES)
    }


def registered_identifiers() -> list[str]:
    """The registry's lines in file order, without comments and blank lines."""
    lines = (line.strip() for line in REGISTRY.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def verified_qids() -> dict[str, str]:
    """QID → label from tests/wikidata_verified.tsv (its item rows; the P rows are properties)."""
    with VERIFIED_QIDS.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {row["id"]: row["label"] for row in rows if row["id"].startswith("Q")}


def iri(identifier: str) -> URIRef:
    """The IRI an external-identifier value stands for: the formatter URL with $1 filled in."""
    return URIRef(FORMATTER_URL.replace("$1", identifier))


def text_files() -> Iterator[Path]:
    """Every text file under the scanned directories (caches and binaries skipped)."""
    for name in SCANNED_DIRS:
        for path in sorted((ROOT / name).rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts:
                yield path


def wikidata_references(text: str) -> set[str]:
    """QIDs referenced as entities in ``text``: full IRIs, ``wd:Q…`` and other bound prefixes."""
    found = set(ENTITY_IRI.findall(text))
    prefixes = {"wd"} | {p for p in ENTITY_PREFIX_DECL.findall(text) if p}
    for prefix in prefixes:
        found |= set(re.findall(rf"(?<![\w:/.-]){re.escape(prefix)}:(Q[0-9]+)\b", text))
    return found


def test_registry_is_sorted_and_unique() -> None:
    """A sorted registry gives clean diffs, so an accidental removal stands out in review."""
    lines = registered_identifiers()
    assert lines, "tests/published_identifiers.txt lists no identifiers"
    assert lines == sorted(set(lines)), "published_identifiers.txt must be sorted and unique"


def test_published_identifiers_still_resolve() -> None:
    """A published identifier never disappears: it is live, or retired to a live successor."""
    graph = data_graph()
    subjects = set(graph.subjects())
    problems = []
    for identifier in registered_identifiers():
        node = iri(identifier)
        if node not in subjects:
            problems.append(
                f"{identifier}: gone from data/ (keep it, with tkg:replacedBy to its successor)"
            )
            continue
        seen = [node]
        while (successors := list(graph.objects(seen[-1], REPLACED_BY))) and len(seen) < 20:
            successor = successors[0]
            if len(successors) > 1 or not isinstance(successor, URIRef) or successor in seen:
                problems.append(f"{identifier}: tkg:replacedBy must lead to one IRI, no cycle")
                break
            seen.append(successor)
        else:
            if seen[-1] not in subjects:
                problems.append(f"{identifier}: replaced by {seen[-1]}, which is not in data/")
    assert not problems, "\n".join(problems)


def test_every_identifier_is_registered() -> None:
    """Publishing an identifier is a decision: new ones must be added to the registry."""
    missing = sorted(data_identifiers() - set(registered_identifiers()))
    assert not missing, (
        "identifiers in data/ not registered; add these lines to "
        "tests/published_identifiers.txt (keep it sorted), or run "
        "`python tests/data/test_identifiers.py --write` to add them:\n" + "\n".join(missing)
    )


def test_identifiers_match_documented_format() -> None:
    """The Wikidata format constraint (P1793) must accept every identifier we publish."""
    identifiers = data_identifiers() | set(registered_identifiers())
    bad = sorted(i for i in identifiers if not IDENTIFIER_RE.fullmatch(i))
    assert not bad, f"identifiers not matching {IDENTIFIER_FORMAT}:\n" + "\n".join(bad)


def test_format_rejects_what_the_rules_forbid() -> None:
    """The regex is a real constraint, not ``.*``: upper case, spaces, ``_`` in slugs fail."""
    for wrong in (
        "id/person/Vladimir-Putin",
        "id/person/vladimir_putin",
        "id/person/vladimir--putin",
        "id/person/-putin",
        "id/person",
        "def#Treaty",
        "dataset",
        "eli/treaty/24/csp",
        "https://w3id.org/treatykg/id/state/prk",
    ):
        assert not IDENTIFIER_RE.fullmatch(wrong), wrong


def test_documented_format_is_the_tested_one() -> None:
    """docs/identifiers.md is what a Wikidata proposal copies; it must state this exact regex."""
    doc = DOC.read_text(encoding="utf-8")
    assert IDENTIFIER_FORMAT in doc, "docs/identifiers.md does not contain IDENTIFIER_FORMAT"
    assert FORMATTER_URL in doc, "docs/identifiers.md does not contain the formatter URL"


def test_formatter_url_gives_back_the_iri() -> None:
    """``$1`` → IRI must be lossless, or the Wikibase link would point at a different resource."""
    graph_subjects = {str(s) for s in data_graph().subjects() if isinstance(s, URIRef)}
    for identifier in registered_identifiers():
        rebuilt = str(iri(identifier))
        assert rebuilt == BASE + identifier
        assert rebuilt[len(BASE) :] == identifier
        assert rebuilt in graph_subjects, rebuilt


def test_verified_qid_list_is_well_formed() -> None:
    """The allow-list itself: real QIDs and PIDs, labelled and sourced, and never the city of
    Kursk."""
    with VERIFIED_QIDS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows
    for row in rows:
        assert re.fullmatch(r"[QP][1-9][0-9]*", row["id"]), row
        assert row["label"].strip() and row["source"].strip(), row
    assert len({row["id"] for row in rows}) == len(rows), "duplicate ID in the TSV"
    assert KURSK_CITY not in {row["id"] for row in rows}, "Q3159 is Kursk city: do not allow it"


def test_scanner_finds_references() -> None:
    """Guard the guard: the scanner must see each spelling a QID can take in our files."""
    text = (
        "PREFIX wikidata: <http://www.wikidata.org/entity/>\n"
        "x owl:sameAs wd:Q1 , wikidata:Q2 , <http://www.wikidata.org/entity/Q3> .\n"
        "# https://www.wikidata.org/wiki/Q4 and wdt:P31 and ex:Q5 and 'Q6'\n"
    )
    assert wikidata_references(text) == {"Q1", "Q2", "Q3", "Q4"}


@pytest.mark.parametrize("path", list(text_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_verified_qids(path: Path) -> None:
    """A plausible but wrong QID is the error that no validator catches, so allow-list them."""
    allowed = verified_qids()
    unverified = sorted(wikidata_references(path.read_text(encoding="utf-8")) - set(allowed))
    assert not unverified, (
        f"{path.relative_to(ROOT)} uses QIDs not in tests/wikidata_verified.tsv: {unverified}; "
        "verify each in a source (see treaty-facts.md §3) before adding it"
    )


def test_kursk_city_qid_not_in_data() -> None:
    """Q3159 is the city of Kursk; the fighting was in Kursk Oblast, which has no verified QID.

    Checked on the parsed graph (every IRI and literal) and on the entity references in the
    text. A Turtle comment warning against Q3159 is not data and is allowed.
    """
    terms = [t for triple in data_graph().triples((None, None, None)) for t in triple]
    used = [str(t) for t in terms if isinstance(t, URIRef | Literal) and KURSK_CITY in str(t)]
    assert not [t for t in used if re.search(rf"\b{KURSK_CITY}\b", t)], used
    for path in sorted(DATA.rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            refs = wikidata_references(path.read_text(encoding="utf-8"))
            assert KURSK_CITY not in refs, f"{path.relative_to(ROOT)} references Q3159"


def registry_with(text: str, added: set[str]) -> str:
    """The registry ``text`` with ``added`` merged into its sorted identifier lines.

    The comment lines at the top stay as they are, and no line is ever removed: registering is
    adding. Comments among the identifiers are not expected (the sort test would not see them),
    so they are kept in front of the identifiers rather than moved around.
    """
    lines = text.splitlines()
    header = [line for line in lines if not line.strip() or line.lstrip().startswith("#")]
    identifiers = {line.strip() for line in lines if line.strip() and line not in header}
    return "\n".join([*header, *sorted(identifiers | added)]) + "\n"


def test_registry_with_adds_in_order_and_keeps_the_header() -> None:
    """``--write`` adds the missing lines where the sort puts them, and removes nothing."""
    text = "# header\n# second\neli/treaty/2024/csp\nid/state/prk\n"
    merged = registry_with(text, {"id/person/jiang-zemin", "eli/treaty/2001/gnfc"})
    assert merged == (
        "# header\n# second\neli/treaty/2001/gnfc\neli/treaty/2024/csp\n"
        "id/person/jiang-zemin\nid/state/prk\n"
    )
    assert registry_with(text, set()) == text


if __name__ == "__main__":
    # Print the registry lines to add, or with --write add them (review the diff: a wrong
    # identifier, once published, stays forever).
    missing = sorted(data_identifiers() - set(registered_identifiers()))
    if sys.argv[1:] == ["--write"]:
        registry = REGISTRY.read_text(encoding="utf-8")
        REGISTRY.write_text(registry_with(registry, set(missing)), encoding="utf-8")
        print(f"{len(missing)} identifiers added to {REGISTRY.relative_to(ROOT)}")
    elif sys.argv[1:]:
        print("usage: python tests/data/test_identifiers.py [--write]", file=sys.stderr)
        sys.exit(2)
    else:
        print("\n".join(missing) if missing else "registry is up to date")
