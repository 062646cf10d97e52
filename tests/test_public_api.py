"""The library's public surface and the direction of its imports."""

from __future__ import annotations

import ast
import subprocess
import sys
import types
from pathlib import Path

import timeline
import timeline.domain

FORBIDDEN_TO_DOMAIN = (
    "timeline.persistence",
    "timeline.projections",
    "timeline.application",
    "timeline.interop",
    "cli",
)


def test_all_lists_exactly_the_public_names_of_the_package() -> None:
    public = {
        name
        for name, value in vars(timeline).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(timeline.__all__) == timeline.__all__
    assert set(timeline.__all__) == public


def test_every_exported_name_imports() -> None:
    namespace: dict[str, object] = {}
    exec(f"from timeline import {', '.join(timeline.__all__)}", namespace)
    assert all(namespace[name] is getattr(timeline, name) for name in timeline.__all__)


def loaded_by(*modules: str) -> set[str]:
    """The modules a fresh interpreter has loaded after importing `modules`."""
    code = f"import sys\nimport {', '.join(modules)}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def imported_by(path: Path) -> set[str]:
    """Every module a source file names in an import statement (type-checking ones too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_domain_imports_nothing_from_the_layers_above_it() -> None:
    files = sorted(Path(timeline.domain.__path__[0]).glob("*.py"))
    assert "fact.py" in {f.name for f in files}
    wrong = {
        f"{path.name}: {module}"
        for path in files
        for module in imported_by(path)
        if module.startswith(FORBIDDEN_TO_DOMAIN)
    }
    assert sorted(wrong) == []


def test_the_library_imports_no_cli_and_no_terminal_toolkit() -> None:
    loaded = loaded_by(
        "timeline", "timeline.audit.verify", "timeline.interop.export", "timeline.interop.importer"
    )
    assert sorted(m for m in loaded if m.split(".")[0] in {"cli", "typer", "rich", "click"}) == []
