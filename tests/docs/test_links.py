"""The links between the docs lead somewhere: every relative link of README.md and docs/*.md
names a file of the checkout, and every ``#anchor`` into a Markdown file names one of its
headings (as GitHub makes anchors of headings). A walk-through that sends a maintainer to a
section that was renamed is a walk-through that stops half-way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from locations import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: [text](target) links, not images, outside inline code.
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {anchor(h) for h in re.findall(r"^#{1,6} +(.+?) *$", text, flags=re.M)}


def links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def test_anchor_follows_github() -> None:
    heading = "5. Wikidata IDs: verified ones only"
    assert anchor(heading) == "5-wikidata-ids-verified-ones-only"
    assert anchor("Classes and their properties (required ones in bold)") == (
        "classes-and-their-properties-required-ones-in-bold"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in links(page):
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif fragment and file.suffix == ".md" and fragment not in anchors(file):
            broken.append(f"{target}: no heading with the anchor #{fragment} in {file.name}")
    assert not broken, f"{page.relative_to(ROOT)}:\n" + "\n".join(broken)
