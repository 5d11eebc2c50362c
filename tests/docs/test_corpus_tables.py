"""The docs' tables of the corpus list exactly the treaty folders of data/.

docs/modelling.md ("The corpus holds") and README.md ("Corpus layout") name every treaty of
``data/treaties/``. Nothing regenerates them, so this test is what keeps them true: after a
treaty is added it fails with the row to add (docs/adding-a-treaty.md, step 6, says so).
"""

from __future__ import annotations

from pathlib import Path

from corpus_tables import modelling_rows, problems, readme_layout, treaty_folders

from locations import ROOT

MODELLING = ROOT / "docs" / "modelling.md"
README = ROOT / "README.md"


def test_the_corpus_tables_list_every_treaty_folder() -> None:
    found = problems(
        ROOT / "data",
        MODELLING.read_text(encoding="utf-8"),
        README.read_text(encoding="utf-8"),
    )
    assert not found, "the corpus tables are stale:\n" + "\n".join(found)


def test_the_tables_are_read() -> None:
    """Guard the guard: both tables parse, into rows of the bundled treaty folders (whether
    every folder has its row is the test above's, which names the row to add)."""
    folders = set(treaty_folders(ROOT / "data"))
    for name, rows in [
        ("docs/modelling.md", set(modelling_rows(MODELLING.read_text(encoding="utf-8")))),
        ("README.md", set(readme_layout(README.read_text(encoding="utf-8")))),
    ]:
        assert rows, f"{name}: no corpus table found: the parser and the page disagree"
        assert rows <= folders, f"{name}: rows of no folder of data/treaties/: {rows - folders}"


def test_a_missing_or_stale_row_is_named(tmp_path: Path) -> None:
    """A folder without a row, a row without a folder and a wrong label each get a message."""
    folder = tmp_path / "treaties" / "2099-ex"
    folder.mkdir(parents=True)
    (folder / "treaty.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/treatykg/eli/treaty/2099/ex> rdfs:label "Example Treaty"@en .\n',
        encoding="utf-8",
    )
    (folder / "events.ttl").write_text("", encoding="utf-8")
    modelling = (
        "The corpus holds:\n\n| folder | treaty | what |\n|---|---|---|\n"
        "| `1900-old/` | Old Treaty | nothing |\n\nNext paragraph.\n"
    )
    readme = "## Corpus layout\n\n```text\ndata/\n  treaties/\n    2099-ex/  treaty.ttl\n```\n"
    found = problems(tmp_path, modelling, readme)
    assert found == [
        "docs/modelling.md, table under 'The corpus holds': add the row "
        "| `2099-ex/` | Example Treaty | what the sources give |",
        "README.md, Corpus layout block: the line for 2099-ex/ should list treaty.ttl events.ttl",
        "docs/modelling.md: remove the row for `1900-old/`, no such treaty folder",
    ]
    wrong_label = modelling.replace("`1900-old/` | Old Treaty", "`2099-ex/` | Example")
    assert problems(
        tmp_path, wrong_label, readme.replace("treaty.ttl\n", "treaty.ttl events.ttl\n")
    ) == [
        "docs/modelling.md: the row for `2099-ex/` names 'Example'; "
        "write the treaty's English label, 'Example Treaty'"
    ]
