"""Adding a treaty breaks nothing but the snapshots.

A copy of data/ gets one generated treaty (tests/generated_corpus.py: articles, norms,
obligations, events, claims, in its own folder, laid out as README's "To add a treaty" says), and
the fast tests of the content, the build, the queries, the pages and the site run on it in a
subprocess with ``pytest --data COPY``. They must all pass: a test that fails there pins this
corpus (a count of treaties or articles, "the" treaty of the framed view or of the index)
instead of checking the model, and a maintainer who adds a treaty would have to edit it. Facts
about the bundled treaties are asserted by their IRIs, so they hold on the copy too.

The snapshots (tests/sparql/test_snapshots.py, tests/snapshots/) are the one thing expected to
change: they are the recorded answers of this corpus, refreshed with one command
(``pytest tests/sparql/test_snapshots.py --update-snapshots``), so they are not run here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generated_corpus import corpus_with_a_new_treaty
from locations import ROOT
from treatykg.resources import DATA_ENV

#: The tests run on the copy: the content, the build, the queries and the pages. Left out: the
#: snapshots, which record this corpus; the slow modules (``-m "not slow"``: they start servers
#: or browsers, or write the whole static site, and CI runs them on the bundled data); and, to
#: keep this under two minutes, tests/web/test_pictures.py (a static site with every picture,
#: 110 s) and tests/web/test_store_documents.py (40 s), whose checks do not depend on the corpus.
PATHS = (
    "tests/data",
    "tests/publish",
    "tests/sparql/test_queries.py",
    "tests/sparql/test_query_cli.py",
    "tests/web/test_pages.py",
    "tests/web/test_serve.py",
    "tests/web/test_picture_timeline.py",
)
#: Seconds the run may take (it takes about two minutes; CI has 20 for everything).
TIMEOUT = 600


@pytest.mark.slow
def test_the_tests_pass_on_a_corpus_with_one_more_treaty(tmp_path: Path) -> None:
    data = corpus_with_a_new_treaty(tmp_path)
    env = {key: value for key, value in os.environ.items() if key != DATA_ENV}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not slow",
        "--data",
        str(data),
        *PATHS,
    ]
    run = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    tail = "\n".join(run.stdout.splitlines()[-60:])
    assert run.returncode == 0, (
        "tests that pin the bundled corpus fail once a treaty is added; make them check the "
        f"model, or name the treaty they are about by its IRI.\n$ {' '.join(command)}\n"
        f"{tail}\n{run.stderr[-2000:]}"
    )
