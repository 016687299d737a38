"""The layering as a test (docs/architecture.md): imports are parsed with `ast`, function-level
ones included, so a lazy import cannot hide an arrow the wrong way."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.conftest import ROOT

HARNESS = ("rag.lab",)  # fits and measures the read path; the read path never imports it
SET_UP = ("rag.modelprep",)  # prepares models; the read path finds them through rag.shipped
INTERFACE = ("api",)  # HTTP, the page and the CLI (api.cli)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(*folders: str) -> dict[str, set[str]]:
    return {module_name(p): imports(p) for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))}


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def folder(name: str) -> str:
    """The folder a module lies in: `rag.lab.evaluate` -> `rag.lab`, `rag.pipeline` -> `rag`."""
    path = ROOT / Path(*name.split("."))
    return name if path.is_dir() else name.rpartition(".")[0]


def test_index_imports_neither_rag_nor_api() -> None:
    wrong = {m: sorted(i for i in imported if under(i, ("rag", "api"))) for m, imported in modules("index").items()}
    assert not {m: w for m, w in wrong.items() if w}


def test_the_read_path_imports_no_harness_no_set_up_code_and_no_interface() -> None:
    read_path = {m: i for m, i in modules("rag").items() if not under(m, HARNESS + SET_UP)}
    wrong = {m: sorted(x for x in i if under(x, HARNESS + SET_UP + INTERFACE)) for m, i in read_path.items()}
    assert not {m: w for m, w in wrong.items() if w}


def test_nothing_imports_scripts() -> None:
    wrong = {
        m: sorted(x for x in i if under(x, ("scripts",))) for m, i in modules("rag", "index", "api", "tests").items()
    }
    assert not {m: w for m, w in wrong.items() if w}


def test_no_import_loop_between_folders() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for m, imported in modules("rag", "index", "api").items():
        for i in imported:
            if under(i, ("rag", "index", "api")) and folder(i) != folder(m):
                edges[folder(m)].add(folder(i))

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in edges[start])

    loops = sorted((a, b) for a in list(edges) for b in edges[a] if reaches(b, a, {b}))
    assert not loops


# Issue #41: a module a reader can hold in mind. The five that were over it were split by what
# they do (e.g. index/quotations.py into the cue lexicon, the speaker rules and the finder).
MAX_MODULE_LINES = 300


def test_no_module_is_over_300_lines() -> None:
    paths = [p for folder in ("rag", "index", "api") for p in sorted((ROOT / folder).rglob("*.py"))]
    long = {
        str(p.relative_to(ROOT)): n
        for p in paths
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long
