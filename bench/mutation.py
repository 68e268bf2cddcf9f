"""Mutation bench: generate small faults in the scoring and data-safety code, run the relevant tests on each,
and report how many the tests catch (the kill rate) and which survive.

    python bench/mutation.py                      # every mutant (long: see docs/testing.md)
    python bench/mutation.py --max-mutants 60     # a seeded random sample, for a quick estimate
    python bench/mutation.py --modules lamm_data/atomic.py --list   # show the mutants, run nothing

Mutants are generated from the AST of the current source (never from line numbers or copied snippets), one
operator application at a time: comparison flips and boundary changes (``<`` <-> ``<=``, ``==`` <-> ``!=``,
``in`` <-> ``not in``, ``is`` <-> ``is not``), ``x += y`` -> ``x = y``, arithmetic operator swaps, numeric
constants +1 / -1, ``True`` <-> ``False``, ``and`` <-> ``or``, removed ``not``, ``return value`` ->
``return None`` and removed call statements. Docstrings, type annotations and logging are not mutated. Each
mutant has a stable id (file, function, the node's source before and after, occurrence) so the list of
equivalent mutants (``bench/mutation_equivalent.json``, explained in docs/testing.md) survives refactors.

The source tree is copied to a temporary folder first; mutants are written there only, one at a time, and
the copy is restored after each run, so the working tree is never touched. For each mutant only the test files
mapped to its module run (``pytest -x -q``, with a timeout of a few times the unmutated run); a mutant is
killed when they fail or time out. The unmutated copy must pass the same tests first.

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
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = Path(__file__).with_name("mutation_equivalent.json")

_SCORING_TESTS = ("tests/lamm_bench/test_metrics.py", "tests/lamm_bench/test_lamm_protocol.py",
                  "tests/lamm_bench/test_boundaries.py", "tests/lamm_bench/test_denominators.py")
_PARSING_TESTS = ("tests/lamm_bench/test_parsing_honest.py", "tests/lamm_bench/test_parsing_lamm.py",
                  *_SCORING_TESTS)
_LEADERBOARD_TESTS = ("tests/lamm_bench/leaderboard/test_leaderboard_answer_markup.py",
                      "tests/lamm_bench/leaderboard/test_leaderboard_render.py",
                      "tests/lamm_bench/leaderboard/test_leaderboard_inputs.py")

TARGETS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    # (source glob, test files run for its mutants, only functions that escape text)
    ("lamm_bench/metrics/captions.py", ("tests/lamm_bench/test_metrics.py", "tests/lamm_bench/test_denominators.py",
                                        "tests/lamm_bench/text/test_text_caption.py"), False),
    ("lamm_bench/metrics/bootstrap.py", (*_SCORING_TESTS, "tests/lamm_bench/test_score_seed.py"), False),
    ("lamm_bench/metrics/*.py", _SCORING_TESTS, False),
    ("lamm_bench/lamm_protocol/*.py", _SCORING_TESTS, False),
    ("lamm_bench/scorers/*.py", _SCORING_TESTS, False),
    ("lamm_bench/parsing/*.py", _PARSING_TESTS, False),
    ("lamm_data/atomic.py", ("tests/lamm_data/test_atomic.py", "tests/lamm_data/test_convert_atomic.py"), False),
    ("lamm_data/provenance.py", ("tests/lamm_data/test_convert_atomic.py", "tests/lamm_data/test_load.py",
                                 "tests/lamm_data/test_convert.py"), False),
    ("lamm_data/schemas.py", ("tests/lamm_data/test_schemas.py", "tests/lamm_data/test_validate_cli.py"), False),
    ("lamm_bench/leaderboard/*.py", _LEADERBOARD_TESTS, True),
)
"""Which sources are mutated and which tests judge them (first matching glob wins). ``True``: only the escaping
is mutated (every call of an escaping function is replaced by its argument; the bodies of the escaping functions
get every operator)."""

_COPIED = ("lamm_bench", "lamm_data", "lamm_model", "tests", "pyproject.toml")
_SWAP_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_SWAP_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
             ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd,
             ast.MatMult: ast.Mult}
_SKIPPED_CALLS = {"warn", "debug", "info", "warning", "print", "simplefilter"}
_ESCAPING = ("escape", "_escape", "_json")
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
        self.points: list[tuple[ast.AST, str, object, str]] = []
        self._scope: list[str] = []
        self._active = [not only_escaping]

    # scopes ---------------------------------------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._scope.append(node.name)
        self._active.append(self._active[-1] or (self.only_escaping and node.name in _ESCAPING))
        for stmt in node.body:
            if not _is_docstring(stmt, node):
                self.visit(stmt)
        for default in (*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]):
            self.visit(default)
        self._active.pop()
        self._scope.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scope.append(node.name)
        for stmt in node.body:
            if not _is_docstring(stmt, node):
                self.visit(stmt)
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
            self.points.append((node, kind, payload, ".".join(self._scope) or "<module>"))

    def visit_Call(self, node: ast.Call) -> None:
        if self.only_escaping and _is_escape_call(node):
            self.points.append((node, "unescape", None, ".".join(self._scope) or "<module>"))
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for k, op in enumerate(node.ops):
            if type(op) in _SWAP_CMP:
                self._add(node, "compare", k)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) in _SWAP_BIN and not isinstance(node.left, ast.Constant | ast.JoinedStr) \
                or type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div):
            if not (isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant)):  # "%" formatting
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


def generate(path: str) -> Iterator[tuple[Mutant, str]]:
    """Every mutant of one file, with the mutated module's source."""
    text = (REPO / path).read_text(encoding="utf-8")
    tests, escaping = _target_for(path)  # type: ignore[misc]
    tree = ast.parse(text)
    collector = _Points(only_escaping=escaping)
    collector.visit(tree)
    seen: dict[str, int] = {}
    for index, (node, kind, payload, function) in enumerate(collector.points):
        replacement = _mutate(node, kind, payload)
        before = " ".join(ast.unparse(node).split())
        after = " ".join(ast.unparse(replacement).split()) if not isinstance(replacement, ast.Pass) else "pass"
        if before == after:
            continue
        new_tree = ast.parse(text)  # a fresh tree per mutant; the same node is found by walking both in order
        twin = _twin(tree, new_tree, node)
        mutated = _Replace(twin, ast.copy_location(_mutate(twin, kind, payload), twin)).visit(new_tree)
        ast.fix_missing_locations(mutated)
        try:
            source = ast.unparse(mutated)
            compile(source, path, "exec")
        except (SyntaxError, ValueError):
            continue
        key = f"{function}::{before} -> {after}"
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        yield Mutant(path, function, getattr(node, "lineno", 0), before, after, occurrence, index), source


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


def _run_tests(work: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    """``killed`` / ``survived`` / ``timeout`` and the seconds taken."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(work)}
    start = time.monotonic()
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o",
           "addopts=", "-W", "ignore::pytest.PytestUnraisableExceptionWarning", *tests]
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "timeout", time.monotonic() - start
    return ("survived" if code == 0 else "killed"), time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="*", help="source files or folders to mutate (default: all targets)")
    parser.add_argument("--max-mutants", type=int, default=None, help="run a random sample of this many mutants")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--json", type=Path, default=None, help="also write every result to this JSON file")
    args = parser.parse_args(argv)

    equivalent: dict[str, str] = json.loads(EQUIVALENT_FILE.read_text()) if EQUIVALENT_FILE.exists() else {}
    files = source_files(args.modules)
    mutants = [(m, src) for f in files for m, src in generate(f)]
    total = len(mutants)
    if args.max_mutants is not None and args.max_mutants < total:
        mutants = random.Random(args.seed).sample(mutants, args.max_mutants)
        mutants.sort(key=lambda ms: (ms[0].path, ms[0].index))
    if args.list:
        for m, _ in mutants:
            print(f"{m.path}:{m.line}: {m.id}")
        print(f"{len(mutants)} of {total} mutants in {len(files)} files")
        return 0

    start = time.monotonic()
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="lamm-mutation-") as tmp:
        work = Path(tmp)
        _copy_tree(work)
        baseline: dict[tuple[str, ...], float] = {}  # seconds of each test selection on the unmutated copy
        for f in sorted({m.path for m, _ in mutants}):
            tests = _target_for(f)[0]
            if tests in baseline:
                continue
            outcome, seconds = _run_tests(work, tests, timeout=1800)
            if outcome != "survived":
                print(f"the unmutated tests fail for {f}: {' '.join(tests)}", file=sys.stderr)
                return 2
            baseline[tests] = seconds
            print(f"unmutated: {' '.join(tests)} pass in {seconds:.1f} s", flush=True)
        for number, (m, source) in enumerate(mutants, start=1):
            tests = _target_for(m.path)[0]
            target = work / m.path
            original = target.read_text(encoding="utf-8")
            target.write_text(source, encoding="utf-8")
            try:
                outcome, seconds = _run_tests(work, tests, 3 * baseline[tests] + 20)
            finally:
                target.write_text(original, encoding="utf-8")
            if outcome == "survived" and m.id in equivalent:
                outcome = "equivalent"
            results.append({"id": m.id, "path": m.path, "line": m.line, "outcome": outcome, "seconds": seconds})
            print(f"[{number}/{len(mutants)}] {outcome:10} {m.path}:{m.line} {m.function}: {m.before} -> {m.after}",
                  flush=True)
    elapsed = time.monotonic() - start
    counts = {k: sum(r["outcome"] == k for r in results) for k in ("killed", "timeout", "survived", "equivalent")}
    judged = len(results) - counts["equivalent"]
    killed = counts["killed"] + counts["timeout"]
    rate = killed / judged if judged else float("nan")
    print()
    print(f"mutants generated: {total} in {len(files)} files; run: {len(results)}"
          + (f" (sample of {args.max_mutants}, seed {args.seed})" if len(results) < total else ""))
    print(f"killed: {killed} ({counts['timeout']} by timeout); survived: {counts['survived']}; "
          f"equivalent (bench/mutation_equivalent.json): {counts['equivalent']}")
    print(f"kill rate (killed / non-equivalent): {rate:.1%}; runtime {elapsed / 60:.1f} min")
    survivors = [r for r in results if r["outcome"] == "survived"]
    if survivors:
        print("\nsurvivors:")
        for r in survivors:
            print(f"  {r['path']}:{r['line']}: {r['id']}")
    if args.json is not None:
        args.json.write_text(json.dumps({"total": total, "counts": counts, "rate": rate, "seconds": elapsed,
                                         "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
