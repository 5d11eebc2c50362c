"""The README is a tested contract: its blocks run, in order, as a new user would run them.

A copy of the checkout (the files git tracks or would track) is made in a temporary folder,
with a fresh virtual environment holding what the README's first line installs
(``pip install .``) and nothing else: every later block must work with that plus what the
README itself says to install (``pip install oxigraph`` in the load block). Each shell block
runs as one bash script, so that a block's commands share their shell as in a terminal; each
command's exit code, stdout and stderr are kept, and the promise the README makes for it is
checked (``PROMISES``): a command without a promise fails the test, so a new example cannot
go unchecked. Servers (``treatykg serve``, ``oxigraph serve``) run in the background on free
ports (the README's 7878, 8000 and 8080 are replaced) and are stopped at the end of their block.

Two commands are not run as written, and the test says how each is still held to its word:

* ``pip install '.[test]' && pytest -q -n auto``, the README's test command, is what
  ``.ci/run`` runs (checked below): running the suite inside itself would recurse.
* ``pytest -q`` in the development block runs with ``--collect-only``: it proves that the
  editable install with the dev extra imports every test module, without running them twice.

At the end, every file the examples wrote must be ignored by git (``.gitignore``), apart from
the user's own files the examples stand for (``USER_FILES``).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import venv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace

from locations import ROOT
from servers import free_port

README = ROOT / "README.md"
SH = Namespace("http://www.w3.org/ns/shacl#")

#: The user's own files that the README's examples name ("your own data", "your own query").
USER_FILES: dict[str, str] = {
    "mydata.ttl": (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        '<https://example.org/my/note> rdfs:label "A note of my own"@en .\n'
    ),
    "my-question.rq": (
        "PREFIX eli: <http://data.europa.eu/eli/ontology#>\n"
        "SELECT ?article ?number WHERE { ?article eli:number ?number } ORDER BY ?article LIMIT 3\n"
    ),
}
#: User folders: ``mydata/`` starts as a copy of ``data/``, as a user's corpus would.
USER_FOLDERS = {"mydata": "data"}

#: The README's ports, each replaced by a free one.
README_PORTS = ("7878", "8000", "8080")
SERVERS = ("treatykg serve", "oxigraph serve")

#: The README's test command and the file that runs it on a clean clone.
TEST_COMMAND = "pip install '.[test]' && pytest -q -n auto"
CI = ROOT / ".ci" / "run"


# --- the README, read ---------------------------------------------------------------------


@dataclass
class Block:
    """A fenced block of the README: its language, text and first line number."""

    language: str
    text: str
    line: int


def readme_blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, in order."""
    blocks, lines = [], text.splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"^```(\w*)\s*$", lines[index])
        if opening:
            end = next(j for j in range(index + 1, len(lines)) if lines[j].startswith("```"))
            blocks.append(Block(opening.group(1), "\n".join(lines[index + 1 : end]), index + 2))
            index = end
        index += 1
    return blocks


def commands(block: Block) -> list[str]:
    """The block's commands: continuation lines joined, blank and comment-only lines dropped."""
    found, pending = [], ""
    for line in block.text.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1].rstrip() + " "
            continue
        line = pending + line.strip()
        pending = ""
        if line and not line.startswith("#"):
            found.append(line)
    return found


def key(command: str) -> str:
    """The command without its trailing comment, whitespace collapsed: the PROMISES key."""
    lexer = shlex.shlex(command, posix=False, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return " ".join(lexer)


def is_server(command: str) -> bool:
    return key(command).startswith(SERVERS)


# --- running it -----------------------------------------------------------------------------


@dataclass
class Ran:
    """What one command did."""

    command: str
    code: int
    out: str
    err: str

    def says(self) -> str:
        return (
            f"{self.command!r} exited {self.code}\n"
            f"stdout:\n{self.out[-3000:]}\nstderr:\n{self.err[-3000:]}"
        )


@dataclass
class Session:
    """The user's folder, environment and servers' ports."""

    folder: Path
    env: dict[str, str]
    ports: dict[str, int]
    ran: list[Ran] = field(default_factory=list)

    def localize(self, command: str) -> str:
        """The README's ports replaced by free ones; ``treatykg serve`` given its port."""
        for readme, port in self.ports.items():
            command = command.replace(f"127.0.0.1:{readme}", f"127.0.0.1:{port}")
            command = command.replace(f"--port {readme}", f"--port {port}")
        if key(command).startswith("treatykg serve") and "--port" not in command:
            command = command.replace(
                "treatykg serve", f"treatykg serve --port {self.ports['8000']}", 1
            )
        return command

    def port_of(self, command: str) -> int:
        found = re.search(r"(?:127\.0\.0\.1:|--port )(\d+)", command)
        assert found, f"a server without a port: {command}"
        return int(found.group(1))

    def run_block(self, block: Block, logs: Path, timeout: float = 600) -> list[Ran]:
        """Run the block as one bash script; return what each command did."""
        logs.mkdir(parents=True, exist_ok=True)
        script = [
            "set -u",
            "wait_port() { for _ in $(seq 900); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null"
            " && return 0; sleep 0.1; done; return 1; }",
            'pytest() { command pytest --collect-only -q -p no:cacheprovider "$@"; }',
            "trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT",
        ]
        cmds = commands(block)
        for number, command in enumerate(cmds):
            local = self.localize(command)
            out, err, code = (logs / f"{number}.{name}" for name in ("out", "err", "rc"))
            if is_server(local):
                words = [w for w in shlex.split(local, comments=True) if w != "&"]
                script.append(f"{shlex.join(words)} >{out} 2>{err} &")
                script.append(f"wait_port {self.port_of(local)}; echo $? >{code}")
            else:
                script.append(f"{{ {local}\n}} >{out} 2>{err}; echo $? >{code}")
        process = subprocess.Popen(
            ["bash", "-c", "\n".join(script)],
            cwd=self.folder,
            env=self.env,
            start_new_session=True,
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        ran = []
        for number, command in enumerate(cmds):
            read = lambda name, n=number: (  # noqa: E731
                (logs / f"{n}.{name}").read_text(errors="replace")
                if (logs / f"{n}.{name}").exists()
                else ""
            )
            code = read("rc").strip()
            ran.append(Ran(command, int(code) if code else -1, read("out"), read("err")))
        self.ran.extend(ran)
        return ran

    def treatykg(self, *args: str) -> str:
        """Run treatykg in the user's environment, outside the README (to compare with it)."""
        done = subprocess.run(
            ["treatykg", *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


# --- the promises -------------------------------------------------------------------------

Check = Callable[[Ran, Session], None]


def ok(ran: Ran, session: Session) -> None:
    assert ran.code == 0, ran.says()


def all_of(*checks: Check) -> Check:
    def check(ran: Ran, session: Session) -> None:
        for each in checks:
            each(ran, session)

    return check


def files(*names: str) -> Check:
    def check(ran: Ran, session: Session) -> None:
        for name in names:
            path = session.folder / name
            assert path.is_file() and path.stat().st_size > 0, (
                f"{ran.command!r} did not write {name}"
            )

    return check


def contains(name: str, text: str) -> Check:
    """The file ``name`` (in the session's folder) holds ``text``."""

    def check(ran: Ran, session: Session) -> None:
        path = session.folder / name
        assert text in path.read_text(encoding="utf-8"), f"{ran.command!r}: {name} lacks {text!r}"

    return check


def prints(*patterns: str) -> Check:
    def check(ran: Ran, session: Session) -> None:
        for pattern in patterns:
            assert re.search(pattern, ran.out), f"{pattern!r} not in the output of\n{ran.says()}"

    return check


def tells(*patterns: str) -> Check:
    """Patterns in what the command says on stderr (summaries, progress)."""

    def check(ran: Ran, session: Session) -> None:
        for pattern in patterns:
            assert re.search(pattern, ran.err), f"{pattern!r} not on stderr of\n{ran.says()}"

    return check


def rows(ran: Ran, session: Session) -> None:
    found = re.search(r"^\((\d+) rows?\)$", ran.out, re.MULTILINE)
    assert found and int(found.group(1)) > 0, f"no rows:\n{ran.says()}"


def same_as_embedded(*args: str) -> Check:
    """The command prints what the embedded store prints for the same question."""

    def check(ran: Ran, session: Session) -> None:
        rows(ran, session)
        assert ran.out == session.treatykg(*args), ran.says()

    return check


def csv_rows(name: str) -> Check:
    def check(ran: Ran, session: Session) -> None:
        table = list(csv.reader(io.StringIO((session.folder / name).read_text())))
        assert len(table) > 1 and all(len(row) == len(table[0]) for row in table), table[:3]

    return check


def conforming_report(ran: Ran, session: Session) -> None:
    report = Graph().parse(data=ran.out, format="turtle")
    assert set(report.objects(None, SH.conforms)) == {Literal(True)}, ran.says()


def served(ran: Ran, session: Session) -> None:
    assert ran.code == 0, f"{ran.command!r} never listened on its port:\n{ran.says()}"


def see_other_to(name: str) -> Check:
    def check(ran: Ran, session: Session) -> None:
        assert re.match(r"HTTP/\S+ 303", ran.out), ran.says()
        location = rf"^location: (\S*/)?{re.escape(name)}\s*$"
        assert re.search(location, ran.out, re.I | re.M), ran.says()

    return check


def wikidata_signing_dates(ran: Ran, session: Session) -> None:
    lines = ran.out.splitlines()
    preferred = [line for line in lines if "2024-06-19" in line and "PreferredRank" in line]
    deprecated = [line for line in lines if "2024-06-18" in line and "DeprecatedRank" in line]
    assert preferred and deprecated, ran.says()


def collected(ran: Ran, session: Session) -> None:
    """``pytest -q --collect-only -q`` lists each test file with its count."""
    assert re.search(r"^tests/cli/test_readme\.py: \d+$", ran.out, re.M), ran.says()


def says_mypy_passed(ran: Ran, session: Session) -> None:
    """mypy checked the package (its configuration in pyproject.toml names src/treatykg)."""
    assert re.search(r"^Success: no issues found in \d+ source files$", ran.out, re.M), ran.says()


def collected_fast_only(ran: Ran, session: Session) -> None:
    """The fast loop selects the fast tests and leaves out the slow ones (the README's own
    test among them: it builds a virtual environment)."""
    assert re.search(r"^tests/rdf/test_namespaces\.py: \d+$", ran.out, re.M), ran.says()
    assert "tests/cli/test_readme.py" not in ran.out, ran.says()
    assert "tests/web/test_browser.py" not in ran.out, ran.says()


RELEASE = "https://w3id.org/treatykg/graph/release"

#: Every README command, by its text without the trailing comment, and what it promises.
PROMISES: dict[str, Check] = {
    # Build a release
    "pip install . && treatykg build": all_of(ok, files("dist/treatykg.ttl", "dist/manifest.json")),
    "treatykg build": all_of(
        ok, files("dist/treatykg.ttl", "dist/treatykg.jsonld", "dist/void.ttl")
    ),
    "treatykg build --out release/": all_of(ok, files("release/treatykg.ttl")),
    "treatykg build --data mydata/": all_of(ok, files("dist/treatykg.ttl")),
    # What changed between releases (release/ and dist/ hold the same data here)
    "treatykg diff release/ dist/": all_of(
        ok, prints(r"0\.1\.0 → 0\.1\.0: 0 statements", r"\nno changes\n")
    ),
    "treatykg diff release/ dist/ --rdf-patch changes.rdfp --sparql-update changes.ru": all_of(
        ok, files("changes.rdfp", "changes.ru")
    ),
    'sed -i \'s/dcat:version "0.1.0"/dcat:version "0.2.0"/\' mydata/dataset.ttl': all_of(
        ok, contains("mydata/dataset.ttl", 'dcat:version "0.2.0"')
    ),
    "treatykg build --data mydata/ --previous release/ --out next/": all_of(
        ok,
        files("next/changes-0.2.0.rdfp", "next/changes-0.2.0.ru", "next/changes-0.2.0.json"),
        tells(
            r"changes since 0\.1\.0: 1 resource changed, 0 added, 0 removed \(1 statement removed"
        ),
    ),
    "treatykg load --endpoint http://127.0.0.1:7878/store --build release/": all_of(
        ok, prints(RELEASE)
    ),
    "treatykg load --endpoint http://127.0.0.1:7878/store --update next/": all_of(
        ok, prints(r"release 0\.1\.0 → 0\.2\.0")
    ),
    "treatykg diff release/ next/": all_of(
        ok,
        prints(
            r"0\.1\.0 → 0\.2\.0: ",
            r"changed  dataset\n",
            r"resources: 0 added, 0 removed, 1 changed",
        ),
    ),
    # Query
    "treatykg query --list": all_of(ok, prints(r"\btimeline\b", r"\bsignatories\b")),
    "treatykg query signatories": all_of(ok, rows, prints("Vladimir Putin", "Kim Jong Un")),
    "treatykg query obligations --format csv > obligations.csv": all_of(
        ok, files("obligations.csv"), csv_rows("obligations.csv")
    ),
    "treatykg query sources-of --param entity=id/norm/csp-art-4": all_of(ok, rows),
    "treatykg query signatories --param treaty=eli/treaty/2024/csp": all_of(
        ok, rows, prints("Vladimir Putin", "Kim Jong Un")
    ),
    # issue 19: what the treaty says on a topic, article known or not; what rests on one source
    "treatykg query provisions": all_of(ok, rows, prints(r"csp-terrorism")),
    "treatykg query provisions --param 'topic=https://w3id.org/treatykg/def#Sanctions'": all_of(
        ok, rows, prints(r"csp-sanctions-non-participation")
    ),
    "treatykg query confidence": all_of(ok, rows, prints(r"SingleSource")),
    "treatykg query my-question.rq --build dist/": all_of(ok, rows, prints(r"\bart_1\b")),
    # Load into a triplestore
    "pip install oxigraph": ok,
    "oxigraph serve --location store --bind 127.0.0.1:7878 &": served,
    "treatykg load --endpoint http://127.0.0.1:7878/store --build dist/": all_of(
        ok, prints(RELEASE)
    ),
    "treatykg query timeline --endpoint http://127.0.0.1:7878/query --default-graph "
    f"{RELEASE}": all_of(ok, same_as_embedded("query", "timeline")),
    # Serve it as linked data
    "treatykg serve": served,
    "treatykg serve --build dist/ --port 8080 --timeout 5 --workers 4": served,
    "curl -i -H 'Accept: text/turtle' http://127.0.0.1:8000/id/state/prk": all_of(
        ok, see_other_to("prk.ttl")
    ),
    "treatykg query timeline --endpoint http://127.0.0.1:8000/sparql": all_of(
        ok, same_as_embedded("query", "timeline")
    ),
    "treatykg site --build dist/ --out site/": all_of(
        ok, files("site/index.html", "site/id/state/prk.ttl", "site/.htaccess")
    ),
    # Link with Wikidata
    "oxigraph load --location wdstore --file dist/wikidata.nt": ok,
    "oxigraph query --location wdstore --query-file "
    "tests/wikidata_queries/signing_date_statements.rq --results-format tsv": all_of(
        ok, wikidata_signing_dates
    ),
    # Validate
    "treatykg validate": all_of(ok, tells(r"^conforms: .* 0 violations")),
    "treatykg validate data/ mydata.ttl": all_of(ok, tells(r"^conforms: .* 0 violations")),
    "treatykg validate --format turtle": all_of(ok, conforming_report),
    "t=$(mktemp -d); cat ontology/*.ttl > $t/ontology.ttl; cat shapes/*.ttl > $t/shapes.ttl": ok,
    "find data -name '*.ttl' | sort | xargs cat > $t/data.ttl": ok,
    "pyshacl -a -i none -e $t/ontology.ttl -s $t/shapes.ttl $t/data.ttl": all_of(
        ok, prints("Conforms: True")
    ),
    # Development
    "python -m venv .venv && . .venv/bin/activate": ok,
    "pip install -e '.[dev]'": ok,
    "ruff check src tests && mypy && pytest -q": all_of(ok, collected, says_mypy_passed),
    'pytest -q -m "not slow"': all_of(ok, collected_fast_only),
}


# --- the test -------------------------------------------------------------------------------


def _copy_checkout(to: Path) -> None:
    """The files a clone holds (tracked or not ignored), or the whole tree without git."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        listed = (
            subprocess.run(
                ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=ROOT,
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .split("\0")
        )
        for name in filter(None, listed):
            source = ROOT / name
            if source.is_file():
                (to / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, to / name)
    else:
        shutil.copytree(
            ROOT,
            to,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".venv", "dist", ".pytest_cache", "*.egg-info"),
        )


def _environment(venv_dir: Path) -> dict[str, str]:
    """A shell whose Python is the fresh venv, without this test run's own environment."""
    outer = {str(Path(sys.prefix) / "bin"), str(Path(sys.executable).parent)}
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p not in outer]
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    }
    env |= {
        "PATH": os.pathsep.join([str(venv_dir / "bin"), *path]),
        "VIRTUAL_ENV": str(venv_dir),
        "COLUMNS": "200",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
    }
    return env


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=folder, capture_output=True, text=True, check=True
    ).stdout


def test_the_readme_test_command_is_what_ci_runs() -> None:
    """The README's first lines give the test command, and ``.ci/run`` runs exactly it."""
    first = commands(readme_blocks(README.read_text())[0])
    assert len(first) == 2 and key(first[1]) == TEST_COMMAND, first
    ci = CI.read_text()
    install, run = TEST_COMMAND.split(" && ")
    assert re.search(
        rf"^{re.escape(install)}", ci.replace("pip install --quiet", "pip install"), re.M
    )
    assert re.search(rf"^{re.escape(run)}\s*$", ci, re.M)


def test_every_readme_command_has_a_promise() -> None:
    """A new example in the README fails here until the test says what it promises."""
    sh = [b for b in readme_blocks(README.read_text()) if b.language == "sh"]
    missing = [
        f"README.md:{b.line}: {c}" for b in sh[1:] for c in commands(b) if key(c) not in PROMISES
    ]
    missing += [
        f"README.md:{sh[0].line}: {c}" for c in commands(sh[0])[:1] if key(c) not in PROMISES
    ]
    assert not missing, "README commands without a promise in tests/cli/test_readme.py:\n" + (
        "\n".join(missing)
    )
    used = {key(c) for b in sh for c in commands(b)}
    stale = sorted(set(PROMISES) - used)
    assert not stale, f"promises for commands the README no longer has: {stale}"


@pytest.mark.skipif(
    not shutil.which("git") or not shutil.which("curl"), reason="needs git and curl"
)
def test_the_readme_runs_in_order(tmp_path: Path) -> None:
    """Every block, in order, in a fresh folder and environment: each promise holds."""
    text = README.read_text()
    blocks = readme_blocks(text)
    sh = [b for b in blocks if b.language == "sh"]
    folder = tmp_path / "checkout"
    folder.mkdir()
    _copy_checkout(folder)
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    for name, content in USER_FILES.items():
        (folder / name).write_text(content)
    for name, source in USER_FOLDERS.items():
        shutil.copytree(folder / source, folder / name)

    user_venv = tmp_path / "venv"
    venv.create(user_venv, with_pip=True)
    session = Session(folder, _environment(user_venv), {p: free_port() for p in README_PORTS})

    # The development block makes its own .venv and runs last; being independent of the
    # others, it runs alongside them in a copy of its own, to keep the suite short.
    development, others = sh[-1], sh[:-1]
    assert "venv" in development.text, "the README's last shell block is no longer Development"
    dev_folder = tmp_path / "dev"
    shutil.copytree(folder, dev_folder, ignore=shutil.ignore_patterns(*USER_FILES, *USER_FOLDERS))
    dev_session = Session(dev_folder, dict(session.env), {})
    dev_logs = tmp_path / "logs-dev"
    dev_ran: list[Ran] = []
    dev_thread = threading.Thread(
        target=lambda: dev_ran.extend(dev_session.run_block(development, dev_logs)), daemon=True
    )
    dev_thread.start()

    # The first block: its first line is a user's first command; its second is CI's (above).
    first = Block(others[0].language, commands(others[0])[0], others[0].line)
    failures: list[str] = []

    def judge(ran: list[Ran], block: Block) -> None:
        for each in ran:
            try:
                PROMISES[key(each.command)](each, session)
            except AssertionError as error:
                failures.append(f"README.md:{block.line}: {error}")

    judge(session.run_block(first, tmp_path / "logs-0"), first)
    for number, block in enumerate(others[1:], 1):
        judge(session.run_block(block, tmp_path / f"logs-{number}"), block)

    _check_validate_output(blocks, session, failures)
    _check_list_output(blocks, session, failures)
    _check_python_block(blocks, session, failures)
    _check_sparql_block(blocks, failures)

    dev_thread.join(timeout=900)
    for each in dev_ran:
        try:
            PROMISES[key(each.command)](each, dev_session)
        except AssertionError as error:
            failures.append(f"README.md:{development.line}: {error}")
    assert dev_ran, "the development block did not finish"

    untracked = [
        line[3:]
        for line in _git(folder, "status", "--porcelain", "--untracked-files=normal").splitlines()
        if line.startswith("??") and line[3:].rstrip("/") not in {*USER_FILES, *USER_FOLDERS}
    ]
    if untracked:
        failures.append(
            f"files the README's examples write that .gitignore does not ignore: {untracked}"
        )
    assert not failures, "\n\n".join(failures)


def _check_list_output(blocks: list[Block], session: Session, failures: list[str]) -> None:
    """The README's sample of ``treatykg query --list`` is in what that command prints (as
    words: the list wraps to the terminal)."""
    samples = [b for b in blocks if b.language == "text" and b.text.startswith("parties: ")]
    if not samples:
        failures.append("README.md: the sample of `treatykg query --list` is gone")
        return
    done = subprocess.run(
        ["treatykg", "query", "--list"],
        cwd=session.folder,
        env=session.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    printed = " ".join(done.stdout.split())
    for block in samples:
        if " ".join(block.text.split()) not in printed:
            failures.append(
                f"README.md:{block.line}: `treatykg query --list` prints no such entry:\n"
                f"{block.text}"
            )


def _check_validate_output(blocks: list[Block], session: Session, failures: list[str]) -> None:
    """The sample report in the README is what the command it shows prints (``…`` elides)."""
    for block in blocks:
        if block.language == "text" and block.text.startswith("$ treatykg validate"):
            command, *expected = block.text.splitlines()
            done = subprocess.run(
                shlex.split(command[2:]),
                cwd=session.folder,
                env=session.env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode != 1:
                failures.append(
                    f"README.md:{block.line}: {command} exited {done.returncode}, not 1"
                )
            for line in expected:
                if line.strip() and line.strip() != "…" and line.strip() not in done.stdout:
                    failures.append(f"README.md:{block.line}: {line.strip()!r} not in its output")


def _check_python_block(blocks: list[Block], session: Session, failures: list[str]) -> None:
    """The Python example runs in the user's environment and prints what it says."""
    [block] = [b for b in blocks if b.language == "python"]
    done = subprocess.run(
        ["python", "-c", block.text],
        cwd=session.folder,
        env=session.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 or not done.stdout.startswith("True "):
        failures.append(
            f"README.md:{block.line}: the Python example failed:\n{done.stdout}\n{done.stderr}"
        )
    elif "'treatykg.ttl'" not in done.stdout:
        failures.append(f"README.md:{block.line}: build() listed no treatykg.ttl:\n{done.stdout}")


def _check_sparql_block(blocks: list[Block], failures: list[str]) -> None:
    """Each query shown is one of tests/wikidata_queries/, whose answers the tests pin."""
    files = {
        path.name: " ".join(path.read_text().split())
        for path in sorted((ROOT / "tests" / "wikidata_queries").glob("*.rq"))
    }
    for block in blocks:
        if block.language == "sparql":
            shown = " ".join(block.text.split())
            if not any(shown in text for text in files.values()):
                failures.append(
                    f"README.md:{block.line}: the query shown is none of tests/wikidata_queries/"
                )
