"""Malformed diagnostics records and reports against ``lamm-bench report`` and ``compare``: one line on stderr
naming the file (and line and field for diagnostics), exit 1, no traceback, nothing written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from corpus import BAD_DIAGNOSTICS, BAD_REPORTS, ODD_DIAGNOSTICS
from hostile_helpers import refused, snapshot
from typer.testing import CliRunner

from lamm_bench.cli import app
from lamm_data.sample import BASELINE_ANSWERS

pytestmark = pytest.mark.integration
RUNNER = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def scored(sample_root_ro: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scored")
    result = RUNNER.invoke(app, ["score", str(sample_root_ro / BASELINE_ANSWERS), "--root", str(sample_root_ro),
                                 "--out", str(out / "report.json"), "--diagnostics", str(out / "diagnostics.jsonl"),
                                 "--resamples", "20", "-q"])
    assert result.exit_code == 0, result.output
    return out


def _set(document: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        document = document[part]
    document[path[-1]] = value


def _diagnostics_case(scored: Path, sample_root_ro: Path, tmp_path: Path, case: tuple, with_root: bool
                      ) -> tuple[Path, int]:
    """A copy of the scored run with one field of one record replaced; returns the diagnostics path and the line."""
    benchmark, path, value = case
    lines = [json.loads(line) for line in (scored / "diagnostics.jsonl").read_text().splitlines()]
    number = next(i for i, r in enumerate(lines) if r["benchmark"] == benchmark and not r["missing"])
    _set(lines[number], path, value)
    diagnostics = tmp_path / "diagnostics.jsonl"
    diagnostics.write_text("".join(json.dumps(r) + "\n" for r in lines))
    report = json.loads((scored / "report.json").read_text())
    report["meta"]["diagnostics"]["sha256"] = hashlib.sha256(diagnostics.read_bytes()).hexdigest()
    report["meta"]["data"]["root"] = str(sample_root_ro if with_root else tmp_path / "absent")
    (tmp_path / "report.json").write_text(json.dumps(report))
    (tmp_path / "report.bootstrap.npz").write_bytes((scored / "report.bootstrap.npz").read_bytes())
    return diagnostics, number + 1


@pytest.mark.parametrize("with_root", [True, False], ids=["root-present", "root-absent"])
@pytest.mark.parametrize("case", sorted(BAD_DIAGNOSTICS))
def test_report_refuses_malformed_diagnostics(scored: Path, sample_root_ro: Path, tmp_path: Path, case: str,
                                              with_root: bool) -> None:
    diagnostics, line = _diagnostics_case(scored, sample_root_ro, tmp_path, BAD_DIAGNOSTICS[case], with_root)
    before = snapshot(tmp_path)
    result = RUNNER.invoke(app, ["report", str(tmp_path / "report.json"), "--out", str(tmp_path / "site")])
    stderr = refused(result)
    field = ".".join(str(p) for p in BAD_DIAGNOSTICS[case][1][:2])
    assert f"{diagnostics}:{line}: {field}" in stderr  # file, line and field
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", sorted(ODD_DIAGNOSTICS))
def test_report_renders_odd_but_well_typed_diagnostics(scored: Path, sample_root_ro: Path, tmp_path: Path,
                                                      case: str) -> None:
    _diagnostics_case(scored, sample_root_ro, tmp_path, ODD_DIAGNOSTICS[case], True)
    result = RUNNER.invoke(app, ["report", str(tmp_path / "report.json"), "--out", str(tmp_path / "site")])
    assert result.exception is None and result.exit_code == 0, result.output
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize("case", sorted(BAD_REPORTS))
def test_report_and_compare_refuse_malformed_reports(scored: Path, tmp_path: Path, case: str) -> None:
    path, raw = BAD_REPORTS[case]
    report = json.loads((scored / "report.json").read_text())
    report["meta"]["diagnostics"] = None
    _set(report, path, "@@RAW@@")
    (tmp_path / "report.json").write_text(json.dumps(report).replace('"@@RAW@@"', raw))
    (tmp_path / "report.bootstrap.npz").write_bytes((scored / "report.bootstrap.npz").read_bytes())
    before = snapshot(tmp_path)
    for args in (["report", str(tmp_path / "report.json"), "--out", str(tmp_path / "site")],
                 ["report", str(tmp_path / "report.json"), "--format", "md"],
                 ["compare", str(scored / "report.json"), str(tmp_path / "report.json")]):
        stderr = refused(RUNNER.invoke(app, args))
        assert str(tmp_path / "report.json") in stderr
    assert snapshot(tmp_path) == before
