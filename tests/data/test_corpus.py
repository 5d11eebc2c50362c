"""The corpus layout of data/ and the links between the treaties it holds.

``data/`` holds what every treaty shares at its top level (agents, places, sources, the dataset
description) and one folder per treaty under ``data/treaties/{year}-{acronym}/``, named after the
treaty's ELI identifier ``eli/treaty/{year}/{acronym}`` (README.md, "Corpus layout";
docs/modelling.md, "Corpus layout"). These tests keep that layout honest for any corpus (run
them on another with ``pytest --data DIR``): every folder describes its treaty, every treaty has
its folder and its documents in the build. They check that the installed package carries the
subfolders, and pin, by the treaties' IRIs, the links between the three bundled treaties that the
sources support: the 2024 treaty replaced the 2000 one, which ceased to be in force on
4 December 2024 under Article 22 of the 2024 treaty; the 2024 treaty replaces the 1961 one by
a statement of intent; no source says that the 2000 treaty replaced the 1961 one.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef

from locations import ROOT
from treatykg import resources
from treatykg.cli import main
from treatykg.rdf.load import load
from treatykg.web.documents import Documents

#: The corpus under test: data/, or the one ``pytest --data DIR`` names.
DATA = resources.resource_dir("data")
TREATIES = DATA / "treaties"
ELI_TREATY = "https://w3id.org/treatykg/eli/treaty/"
TKG = "https://w3id.org/treatykg/def#"
CSP = ELI_TREATY + "2024/csp"
FGNC = ELI_TREATY + "2000/fgnc"
FCMA = ELI_TREATY + "1961/fcma"
TERMINATION = "https://w3id.org/treatykg/id/event/2024-12-04-termination-of-2000-treaty"

#: What the top level of data/ holds: only what all the treaties share.
SHARED_FILES = {"agents.ttl", "dataset.ttl", "places.ttl", "sources.ttl"}
#: The files a treaty folder may hold; treaty.ttl is the one every folder needs.
TREATY_FILES = {
    "treaty.ttl",
    "provisions.ttl",
    "norms.ttl",
    "events.ttl",
    "claims.ttl",
    "quotations.ttl",
}
FOLDER = re.compile(r"(?P<year>[0-9]{4})-(?P<acronym>[a-z0-9]+)")


@cache
def file_graph(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def treaty_folders() -> list[Path]:
    return sorted(path for path in TREATIES.iterdir() if not path.name.startswith("."))


def test_top_level_holds_only_the_shared_files_and_the_treaties_folder() -> None:
    entries = {path.name for path in DATA.iterdir() if not path.name.startswith(".")}
    assert entries == SHARED_FILES | {"treaties"}


def folder_treaty(folder: Path) -> URIRef:
    """The treaty a folder is named after: ``2024-csp`` → ``eli/treaty/2024/csp``."""
    year, _, acronym = folder.name.partition("-")
    return URIRef(f"{ELI_TREATY}{year}/{acronym}")


def test_the_corpus_holds_the_2024_2000_and_1961_treaties() -> None:
    names = {path.name for path in treaty_folders()}
    missing = {"1961-fcma", "2000-fgnc", "2024-csp"} - names
    assert not missing, f"the bundled treaties' folders are missing: {sorted(missing)}"


@pytest.mark.parametrize("folder", treaty_folders(), ids=lambda path: path.name)
def test_a_treaty_folder_describes_the_treaty_it_is_named_after(folder: Path) -> None:
    match = FOLDER.fullmatch(folder.name)
    assert match, f"{folder.name}: name a treaty folder {{year}}-{{acronym}}, as its ELI IRI"
    assert folder.is_dir()
    names = {path.name for path in folder.iterdir()}
    assert "treaty.ttl" in names
    assert names <= TREATY_FILES, f"unexpected files in {folder.name}: {names - TREATY_FILES}"
    treaty = URIRef(f"{ELI_TREATY}{match['year']}/{match['acronym']}")
    graph = file_graph(folder / "treaty.ttl")
    typed = {s for s in graph.subjects(RDF.type, None) if str(s).startswith(ELI_TREATY)}
    own = {s for s in typed if s == treaty or str(s).startswith(str(treaty) + "/")}
    assert treaty in own, f"{folder.name}/treaty.ttl does not describe {treaty}"
    assert typed == own, f"{folder.name}/treaty.ttl describes another treaty: {typed - own}"


def test_each_treaty_and_its_parts_live_in_its_own_folder_only() -> None:
    """A treaty, its preamble, articles and language versions are described in its folder."""
    for path in sorted(DATA.rglob("*.ttl")):
        for subject in set(file_graph(path).subjects()):
            match = re.match(rf"{re.escape(ELI_TREATY)}([0-9]{{4}})/([a-z0-9]+)", str(subject))
            if match:
                expected = TREATIES / f"{match[1]}-{match[2]}"
                assert path.parent == expected, f"{subject} is described in {path}"


def test_the_installed_package_carries_every_data_file_with_its_folders() -> None:
    """The bundled data (inside the wheel once installed) is exactly the checkout's data/,
    whatever corpus ``--data`` names: this is about packaging, not about a corpus."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(resources.DATA_ENV, raising=False)
        bundled = resources.resource_dir("data")
        shipped = [path.relative_to(bundled).as_posix() for path in resources.data_files()]
    checkout = ROOT / "data"
    in_checkout = sorted(
        path.relative_to(checkout).as_posix()
        for path in checkout.rglob("*")
        if path.is_file() and path.suffix in resources.DATA_SUFFIXES
    )
    # After a plain `pip install .`, data/ edited since (a treaty added) is not what the
    # commands and the other tests read: say so, rather than test the old data in silence.
    stale = sorted(set(shipped) ^ set(in_checkout)) + [
        name
        for name in sorted(set(shipped) & set(in_checkout))
        if (bundled / name).read_bytes() != (checkout / name).read_bytes()
    ]
    assert not stale, (
        f"the installed treatykg carries data/ as it was when installed, not as it is now "
        f"({len(stale)} files differ: {', '.join(stale[:5])}); reinstall (pip install -e "
        f"'.[dev]' for development, which reads data/ as you edit it) and run the tests again"
    )
    assert "treaties/2024-csp/treaty.ttl" in shipped
    assert "treaties/2000-fgnc/treaty.ttl" in shipped
    assert "treaties/1961-fcma/treaty.ttl" in shipped


def test_the_bundled_data_loads_as_one_dataset_from_every_folder() -> None:
    dataset = load()
    data = resources.resource_dir("data")
    shown = {Path(name).relative_to(data).parts[0] for name in dataset.files}
    assert shown == SHARED_FILES | {"treaties"}
    treaties = set(dataset.subjects(RDF.type, URIRef(TKG + "Treaty"))) | set(
        dataset.subjects(RDF.type, URIRef(TKG + "BilateralTreaty"))
    )
    folders = {folder_treaty(folder) for folder in treaty_folders()}
    assert not treaties - folders, f"treaties without a folder: {sorted(treaties - folders)}"
    assert not folders - treaties, (
        f"folders whose treaty is not typed: {sorted(folders - treaties)}"
    )
    assert {URIRef(CSP), URIRef(FGNC), URIRef(FCMA)} <= treaties


# --- the links between the treaties, through the bundled query -----------------------------


def replaced_treaties(capsys: pytest.CaptureFixture[str]) -> dict[tuple[str, str], dict]:
    """``treatykg query replaced-treaties``: (treaty, replaced) → the row's values."""
    assert main(["query", "replaced-treaties", "--format", "json"]) == 0
    bindings = json.loads(capsys.readouterr().out)["results"]["bindings"]
    rows = [{name: value["value"] for name, value in row.items()} for row in bindings]
    return {(row["treaty"], row["replaced"]): row for row in rows}


def test_the_2024_treaty_replaced_the_2000_one_on_4_december_2024(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = replaced_treaties(capsys)
    row = rows[(CSP, FGNC)]
    assert row["replacedSigned"] == "2000-02-09"
    assert row["replacedEnded"] == "2024-12-04"
    # Article 22: the 2000 treaty ceases to be in force on the day the 2024 one enters into force.
    assert row["replacedEnded"] == row["treatyEntryIntoForce"]


def test_only_the_sourced_replacements_are_returned(capsys: pytest.CaptureFixture[str]) -> None:
    # 2024 → 1961 is Ushakov's statement of intent (report.az, ankasam); no source says that the
    # 2000 treaty replaced the 1961 one, and no source gives the 1961 treaty's dates.
    rows = replaced_treaties(capsys)
    ours = {key for key in rows if key[0] in (CSP, FGNC, FCMA)}
    assert ours == {(CSP, FGNC), (CSP, FCMA)}, f"replacements by the bundled treaties: {ours}"
    assert "replacedSigned" not in rows[(CSP, FCMA)]
    assert "replacedEnded" not in rows[(CSP, FCMA)]


def test_article_22_cites_the_2000_treaty_and_the_termination_is_pursuant_to_it() -> None:
    dataset = load()
    art_22 = URIRef(CSP + "/art_22")
    assert (art_22, URIRef(TKG + "cites"), URIRef(FGNC)) in dataset
    termination = URIRef(TERMINATION)
    assert (termination, RDF.type, URIRef(TKG + "Termination")) in dataset
    assert (termination, URIRef(TKG + "concerns"), URIRef(FGNC)) in dataset
    assert (termination, URIRef(TKG + "pursuantTo"), art_22) in dataset


# --- one dataset, a document and a page for every treaty -------------------------------------


@pytest.mark.parametrize(
    "treaty",
    [str(folder_treaty(folder)) for folder in treaty_folders()],
    ids=lambda iri: iri[len(ELI_TREATY) :],
)
def test_every_treaty_has_its_documents_in_the_one_build(release: Path, treaty: str) -> None:
    documents = Documents(release)
    path = "/" + treaty[len("https://w3id.org/treatykg/") :]
    for suffix in ("ttl", "jsonld", "nt", "html"):
        assert documents.document(path, suffix) is not None, f"no {path}.{suffix} in the build"
    turtle = documents.document(path, "ttl")
    assert turtle is not None
    graph = Graph().parse(data=turtle.body, format="turtle")
    assert (URIRef(treaty), None, None) in graph, f"{path}.ttl says nothing about {treaty}"
    # The 2024 treaty's document links to the treaties it replaces; theirs link back to it.
    replaced = {FGNC, FCMA} if treaty == CSP else {treaty} & {FGNC, FCMA}
    for earlier in replaced:
        assert (URIRef(CSP), URIRef(TKG + "replaces"), URIRef(earlier)) in graph, (
            f"{path}.ttl lacks the link: the 2024 treaty replaces {earlier}"
        )
