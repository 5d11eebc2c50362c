"""The W3C SHACL test suite and the DASH suite, run on every engine treatykg has.

treatykg promises that a graph that does not conform is never published, whatever shapes a
user brings (``treatykg validate --shapes``, ``treatykg build --shapes``). So each test of the
two suites (core and SPARQL; DASH's graph validations) is validated, shapes and data as the
test file gives them, by:

- pySHACL as treatykg configures it (``engine="pyshacl"``), the reference;
- the compiled engine alone (:func:`treatykg.validation.validate._run_fast`);
- the default engine (``validate()``, as the CLI runs it): pyshacl-turbo's quick clean
  verdict where it may answer, else the compiled engine with pySHACL for what it leaves;
- pyshacl-turbo's first pass itself, wherever treatykg would ask it.

Each must give pySHACL's verdict and the same multiset of results (focus node, path, value,
constraint component, source shape, severity), or raise where the suite expects a failure.
pySHACL, in turn, must give the W3C expected report, except where it departs from it for a
reason written down here (:data:`PYSHACL_DEPARTURES`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from locations import ROOT
from shacl_results import Key, difference, result_keys
from shacl_suites import Case, dash_cases, expected_results, fetch, w3c_cases
from treatykg.errors import TreatykgError
from treatykg.validation.validate import _run_fast, _run_turbo, _turbo_may_answer, validate

#: Where the sdist is kept between runs (pytest's own cache folder, ignored by git).
CACHE = Path(os.environ.get("TREATYKG_SUITES_CACHE", ROOT / ".pytest_cache" / "shacl-suites"))

#: Tests whose W3C expected report pySHACL, configured as treatykg configures it, does not
#: give, and why. treatykg matches pySHACL there; the test checks that the departure is real.
PYSHACL_DEPARTURES = {
    "w3c/core/misc/severity-001": (
        "only an sh:Warning result: the W3C report says conforms false; treatykg validates with "
        "allow_warnings, so warnings and infos are reported but do not fail (README, Validate)"
    ),
    "dash/core/misc/severity-001": "the same test in DASH: warnings do not fail (allow_warnings)",
    "w3c/sparql/node/sparql-003": (
        "only sh:Warning results from a SPARQL constraint: conforms true under allow_warnings"
    ),
    "w3c/sparql/pre-binding/shapesGraph-001": (
        "$shapesGraph in a SPARQL constraint: pySHACL does not implement it (its own suite lists "
        "this test as an allowed failure), so treatykg refuses the shapes with an error rather "
        "than give a report"
    ),
    "w3c/core/property/uniqueLang-002": (
        'sh:uniqueLang "1"^^xsd:boolean must not activate the constraint (only "true" does), '
        'but rdflib normalises "1"^^xsd:boolean to "true" while parsing, so every engine that '
        "reads rdflib graphs, pySHACL and treatykg alike, sees true"
    ),
}


def _cases() -> list[Case]:
    resources = fetch(CACHE)
    return w3c_cases(resources) + dash_cases(resources)


CASES = _cases()

#: An engine's answer: (conforms, results), or None where it refused the shapes or data.
Outcome = tuple[bool, "object"] | None


def _outcome(run: Callable[[], object]) -> tuple[bool, object] | None:
    try:
        report = run()
    except TreatykgError:
        return None
    return report.conforms, result_keys(report.graph)  # type: ignore[attr-defined]


def _describe(outcome: tuple[bool, object] | None) -> str:
    return "an error" if outcome is None else f"conforms={outcome[0]}"


def _assert_same(
    name: str,
    got: tuple[bool, object] | None,
    want: tuple[bool, object] | None,
    against: str = "pySHACL",
) -> None:
    if got == want:
        return
    if got is None or want is None:
        pytest.fail(f"{name}: {_describe(got)}; {against}: {_describe(want)}")
    false_conforms = got[0] and not want[0]
    lines = [f"{name}: conforms={got[0]}; {against}: conforms={want[0]}"]
    if false_conforms:
        lines.append("FALSE CONFORMS: invalid data would be published")
    lines.append(difference(got[1], want[1]))  # type: ignore[arg-type]
    pytest.fail("\n".join(lines))


def test_the_suites_are_all_there() -> None:
    """A suite that shrinks silently (a moved folder, a manifest not followed) proves less."""
    suites = {suite: sum(1 for c in CASES if c.suite == suite) for suite in ("w3c", "dash")}
    assert suites["w3c"] >= 120 and suites["dash"] >= 90, suites
    assert len({(c.suite, c.name) for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.suite}/{c.name}")
def test_every_engine_gives_the_reference_report(case: Case) -> None:
    data, shapes, expected_graph = case.graphs()
    expected = expected_results(case, expected_graph)
    none = Graph()
    reference = _outcome(lambda: validate(data, shapes=shapes, ontology=none, engine="pyshacl"))

    # pySHACL against the suite's own expected report.
    case_id = f"{case.suite}/{case.name}"
    if expected is None:
        want: tuple[bool, object] | None = None
    else:
        conforms, result_nodes = expected
        want = (conforms, result_keys(expected_graph, result_nodes))
    if case_id in PYSHACL_DEPARTURES:
        assert reference != want, f"pySHACL now gives the W3C report: drop {case_id} from the list"
    else:
        _assert_same("pySHACL", reference, want, against="the suite's expected report")

    _assert_same("compiled engine", _outcome(lambda: _run_fast(data, shapes, none)), reference)
    _assert_same("default engine", _outcome(lambda: validate(data, shapes=shapes, ontology=none)),
                 reference)  # fmt: skip
    if _turbo_may_answer(shapes):
        clean = _run_turbo(data, shapes, none)
        if clean is not None:  # its only answer: "conforms, nothing to report"
            _assert_same("pyshacl-turbo's first pass", (True, result_keys(clean.graph)), reference)


def test_keys_count_results_not_distinct_results() -> None:
    """The comparison itself: two equal results are two, not one (a set would hide it)."""
    case = next(c for c in CASES if c.name == "core/validation-reports/shared")
    data, shapes, _ = case.graphs()
    keys = result_keys(validate(data, shapes=shapes, ontology=Graph(), engine="pyshacl").graph)
    assert sum(keys.values()) == 2 and len(keys) == 1
    one: Key = next(iter(keys))
    assert one[3] == "http://www.w3.org/ns/shacl#ClassConstraintComponent"
