"""Layers hold by test: domain code imports no Textual, SQLModel or keyring; the store and the services
import no Textual. Each check runs in a fresh interpreter so earlier imports cannot hide a violation."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import gmassist

SRC = Path(gmassist.__file__).parent


def modules(package: str) -> list[str]:
    path = SRC / package.replace("gmassist.", "").replace(".", "/")
    return [f"{package}.{info.name}" for info in pkgutil.iter_modules([str(path)])]


def loaded_after_import(names: list[str]) -> set[str]:
    code = "import sys\n" + "".join(f"import {name}\n" for name in names) + "print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {line.split(".")[0] for line in result.stdout.splitlines()}


@pytest.mark.parametrize("forbidden", ["textual", "sqlmodel", "sqlalchemy", "keyring"])
def test_domain_imports_no_ui_no_database_no_keyring(forbidden: str) -> None:
    names = modules("gmassist.domain")
    assert names, "no domain modules found"
    assert forbidden not in loaded_after_import(names)


def test_store_and_services_import_no_textual() -> None:
    names = [*modules("gmassist.store"), "gmassist.services", "gmassist.config", "gmassist.__main__"]
    assert "textual" not in loaded_after_import(names)


def test_nothing_happens_at_import(tmp_path: Path) -> None:
    """Importing every module creates no folder and touches no keyring."""
    tmp_path = tmp_path / "fresh"
    tmp_path.mkdir()
    env = {
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
        "PATH": "/usr/bin:/bin",
    }
    names = [*modules("gmassist.store"), *modules("gmassist.domain"), "gmassist.tui.app", "gmassist.__main__"]
    code = "".join(f"import {name}\n" for name in names)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
