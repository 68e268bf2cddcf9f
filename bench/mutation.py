"""Mutation bench: generate small faults in the scoring and data-safety code, run the relevant tests on each,
and report how many the tests catch (the kill rate) and which survive.

    python bench/mutation.py                      # every mutant (long: see docs/testing.md)
    python bench/mutation.py --max-mutants 60     # a seeded random sample, for a quick estimate
    python bench/mutation.py --modules lamm_data/atomic.py --list   # show the mutants, run nothing
    python bench/mutation.py --max-mutants 300 --seed 2026 --jobs 2 --json sample.json   # two at a time

Mutants are generated from the AST of the current source (never from line numbers or copied snippets), one
operator application at a time: comparison flips and boundary changes (``<`` <-> ``<=``, ``==`` <-> ``!=``,
``in`` <-> ``not in``, ``is`` <-> ``is not``), ``x += y`` -> ``x = y``, arithmetic operator swaps, numeric
constants +1 / -1, ``True`` <-> ``False``, ``and`` <-> ``or``, removed ``not``, ``return value`` ->
``return None`` and removed call statements. Docstrings, type annotations and logging are not mutated. Each
mutant has a stable id (file, function, the node's source before and after, occurrence) so the list of
equivalent mutants (``bench/mutation_equivalent.json``, explained in docs/testing.md) survives refactors.

The source tree is copied to a temporary folder first; mutants are written there only, one at a time, and
the copy is restored after each run, so the working tree is never touched. The test files mapped to the
mutated modules (``TARGETS``) run once on the unmutated copy (they must pass) while every call into the mutated
files is recorded; each mutant then runs only the tests that reach its function (``pytest -x -q`` in a process
forked from this one, with a timeout of 2x their own time + 30 s, retried once with twice that). A mutant is killed when
they fail or time out; it survives when they pass or when no mapped test reaches it. ``--jobs N`` makes N copies
of the tree and runs N mutants at a time, one per copy (each run gets its own ``--basetemp``); the results, and
their order, are those of ``--jobs 1``.

A bench script, not a CI step: it prints its numbers and the survivors.
"""

from __future__ import annotations

import argparse
import ast
import copy
import fnmatch
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = Path(__file__).with_name("mutation_equivalent.json")

_SCORING_TESTS = ("tests/lamm_bench/test_metrics.py", "tests/lamm_bench/test_lamm_protocol.py",
                  "tests/lamm_bench/test_lamm_iou_3d.py", "tests/lamm_bench/test_boundaries.py",
                  "tests/lamm_bench/test_denominators.py", "tests/lamm_bench/test_estimators.py",
                  "tests/lamm_bench/test_iou_honest.py", "tests/lamm_bench/test_diagnostics_records.py",
                  "tests/lamm_bench/test_score_cli.py", "tests/lamm_bench/test_scorer_paths.py",
                  "tests/lamm_bench/test_diagnostics_fields.py")
_PARSING_TESTS = ("tests/lamm_bench/test_parsing_honest.py", "tests/lamm_bench/test_parsing_lamm.py",
                  "tests/lamm_bench/test_parsing_words_numbers.py",
                  *_SCORING_TESTS)
_LEADERBOARD_TESTS = ("tests/lamm_bench/leaderboard/test_leaderboard_answer_markup.py",
                      "tests/lamm_bench/leaderboard/test_leaderboard_escaping.py",
                      "tests/hostile/test_report_inputs.py",
                      "tests/lamm_bench/leaderboard/test_leaderboard_render.py",
                      "tests/lamm_bench/leaderboard/test_leaderboard_inputs.py")

TARGETS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    # (source glob, test files run for its mutants, only functions that escape text)
    ("lamm_bench/metrics/captions.py", ("tests/lamm_bench/test_metrics.py", "tests/lamm_bench/test_denominators.py",
                                        "tests/lamm_bench/text/test_text_caption.py"), False),
    ("lamm_bench/metrics/bootstrap.py", (*_SCORING_TESTS, "tests/lamm_bench/test_score_seed.py",
                                         "tests/lamm_bench/test_bootstrap_reference.py"), False),
    ("lamm_bench/metrics/*.py", _SCORING_TESTS, False),
    ("lamm_bench/lamm_protocol/*.py", _SCORING_TESTS, False),
    ("lamm_bench/scorers/*.py", _SCORING_TESTS, False),
    ("lamm_bench/parsing/*.py", _PARSING_TESTS, False),
    ("lamm_data/atomic.py", ("tests/lamm_data/test_atomic.py", "tests/lamm_data/test_convert_atomic.py",
                             "tests/lamm_bench/test_outputs_atomic.py"), False),
    ("lamm_data/provenance.py", ("tests/lamm_data/test_provenance.py", "tests/lamm_data/test_convert_atomic.py",
                                 "tests/lamm_data/test_load.py",
                                 "tests/lamm_data/test_convert.py"), False),
    ("lamm_data/schemas.py", ("tests/lamm_data/test_schemas.py", "tests/lamm_data/test_schema_edges.py",
                              "tests/lamm_data/test_validate_cli.py"), False),
    ("lamm_bench/leaderboard/*.py", _LEADERBOARD_TESTS, True),
)
"""Which sources are mutated and which tests judge them (first matching glob wins). ``True``: only the escaping
is mutated (every call of an escaping function is replaced by its argument; the bodies of the escaping functions
get every operator)."""

_COPIED = ("lamm_bench", "lamm_data", "lamm_model", "tests", "bench", "tools", "pyproject.toml")
_SWAP_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_SWAP_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
             ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd,
             ast.MatMult: ast.Mult}
_SKIPPED_CALLS = {"warn", "debug", "info", "warning", "print", "simplefilter"}
_ESCAPING = ("escape", "text", "escape_cell", "_escape", "_json")
"""Functions that make text safe for HTML or Markdown (``html.escape`` and the leaderboard's own)."""


@dataclass(frozen=True)
class Mutant:
    """One fault: where (file, function, line), what (before -> after), and its stable id."""

    path: str
    function: str
    line: int
    before: str
    after: str
    occurrence: int
    index: int  # position among the mutation points of the file (used to re-create it)
    in_function: bool = True  # False: module or class body (runs at import: every test of the file judges it)

    @property
    def id(self) -> str:
        suffix = f" #{self.occurrence}" if self.occurrence else ""
        return f"{self.path}::{self.function}::{self.before} -> {self.after}{suffix}"


def _is_docstring(node: ast.AST, parent: ast.AST | None) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            and parent is not None and getattr(parent, "body", [None])[0] is node)


def _is_escape_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords
            and (getattr(node.func, "id", None) in _ESCAPING or getattr(node.func, "attr", None) in _ESCAPING))


class _Points(ast.NodeVisitor):
    """Collects mutation points ``(node, field path, replacement factory, function, description)`` in order."""

    def __init__(self, only_escaping: bool) -> None:
        self.only_escaping = only_escaping
        self.points: list[tuple[ast.AST, str, object, str, bool]] = []
        self._scope: list[str] = []
        self._in_function = [False]
        self._active = [not only_escaping]

    # scopes ---------------------------------------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._scope.append(node.name)
        # a cached function runs once per process, for whichever test calls it first: judge its mutants by every
        # test that reaches the file, as for module-level code
        cached = any("cache" in ast.unparse(d) for d in node.decorator_list)
        self._in_function.append(not cached)
        self._active.append(self._active[-1] or (self.only_escaping and node.name in _ESCAPING))
        for stmt in node.body:
            if not _is_docstring(stmt, node):
                self.visit(stmt)
        for default in (*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]):
            self.visit(default)
        self._active.pop()
        self._in_function.pop()
        self._scope.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scope.append(node.name)
        self._in_function.append(False)
        for stmt in node.body:
            if not _is_docstring(stmt, node):
                self.visit(stmt)
        self._in_function.pop()
        self._scope.pop()

    def visit_Module(self, node: ast.Module) -> None:
        for stmt in node.body:
            if _is_docstring(stmt, node) or isinstance(stmt, ast.ImportFrom | ast.Import):
                continue
            if isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test):
                continue
            self.visit(stmt)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:  # never the annotation
        if node.value is not None:
            self.visit(node.value)

    def visit_arg(self, node: ast.arg) -> None:
        return

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:  # the values in an f-string, not its text or format
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value.value)

    # operators ----------------------------------------------------------------------------------------
    def _add(self, node: ast.AST, kind: str, payload: object = None) -> None:
        if self._active[-1]:
            self.points.append((node, kind, payload, ".".join(self._scope) or "<module>", self._in_function[-1]))

    def visit_Call(self, node: ast.Call) -> None:
        if self.only_escaping and _is_escape_call(node):
            self.points.append((node, "unescape", None, ".".join(self._scope) or "<module>", self._in_function[-1]))
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for k, op in enumerate(node.ops):
            if type(op) in _SWAP_CMP:
                self._add(node, "compare", k)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        text = any(isinstance(side, ast.JoinedStr) or (isinstance(side, ast.Constant) and isinstance(side.value, str))
                   for side in (node.left, node.right))
        if type(node.op) in _SWAP_BIN and not text:  # not string concatenation or "%" formatting
            self._add(node, "binop")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._add(node, "augassign")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self._add(node, "bool")
        elif isinstance(node.value, int | float) and not isinstance(node.value, complex):
            self._add(node, "const", 1)
            self._add(node, "const", -1)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self._add(node, "boolop")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._add(node, "not")
        elif isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            return  # -1 is a constant: its +-1 variants come from the operand
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self._add(node, "return")
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if isinstance(call, ast.Call):
            name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
            if name not in _SKIPPED_CALLS:
                self._add(node, "call")
        self.generic_visit(node)


def _mutate(node: ast.AST, kind: str, payload: object) -> ast.AST:
    """A mutated copy of ``node``."""
    new = copy.deepcopy(node)
    if kind == "compare":
        new.ops[payload] = _SWAP_CMP[type(new.ops[payload])]()
    elif kind == "binop":
        new.op = _SWAP_BIN.get(type(new.op), ast.Sub)()
    elif kind == "augassign":
        new = ast.Assign(targets=[new.target], value=new.value, lineno=node.lineno)
    elif kind == "bool":
        new.value = not new.value
    elif kind == "const":
        new.value = new.value + payload
    elif kind == "boolop":
        new.op = ast.Or() if isinstance(new.op, ast.And) else ast.And()
    elif kind == "not":
        new = new.operand
    elif kind == "return":
        new.value = ast.Constant(None)
    elif kind == "call":
        new = ast.Pass()
    elif kind == "unescape":
        new = new.args[0]
    return ast.copy_location(new, node)


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST) -> None:
        self.target, self.replacement = target, replacement

    def visit(self, node: ast.AST) -> ast.AST:
        if node is self.target:
            return self.replacement
        return super().visit(node)


def _target_for(path: str) -> tuple[tuple[str, ...], bool] | None:
    for pattern, tests, escaping in TARGETS:
        if fnmatch.fnmatch(path, pattern):
            return tests, escaping
    return None


def source_files(modules: list[str] | None) -> list[str]:
    found = []
    for pattern, _, _ in TARGETS:
        for p in sorted(REPO.glob(pattern)):
            rel = p.relative_to(REPO).as_posix()
            if rel not in found:
                found.append(rel)
    if modules:
        found = [f for f in found if any(f == m or f.startswith(m.rstrip("/") + "/") or fnmatch.fnmatch(f, m)
                                         for m in modules)]
    return found


def _points(text: str, path: str) -> tuple[ast.Module, list[tuple[ast.AST, str, object, str, bool]]]:
    tree = ast.parse(text)
    collector = _Points(only_escaping=_target_for(path)[1])  # type: ignore[index]
    collector.visit(tree)
    return tree, collector.points


def generate(path: str, root: Path = REPO) -> Iterator[Mutant]:
    """Every mutant of one file (``path`` relative to ``root``); :func:`mutant_source` makes its source."""
    _, points = _points((root / path).read_text(encoding="utf-8"), path)
    seen: dict[str, int] = {}
    for index, (node, kind, payload, function, in_function) in enumerate(points):
        replacement = _mutate(node, kind, payload)
        before = " ".join(ast.unparse(node).split())
        after = " ".join(ast.unparse(replacement).split()) if not isinstance(replacement, ast.Pass) else "pass"
        if before == after:
            continue
        key = f"{function}::{before} -> {after}"
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        yield Mutant(path, function, getattr(node, "lineno", 0), before, after, occurrence, index, in_function)


def mutant_source(mutant: Mutant, root: Path, text: str | None = None) -> str:
    """The mutated module's source (raises ``SyntaxError`` if the mutant does not compile); ``text``: the
    unmutated source of ``mutant.path`` (default: read from ``root``)."""
    if text is None:
        text = (root / mutant.path).read_text(encoding="utf-8")
    tree, points = _points(text, mutant.path)
    node, kind, payload, _, _ = points[mutant.index]
    mutated = _Replace(node, _mutate(node, kind, payload)).visit(tree)
    ast.fix_missing_locations(mutated)
    source = ast.unparse(mutated)
    compile(source, mutant.path, "exec")
    return source


def _twin(old: ast.AST, new: ast.AST, node: ast.AST) -> ast.AST:
    for a, b in zip(ast.walk(old), ast.walk(new), strict=True):
        if a is node:
            return b
    raise LookupError("node not found")


def _copy_tree(dest: Path) -> None:
    for name in _COPIED:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".venv"))
        elif src.exists():
            shutil.copy2(src, dest / name)


_PREWARM = ("numpy", "pydantic", "pyarrow", "pyarrow.compute", "PIL.Image", "typer", "rich.console", "pytest",
            "pycocotools.mask", "pycocotools.coco", "pycocotools.cocoeval", "nltk.translate.bleu_score",
            "hypothesis", "anyio.pytest_plugin", "platformdirs", "tomllib", "pdb", "pandas", "datasets")
"""Third-party modules imported once by the runner, so that each forked test run starts without importing them
(the project's own modules are never imported here: each run imports them fresh from the mutated copy). With
them the fixed cost of one forked run of one quick test fell from 0.87 s to 0.30 s (hypothesis, the pytest plugins
pytest loads through entry points and pdb, which ``_pytest`` imports, were most of it)."""


class _Recorder:
    """pytest plugin: which functions of the mutated files each test calls (``sys.setprofile``), and its time.

    Calls made while a test's fixtures are set up count for every test of that test file (module and session
    fixtures are set up once, for whichever test comes first).
    """

    def __init__(self, work: Path, files: set[str]) -> None:
        self.prefix = str(work) + os.sep
        self.files = files
        self.calls: dict[str, set[str]] = {}  # test node id -> {"path::function"}
        self.setup: dict[str, set[str]] = {}  # test file -> functions called by fixtures
        self.seconds: dict[str, float] = {}
        self.file_of: dict[str, str] = {}  # test node id -> its test file
        self._into: set[str] = set()
        self._setup_cm = self._call_cm = None
        self._start = 0.0

    def _profile(self, frame, event, arg) -> None:
        if event != "call":
            return
        name = frame.f_code.co_filename
        if name.startswith(self.prefix):
            rel = name[len(self.prefix):]
            if rel in self.files:
                self._into.add(f"{rel}::{frame.f_code.co_qualname.replace('.<locals>', '')}")

    def _phase(self, into: set[str]):
        import contextlib

        @contextlib.contextmanager
        def watch():
            self._into = into
            sys.setprofile(self._profile)
            try:
                yield
            finally:
                sys.setprofile(None)
        return watch()

    def pytest_runtest_setup(self, item) -> None:
        self._setup_cm = self._phase(self.setup.setdefault(str(item.path), set()))
        self._setup_cm.__enter__()
        self._start = time.monotonic()

    def pytest_runtest_call(self, item) -> None:
        self._setup_cm.__exit__(None, None, None)
        self._call_cm = self._phase(self.calls.setdefault(item.nodeid, set()))
        self._call_cm.__enter__()

    def pytest_runtest_teardown(self, item) -> None:
        if self._call_cm is not None:
            self._call_cm.__exit__(None, None, None)
            self._call_cm = None
        else:
            self._setup_cm.__exit__(None, None, None)
        self.seconds[item.nodeid] = time.monotonic() - self._start
        self.file_of[item.nodeid] = str(item.path)

    def coverage(self) -> dict[str, list[str]]:
        """Function -> test node ids that call it (directly, or through their test file's fixtures)."""
        out: dict[str, set[str]] = {}
        for nodeid, path in self.file_of.items():
            for f in self.calls.get(nodeid, set()) | self.setup.get(path, set()):
                out.setdefault(f, set()).add(nodeid)
        return {f: sorted(n) for f, n in out.items()}


def _pytest_args(tests: list[str], basetemp: Path) -> list[str]:
    return ["-x", "-q", "-p", "no:cacheprovider", "--no-header", "-p", "no:randomly", f"--basetemp={basetemp}",
            *tests]


def _fork(work: Path, run) -> int:
    """Run ``run()`` in a forked child (quiet, in the copy, the copy first on ``sys.path``); returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    try:
        os.setsid()
        null = os.open(os.environ.get("LAMM_MUTATION_LOG", os.devnull), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.chdir(work)
        sys.dont_write_bytecode = True
        os.environ["PYTHONPATH"] = str(work)
        sys.path.insert(0, str(work))
        os._exit(int(run()))
    except BaseException:
        os._exit(99)


def _poll(pid: int) -> str | None:
    """``survived`` / ``killed`` once the child has ended, else None."""
    done, status = os.waitpid(pid, os.WNOHANG)
    if not done:
        return None
    return "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"


def _stop(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _record(work: Path, files: set[str], tests: list[str], out: Path, basetemp: Path) -> bool:
    """Run ``tests`` once on the unmutated copy, recording which functions each one calls (into ``out``)."""
    import pytest

    def run() -> int:
        recorder = _Recorder(work, files)
        code = pytest.main(_pytest_args(tests, basetemp), plugins=[recorder])
        out.write_text(json.dumps({"coverage": recorder.coverage(), "seconds": recorder.seconds}))
        return int(code)

    pid = _fork(work, run)
    start = time.monotonic()
    while (outcome := _poll(pid)) is None:
        if time.monotonic() - start > 3600:
            _stop(pid)
            return False
        time.sleep(0.05)
    return outcome == "survived"


@dataclass
class _Copy:
    """One work copy of the tree and the temporary folder of the test runs in it."""

    tree: Path
    basetemp: Path


@dataclass
class _Run:
    """A mutant's tests running in one work copy."""

    index: int
    copy: _Copy
    tests: list[str]
    limit: float  # seconds
    original: str  # the unmutated source, written back when the run ends
    pid: int = 0
    start: float = 0.0
    retried: bool = False


def _tests_for(m: Mutant, coverage: dict[str, list[str]], durations: dict[str, float]) -> list[str]:
    """The mapped tests that reach the mutant's function (module or class body: every test reaching the file),
    quickest first."""
    mapped = set(_target_for(m.path)[0])  # type: ignore[index]
    if not m.in_function:
        tests = sorted({t for f, ts in coverage.items() if f.startswith(m.path + "::") for t in ts})
    else:
        tests = coverage.get(f"{m.path}::{m.function}", [])
    return sorted((t for t in tests if t.split("::")[0] in mapped), key=lambda t: durations.get(t, 0.0))


def run_mutants(mutants: list[Mutant], copies: list[_Copy], originals: dict[str, str],
                coverage: dict[str, list[str]], durations: dict[str, float],
                equivalent: dict[str, str]) -> list[dict]:
    """Run every mutant, up to ``len(copies)`` at a time (each in its own copy of the tree, a forked pytest
    each); returns one result per mutant, in the order of ``mutants`` whatever the order they end in."""
    import pytest

    results: list[dict | None] = [None] * len(mutants)
    pending = list(range(len(mutants)))[::-1]
    free = list(copies)[::-1]
    running: list[_Run] = []
    done = 0

    def finish(i: int, outcome: str, seconds: float, tests: int) -> None:
        nonlocal done
        m = mutants[i]
        if outcome in ("survived", "uncovered") and m.id in equivalent:
            outcome = "equivalent"
        results[i] = {"id": m.id, "path": m.path, "line": m.line, "outcome": outcome, "seconds": seconds,
                      "tests": tests}
        done += 1
        print(f"[{done}/{len(mutants)}] {outcome:10} {m.path}:{m.line} {m.function}: {m.before} -> {m.after}"
              f"{f' #{m.occurrence}' if m.occurrence else ''} ({tests} tests, {seconds:.1f} s)", flush=True)

    def launch(run: _Run) -> None:
        run.start = time.monotonic()
        run.pid = _fork(run.copy.tree, lambda: pytest.main(_pytest_args(run.tests, run.copy.basetemp)))
        running.append(run)

    try:
        while pending or running:
            while pending and free:
                i = pending.pop()
                m = mutants[i]
                tests = _tests_for(m, coverage, durations)
                try:
                    source = mutant_source(m, copies[0].tree, originals[m.path])
                except (SyntaxError, ValueError):
                    finish(i, "invalid", 0.0, len(tests))
                    continue
                if not tests:
                    finish(i, "uncovered", 0.0, 0)
                    continue
                copy_ = free.pop()
                (copy_.tree / m.path).write_text(source, encoding="utf-8")
                launch(_Run(i, copy_, tests, 2 * sum(durations.get(t, 1.0) for t in tests) + 30,
                            originals[m.path]))
            for run in list(running):
                outcome = _poll(run.pid)
                seconds = time.monotonic() - run.start
                if outcome is None and seconds > run.limit:
                    _stop(run.pid)
                    outcome = "timeout"
                if outcome is None:
                    continue
                running.remove(run)
                if outcome == "timeout" and not run.retried:  # a loaded machine, or a mutant that loops: again
                    run.retried, run.limit = True, 2 * run.limit
                    launch(run)
                    continue
                (run.copy.tree / mutants[run.index].path).write_text(run.original, encoding="utf-8")
                free.append(run.copy)
                finish(run.index, outcome, seconds, len(run.tests))
            time.sleep(0.02)
    finally:
        for run in running:
            _stop(run.pid)
    return results  # type: ignore[return-value]


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (default 95%); ``(nan, nan)`` for ``n == 0``."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _per_file(results: list[dict]) -> list[tuple[str, int, int, int]]:
    """``(path, killed, non-equivalent, equivalent)`` per mutated file, in path order."""
    rows = []
    for path in sorted({r["path"] for r in results}):
        mine = [r["outcome"] for r in results if r["path"] == path]
        equal = sum(o in ("equivalent", "invalid") for o in mine)
        rows.append((path, sum(o in ("killed", "timeout") for o in mine), len(mine) - equal, equal))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="*", help="source files or folders to mutate (default: all targets)")
    parser.add_argument("--max-mutants", type=int, default=None, help="run a random sample of this many mutants")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument("--jobs", type=int, default=1,
                        help="mutants run at a time, each in its own copy of the tree (results do not depend on it)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--json", type=Path, default=None, help="also write every result to this JSON file")
    parser.add_argument("--rerun", type=Path, default=None,
                        help="run only the mutants that survived in this --json file (after adding tests)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")

    equivalent: dict[str, str] = json.loads(EQUIVALENT_FILE.read_text()) if EQUIVALENT_FILE.exists() else {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill`: stop the runs and remove the copies too
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lamm-mutation-") as tmp:
        copies = [_Copy(Path(tmp) / f"tree{k}", Path(tmp) / f"pytest{k}") for k in range(args.jobs)]
        work = copies[0].tree
        work.mkdir()
        _copy_tree(work)  # first: the mutants and the tests come from one snapshot of the tree
        files = source_files(args.modules)
        originals = {f: (work / f).read_text(encoding="utf-8") for f in files}
        mutants = [m for f in files for m in generate(f, work)]
        total = len(mutants)
        sample = False
        if args.rerun is not None:
            previous = json.loads(args.rerun.read_text())["results"]
            again = {r["id"] for r in previous if r["outcome"] in ("survived", "uncovered")}
            mutants = [m for m in mutants if m.id in again]
            print(f"rerunning {len(mutants)} of the {len(again)} survivors of {args.rerun}", flush=True)
        elif args.max_mutants is not None and args.max_mutants < total:
            sample = True
            mutants = random.Random(args.seed).sample(mutants, args.max_mutants)
            mutants.sort(key=lambda m: (m.path, m.index))
        if args.list:
            for m in mutants:
                print(f"{m.path}:{m.line}: {m.id}")
            print(f"{len(mutants)} of {total} mutants in {len(files)} files")
            return 0
        for extra in copies[1:]:  # the other copies are copies of the first: one snapshot for all
            shutil.copytree(work, extra.tree)

        import importlib

        for name in _PREWARM:
            try:
                importlib.import_module(name)
            except ImportError:  # only a speed-up: a module this environment lacks is imported by no test either
                pass
        assert not [m for m in sys.modules if m.split(".")[0] in ("lamm_bench", "lamm_data", "lamm_model")]
        mutated = {m.path for m in mutants}
        selection = sorted({t for f in mutated for t in _target_for(f)[0]  # type: ignore[index]
                            if (work / t).exists()})  # a mapped file that is gone (renamed) is skipped
        recorded = Path(tmp) / "coverage.json"
        if not _record(work, mutated, selection, recorded, copies[0].basetemp):
            print(f"the unmutated tests fail: {' '.join(selection)}", file=sys.stderr)
            return 2
        data = json.loads(recorded.read_text())
        coverage, durations = data["coverage"], data["seconds"]
        print(f"unmutated: {len(durations)} tests pass in {sum(durations.values()):.0f} s "
              f"({time.monotonic() - start:.0f} s with call recording); {args.jobs} at a time", flush=True)
        results = run_mutants(mutants, copies, originals, coverage, durations, equivalent)
    elapsed = time.monotonic() - start
    counts = {k: sum(r["outcome"] == k for r in results)
              for k in ("killed", "timeout", "survived", "uncovered", "equivalent", "invalid")}
    judged = len(results) - counts["equivalent"] - counts["invalid"]
    killed = counts["killed"] + counts["timeout"]
    rate = killed / judged if judged else float("nan")
    low, high = wilson(killed, judged)
    print()
    print(f"mutants generated: {total} in {len(files)} files; run: {len(results)}"
          + (f" (sample of {args.max_mutants}, seed {args.seed})" if sample else ""))
    print(f"killed: {killed} ({counts['timeout']} by timeout); survived: {counts['survived']} "
          f"(+ {counts['uncovered']} that no mapped test reaches); equivalent (bench/mutation_equivalent.json): "
          f"{counts['equivalent']}; not compiling: {counts['invalid']}")
    print(f"kill rate (killed / non-equivalent): {killed}/{judged} = {rate:.1%}"
          + (f" (95% Wilson interval {low:.1%} to {high:.1%} for all {total} mutants)" if sample else "")
          + f"; runtime {elapsed / 60:.1f} min, {args.jobs} at a time")
    if len({r["path"] for r in results}) > 1:
        print("\nper file (killed / non-equivalent, equivalent):")
        for path, kill, judge, equal in _per_file(results):
            print(f"  {path:45} {kill:4}/{judge:<4} {kill / judge if judge else float('nan'):6.1%}  {equal:3}")
    survivors = [r for r in results if r["outcome"] in ("survived", "uncovered")]
    if survivors:
        print("\nsurvivors:")
        for r in survivors:
            print(f"  {r['path']}:{r['line']}: {r['id']}{' (not reached)' if r['outcome'] == 'uncovered' else ''}")
    if args.json is not None:
        summary = {"total": total, "counts": counts, "rate": rate, "seconds": elapsed, "jobs": args.jobs}
        if sample:
            summary.update(sample=args.max_mutants, seed=args.seed, wilson95=[low, high])
        args.json.write_text(json.dumps({**summary, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
