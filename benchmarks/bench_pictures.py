"""What the pictures cost (issue 16): the static site's build time and the served index's
latency and throughput, before the pictures (a git ref) and now, in one run.

```sh
python benchmarks/bench_pictures.py --before c857f18 --runs 5
python benchmarks/bench_pictures.py --before c857f18 --runs 3 --treaties 400   # + a corpus
```

The code of ``--before`` is checked out into a temporary git worktree and run from there
(``PYTHONPATH``), the current code from this checkout; runs alternate between the two so
that the machine's drift hits both alike. Measured per data set:

* ``treatykg site`` (the pages and documents of an existing build) and
  ``treatykg build --site`` (a build with its site), wall time, median (min–max);
* the served index (``GET /index.html``) under ``wrk`` with 16 connections for
  ``--seconds``: requests/s, p50 and p99.

Sites are written to ``/dev/shm`` when it exists (memory), so that the disk's noise (on the
machines here it swings a site's time by a second) does not drown what the pictures cost.
The budgets of the issue are checked and printed: the site at most 30 % slower, the index's
throughput kept (at least 90 % of before, the machine's noise).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

from bench_serve import Load, warm, wrk  # noqa: E402 - benchmarks are scripts, not a package

from servers import treatykg_server  # noqa: E402

#: The site may get at most this much slower with pictures.
SITE_BUDGET = 1.30
#: The index keeps its throughput within the machine's noise.
THROUGHPUT_FLOOR = 0.90


def treatykg(code: Path, *arguments: str) -> float:
    """Run ``treatykg ARGUMENTS`` with the package at ``code``; the wall time in seconds."""
    env = dict(os.environ, PYTHONPATH=str(code))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "treatykg.cli", *arguments],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


@contextmanager
def worktree(ref: str) -> Iterator[Path]:
    """The ``src`` folder of ``ref``, checked out in a temporary git worktree."""
    with tempfile.TemporaryDirectory(prefix="bench-pictures-") as folder:
        tree = Path(folder) / "before"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), ref],
            check=True,
            capture_output=True,
        )
        try:
            yield tree / "src"
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def served(code: Path, build: Path, seconds: int, connections: int) -> Load:
    """``wrk`` on the index of ``build`` served by the code at ``code``."""
    with treatykg_server(build, env={"PYTHONPATH": str(code)}) as base:
        url = f"{base}/index.html"
        assert warm(url, "text/html") == 200
        return wrk(url, "text/html", seconds=seconds, connections=connections)


def measure(
    name: str, data: list[str], codes: dict[str, Path], runs: int, seconds: int, scratch: Path
) -> list[str]:
    """The table rows of one data set."""
    sites: dict[str, list[float]] = {label: [] for label in codes}
    builds: dict[str, list[float]] = {label: [] for label in codes}
    prepared: dict[str, Path] = {}
    for label, code in codes.items():
        prepared[label] = scratch / f"{name}-{label}-dist"
        treatykg(code, "build", "--out", str(prepared[label]), *data, "-q")
    for run in range(runs):
        order = list(codes) if run % 2 == 0 else list(reversed(codes))
        for label in order:
            code = codes[label]
            out = scratch / f"{name}-{label}-site"
            shutil.rmtree(out, ignore_errors=True)
            sites[label].append(
                treatykg(code, "site", "--build", str(prepared[label]), "--out", str(out), "-q")
            )
            dist = scratch / f"{name}-{label}-full"
            shutil.rmtree(dist, ignore_errors=True)
            builds[label].append(treatykg(code, "build", "--out", str(dist), *data, "--site", "-q"))
    rows = []
    before, after = (statistics.median(sites[label]) for label in codes)
    verdict = "within" if after <= before * SITE_BUDGET else "OVER"
    rows.append(
        f"| {name} | `treatykg site` | {spread(sites['before'])} | {spread(sites['after'])} | "
        f"{after / before:.2f}× ({verdict} the {SITE_BUDGET:.2f}× budget) |"
    )
    before, after = (statistics.median(builds[label]) for label in codes)
    rows.append(
        f"| {name} | `treatykg build --site` | {spread(builds['before'])} | "
        f"{spread(builds['after'])} | {after / before:.2f}× |"
    )
    if seconds:
        loads = {label: served(code, prepared[label], seconds, 16) for label, code in codes.items()}
        ratio = loads["after"].rate / loads["before"].rate
        verdict = "kept" if ratio >= THROUGHPUT_FLOOR else "LOST"
        for label in codes:
            load = loads[label]
            rows.append(
                f"| {name} | served index, {label}: req/s, p50, p99 | {load.rate:,.0f} req/s | "
                f"{load.p50:.2f} ms | {load.p99:.2f} ms |"
            )
        rows.append(
            f"| {name} | served index throughput, after/before | | | {ratio:.2f}× ({verdict}) |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="c857f18", help="git ref without pictures")
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (5)")
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds; 0 skips (10)")
    parser.add_argument("--treaties", type=int, default=0, help="also a generated corpus")
    args = parser.parse_args()
    if args.seconds and shutil.which("wrk") is None:
        sys.exit("bench_pictures.py needs wrk (apt-get install wrk), or --seconds 0")
    if shutil.which("dot") is None:
        sys.exit(
            "bench_pictures.py measures the pictures: install Graphviz (apt-get install graphviz)"
        )
    memory = Path("/dev/shm")
    where = str(memory) if memory.is_dir() else None
    with worktree(args.before) as before, tempfile.TemporaryDirectory(dir=where) as folder:
        scratch = Path(folder)
        codes = {"before": before, "after": ROOT / "src"}
        sets: list[tuple[str, list[str]]] = [("flagship", [])]
        if args.treaties:
            corpus = scratch / "corpus"
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "gen_corpus.py"),
                    "--treaties",
                    str(args.treaties),
                    "--out",
                    str(corpus),
                ],
                check=True,
                capture_output=True,
            )
            sets.append((f"corpus of {args.treaties} treaties", ["--data", str(corpus)]))
        rows = []
        for name, data in sets:
            rows += measure(name, data, codes, args.runs, args.seconds, scratch)
    print(f"\npictures: before ({args.before}) and after, {args.runs} runs each, alternating\n")
    print("| data | what | before | after | after/before |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
