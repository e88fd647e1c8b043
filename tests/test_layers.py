"""The house's floors: each part of textclf imports only its own floor and those below, and never Streamlit."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "textclf"
# Lower floors never import higher ones: data <- learn <- explain / analysis <- store <- serve <- bench / cli.
FLOOR = {"limits": 0, "markdown_text": 0, "data": 1, "learn": 2, "explain": 3, "analysis": 3, "plots": 3, "store": 4, "serve": 5,
         "bench": 6, "bench_cli": 6, "cli": 7, "__main__": 8}
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def part_of(module: str) -> str:
    """Returns the top-level part ("learn", "limits", ...) of a dotted textclf module name."""
    return module.split(".")[1]


def imports_of(path: Path) -> list[str]:
    """Returns every module named by an import statement in `path`, at any depth (lazy imports too)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            if node.module == "textclf":  # from textclf import limits
                names += [f"textclf.{alias.name}" for alias in node.names]
    return names


def test_every_module_has_a_floor():
    parts = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in MODULES} - {"__init__"}
    assert parts <= set(FLOOR), f"give these a floor: {parts - set(FLOOR)}"


def test_top_level_stays_small():
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 12, top


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    relative = path.relative_to(PACKAGE).parts
    if relative == ("__init__.py",):
        return
    mine = relative[0].removesuffix(".py")
    names = imports_of(path)
    assert not [n for n in names if n.split(".")[0] == "streamlit"], "textclf never imports streamlit"
    upward = [n for n in names if n.startswith("textclf.") and FLOOR[part_of(n)] > FLOOR[mine]]
    assert not upward, f"{mine} (floor {FLOOR[mine]}) imports a higher floor: {upward}"


def test_the_check_sees_an_upward_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from textclf.serve.jobs import TrainingJob\n")
    assert imports_of(sample) == ["textclf.serve.jobs"]
