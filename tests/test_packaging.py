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
