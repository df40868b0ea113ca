"""Layering fixed by the user: edi is pure, pki never imports card or services, nothing imports the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "eport"

# subpackage -> eport subpackages it must never import
FORBIDDEN = {
    "edi": {"card", "pki", "services", "cli"},
    "pki": {"card", "services", "cli"},
    "card": {"services", "cli"},
    "services": {"cli"},
}


def _eport_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "eport" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("subpackage", sorted(FORBIDDEN))
def test_subpackage_respects_layering(subpackage: str) -> None:
    offenders = []
    for path in sorted((PACKAGE / subpackage).rglob("*.py")):
        bad = _eport_imports(path) & FORBIDDEN[subpackage]
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE.parent)} imports eport.{', eport.'.join(sorted(bad))}")
    assert offenders == []


def test_edi_imports_only_errors_from_outside() -> None:
    for path in (PACKAGE / "edi").rglob("*.py"):
        assert _eport_imports(path) <= {"edi", "errors", "_lazy"}, path


def test_the_lazy_export_helper_imports_no_eport_module() -> None:
    """``eport._lazy`` is the one outside module ``eport.edi`` may use besides the errors: it must stay import-free."""
    tree = ast.parse((PACKAGE / "_lazy.py").read_text(encoding="utf-8"))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    relative = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level > 0]
    assert imported  # the walk sees its imports (importlib, typing …)
    assert [name for name in imported if name and name.split(".")[0] == "eport"] == []
    assert relative == []


def test_layering_checker_detects_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import eport.card.apdu\nfrom eport.services import x\nfrom . import y\n")
    assert _eport_imports(sample) == {"card", "services"}


def _lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the repository's package with ``config`` (from the repository root, no cache)."""
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
    return subprocess.run(
        [*command, "--config", str(config), "--no-cache"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_import_linter_contracts_hold() -> None:
    run = _lint_imports(PACKAGE.parent / "pyproject.toml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_import_linter_sees_a_broken_contract(tmp_path: Path) -> None:
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["eport"]\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "the DXP family must not use the engine (false: it does)"\n'
        'type = "forbidden"\nsource_modules = ["eport.edi.dxp"]\nforbidden_modules = ["eport.edi.core"]\n',
        encoding="utf-8",
    )
    run = _lint_imports(config)
    assert run.returncode == 1
    assert "eport.edi.dxp" in run.stdout
    assert "1 broken" in run.stdout
