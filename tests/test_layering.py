"""`core` is the domain: it must never depend on the Slack layer or Slack libraries."""

import ast
from pathlib import Path

FORBIDDEN = ("bot", "slack_bolt", "slack_sdk")
CORE = Path(__file__).resolve().parents[1] / "core"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_nothing_from_the_slack_layer():
    offenders = {
        str(path.relative_to(CORE.parent)): sorted(_imports(path) & set(FORBIDDEN))
        for path in CORE.rglob("*.py")
        if _imports(path) & set(FORBIDDEN)
    }
    assert offenders == {}
    assert any(CORE.rglob("*.py")), "core/ not found: the check would pass vacuously"
