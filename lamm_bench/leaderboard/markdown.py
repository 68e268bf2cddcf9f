"""The leaderboard as a Markdown table, laid out like LAMM's README: one row per benchmark metric, one
column per model; the best measured value of each row in bold, 95% intervals in brackets."""

from __future__ import annotations

from collections.abc import Sequence

from lamm_bench.leaderboard.board import build_board, format_ci, format_value, leaderboard_columns
from lamm_bench.leaderboard.reported import ReportedModel
from lamm_bench.leaderboard.runs import Run

_MARKDOWN_PUNCTUATION = frozenset("\\`*[]|~")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_cell(text: str) -> str:
    """Text that a Markdown table cell shows literally: ``&<>`` become entities (no HTML gets through),
    the punctuation that makes cells, code, emphasis and links (``\\ | ` * [ ] ~``) is backslash-escaped,
    and line breaks and other control characters become spaces (a table row is one line)."""
    out = []
    for char in text:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _MARKDOWN_PUNCTUATION:
            out.append("\\" + char)
        elif char.isspace() or ord(char) < 32 or 0x7F <= ord(char) < 0xA0 or char in "\u2028\u2029":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def render_markdown(runs: Sequence[Run], *, references: Sequence[ReportedModel] = ()) -> str:
    """Markdown text: a table, then a legend line."""
    board = build_board(runs, leaderboard_columns(runs), references)
    header = ["benchmark", "metric", *(escape_cell(row.name) for row in board.rows)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---", "---"] + ["---:"] * len(board.rows)) + "|"]
    for column in board.columns:
        cells = []
        for i, row in enumerate(board.rows):
            cell = row.cells[column]
            text = format_value(cell)
            if board.is_best(i, column):
                text = f"**{text}**"
            ci = format_ci(cell)
            cells.append(f"{text} {ci}" if ci else text)
        lines.append(f"| {escape_cell(column.benchmark)} | {escape_cell(column.label)} | " + " | ".join(cells) + " |")
    lines += ["", "Units: percent for accuracies and rates (LAMM rows: the original LAMM evaluator's numbers as it "
              "prints them; honest metrics: fractions ×100), Counting MAE/RMSE in objects, CIDEr-D ×100 (not a "
              "percentage). 95% bootstrap intervals in brackets; bold: best measured value (↓: lower is better; never "
              "on MAE/RMSE when fewer than half of a model's counting answers could be read). accuracy_synonym is "
              "LAMM's WordNet rule over all items: it rejects some correct spellings (\"tennis court\" for "
              "tenniscourt), so it can be below accuracy_exact." + (" Columns marked (reported) are published "
                                                                    "numbers, not measured." if references else "")]
    return "\n".join(lines) + "\n"
