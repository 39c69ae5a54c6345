"""The layers contract (pyproject.toml, [tool.importlinter]) holds, and fails on an upward import.

import-linter reads a package from one folder, while this checkout keeps the subpackages in the
top-level folders the product's design fixes (setuptools `package-dir`). So the package is laid
out as a wheel would install it — every file copied to its place under one `policykg/` — and
`lint-imports` runs over that copy. `.ci/run` also runs it over the installed wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lay_out_package(target: Path) -> Path:
    """Copy each package's .py files to where a wheel installs them; returns the import root."""
    mapping = PYPROJECT["tool"]["setuptools"]["package-dir"]
    for package in PYPROJECT["tool"]["setuptools"]["packages"]:
        # the longest mapped prefix decides the folder (policykg.api.routes → api/routes)
        prefix = max((p for p in mapping if package == p or package.startswith(p + ".")), key=len)
        source = REPO / mapping[prefix] / Path(*package[len(prefix):].strip(".").split(".") if package != prefix
                                                else ())
        dest = target.joinpath(*package.split("."))
        dest.mkdir(parents=True, exist_ok=True)
        for f in source.glob("*.py"):
            shutil.copy2(f, dest / f.name)
    shutil.copy2(REPO / "pyproject.toml", target / "pyproject.toml")
    return target


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory) -> Path:
    return lay_out_package(tmp_path_factory.mktemp("wheel-layout"))


def test_every_package_folder_is_listed_for_the_wheel():
    """A folder with an __init__.py that is not in `packages` would be left out of the wheel."""
    mapping = PYPROJECT["tool"]["setuptools"]["package-dir"]
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = set()
    for prefix, folder in mapping.items():
        base = REPO / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            if "__pycache__" in rel.parts or any(part.startswith(".") for part in rel.parts):
                continue
            found.add(".".join([prefix, *rel.parts]))
    assert found <= listed, sorted(found - listed)


def test_the_layers_contract_is_kept(laid_out):
    result = lint_imports(laid_out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout, result.stdout


@pytest.mark.parametrize(("module", "upward"), [
    ("policykg/core/errors.py", "from policykg.eligibility import engine"),  # core → eligibility
    ("policykg/eligibility/engine.py", "from policykg.graph import store"),  # eligibility → graph
    ("policykg/graph/store.py", "from policykg.search import index"),  # siblings stay apart
    ("policykg/ingest/units.py", "import fastapi"),  # the domain and the web framework
])
def test_an_upward_import_breaks_the_contract(laid_out, tmp_path, module, upward):
    broken = tmp_path / "broken"
    shutil.copytree(laid_out, broken)
    path = broken / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{upward}  # deliberately upward\n", encoding="utf-8")
    result = lint_imports(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and module.removesuffix(".py").replace("/", ".") in result.stdout, result.stdout
