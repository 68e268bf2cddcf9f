"""LAMM's own parsers, quirks included (lamm-formats.md §8.1, §10.5). Expectations derived by hand from the
original ``src/datasets/utils.py`` semantics."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.parsing import lamm


def reference_parse_num(text: str, opening: str, closing: str) -> list[float]:
    """Character-by-character statement of parse_num's documented rule (the spec the fast version must meet)."""
    inside, buffer, out = False, "", []

    def flush() -> None:
        nonlocal buffer
        try:
            out.append(float(buffer))
        except ValueError:
            return  # not a number: the buffer is kept and keeps growing
        buffer = ""

    for c in text:
        if c == opening:
            inside = True
        elif c == closing:
            inside = False
            flush()
        elif not inside:
            continue
        elif c in ", ":
            flush()
        else:
            buffer += c
    return out


@pytest.mark.parametrize(("text", "expected"), [
    ("[0.1, 0.2, 0.3, 0.4]", [0.1, 0.2, 0.3, 0.4]),
    ("no brackets 0.5", []),
    ("[x1: 0.2, y1: 0.3]", []),  # buffer never cleared: "x1:" poisons everything after it
    ("[a] [0.5]", []),  # ... even across groups
    ("[0.5, 0.6", [0.5]),  # the last number before an unclosed bracket is dropped
    ("[0.5,,0.6]", [0.5, 0.6]),
    ("[[0.1, 0.2]]", [0.1, 0.2]),  # nested opening brackets are ignored
    ("]0.7] [0.8]", [0.8]),  # a stray closing bracket outside a group does nothing
    ("[1e3, inf, -2, 1_0]", [1000.0, math.inf, -2.0, 10.0]),  # whatever float() accepts
    ("[0.1\n0.2]", []),  # only ',' and ' ' separate: "0.1\n0.2" is not a number
    ("[\t0.3 ]", [0.3]),  # float() strips the tab
    ("[in, f]", [math.inf]),  # "in" + "f" = "inf"
    ("[٣, 4]", [3.0, 4.0]),  # Unicode digits
])
def test_bracket_numbers(text: str, expected: list[float]) -> None:
    assert lamm.bracket_numbers(text, "[", "]") == expected
    assert reference_parse_num(text, "[", "]") == expected


def test_bracket_numbers_nan() -> None:
    (value,) = lamm.bracket_numbers("[nan]", "[", "]")
    assert math.isnan(value)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[](), .-e0123456789xinfa\n\t_")), max_size=60))
def test_bracket_numbers_matches_reference(text: str) -> None:
    for opening, closing in (("[", "]"), ("(", ")")):
        got, want = lamm.bracket_numbers(text, opening, closing), reference_parse_num(text, opening, closing)
        assert [repr(v) for v in got] == [repr(v) for v in want]


@pytest.mark.parametrize(("text", "expected"), [
    ("at [0.1, 0.2, 0.3, 0.4]", [[0.1, 0.2, 0.3, 0.4]]),
    ("at [0.3, 0.4, 0.1, 0.2]", [[0.1, 0.2, 0.3, 0.4]]),  # both corners swapped: fixed
    ("at [0.3, 0.2, 0.1, 0.4]", []),  # only x swapped: dropped
    ("at (0.1, 0.2, 0.3, 0.4)", [[0.1, 0.2, 0.3, 0.4]]),  # parentheses too
    ("[0.1, 0.2] and [0.3, 0.4]", [[0.1, 0.2, 0.3, 0.4]]),  # groups are concatenated
    ("[0.1, 0.2, 0.3, 0.4, 0.5] (0.6, 0.7, 0.8)", [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]),  # [] then ()
    ("[0.1, 0.2, 0.3] box 5 6 7 8", [[0.1, 0.2, 0.3, 5.0]]),  # 3 bracketed numbers -> fallback to all numbers
    ("from 1 to -2 and 3.5, 4", [[1.0, 2.0, 3.5, 4.0]]),  # fallback drops signs
    ("[nan, 0.2, 0.3, 0.4]", []),  # NaN fails both ordering tests
    # the rule at its edges: swapped only when x1 > x2 AND y1 > y2 (each corner compared with its own
    # partner), then kept when x1 <= x2 and y1 <= y2 (a zero-width or zero-height box is kept)
    ("[0.3, 0.5, 0.2, 0.4]", [[0.2, 0.4, 0.3, 0.5]]),
    ("[0.9, 0.3, 0.5, 0.2]", [[0.5, 0.2, 0.9, 0.3]]),
    ("[0.6, 0.3, 0.2, 0.3]", []),  # x reversed, y equal: not swapped, dropped
    ("[0.5, 0.7, 0.5, 0.3]", []),  # x equal, y reversed: not swapped, dropped
    ("[0.5, 0.2, 0.5, 0.4]", [[0.5, 0.2, 0.5, 0.4]]),
    ("[0.1, 0.4, 0.3, 0.4]", [[0.1, 0.4, 0.3, 0.4]]),
])
def test_boxes_2d(text: str, expected: list[list[float]]) -> None:
    assert lamm.boxes_2d(text) == expected


def test_boxes_3d_and_points() -> None:
    assert lamm.boxes_3d("[1, 2, 3, -4, 5, 6] [7, 8]") == [[1.0, 2.0, 3.0, -4.0, 5.0, 6.0]]  # no validity check
    assert lamm.boxes_3d("[1, 2, 3, 4, 5]") == []
    assert lamm.points("[0.5, 0.6] (0.7, 0.8) [0.9]") == [[0.5, 0.6], [0.9, 0.7]]  # [] before (), then pairs
    assert lamm.points("x 3 y 4") == [[3.0, 4.0]]


@pytest.mark.parametrize(("text", "expected"), [
    ('The words are "HOTEL" and "OPEN".', "HOTEL OPEN"),
    ("no quotes", "no quotes"),
    ('unbalanced "quote', "quote"),
    ('""', ""),
])
def test_quoted(text: str, expected: str) -> None:
    assert lamm.quoted(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("there are 12 apples", 12),
    ("there are 12. apples 3", 3),  # "12." is not a digit token
    ("12, 13", 13),
    ("three birds and 4 cats", 3),
    ("no birds", 0),
    ("twenty-one", None),  # only single number words
    ("many", None),
    ("² 5", 5),  # "²".isdigit() but int() rejects it: skipped (the original raised)
    ("9" * 400 + " 7", 7),  # too large for a float: skipped (the original raised OverflowError summing it)
    ("9" * 308 + " 7", int("9" * 308)),  # still fits a float
    ("٣ apples", 3),
    ("Three", None),  # the caller lowercases first
])
def test_count(text: str, expected: int | None) -> None:
    assert lamm.count(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("[1][2]", [1.0, 2.0]),  # the next group opens right after the closing character
    ("[] [1, 2]", [1.0, 2.0]),  # an empty group closes right after it opens
    ("[][]", []),
    ("[0.5]x[0.25, 1]", [0.5, 0.25, 1.0]),
])
def test_bracket_numbers_of_adjacent_and_empty_groups(text: str, expected: list[float]) -> None:
    """LAMM's ``parse_num`` scans for each closing character after its opening one and for each next opening
    character after the closing one: no character may be skipped between them."""
    assert lamm.bracket_numbers(text, "[", "]") == expected


def test_boxes_3d_and_points_split_several_groups() -> None:
    assert lamm.boxes_3d("[1, 2, 3, 4, 5, 6] and [7, 8, 9, 10, 11, 12]") == [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                                                                            [7.0, 8.0, 9.0, 10.0, 11.0, 12.0]]
    assert lamm.points("[0.1, 0.2] [0.3, 0.4] [0.5, 0.6]") == [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
