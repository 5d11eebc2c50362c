"""The changesets as pages (issue 21): a page per version, the list of versions, and a line on
the page of every resource a version changed, in the four languages, served and static.

The releases are real builds: the bundled data (0.1.0), the changed copy of
tests/changed_release.py built with ``--previous`` the bundled one (0.2.0: a resource added,
one removed, a French label and the dataset's dates changed, an ontology list reordered), and
one more version built on that (0.3.0: the same label changed again), so that a resource has a
history of two lines and the site two changeset pages. What a page shows is read from the
summaries the releases carry (``changes-<version>.json``), never from a copy kept here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from changed_release import ADDED, REMOVED, SIGNING, changed_sources
from treatykg.changes.summary import Summary, changeset_iri, file_name, from_json, to_json
from treatykg.errors import InputError
from treatykg.web import urls
from treatykg.web.documents import Documents
from treatykg.web.languages import DEFAULT, LANGUAGES
from treatykg.web.pages.i18n import date_text, translations
from treatykg.web.serve import Settings, create_app
from treatykg.web.site import write_into

PUTIN = "https://w3id.org/treatykg/id/person/vladimir-putin"
TRANSLATED = tuple(language for language in LANGUAGES if language != DEFAULT)


# --- the releases ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return changed_sources(tmp_path_factory.mktemp("changed-sources"))


@pytest.fixture(scope="module")
def v2(tmp_path_factory: pytest.TempPathFactory, release: Path, sources: tuple[Path, Path]) -> Path:
    """0.2.0, built with ``--previous`` the bundled release."""
    from treatykg.publish.build import build

    out = tmp_path_factory.mktemp("v2") / "dist"
    data, ontology = sources
    build(out, data=[data], ontology=[ontology], previous=release)
    return out


@pytest.fixture(scope="module")
def v3(tmp_path_factory: pytest.TempPathFactory, v2: Path, sources: tuple[Path, Path]) -> Path:
    """0.3.0, built on 0.2.0: the signing's French label changed once more."""
    from treatykg.publish.build import build

    root = tmp_path_factory.mktemp("v3")
    data, ontology = root / "data", root / "ontology"
    shutil.copytree(sources[0], data)
    shutil.copytree(sources[1], ontology)
    dataset = data / "dataset.ttl"
    text = dataset.read_text(encoding="utf-8")
    text = text.replace('dcat:version "0.2.0"', 'dcat:version "0.3.0"')
    text = text.replace('"2026-12-06"^^xsd:date', '"2026-12-20"^^xsd:date')
    dataset.write_text(text, encoding="utf-8")
    events = data / "treaties" / "2024-csp" / "events.ttl"
    text = events.read_text(encoding="utf-8")
    assert "global (Pyongyang)" in text
    events.write_text(text.replace("global (Pyongyang)", "global (Pyongyang, 19 juin)"))
    out = root / "dist"
    build(out, data=[data], ontology=[ontology], previous=v2)
    return out


@pytest.fixture(scope="module")
def documents(v2: Path) -> Documents:
    return Documents(v2, endpoint=None)


@pytest.fixture(scope="module")
def summary(v2: Path) -> Summary:
    return from_json((v2 / file_name("0.2.0", ".json")).read_bytes(), "changes-0.2.0.json")


def page(documents: Documents, path: str, language: str = DEFAULT) -> str:
    document = documents.document(path, "html", language)
    assert document is not None, path
    return document.body.decode()


def path_of(iri: str) -> str:
    found = urls.path_of(iri)
    assert found is not None
    return found


CHANGESET = path_of(changeset_iri("0.2.0"))


class Parsed(HTMLParser):
    """The parts of a page these tests read: the changeset's entries (their id, status, IRI
    and whether the name is a link), the resource's Changes section, the links, the ids."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.entries: list[dict[str, object]] = []
        self.h1 = ""
        self.history: list[str] = []
        self.history_links: list[str] = []
        self.changes_heading: str | None = None
        self._in_changes_heading = False
        self._section: dict[str, object] | None = None
        self._where: list[str] = []
        self._depth = 0
        self._history_depth: int | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        classes = str(values.get("class") or "").split()
        if tag == "section" and "change" in classes:
            status = next(c.removeprefix("status-") for c in classes if c.startswith("status-"))
            self._section = {"id": values.get("id"), "status": status, "linked": False, "iri": ""}
            self.entries.append(self._section)
        if self._section is not None and tag == "a" and "h3" in self._where:
            self._section["linked"] = True
        if tag == "ul" and "history" in classes and self._history_depth is None:
            self._history_depth = len(self._where)
        if (
            self._history_depth is not None
            and tag == "li"
            and len(self._where) == (self._history_depth + 1)
        ):
            self.history.append("")
        if self._history_depth is not None and tag == "a" and values.get("href"):
            self.history_links.append(str(values["href"]))
        if tag == "h2" and values.get("id") == "changes":
            self.changes_heading = ""
            self._in_changes_heading = True
        if tag not in ("br", "meta", "link", "img", "input"):
            self._where.append(tag if not (tag == "code" and "iri" in classes) else "code.iri")

    def handle_endtag(self, tag: str) -> None:
        while self._where:
            top = self._where.pop()
            if top.split(".")[0] == tag:
                break
        if tag == "section":
            self._section = None
        if tag == "h2":
            self._in_changes_heading = False
        if self._history_depth is not None and len(self._where) == self._history_depth:
            self._history_depth = None

    def handle_data(self, data: str) -> None:
        if "h1" in self._where:
            self.h1 += data
        if self._section is not None and "code.iri" in self._where:
            self._section["iri"] = str(self._section["iri"]) + data
        if self._history_depth is not None and self.history:
            self.history[-1] += data
        if self._in_changes_heading and self.changes_heading is not None:
            self.changes_heading += data

    @property
    def squeezed_history(self) -> list[str]:
        return [" ".join(line.split()) for line in self.history]


# --- the changeset's page --------------------------------------------------------------------


def test_the_changeset_page_lists_exactly_the_summary_s_resources(
    documents: Documents, summary: Summary
) -> None:
    parsed = Parsed(page(documents, CHANGESET))
    listed = {(str(e["iri"]), str(e["status"])) for e in parsed.entries}
    assert listed == {(r.iri, r.status) for r in summary.resources}
    assert len(parsed.entries) == len(summary.resources)
    assert {r.status for r in summary.resources} == {"added", "removed", "changed"}
    assert len({e["id"] for e in parsed.entries}) == len(parsed.entries)  # anchors unique
    # a resource with a page is linked to it; the removed one has none, and is not linked
    linked = {str(e["iri"]): e["linked"] for e in parsed.entries}
    assert linked[REMOVED] is False and linked[ADDED] is True and linked[SIGNING] is True
    assert documents.document(path_of(REMOVED), "html") is None
    # the counts, the versions with their dates, and the changeset's files
    text = " ".join(page(documents, CHANGESET).split())
    assert f"{summary.removed} statements removed" in text
    assert f"{summary.added} statements added" in text
    assert "1 resource added" in text and "1 resource removed" in text
    assert f"{summary.count('changed')} resources changed" in text
    assert "28 November 2026" in text and "6 December 2026" in text
    for suffix in (".rdfp", ".ru", ".json"):
        assert f"../../changes-0.2.0{suffix}" in parsed.links


def test_the_changeset_page_shows_values_as_the_pages_do(documents: Documents) -> None:
    text = page(documents, CHANGESET)
    entry = text[text.index('id="r-id-event-2024-06-19-signing"') :]
    entry = entry[: entry.index("</section>")]
    # the French label before and after, in French, its language tag visible
    assert '<span lang="fr">Signature du traité de partenariat stratégique global</span>' in entry
    assert 'global (Pyongyang)</span><span class="tag">@fr</span>' in entry
    dataset = text[text.index('id="r-dataset"') :]
    dataset = dataset[: dataset.index("</section>")]
    # a date in the reader's form with its datatype; a changed datatype shown as written
    assert (
        '<time datetime="2026-11-28">28 November 2026</time><span class="tag">xsd:date' in dataset
    )
    assert '2026-12-06T00:00:00Z<span class="tag">xsd:dateTime' in dataset
    # a blank node has no name outside its file
    about = text[text.index('id="r-def-about"') :]
    assert "a blank node structure" in about[: about.index("</section>")]
    # an IRI value is a link to its page, named by its label
    removed = text[text.index('id="r-id-quotation-kim-ardent-friendship"') :]
    removed = removed[: removed.index("</section>")]
    assert 'href="../../id/person/kim-jong-un.html"' in removed


def test_the_list_of_versions_is_linked_from_the_home_page(documents: Documents) -> None:
    index = documents.page("changes")
    assert index is not None
    parsed = Parsed(index.body.decode())
    assert "changes/0.2.0.html" in parsed.links
    home = documents.page("index")
    assert home is not None
    assert 'href="dataset/changes.html"' in home.body.decode()


def test_a_release_without_changesets_has_no_such_pages(release: Path) -> None:
    plain = Documents(release, endpoint=None)
    assert not plain.changes
    assert plain.page("changes") is None
    home = plain.page("index")
    assert home is not None and "dataset/changes" not in home.body.decode()
    assert 'id="changes"' not in page(plain, path_of(SIGNING))


# --- the resources' pages --------------------------------------------------------------------


def test_a_changed_resource_s_page_links_to_its_changeset(documents: Documents) -> None:
    parsed = Parsed(page(documents, path_of(SIGNING)))
    assert parsed.changes_heading == "Changes"
    (line,) = parsed.squeezed_history
    assert line.startswith("Changed in 0.2.0 (6 December 2026):"), line
    assert "rdfs:label" in line  # the property, named as the pages name it
    assert (
        "global@fr → Signature du traité de partenariat stratégique global (Pyongyang)@fr" in line
    )
    target = "../../dataset/changes/0.2.0.html#r-id-event-2024-06-19-signing"
    assert target in parsed.history_links
    # the link lands on the resource's entry of the changeset's page
    assert "r-id-event-2024-06-19-signing" in Parsed(page(documents, CHANGESET)).ids


def test_an_added_resource_says_so_and_a_term_on_the_vocabulary_page(
    documents: Documents,
) -> None:
    added = Parsed(page(documents, path_of(ADDED)))
    assert added.squeezed_history == ["Added in 0.2.0 (6 December 2026)."]
    vocabulary = page(documents, "/def")
    term = vocabulary[vocabulary.index('<div class="term" id="about">') :]
    term = term[: term.index('<div class="term"', 10)]
    assert "Changed in" in term and "dataset/changes/0.2.0.html#r-def-about" in term


def test_a_page_without_changes_has_no_changes_section(documents: Documents) -> None:
    text = page(documents, path_of(PUTIN))
    assert 'id="changes"' not in text and 'class="history"' not in text


def test_each_version_is_a_line_newest_first(v3: Path) -> None:
    documents = Documents(v3, endpoint=None)
    assert [k.version for k in documents.changes] == ["0.3.0", "0.2.0"]
    signing = Parsed(page(documents, path_of(SIGNING)))
    lines = signing.squeezed_history
    assert [line.split(" (")[0] for line in lines] == ["Changed in 0.3.0", "Changed in 0.2.0"]
    assert "(Pyongyang)@fr → Signature du traité" in lines[0] and "19 juin" in lines[0]
    index = documents.page("changes")
    assert index is not None
    links = [link for link in Parsed(index.body.decode()).links if "/0." in link]
    assert links[:2] == ["changes/0.3.0.html", "changes/0.2.0.html"]
    # the older changeset's page is still there, and says where it leads from
    older = Parsed(page(documents, path_of(changeset_iri("0.2.0"))))
    assert older.h1 == "Changes in version 0.2.0"
    newer = page(documents, path_of(changeset_iri("0.3.0")))
    assert 'href="0.2.0.html">0.2.0</a>' in newer  # its old version: the changeset before


# --- four languages --------------------------------------------------------------------------


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_pages_speak_the_reader_s_language(documents: Documents, language: str) -> None:
    compiled = translations(language)
    changeset = Parsed(page(documents, CHANGESET, language))
    assert changeset.lang == language
    heading = compiled.gettext("Changes in version %(version)s") % {"version": "0.2.0"}
    assert changeset.h1 == heading and "0.2.0" in heading and "Changes" not in heading
    text = page(documents, CHANGESET, language)
    assert date_text(date(2026, 12, 6), language) in text
    assert 'href="../../id/event/2024-06-19-signing.' + language + '.html"' in text
    signing = Parsed(page(documents, path_of(SIGNING), language))
    assert signing.changes_heading == compiled.gettext("Changes")
    expected = compiled.gettext("Changed in %(version)s (%(date)s):") % {
        "version": "0.2.0",
        "date": date_text(date(2026, 12, 6), language),
    }
    squeezed = " ".join(expected.split())  # as the parser squeezes (Russian's "2026 г.")
    assert signing.squeezed_history[0].startswith(squeezed), signing.squeezed_history
    assert f"dataset/changes/0.2.0.{language}.html#r-" in " ".join(signing.history_links)
    index = documents.page("changes", language)
    assert index is not None
    assert f'<html lang="{language}">' in index.body.decode()
    assert compiled.gettext("Changes between versions") in index.body.decode()


# --- hostile summaries -----------------------------------------------------------------------


def with_summary(
    source: Path, target: Path, summary: bytes, name: str = "changes-0.2.0.json"
) -> Path:
    """A copy of the release ``source`` whose summary is ``summary`` (filed as ``name`` and
    listed in its manifest, with its size and checksum)."""
    shutil.copytree(source, target)
    (target / name).write_bytes(summary)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    entries = [f for f in manifest["files"] if f["name"] != name]
    entries.append(
        {
            "name": name,
            "mediaType": "application/json",
            "description": "a summary",
            "bytes": len(summary),
            "sha256": hashlib.sha256(summary).hexdigest(),
        }
    )
    manifest["files"] = sorted(entries, key=lambda f: f["name"])
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


def test_labels_and_values_from_the_summary_are_shown_as_text(
    v2: Path, summary: Summary, tmp_path: Path
) -> None:
    document = json.loads(to_json(summary))
    for resource in document["resources"]:
        if resource["iri"] == REMOVED:  # not in the graph: named by the summary's label
            resource["label"] = "<script>alert(1)</script>"
            resource["properties"] = [
                {
                    "property": "javascript:alert(2)",
                    "removed": ['"<img src=x onerror=alert(3)>"@en', "<javascript:alert(4)>"],
                    "added": ['"not a term', "[]"],
                }
            ]
    hostile = with_summary(v2, tmp_path / "hostile", json.dumps(document).encode())
    text = page(Documents(hostile, endpoint=None), CHANGESET)
    assert "<script>alert" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(3)&gt;" in text
    assert 'href="javascript' not in text.lower()
    assert "<code>&#34;not a term</code>" in text  # not a term: shown as written, as code


def test_a_damaged_summary_fails_when_the_release_is_opened(v2: Path, tmp_path: Path) -> None:
    broken = with_summary(v2, tmp_path / "broken", b"{not json")
    with pytest.raises(InputError, match=r"changes-0\.2\.0\.json"):
        Documents(broken)
    summary = (v2 / "changes-0.2.0.json").read_bytes()
    misfiled = with_summary(v2, tmp_path / "misfiled", summary, "changes-0.1.9.json")
    with pytest.raises(InputError, match=r"not 0\.1\.9"):
        Documents(misfiled)


# --- served and static -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(v2: Path) -> TestClient:
    # No `with`: the lifespan (query workers) is not started; nothing here needs /sparql.
    return TestClient(create_app(Settings(build=v2)), follow_redirects=False)


def test_the_server_answers_the_changeset_iri(client: TestClient) -> None:
    response = client.get(CHANGESET, headers={"Accept": "text/html", "Accept-Language": "ko"})
    assert response.status_code == 303 and response.headers["location"] == "0.2.0.ko.html"
    page = client.get(CHANGESET + ".ko.html")
    assert page.status_code == 200 and page.headers["content-language"] == "ko"
    assert page.text.count('class="change status-') >= 5
    listing = client.get("/dataset/changes", headers={"Accept-Language": "fr"})
    assert listing.status_code == 200 and listing.headers["content-language"] == "fr"
    assert client.get("/dataset/changes.ru.html").headers["content-language"] == "ru"
    assert client.get("/.html").status_code == 404  # the home page has one path: /index.html
    for suffix, media_type in (
        (".rdfp", "application/rdf-patch"),
        (".ru", "application/sparql-update"),
        (".json", "application/json"),
    ):
        response = client.get(f"/changes-0.2.0{suffix}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type), suffix


def test_a_release_without_changesets_serves_no_list(release: Path) -> None:
    client = TestClient(create_app(Settings(build=release)), follow_redirects=False)
    assert client.get("/dataset/changes.html").status_code == 404
    assert client.get("/dataset/changes/0.2.0.html").status_code == 404


@pytest.mark.slow
def test_the_static_site_keeps_every_version_s_page(v3: Path, tmp_path: Path) -> None:
    documents = Documents(v3, endpoint=None)
    stage = tmp_path / "site"
    stage.mkdir()
    write_into(documents, stage)
    for version in ("0.2.0", "0.3.0"):
        for language in LANGUAGES:
            path = urls.document(path_of(changeset_iri(version)), "html", language)
            written = (stage / path.lstrip("/")).read_text(encoding="utf-8")
            assert f'<html lang="{language}">' in written, path
            assert written == page(documents, path_of(changeset_iri(version)), language)
    for language in LANGUAGES:
        listing = stage / urls.document("/dataset/changes", "html", language).lstrip("/")
        assert listing.is_file(), language
    # no picture is drawn for a changeset's page: it has none
    assert not list((stage / "dataset" / "changes").glob("*.svg"))


def test_a_build_read_from_its_store_shows_the_same_changes(
    v2: Path, documents: Documents, tmp_path: Path
) -> None:
    """A large build's pages come from its store on disk (Documents.large): the changesets
    are resources there too, and the pages are the same bytes."""
    from_store = Documents(v2, endpoint=None, in_memory=False, store=tmp_path / "stores")
    assert from_store.large
    assert (
        CHANGESET in from_store.resources and "/dataset/changes/9.9.9" not in from_store.resources
    )
    for path in (CHANGESET, path_of(SIGNING), path_of(ADDED)):
        assert page(from_store, path) == page(documents, path), path
    listing, expected = from_store.page("changes"), documents.page("changes")
    assert listing is not None and expected is not None and listing.body == expected.body


# --- in a browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, as tests/web/test_browser.py drives it (its flags: offline, no
    sandbox, a throwaway profile); skipped where it is not installed."""
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    if not shutil.which("chromedriver"):
        pytest.skip("Debian's chromium-driver is not installed")
    # Imported only here: test_browser skips itself, as a module, where Chromium is missing.
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from test_browser import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server(v2: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from servers import treatykg_server

    log = tmp_path_factory.mktemp("changes-browser-logs") / "serve.log"
    with treatykg_server(v2, "--timeout", "5", log=log) as base:
        yield base


#: The pages with changes: the changeset's, the list of versions, a resource with a changed
#: label, the dataset (three changed properties, one a long date-time), an added resource.
CHANGED_PAGES = (CHANGESET, "/dataset/changes", path_of(SIGNING), "/dataset", path_of(ADDED))


@pytest.mark.slow
@pytest.mark.parametrize(("width", "mobile"), [(1280, False), (390, True)])
def test_the_pages_fit_the_screen_in_every_language(
    browser: Any, server: str, artifacts: Path, width: int, mobile: bool
) -> None:
    """Each page with changes, in each language, at a desktop's and a phone's width: nothing
    wider than the screen (long IRIs and values wrap), the page in its language."""
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    for language in LANGUAGES:
        for path in CHANGED_PAGES:
            browser.get(server + urls.document(path, "html", language))
            shot = artifacts / f"changes-{language}-{width}-{path.strip('/').replace('/', '-')}.png"
            _screenshot(browser, shot)
            assert browser.execute_script("return document.documentElement.lang") == language
            inner, scroll = browser.execute_script(
                "return [window.innerWidth, document.documentElement.scrollWidth]"
            )
            assert inner == width and scroll <= inner + 1, (path, language, inner, scroll)
            if path == CHANGESET:
                shown = browser.execute_script(
                    "return document.querySelectorAll('section.change').length"
                )
                assert shown == 5, (language, shown)


def _screenshot(browser: Any, shot: Path) -> None:
    """The whole page (up to 12,000 px tall), as test_browser.py keeps them."""
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12_000)}
    png = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {**clip, "scale": 1}},
    )
    shot.write_bytes(base64.b64decode(png["data"]))
