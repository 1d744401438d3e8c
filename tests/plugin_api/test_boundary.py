"""The plugin boundary: the import contracts in pyproject.toml hold on main and
catch a plugin that reaches past ``kringwerk.plugin_api`` or into another plugin."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import kringwerk
import kringwerk.plugin_api as facade

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def checkout_copy(tmp_path: Path) -> Path:
    """pyproject.toml and the plugins, copied; the copy's plugins shadow the real ones."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "plugins", tmp_path / "plugins", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_contracts_hold_on_main():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_plugin_importing_a_core_module_breaks_the_contract(checkout_copy):
    (checkout_copy / "plugins" / "polls" / "rogue.py").write_text(
        "from kringwerk.members.models import Company\n"
    )
    result = _lint(checkout_copy)
    assert result.returncode != 0
    assert "Plugins reach the core only through kringwerk.plugin_api BROKEN" in result.stdout
    assert "plugins.polls.rogue -> kringwerk.members.models" in result.stdout


def test_a_plugin_importing_another_plugin_breaks_the_contract(checkout_copy):
    (checkout_copy / "plugins" / "events" / "rogue.py").write_text("from plugins.polls import models\n")
    result = _lint(checkout_copy)
    assert result.returncode != 0
    assert "Plugins never import each other; they meet through hooks BROKEN" in result.stdout


def test_every_core_module_but_the_facade_is_forbidden_to_plugins():
    """A new core package must join the contract, or plugins could import it unnoticed."""
    core = {
        f"kringwerk.{module.name}"
        for module in pkgutil.iter_modules(kringwerk.__path__)
        if module.name != "plugin_api"
    }
    contracts = _contracts()
    assert set(contracts["plugins-use-facade"]["forbidden_modules"]) == core
    assert set(contracts["core-knows-no-plugin"]["source_modules"]) == core


def test_the_facade_exports_what_it_lists():
    missing = [name for name in facade.__all__ if not hasattr(facade, name)]
    assert missing == []
    documented = (ROOT / "docs" / "architecture.md").read_text()
    undocumented = [name for name in facade.__all__ if f"`{name}`" not in documented]
    assert undocumented == [], "give each name a line in docs/architecture.md"
