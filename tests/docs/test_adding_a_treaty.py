"""docs/adding-a-treaty.md works: its commands add the worked example to a copy of data/.

The walk-through's worked example, the 2001 Russia–China Treaty of Good-Neighbourliness and
Friendly Cooperation, is a fixture in tests/fixtures/adding-a-treaty/, laid out as it would be
added to data/. This test does what the page says, in a copy of the parts of the checkout the
page's commands touch: it runs every command of the page's shell blocks (except ``pytest``,
which would run the suite inside itself; the snapshot refresh is the suite's own option), then
checks that the copy conforms, that the new identifiers were registered, and that the release
built from it holds the treaty's facts: 25 articles numbered 1 to 25, both signatories holding
on the signing day an office of a party, and Putin with two tenures of the same office. So the
page cannot promise a step that does not work, and a model change that would break the
walk-through fails here, where the page is named.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corpus_tables import modelling_rows, problems, readme_layout
from rdflib import Graph

from locations import ROOT, TESTS
from snapshot_refresh import REFRESH_SNAPSHOTS

DOC = ROOT / "docs" / "adding-a-treaty.md"
FIXTURE = TESTS / "fixtures" / "adding-a-treaty"
GNFC = "https://w3id.org/treatykg/eli/treaty/2001/gnfc"
#: The files the page's commands read or write, copied into the scratch checkout.
COPIED = (
    "data",
    "tests/fixtures/adding-a-treaty",
    "tests/data/test_identifiers.py",
    "tests/published_identifiers.txt",
    "tests/wikidata_verified.tsv",
)
#: Every identifier the example publishes, as the registry lists them.
EXAMPLE_IDENTIFIERS = {
    "eli/treaty/2001/gnfc",
    *(f"eli/treaty/2001/gnfc/art_{n}" for n in range(1, 26)),
    "id/event/2001-07-16-gnfc-signing",
    "id/event/2002-02-28-gnfc-entry-into-force",
    "id/office/president-of-china",
    "id/person/jiang-zemin",
    "id/source/gnfc-2001-entry-into-force",
    "id/source/gnfc-2001-treaty-text",
    "id/state/chn",
    "id/tenure/jiang-zemin-president-of-china",
    "id/tenure/vladimir-putin-president-of-russia-2001",
}
PREFIXES = """
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX tkg: <https://w3id.org/treatykg/def#>
"""


def shell_commands(markdown: str) -> list[str]:
    """The commands of the page's ``sh`` blocks, in order (comment-only lines dropped)."""
    blocks = re.findall(r"^ *```sh\n(.*?)^ *```", markdown, flags=re.MULTILINE | re.DOTALL)
    lines = (line.strip() for block in blocks for line in block.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def registered(registry: Path) -> list[str]:
    lines = registry.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A scratch checkout where the page's commands have run: its path and their outputs."""
    root = tmp_path_factory.mktemp("checkout")
    for name in COPIED:
        source, target = ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    outputs = {}
    for command in shell_commands(DOC.read_text(encoding="utf-8")):
        if command.startswith("pytest"):
            continue
        # The page says `python`; run it with the interpreter that runs the tests.
        run = re.sub(r"^python ", shlex.quote(sys.executable) + " ", command)
        done = subprocess.run(
            ["bash", "-c", run], cwd=root, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, (
            f"docs/adding-a-treaty.md: `{command}` failed ({done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        outputs[command] = done.stdout + done.stderr
    return {"root": root, "outputs": outputs}


@pytest.fixture(scope="module")
def release(checkout: dict) -> Graph:
    """The release the page's build wrote: ontology and data, as one graph."""
    return Graph().parse(checkout["root"] / "dist" / "treatykg.nt", format="nt")


def test_the_page_runs_the_steps_it_describes() -> None:
    commands = shell_commands(DOC.read_text(encoding="utf-8"))
    assert any(c.startswith("cp -r tests/fixtures/adding-a-treaty/treaties/") for c in commands)
    assert "treatykg validate data/" in commands
    assert "python tests/data/test_identifiers.py --write" in commands
    assert any(c.startswith("treatykg build --data data/") for c in commands)
    assert REFRESH_SNAPSHOTS in commands


def test_the_snapshot_command_the_docs_name_is_the_suite_s() -> None:
    """The one command that refreshes the snapshots, as the suite's failures print it, is the
    one the page and the README give, and its option is the suite's real one."""
    conftest = (TESTS / "conftest.py").read_text(encoding="utf-8")
    assert f'"{REFRESH_SNAPSHOTS.split()[-1]}"' in conftest
    assert REFRESH_SNAPSHOTS in (TESTS.parent / "README.md").read_text(encoding="utf-8")


def test_the_turtle_the_page_shows_is_the_fixture_s() -> None:
    """Every Turtle snippet of the page states only what the fixture states, so they agree."""
    files = sorted(FIXTURE.rglob("*.ttl"))
    fixture = Graph()
    for path in files:
        fixture.parse(path, format="turtle")
    prefixes = sorted(
        {
            line
            for path in files
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("PREFIX ")
        }
    )
    snippets = re.findall(
        r"^ *```turtle\n(.*?)^ *```", DOC.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL
    )
    assert len(snippets) >= 4
    for snippet in snippets:
        shown = Graph().parse(data="\n".join([*prefixes, snippet]), format="turtle")
        assert len(shown) > 0
        extra = sorted(triple for triple in shown if triple not in fixture)
        assert not extra, f"the page shows triples the fixture does not hold: {extra}"


def test_the_example_is_not_in_the_published_data() -> None:
    """The example's sources are not in the fact sheet: it must stay a fixture."""
    undo = (
        "the worked example of docs/adding-a-treaty.md is in data/: it must not be published; "
        "undo it as the page's last line says"
    )
    assert not (ROOT / "data" / "treaties" / "2001-gnfc").exists(), undo
    assert "2001/gnfc" not in "".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "data").rglob("*.ttl")
    ), undo


def test_the_example_uses_no_wikidata_id() -> None:
    """No QID has been verified for China, Jiang Zemin or the treaty: the fixture has none."""
    text = "".join(path.read_text(encoding="utf-8") for path in FIXTURE.rglob("*.ttl"))
    assert not re.search(r"wikidata\.org|\bwd:Q[0-9]", text)


def test_the_copy_conforms(checkout: dict) -> None:
    assert "conforms" in checkout["outputs"]["treatykg validate data/"]


def test_the_new_identifiers_are_registered(checkout: dict) -> None:
    """``--write`` added exactly the example's identifiers, in order, and removed nothing."""
    before = registered(ROOT / "tests" / "published_identifiers.txt")
    after = registered(checkout["root"] / "tests" / "published_identifiers.txt")
    assert after == sorted(after)
    # All of them, unless someone trying the page has registered them already (the example
    # then sits in data/ too, which test_the_example_is_not_in_the_published_data reports).
    assert set(after) - set(before) == EXAMPLE_IDENTIFIERS - set(before)
    assert set(after) >= EXAMPLE_IDENTIFIERS
    assert set(before) <= set(after)
    header = [
        line
        for line in (checkout["root"] / "tests" / "published_identifiers.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.startswith("#")
    ]
    original = (ROOT / "tests" / "published_identifiers.txt").read_text(encoding="utf-8")
    assert header == [line for line in original.splitlines() if line.startswith("#")]


def test_the_release_has_25_articles_numbered_1_to_25(release: Graph) -> None:
    rows = release.query(
        PREFIXES + f"SELECT ?number WHERE {{ ?a a tkg:Article ; eli:is_part_of <{GNFC}> ; "
        "eli:number ?number ; tkg:contentStatus tkg:ContentUnknown }"
    )
    assert sorted(int(str(row.number)) for row in rows) == list(range(1, 26))


def test_the_release_has_the_treaty_with_its_parties_and_dates(release: Graph) -> None:
    (row,) = release.query(
        PREFIXES
        + f"""SELECT ?count ?signed ?inForce (GROUP_CONCAT(STR(?party); separator=" ") AS ?parties)
        WHERE {{ <{GNFC}> a tkg:BilateralTreaty ; tkg:articleCount ?count ;
                 eli:date_document ?signed ; eli:first_date_entry_in_force ?inForce ;
                 tkg:party ?party }}
        GROUP BY ?count ?signed ?inForce"""
    )
    assert int(row["count"]) == 25
    assert (str(row["signed"]), str(row["inForce"])) == ("2001-07-16", "2002-02-28")
    assert sorted(str(row["parties"]).split()) == [
        "https://w3id.org/treatykg/id/state/chn",
        "https://w3id.org/treatykg/id/state/rus",
    ]


def test_both_signatories_held_an_office_of_a_party_on_the_day(release: Graph) -> None:
    rows = release.query(
        PREFIXES
        + f"""SELECT ?signatory ?office WHERE {{
            ?signing a tkg:Signing ; tkg:concerns <{GNFC}> ; tkg:date ?date ;
                tkg:signatory ?signatory .
            <{GNFC}> tkg:party ?party .
            ?office tkg:officeOf ?party .
            ?tenure tkg:holder ?signatory ; tkg:office ?office ;
                tkg:attestedFrom ?from ; tkg:attestedUntil ?until .
            FILTER (?from <= ?date && ?date <= ?until)
        }}"""
    )
    held = {
        (str(row.signatory).rsplit("/", 1)[1], str(row.office).rsplit("/", 1)[1]) for row in rows
    }
    assert held == {
        ("jiang-zemin", "president-of-china"),
        ("vladimir-putin", "president-of-russia"),
    }


def test_putin_has_two_tenures_of_the_same_office(release: Graph) -> None:
    """The second term is a tenure of its own; the 2024 one keeps its bounds."""
    rows = release.query(
        PREFIXES
        + """SELECT ?tenure ?from ?until WHERE {
            ?tenure a tkg:Tenure ;
                tkg:holder <https://w3id.org/treatykg/id/person/vladimir-putin> ;
                tkg:office <https://w3id.org/treatykg/id/office/president-of-russia> ;
                tkg:attestedFrom ?from ; tkg:attestedUntil ?until .
        }"""
    )
    bounds = {str(row.tenure).rsplit("/", 1)[1]: (str(row["from"]), str(row.until)) for row in rows}
    assert set(bounds) == {
        "vladimir-putin-president-of-russia",
        "vladimir-putin-president-of-russia-2001",
    }
    assert bounds["vladimir-putin-president-of-russia-2001"] == ("2001-07-16", "2001-07-16")
    assert bounds["vladimir-putin-president-of-russia"][0].startswith("2024-")


def test_the_corpus_tables_then_name_the_rows_to_add(checkout: dict) -> None:
    """Step 6's table check catches the new treaty, and names the rows to add."""
    modelling = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = problems(checkout["root"] / "data", modelling, readme)
    label = (
        "Treaty of Good-Neighbourliness and Friendly Cooperation between China and Russia (2001)"
    )
    row = (
        "docs/modelling.md, table under 'The corpus holds': add the row "
        f"| `2001-gnfc/` | {label} | what the sources give |"
    )
    line = "README.md, Corpus layout block: add the line '    2001-gnfc/  treaty.ttl events.ttl'"
    # Rows someone trying the page has added already are not asked for again.
    expected = [
        *([] if "2001-gnfc" in modelling_rows(modelling) else [row]),
        *([] if "2001-gnfc" in readme_layout(readme) else [line]),
    ]
    assert found == expected
