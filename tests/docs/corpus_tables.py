"""The corpus tables of the docs, read, and compared with the treaty folders of a data/ directory.

Two places list the treaties of ``data/treaties/``: the table under "The corpus holds" in
docs/modelling.md (a row per folder, naming the treaty by its English label) and the layout
block of README.md's "Corpus layout" (a line per folder with the files in it). They go stale
the day a treaty is added, so ``problems`` says, for a data directory, which row or line to add,
change or remove, in words a maintainer can act on. It takes the data directory as an argument
so that tests/docs/test_adding_a_treaty.py can show that a new treaty is caught.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import RDFS, Graph, Literal, URIRef

ELI_TREATY = "https://w3id.org/treatykg/eli/treaty/"
FOLDER = re.compile(r"(?P<year>[0-9]{4})-(?P<acronym>[a-z0-9]+)")
#: A row of the modelling.md table: | `2024-csp/` | treaty | what the sources give |
TABLE_ROW = re.compile(r"^\| `(?P<folder>[^`/]+)/` \| (?P<treaty>[^|]+?) \| (?P<what>.+) \|$")
#: A line of the README's layout block: "    2024-csp/   treaty.ttl norms.ttl …"
LAYOUT_LINE = re.compile(r"^\s+(?P<folder>[0-9]{4}-[a-z0-9]+)/\s+(?P<files>.+?)\s*$")


def treaty_folders(data: Path) -> dict[str, tuple[str, set[str]]]:
    """Folder name → (the treaty's English label, the Turtle files in the folder)."""
    found = {}
    for folder in sorted((data / "treaties").iterdir()):
        match = FOLDER.fullmatch(folder.name)
        if not folder.is_dir() or not match:
            continue
        treaty = URIRef(f"{ELI_TREATY}{match['year']}/{match['acronym']}")
        graph = Graph().parse(folder / "treaty.ttl", format="turtle")
        labels = [
            str(label)
            for label in graph.objects(treaty, RDFS.label)
            if isinstance(label, Literal) and label.language == "en"
        ]
        files = {path.name for path in folder.glob("*.ttl")}
        found[folder.name] = (labels[0] if labels else "", files)
    return found


def modelling_rows(text: str) -> dict[str, str]:
    """Folder → treaty cell of the table that follows "The corpus holds" in docs/modelling.md."""
    section = text[text.index("The corpus holds") :]
    rows: dict[str, str] = {}
    for line in section.splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        if match := TABLE_ROW.match(line):
            rows[match["folder"]] = match["treaty"]
    return rows


def readme_layout(text: str) -> dict[str, set[str]]:
    """Folder → files, from the ``text`` block of README.md's "## Corpus layout" section."""
    section = text[text.index("## Corpus layout") :]
    block = section[section.index("```text") : section.index("```", section.index("```text") + 3)]
    return {
        match["folder"]: set(match["files"].split())
        for line in block.splitlines()
        if (match := LAYOUT_LINE.match(line))
    }


def problems(data: Path, modelling: str, readme: str) -> list[str]:
    """What to change in the two tables so that they list exactly the treaties of ``data``."""
    folders = treaty_folders(data)
    rows, layout = modelling_rows(modelling), readme_layout(readme)
    found = []
    for name, (label, files) in folders.items():
        if name not in rows:
            found.append(
                f"docs/modelling.md, table under 'The corpus holds': add the row "
                f"| `{name}/` | {label} | what the sources give |"
            )
        elif rows[name] != label:
            found.append(
                f"docs/modelling.md: the row for `{name}/` names {rows[name]!r}; "
                f"write the treaty's English label, {label!r}"
            )
        listed = " ".join(["treaty.ttl", *sorted(files - {"treaty.ttl"})])
        if name not in layout:
            found.append(f"README.md, Corpus layout block: add the line '    {name}/  {listed}'")
        elif layout[name] != files:
            found.append(
                f"README.md, Corpus layout block: the line for {name}/ should list {listed}"
            )
    for name in sorted(set(rows) - set(folders)):
        found.append(f"docs/modelling.md: remove the row for `{name}/`, no such treaty folder")
    for name in sorted(set(layout) - set(folders)):
        found.append(f"README.md, Corpus layout block: remove {name}/, no such treaty folder")
    return found
