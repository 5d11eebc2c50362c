"""No query crashes anything: chains of every recursive SPARQL production, up to the size cap.

pyoxigraph parses, optimises, evaluates and frees a query by recursion, and a chain of almost
any production (``!!!…``, ``1+1+…``, ``a/a/…``, ``{} UNION {} …``, a long collection) used to
overflow the native stack and kill the process with SIGSEGV. treatykg runs every query on a
thread whose stack is sized for the query's length (:func:`treatykg.sparql.execute.stack_bytes`).

The proof is by measurement, on queries from ``tests/sparql_chains.py`` (every production, in
its densest spelling) run by ``tests/deep_driver.py``, a process that runs each query the way
``treatykg query FILE`` does and reports the stack it took; a crash is its death, seen here:

* every production alone, at the deepest the guard takes (64 KiB, or 100 levels of brackets)
  and one level more (refused, in one line): where pyoxigraph is too slow to run the deepest
  (its optimiser is cubic in the number of triple patterns), at the deepest it runs in a tenth
  of a second, and the stack at the cap is extrapolated from the cost of a level, which is the
  same at every depth. Each must take at most half the stack it gets.
* Hypothesis-drawn mixes of productions, at depths where they overflowed 8 MB, at and just
  over the cap: the answer is a result (exit code 0) or a one-line refusal (exit code 2),
  never a death, within half the stack. A mix still running after 2 s (pyoxigraph's time
  compounds: an EXISTS under 40 levels of IF takes 11 s) or allocating past 4 GiB (another
  family of hostile queries, which the endpoint's memory cap contains) is set aside.
* the real command line, the endpoint's query processes, and ``treatykg validate`` with a
  shapes graph whose SPARQL constraint is deep.

Examples are drawn deterministically; ``TREATYKG_FUZZ_EXAMPLES=10`` draws ten times as many,
``TREATYKG_FUZZ_RANDOM=1`` new ones (as in test_shacl_fuzz.py).
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st

import deep_driver
import sparql_chains
from locations import TESTS
from sparql_chains import CAP, LEVEL_BYTES, PRODUCTIONS, Production
from treatykg.sparql import execute, guard

SCALE = max(1, int(os.environ.get("TREATYKG_FUZZ_EXAMPLES", "1")))
DERANDOMIZE = not os.environ.get("TREATYKG_FUZZ_RANDOM")
SHRINK = bool(os.environ.get("TREATYKG_FUZZ_SHRINK"))
MAIN_STACK = 8 * 1024 * 1024
#: Seconds a generated mix may run (pyoxigraph cannot be stopped: the driver exits).
SLOW = 2.0


def fits(text: str) -> bool:
    """Whether the guard lets the query through to pyoxigraph (size and nesting)."""
    return sparql_chains.size(text) <= guard.MAX_QUERY_BYTES and (
        guard.nesting(text) <= guard.MAX_NESTING
    )


@functools.cache
def deepest_taken(name: str) -> int:
    """The deepest chain of the production that the guard takes: the size cap stops all but
    the chains of brackets, which the nesting cap stops (searched for among short queries)."""
    production = sparql_chains.BY_NAME[name]
    if production.brackets:
        return sparql_chains.deepest(production, fits)
    found = sparql_chains.deepest(
        production, lambda text: sparql_chains.size(text) <= guard.MAX_QUERY_BYTES
    )
    assert fits(sparql_chains.query([(production, found)]))
    return found


def _died(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


class OutOfMemoryError(Exception):
    """The query made pyoxigraph allocate past the driver's memory cap (SIGABRT): another
    family of hostile queries than the deep ones (the endpoint caps each worker's memory)."""


class Driver:
    """The driver process: one query at a time, restarted after a death (which fails the test
    that saw it)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.stderr: IO[bytes] | None = None

    def _start(self) -> subprocess.Popen[str]:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - as long as the process lives
        process = subprocess.Popen(
            [sys.executable, str(TESTS / "deep_driver.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        assert process.stdout is not None
        assert json.loads(process.stdout.readline()) == {"ready": True}
        return process

    def _ask(self, request: dict[str, Any], what: str) -> dict[str, Any]:
        if self.process is None:
            self.process = self._start()
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            self.process = None
            code = process.wait()
            assert self.stderr is not None
            self.stderr.seek(0)
            said = self.stderr.read().decode("utf-8", "replace")
            if code == -signal.SIGABRT and "memory allocation of" in said:
                raise OutOfMemoryError(what)
            pytest.fail(f"the query killed the process ({_died(code)}): {what}\n{said[-2000:]}")
        return json.loads(line)

    def ask(self, text: str, within: float | None = None) -> dict[str, Any]:
        """Run a query as ``treatykg query`` does; its outcome, exit code and stack. A query
        still running after ``within`` seconds ends the process: its outcome is "slow"."""
        answer = self._ask({"text": text, "within": within}, _shown(text))
        if answer["outcome"] == "slow" and self.process is not None:
            self.process.wait(10)
            self.process = None
        return answer

    def validate(self, select: str) -> dict[str, Any]:
        """``treatykg validate`` with a shape whose SPARQL constraint is ``select``."""
        return self._ask({"shacl": select}, "sh:select " + _shown(select))

    def close(self) -> None:
        if self.process is not None:
            self.process.stdin.close()  # type: ignore[union-attr]
            self.process.wait(10)
        if self.stderr is not None:
            self.stderr.close()


def _shown(text: str) -> str:
    return text if len(text) < 300 else f"{text[:150]} … {text[-100:]} ({len(text):,} chars)"


@pytest.fixture(scope="module")
def driver() -> Iterator[Driver]:
    running = Driver()
    yield running
    running.close()


def assert_answered(answer: dict[str, Any], text: str) -> None:
    """What the command line does: a result (0) or one line on stderr (2), within half the
    stack it gives the query."""
    assert answer["outcome"] != "bug", f"{answer['message']}\n{_shown(text)}"
    assert answer["exit"] in (0, 2), answer
    assert "\n" not in answer["message"].strip(), answer["message"]
    if answer["outcome"] == "refused" and not fits(text):
        assert "larger than 64 KiB" in answer["message"] or "nests" in answer["message"]
    assert answer.get("stack", 0) <= answer.get("budget", 0) / 2, (
        f"{answer['stack']:,} bytes of stack, of {answer['budget']:,}: {_shown(text)}"
    )


# --- every production, at the cap ------------------------------------------------------------


@pytest.mark.parametrize("production", PRODUCTIONS, ids=lambda p: p.name)
def test_every_production_at_the_cap(driver: Driver, production: Production) -> None:
    deepest = deepest_taken(production.name)
    assert deepest > 1, "the production does not fit the guard even shallow"
    depth = min(deepest, production.afford)
    half = max(1, depth // 2)
    low, high = (sparql_chains.query([(production, n)]) for n in (half, depth))
    answers = [driver.ask(text) for text in (low, high)]
    for text, answer in zip((low, high), answers, strict=True):
        assert_answered(answer, text)
        assert answer["outcome"] == "ok", f"{answer['message']}: {_shown(text)}"
    per_level = (answers[1]["stack"] - answers[0]["stack"]) / max(1, depth - half)
    at_cap = sparql_chains.query([(production, deepest)])
    needed = answers[1]["stack"] + max(per_level, 0) * (deepest - depth)
    assert needed <= execute.stack_bytes(sparql_chains.size(at_cap)) / 2, (
        f"{deepest} levels of {production.name} would take {needed / 2**20:.0f} MiB of stack, "
        f"more than half of the {execute.stack_bytes(sparql_chains.size(at_cap)) / 2**20:.0f} "
        "MiB they get"
    )
    over = sparql_chains.query([(production, deepest + 1)])
    assert not fits(over)
    refused = driver.ask(over)
    assert_answered(refused, over)
    assert refused["outcome"] == "refused" and refused["exit"] == 2


def test_the_examples_of_the_issue_run(driver: Driver) -> None:
    """Each overflowed 8 MB (SIGSEGV): now they answer."""
    for text in (
        "ASK { FILTER(" + "!" * 10_000 + "true) }",
        "ASK { FILTER(" + "||".join(["true"] * 10_000) + ") }",
        "ASK { FILTER(" + "&&".join(["true"] * 10_000) + ") }",
        "ASK { FILTER(" + "-1" * 8000 + ") }",
    ):
        answer = driver.ask(text)
        assert_answered(answer, text)
        assert answer["outcome"] == "ok", answer["message"]
        assert answer["stack"] > MAIN_STACK / 2  # the stack of a main thread would not do


# --- generated mixes ---------------------------------------------------------------------------


def _depths(production: Production, share: int) -> st.SearchStrategy[int]:
    """Depths worth trying: shallow ones, where the chain overflowed 8 MB, the deepest the
    guard takes and one more (refused), within what pyoxigraph runs fast (``afford``,
    shared by the ``share`` parts of a mix)."""
    deepest = deepest_taken(production.name)
    runnable = max(1, min(deepest, production.afford // share))
    special = {1, 2, runnable, deepest + 1}
    if deepest <= production.afford // share:
        special.add(deepest)
    level = LEVEL_BYTES.get(production.name)
    if level:
        overflow = MAIN_STACK // level
        special |= {n for n in (overflow - 1, overflow, overflow + 1) if n <= runnable}
    return st.one_of(st.sampled_from(sorted(special)), st.integers(1, runnable))


@st.composite
def mixes(draw: Callable) -> list[tuple[Production, int]]:
    """One to three productions, innermost first; a query form or modifier, if any, last."""
    parts = draw(st.integers(1, 3))
    chosen = [draw(st.sampled_from(PRODUCTIONS)) for _ in range(parts)]
    inner = [p for p in chosen if p.context != sparql_chains.QUERY]
    chosen = inner + [p for p in chosen if p.context == sparql_chains.QUERY][:1]
    return [(production, draw(_depths(production, parts))) for production in chosen]


@settings(
    max_examples=100 * SCALE,
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None if DERANDOMIZE else settings.default.database,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    phases=[p for p in Phase if p is not Phase.shrink or SHRINK],
    print_blob=True,
)
@given(parts=mixes())
def test_generated_mixes_never_crash(driver: Driver, parts: list[tuple[Production, int]]) -> None:
    text = sparql_chains.query(parts)
    try:
        answer = driver.ask(text, within=SLOW)
    except OutOfMemoryError:
        # e.g. EXISTS { ?s ?p [],[],… . ?s a+/a+/…/a ?o } (300 bytes) allocates without end:
        # not a deep query, and not this test's matter.
        reject()
    if answer["outcome"] == "slow":
        # pyoxigraph's time grows as a power of the number of patterns, and mixes compound
        # it (an EXISTS under 40 levels of IF: 11 s); the depth of each part is what matters
        # here, and the deterministic test above runs each one at the cap.
        reject()
    assert_answered(answer, text)


# --- the ways in: command line, endpoint, validate ------------------------------------------


def _treatykg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("treatykg")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "treatykg.cli"]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_command_line_answers_or_refuses_in_one_line(tmp_path: Path) -> None:
    cases = {
        "plus.rq": ("ASK { FILTER(" + "+".join(["1"] * 8000) + ") }", 0),
        "not.rq": (sparql_chains.query([(sparql_chains.BY_NAME["not"], 65_000)]), 0),
        "big.rq": ("ASK { FILTER(" + "!" * CAP + "true) }", 2),
        "nested.rq": ("ASK { FILTER(" + "(" * 100 + "1" + ")" * 100 + ") }", 2),
    }
    for name, (text, code) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        done = _treatykg("query", name, cwd=tmp_path)
        assert done.returncode == code, f"{name}: {_died(done.returncode)}\n{done.stderr}"
        if code == 0:
            assert done.stdout.strip() == "true"
        else:
            (line,) = done.stderr.splitlines()
            assert line.startswith("treatykg: error: the query ")


def _shapes(select: str) -> str:
    from rdflib import Literal

    return deep_driver.SHAPES.replace("{select}", Literal(select).n3())


def test_validate_survives_a_deep_sparql_constraint(tmp_path: Path) -> None:
    """pyshacl-turbo, then the fast engine's parse check and its query, each overflowed."""
    select = "SELECT $this WHERE { FILTER(" + "!" * 20_001 + "false) }"
    (tmp_path / "data.ttl").write_text(deep_driver.DATA, encoding="utf-8")
    (tmp_path / "shapes.ttl").write_text(_shapes(select), encoding="utf-8")
    done = _treatykg("validate", "data.ttl", "--shapes", "shapes.ttl", cwd=tmp_path)
    assert done.returncode == 1, f"{_died(done.returncode)}\n{done.stderr}"  # one violation
    assert "1 violation" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("name", "depth"),
    [
        ("not", 60_000),
        ("or", 1000),
        ("add", 1000),
        ("union", 1000),
        ("bind", 500),
        ("objects", 60),
        ("collection", 40),
        ("reifiers", 40),
        ("sequence", 150),
        ("groups_nested", 95),
    ],
)
def test_shacl_constraints_never_crash(driver: Driver, name: str, depth: int) -> None:
    """A deep sh:select goes through pyshacl-turbo, the fast engine (its parse check and its
    run) or pySHACL: an answer or a one-line refusal, never a death."""
    production = sparql_chains.BY_NAME[name]
    group = sparql_chains.query([(production, depth)])
    group = group.removeprefix(sparql_chains.PROLOGUE + "ASK{").removesuffix("}")
    answer = driver.validate(f"PREFIX:<x:> SELECT $this WHERE {{ {group} }}")
    assert answer["outcome"] != "bug", answer["message"]
    assert answer["exit"] in (0, 1, 2), answer
    assert "\n" not in answer["message"].strip(), answer["message"]


def test_shacl_constraints_over_the_cap_go_to_pyshacl_or_are_refused(driver: Driver) -> None:
    padding = " #" + "x" * CAP + "\n"
    long = driver.validate("SELECT $this WHERE { FILTER(true) }" + padding)
    assert long["outcome"] == "ok" and long["message"] == "oxigraph+pyshacl", long
    nested = "SELECT $this WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }" + padding
    refused = driver.validate(nested)
    assert refused["outcome"] == "refused" and refused["exit"] == 2, refused
    assert "nest too deeply" in refused["message"]


def test_the_endpoint_answers_deep_queries_and_no_worker_dies(tmp_path: Path) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from treatykg.web.endpoint import SparqlService

    dump = tmp_path / "data.nt"
    dump.write_text('<http://example.org/a> <http://example.org/p> "1" .\n', encoding="utf-8")
    service = SparqlService(dump, workers=1, spares=0, warm=False, cache_bytes=0, timeout=60)
    service.start()
    try:
        pids = {worker.process.pid for worker in service.pool.members}
        app = Starlette(routes=[Route("/sparql", service.handle, methods=["GET", "POST"])])
        direct = {"Content-Type": "application/sparql-query"}
        by_name = sparql_chains.BY_NAME
        cases = [
            (sparql_chains.query([(by_name["not"], 65_000)]), 200),
            ("ASK { FILTER(" + "+".join(["1"] * 8000) + ") }", 200),
            (sparql_chains.query([(by_name["minus"], 9000)]), 200),
            (sparql_chains.query([(by_name["objects"], 60)]), 200),
            ("ASK { FILTER(" + "!" * CAP + "true) }", 413),
            ("ASK { FILTER(" + "(" * 100 + "1" + ")" * 100 + ") }", 400),
        ]
        with TestClient(app) as client:
            for text, status in cases:
                response = client.post("/sparql", content=text.encode(), headers=direct)
                assert response.status_code == status, f"{response.text}: {_shown(text)}"
        assert service.restarts == 0
        assert {worker.process.pid for worker in service.pool.members} == pids
        assert all(worker.process.is_alive() for worker in service.pool.members)
    finally:
        service.close()


def test_a_failing_function_frees_the_result_on_its_own_thread() -> None:
    """An exception raised while reading a result must not carry the result (pyoxigraph's
    QuerySolutions abort the process when freed on another thread) to the caller."""
    import pyoxigraph as ox

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o")))

    def read(result: Any) -> None:
        next(iter(result))
        raise ValueError("while reading")

    with pytest.raises(ValueError, match="while reading") as raised:
        execute.run("SELECT * { ?s ?p ?o }", store, then=read)
    del raised
    rows = execute.run("SELECT * { ?s ?p ?o }", store)
    assert [row["o"].value for row in rows] == ["o"]
    assert execute.run("ASK { ?s ?p ?o }", store)
