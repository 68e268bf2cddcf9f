"""Package-level promises: CLIs answer --help/--version; lamm_data and lamm_bench never import torch."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from lamm_data._version import __version__

APPS = ["lamm_data", "lamm_bench", "lamm_model"]


@pytest.mark.parametrize("package", APPS)
def test_help_and_version(package: str) -> None:
    app = __import__(f"{package}.cli", fromlist=["app"]).app
    prog = package.replace("_", "-")
    runner = CliRunner()
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"{prog} {__version__}"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "Usage" in result.output


@pytest.mark.parametrize("package", ["lamm_data", "lamm_bench"])
def test_importing_never_pulls_torch(package: str) -> None:
    code = (
        "import sys, importlib, pkgutil\n"
        "sys.modules['torch'] = None  # any import of torch now raises ImportError\n"
        f"import {package}\n"
        f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_import_does_no_work() -> None:
    code = "import sys; import lamm_data, lamm_bench; print('nltk' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def _third_party_imports(*packages: str, exclude: str = "-", only: str = "*") -> set[str]:
    """Top-level names of the non-standard-library modules the packages' code imports (lazy imports included), in
    files matching the glob ``only`` and not ``exclude``."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    found: set[str] = set()
    for package in packages:
        for path in (root / package).rglob("*.py"):
            if path.match(exclude) or not path.match(only):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and not name.startswith("lamm_")
            and name != "__future__"}


def _distributions(names: set[str]) -> set[str]:
    from importlib.metadata import packages_distributions

    by_module = packages_distributions()
    return {by_module[name][0].lower().replace("_", "-") for name in names}


def _requirement_names(requirements: list[str]) -> set[str]:
    import re

    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_runtime_dependencies_are_what_runtime_code_imports() -> None:
    """[project].dependencies are exactly what lamm_data and lamm_bench import; the model extra adds what
    lamm_model imports beyond them; the OpenDataLab download (``fetch/opendatalab*.py``, run only when its extra and
    the openxlab SDK are installed) imports nothing else. Tests and tools' imports go to the dev extra."""
    from pathlib import Path

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there
        import tomli as tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    runtime = _distributions(_third_party_imports("lamm_data", "lamm_bench", exclude="opendatalab*.py"))
    assert _requirement_names(project["dependencies"]) == runtime
    sdk = _third_party_imports("lamm_data", only="opendatalab*.py") - {"openxlab"}  # installed with --no-deps
    assert _distributions(sdk) <= runtime | _requirement_names(project["optional-dependencies"]["opendatalab"])
    model = _distributions(_third_party_imports("lamm_model")) - runtime
    assert _requirement_names(project["optional-dependencies"]["model"]) == model


def test_import_contracts_hold() -> None:
    """pyproject.toml's import-linter contracts: layers, no torch in lamm_data/lamm_bench, no library -> CLI."""
    from pathlib import Path

    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], capture_output=True, text=True, check=False,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout
