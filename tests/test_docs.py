"""The documentation runs and is current: examples execute, generated pages match the code, commands and
links in the pages work, and every metric of a report has its section in docs/metrics.md."""

from __future__ import annotations

import importlib.util
import re
import runpy
import shlex
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from lamm_bench.cli import app as bench_app
from lamm_bench.predictions import read_predictions
from lamm_bench.scoring import score
from lamm_data.cli import app as data_app
from lamm_data.sample import BASELINE_ANSWERS, write_sample

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("*.py"))
EXPECTED_OUTPUT = {
    "sample_and_validate.py": ["Detection_VOC2012", "VG_ScanRefer", "0 invalid file(s)"],
    "score_baseline.py": ["VQA_AI2D                               n=3  LAMM: Acc 66.7", "report: "],
    "load_split.py": ["Detection_VOC2012: 3 rows", "horse    box [0.104, 0.218, 0.944, 0.928]",
                      "first point cloud 2048 points x 6 columns"],
    "html_report.py": ["| benchmark | metric | baseline | refusing | LAMM · paper-v1 (reported) |", "open file://"],
}


def gen_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", REPO / "tools" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_pages_are_current() -> None:
    stale = gen_docs().stale_pages(REPO)
    assert stale == [], f"stale generated docs {stale}: run python tools/gen_docs.py and commit the result"


def test_every_example_has_expected_output() -> None:
    assert [p.name for p in EXAMPLES] == sorted(EXPECTED_OUTPUT)


@pytest.mark.integration
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [str(example), str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(example), run_name="__main__")
    output = capsys.readouterr().out
    assert exit_info.value.code == 0, output
    for expected in EXPECTED_OUTPUT[example.name]:
        assert expected in output
    if example.name == "html_report.py":
        page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
        assert page.count('<tr class="measured"') >= 2 and "<svg" in page


def _blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, re.S)


def test_index_quickstart_is_the_readme_commands() -> None:
    readme = _blocks((REPO / "README.md").read_text(encoding="utf-8"))[0]
    assert readme in (DOCS / "index.md").read_text(encoding="utf-8")


@pytest.mark.integration
def test_index_leaderboard_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    apps = {"lamm-data": data_app, "lamm-bench": bench_app}
    block = next(b for b in _blocks((DOCS / "index.md").read_text(encoding="utf-8")) if "lamm-bench report" in b)
    commands = [line.split("#")[0] for line in block.splitlines() if line.split("#")[0].strip()]
    runner = CliRunner()
    for command in ["lamm-data sample lamm-sample --force", *commands]:
        program, *args = shlex.split(command)
        result = runner.invoke(apps[program], args)
        assert result.exit_code == 0, f"{command}: {result.output}"
    assert (tmp_path / "site" / "index.html").is_file()


def test_relative_links_resolve() -> None:
    pages = [REPO / "README.md", *DOCS.glob("*.md")]
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+://", target):
                assert (page.parent / target).exists(), f"{page.relative_to(REPO)}: broken link {target}"


def _documented(name: str, headings: str) -> bool:
    """A metric is documented when a heading names it, literally or in its family's notation."""
    forms = {name, re.sub(r"@0\.\d+", "@τ", name), re.sub(r"/.*", "/<joint>", name),
             re.sub(r"BLEU-\d", "BLEU-1..4", name)}
    base = name.removesuffix("_agnostic")
    forms.add(re.sub(r"@0\.\d+", "@τ", base) if "@" in base else base)
    return any(f in headings for f in forms) and (not name.endswith("_agnostic") or "agnostic" in headings
                                                   or "without class" in headings)


@pytest.mark.integration
def test_metrics_doc_has_a_section_per_metric(tmp_path: Path) -> None:
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    lamm_part, honest_part = text.split("## 2.")[0], text.split("## 2.")[1].split("## 3.")[0]
    root = write_sample(tmp_path / "root")
    report = score(read_predictions(root / BASELINE_ANSWERS), root, resamples=0).report
    for benchmark, result in report.results.items():
        lamm_headings = "\n".join(h for h in re.findall(r"^### (.*)$", lamm_part, re.M) if benchmark in h
                                  or benchmark.split("_", 1)[-1] in h)
        for name in result.lamm:
            assert f"`{name}`" in lamm_headings, f"{benchmark}: LAMM metric {name} has no section"
        honest_headings = "\n".join(re.findall(r"^### (.*)$", honest_part, re.M))
        for name in result.metrics:
            assert _documented(name, honest_headings), f"{benchmark}: metric {name} has no section"
    for section in re.split(r"\n(?=### )", honest_part)[1:]:
        heading = section.splitlines()[0]
        assert "Reference" in section, f"metrics.md: {heading}: no reference"
        assert "LAMM" in section, f"metrics.md: {heading}: does not say how it differs from LAMM"


@pytest.mark.parametrize("prog", ["lamm-data", "lamm-bench", "lamm-model"])
def test_help_usage_lines_are_the_ones_in_cli_md(prog: str, capsys: pytest.CaptureFixture[str]) -> None:
    """What `PROG COMMAND --help` prints after `Usage:` (through the console script's own command) is the usage
    block of docs/cli.md, for every command."""
    import importlib

    from lamm_data.console import plain_command

    module = importlib.import_module({"lamm-data": "lamm_data.cli", "lamm-bench": "lamm_bench.cli",
                                      "lamm-model": "lamm_model.cli"}[prog])
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    documented = re.findall(rf"```\n({re.escape(prog)} [^\n]*)\n```", page)
    group = plain_command(module.app)
    printed = []
    for name in group.commands:
        group.main(args=[name, "--help"], prog_name=prog, standalone_mode=False)
        usage = capsys.readouterr().out.splitlines()[0]
        assert usage.startswith("Usage: ")
        assert "{" not in usage and "<" not in usage
        printed.append(usage.removeprefix("Usage: "))
    assert printed == documented
