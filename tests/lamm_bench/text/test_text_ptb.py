"""ptb_tokenize against the Java PTB tokenizer pycocoevalcap runs (goldens from tools/measure_ptb_agreement.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.text.ptb import _scan, ptb_tokenize

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "ptb"
CORPUS = (GOLDEN / "corpus.txt").read_text(encoding="utf-8").split("\n")[:-1]
JAVA = (GOLDEN / "java.txt").read_text(encoding="utf-8").split("\n")[:-1]
KNOWN_DIFFERENCES = {int(row.split("\t")[0]) for row in
                     (GOLDEN / "known_differences.tsv").read_text(encoding="utf-8").split("\n")[1:] if row}


def test_golden_files_line_up() -> None:
    assert len(CORPUS) == len(JAVA) > 3000


def test_equals_java_on_every_line_claimed() -> None:
    # The corpus is tokenised as one batch, as pycocoevalcap does (java.txt was produced that way).
    ours = ptb_tokenize(CORPUS)
    mismatches = [(n, CORPUS[n - 1], JAVA[n - 1], ours[n - 1]) for n in range(1, len(CORPUS) + 1)
                  if n not in KNOWN_DIFFERENCES and ours[n - 1] != JAVA[n - 1]]
    assert mismatches == []
    assert all(ours[n - 1] != JAVA[n - 1] for n in KNOWN_DIFFERENCES)  # the list of differences stays honest


def test_caption_examples() -> None:
    # Brackets survive: pycocoevalcap removes "-LRB-" but the tokens were lower-cased to "-lrb-" first.
    assert ptb_tokenize(["A dog's tail isn't wagging.", 'He said "hi" (twice), e.g. at 5 p.m.']) == [
        "a dog 's tail is n't wagging", "he said hi -lrb- twice -rrb- e.g. at 5 p.m."]


def test_empty_inputs() -> None:
    assert ptb_tokenize([]) == []
    assert ptb_tokenize(["", "a", ""]) == ["", "a", ""]


def test_line_break_characters_do_not_shift_captions() -> None:
    # pycocoevalcap would emit an extra output line for each of these and misalign every later caption.
    assert ptb_tokenize(["a\rb", "c\u2028d\x0be", "f\ng", "h"]) == ["a b", "c d e", "f g", "h"]


def test_next_caption_is_look_ahead_as_in_pycocoevalcap() -> None:
    # "I." before a sentence starter loses its period (the lexer sees the next caption after the newline).
    assert ptb_tokenize(["It is the letter I.", "The end."]) == ["it is the letter i", "the end"]
    assert ptb_tokenize(["It is the letter I."]) == ["it is the letter i."]


_CAPTION_TEXT = st.lists(st.sampled_from(
    ["a", "dog", "Dogs", "I", "U.S.", "etc.", "Inc.", "no.", "5", "3.5", "1,000", "2", "1/2", "555", "1234", "it's",
     "don't", "cannot", "The", "well-known", ".", ",", "...", ". .", "'", '"', "(", ")", "-", "--", ":)", "\n", " ",
     "  ", "e.g.", "St.", "Mr.", "a.", "x", "co.", "ltd", "$", "%", "&", "<b>", "@me", "#1", "www.a.com"]),
    max_size=30).map(lambda parts: " ".join(parts))


@settings(max_examples=300, deadline=None)
@given(st.one_of(_CAPTION_TEXT, st.text(max_size=40)))
def test_fast_path_changes_nothing(text: str) -> None:
    assert _scan(text, fast_path=True) == _scan(text, fast_path=False)
