"""The package's layout keeps its promises: stages depend one way, and nothing hides imports.

docs/architecture.md draws the stages; this reads every module's imports (with :mod:`ast`,
not by running them) and checks what the picture claims:

* a module imports only from its own stage or from a stage below it (:data:`STAGES`);
* no two modules import each other, directly or round a longer loop;
* an import inside a function is there to keep start-up fast, and a comment says so: on the
  line, in the three lines above it, or once for the whole module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import treatykg

PACKAGE = Path(treatykg.__file__).resolve().parent

#: The stages, lowest first. A module may import from its own stage and the ones before it.
#: ``rdf.formats`` is data only (no imports of ours) and is read by every stage, so it sits
#: with the shared modules.
STAGES: tuple[tuple[str, ...], ...] = (
    ("errors", "namespaces", "resources", "atomic", "rdf.formats"),
    ("rdf",),
    ("sparql",),
    ("validation",),
    ("link",),
    ("changes",),
    ("web",),
    ("publish",),
    ("cli",),
)
#: Words that say why an import waits until a function runs.
REASONS = ("start-up", "startup", "--help", "import time", "to import", "imported only")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), path


def stage_of(module: str) -> int:
    """The rank of the stage ``module`` (a name relative to ``treatykg``) belongs to."""
    best, rank = -1, -1
    for index, members in enumerate(STAGES):
        for member in members:
            if (module == member or module.startswith(member + ".")) and len(member) > best:
                best, rank = len(member), index
    if rank < 0:
        raise AssertionError(f"treatykg.{module} belongs to no stage: add it to STAGES")
    return rank


def imports(path: Path) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, str]]:
    """Each import in ``path``: the node, whether it is inside a function, the module named.

    ``from treatykg import x`` names ``treatykg.x`` (x may be a module). The package uses no
    relative imports (a test below says so), so every name is absolute.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            inside.update(id(sub) for sub in ast.walk(node) if sub is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, id(node) in inside, alias.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("treatykg"):
            for alias in node.names:  # the name may be a module: ours() finds out
                yield node, id(node) in inside, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.ImportFrom):
            yield node, id(node) in inside, "." * node.level + (node.module or "")


def in_type_checking_block(path: Path) -> set[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                lines.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
    return lines


def ours(name: str) -> str | None:
    """The module of ours that ``name`` is or is in (``rdf.load`` for ``treatykg.rdf.load.load``),
    ``""`` for the package itself, None for another library."""
    if name != "treatykg" and not name.startswith("treatykg."):
        return None
    parts = name.split(".")[1:]
    while parts and not (
        PACKAGE.joinpath(*parts).with_suffix(".py").is_file() or PACKAGE.joinpath(*parts).is_dir()
    ):
        parts.pop()
    return ".".join(parts)


def test_stages_depend_one_way() -> None:
    wrong = []
    for module, path in modules():
        if module == "":  # the package's own __init__ names the API lazily, by string
            continue
        for node, _, name in imports(path):
            target = ours(name)
            if target and stage_of(target) > stage_of(module):
                wrong.append(f"treatykg.{module}:{node.lineno} imports treatykg.{target}")
    assert not wrong, "a lower stage imports a higher one:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    known = {module for module, _ in modules()}
    graph: dict[str, set[str]] = {}
    for module, path in modules():
        typing_only = in_type_checking_block(path)
        graph[module] = set()
        for node, in_function, name in imports(path):
            target = ours(name)
            if target is None or in_function or node.lineno in typing_only:
                continue
            if (
                target
                and target in known
                and target != module
                and not module.startswith(target + ".")
            ):
                graph[module].add(target)
    assert sum(len(targets) for targets in graph.values()) > 50  # the graph was read at all
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        if module in visiting:
            cycle = [*visiting[visiting.index(module) :], module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        visiting.append(module)
        for target in sorted(graph.get(module, ())):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_imports_inside_functions_say_why() -> None:
    silent = []
    for module, path in modules():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        docstring = ast.get_docstring(ast.parse(text)) or ""
        module_says = any(reason in docstring for reason in REASONS) or any(
            line.lstrip().startswith("#") and any(reason in line for reason in REASONS)
            for line in lines
        )
        for node, in_function, _ in imports(path):
            if not in_function or module_says:
                continue
            near = lines[max(0, node.lineno - 4) : node.end_lineno or node.lineno]
            if not any("#" in line for line in near):
                silent.append(f"treatykg.{module}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not silent, "imports inside functions with no comment saying why:\n" + "\n".join(silent)


def test_no_relative_imports() -> None:
    relative = [
        f"treatykg.{module}:{node.lineno}"
        for module, path in modules()
        for node, _, name in imports(path)
        if name.startswith(".")
    ]
    assert not relative, relative


def test_every_module_has_a_docstring() -> None:
    missing = [
        module or "treatykg"
        for module, path in modules()
        if path.name != "__main__.py"
        and ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert not missing, missing
