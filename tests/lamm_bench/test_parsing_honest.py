"""The honest parsers: table-driven cases (every quirky input of lamm-formats.md) and fuzzing (never raise)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamm_bench.benchmarks import get_spec
from lamm_bench.lamm_protocol.captions import best_sentence_bleu
from lamm_bench.lamm_protocol.choice import choice_correct
from lamm_bench.lamm_protocol.counting import count_error
from lamm_bench.lamm_protocol.detection import detection_hits, grounding_iou
from lamm_bench.lamm_protocol.points import inside_objects, inside_person, near_points, pck_hits
from lamm_bench.lamm_protocol.text_match import smile_label, word_accuracy
from lamm_bench.parsing import lamm
from lamm_bench.parsing.choice import parse_choice
from lamm_bench.parsing.count import parse_count
from lamm_bench.parsing.groups import number_groups
from lamm_bench.parsing.mentions import Vocabulary, labels_near
from lamm_bench.parsing.shapes import parse_boxes_2d, parse_boxes_3d, parse_points
from lamm_bench.parsing.words import parse_words
from lamm_bench.parsing.yesno import parse_smile


@pytest.mark.parametrize(("text", "boxes", "failure", "notes"), [
    ("at [0.1, 0.2, 0.3, 0.4].", [(0.1, 0.2, 0.3, 0.4)], None, []),
    ("at [0.3, 0.4, 0.1, 0.2]", [(0.1, 0.2, 0.3, 0.4)], None, ["corners reordered"]),
    ("at [0.3, 0.2, 0.1, 0.4]", [(0.1, 0.2, 0.3, 0.4)], None, ["corners reordered"]),  # LAMM drops this one
    ("at (0.06, 0.41, 0.44, 0.93)", [(0.06, 0.41, 0.44, 0.93)], None, []),
    ("[0.1, 0.2] and [0.3, 0.4]", [], "no box: bracketed groups hold 2, 2 number(s), not 4", []),  # kept apart
    ("[x1: 0.2, y1: 0.3, x2: 0.5, y2: 0.6]", [], "no box: no bracketed group of 4 numbers", []),
    ("[10, 20, 300, 400]", [(10.0, 20.0, 300.0, 400.0)], None, ["coordinates outside [0, 1]"]),
    ("[0.1 0.2 0.3 0.4] [0.5; 0.6; 0.7; 0.8,]", [(0.1, 0.2, 0.3, 0.4), (0.5, 0.6, 0.7, 0.8)], None, []),
    ("", [], "empty answer", []),
    ("[1e999, 0, 1, 1]", [], "no box: non-finite numbers", []),
])
def test_parse_boxes_2d(text, boxes, failure, notes) -> None:
    parsed = parse_boxes_2d(text)
    assert list(parsed.items) == boxes
    assert parsed.failure == failure
    assert list(parsed.notes) == notes


def test_parse_boxes_3d_and_points() -> None:
    parsed = parse_boxes_3d("chair at [1.5, 2.3, 0.45, -0.6, 0.58, 0.9] and table at [1, 2, 3]")
    assert parsed.items == ((1.5, 2.3, 0.45, 0.6, 0.58, 0.9),)
    assert parsed.notes == ("negative size made positive",)
    assert parse_points("[0.5, 0.6] then (0.7, 0.8) and [0.9]").items == ((0.5, 0.6), (0.7, 0.8))
    assert parse_points("I cannot find them.").failure == "no point: no bracketed group of 2 numbers"
    assert [g.values for g in number_groups("[-1e-3, .5, +2.]")] == [(-0.001, 0.5, 2.0)]


@pytest.mark.parametrize(("text", "value", "failure"), [
    ("There are 3 apples.", 3, None),
    ("I can see four birds.", 4, None),
    ("12.", 12, None),  # LAMM misses "12."
    ("12, maybe 13", 12, None),
    ("about 1,024 birds", 1024, None),
    ("twenty-five", 25, None),
    ("a dozen eggs", 12, None),
    ("No apples here", 0, None),
    ("No, there are 5.", 5, None),  # "no" counts as 0 only without another number
    ("Many", None, "no number in the answer"),
    ("9" * 400, None, "number too large"),
    ("  ", None, "empty answer"),
])
def test_parse_count(text, value, failure) -> None:
    parsed = parse_count(text)
    assert parsed.value == value
    assert parsed.failure == failure


CHOICES = ["West Virginia", "Louisiana", "Arizona", "Oklahoma", "Virginia", "Ohio"]


@pytest.mark.parametrize(("text", "index", "failure"), [
    ("The answer is (B).", 1, None),
    ("ANSWER: C", 2, None),
    ("the answer is (f)", 5, None),  # A-F, lowercase only inside parentheses
    ("The answer is F.", 5, None),
    ("E", 4, None),
    ("(D) Oklahoma", 3, None),
    ("A dog", None, "no option letter and no option text in the answer"),  # article, not an option
    ("I think (A) or (B)", None, "conflicting options A, B (parenthesised letter)"),
    ("It is West Virginia.", 0, None),  # "Virginia" inside "West Virginia" does not count
    ("Louisiana or Arizona", None, "several options named by their text (B, C)"),
    ("The answer is West Virginia", 0, None),
    ("", None, "empty answer"),
])
def test_parse_choice(text, index, failure) -> None:
    parsed = parse_choice(text, CHOICES)
    assert parsed.index == index
    assert parsed.failure == failure


@pytest.mark.parametrize(("text", "words", "quoted"), [
    ('The words are "HOTEL" and "OPEN".', ("hotel", "open"), True),
    ("pizza express!", ("pizza", "express"), False),
    ("“BANK” of 'America's'", ("bank",), True),
])
def test_parse_words(text, words, quoted) -> None:
    parsed = parse_words(text)
    assert parsed.words == words
    assert parsed.quoted is quoted


@pytest.mark.parametrize(("text", "label"), [
    ("Yes, the person is smiling.", "1"),
    ("No.", "-1"),
    ("The person is not smiling.", "-1"),
    ("She isn't smiling at all", "-1"),
    ("The woman smiles. She has no hat.", "1"),  # the negation is in another sentence
    ("She is grinning", "1"),
    ("A person with a hat.", None),
])
def test_parse_smile(text, label) -> None:
    assert parse_smile(text).label == label


def test_vocabulary_mentions() -> None:
    voc = Vocabulary(get_spec("Detection_VOC2012").label_set)
    assert voc.named("A dining table and two potted plants") == ["diningtable", "pottedplant"]
    assert voc.named("a man on a motorcycle near a TV") == ["person", "motorbike", "tvmonitor"]
    assert voc.named("a catalogue") == []  # whole words only
    ucm = Vocabulary(get_spec("Fine-grained_Classification_UCMerced").label_set)
    assert ucm.named("The image shows a tennis court.") == ["tenniscourt"]
    assert ucm.named("storage tank and a building") == ["storagetanks", "buildings"]
    assert Vocabulary(["table", "diningtable"]).named("a table") == ["table"]  # own name beats an alias


def test_labels_near_uses_the_sentence_of_each_box() -> None:
    voc = Vocabulary(["dog", "cat", "horse"])
    text = ("There is an object at [0.1, 0.2, 0.3, 0.4] that belongs to the dog category. "
            "A cat is at [0.5, 0.5, 0.6, 0.6]; and [0.7, 0.7, 0.8, 0.8] is something.")
    spans = parse_boxes_2d(text).spans
    assert labels_near(text, spans, voc) == ["dog", "cat", None]


TEXT = st.text(max_size=200) | st.text(alphabet=st.sampled_from(list("[](),.;:- \"'0123456789eEABCDEFanswerisno")),
                                       max_size=120)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_no_parser_raises(text: str) -> None:
    """Whatever the text, every parser returns (LAMM's and the honest ones)."""
    lamm.boxes_2d(text), lamm.boxes_3d(text), lamm.points(text), lamm.quoted(text), lamm.count(text.lower())
    count_error(3, text), word_accuracy(["A", "b"], text)
    choice_correct(text, ["a", "b", "c"], 1), choice_correct(text, list("abcdef"), 5, "ABCDEF")
    smile_label(text, str.split)
    parse_boxes_2d(text), parse_boxes_3d(text), parse_points(text), parse_count(text)
    parse_choice(text, ["red", "blue", "a red car"]), parse_choice(text, []), parse_words(text), parse_smile(text)
    voc = Vocabulary(get_spec("Detection_VOC2012").label_set)
    labels_near(text, parse_boxes_2d(text).spans, voc)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_no_lamm_formula_raises(text: str) -> None:
    """The per-sample LAMM formulas accept any answer too (where the original raised, they score)."""
    match = lambda label, answer: label in answer  # noqa: E731
    detection_hits([("dog", [0.1, 0.1, 0.5, 0.5])], text, match)
    detection_hits([("dog", [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])], text, match, three_d=True)
    grounding_iou([0.0, 0.0, 0.0, 0.0, 0.0, 0.0], text)
    best_sentence_bleu(["a dog runs."], text)
    pck_hits([[1.0, 2.0]] * 14, (10, 20), {"neck": text, "head": text})
    inside_objects([("dog", [0.1, 0.1, 0.5, 0.5])], text, match)
    inside_person([[1.0, 2.0], [5.0, 6.0]], (10, 20), text)
    near_points([[1.0, 2.0]], (10, 20), text)


@pytest.mark.parametrize(("text", "index"), [
    ("It is in the pupae stage.", None),  # 'pupa' followed by a letter: not the word
    ("A subadult insect.", None),  # 'adult' preceded by a letter
    ("The egg_white is shown.", None),  # followed by '_' (a word character)
    ("Shown: my_egg.", None),  # preceded by '_'
    ("The adult, of course.", 2),  # bounded by a space and a comma: the word
    ("egg", 0),  # the whole answer
])
def test_an_option_text_counts_only_as_a_whole_word(text: str, index: int | None) -> None:
    found = parse_choice(text, ["egg", "pupa", "adult"])
    assert found.index == index
    assert (found.how == "option text") if index is not None else (found.failure is not None)


def test_overlapping_mentions_of_an_option_are_all_tried() -> None:
    """In 'a---' the option '--' occurs at 1 (after a letter: not a word) and again at 2 (after '-', at the end:
    a word); the search must resume one character after each occurrence, not past it."""
    assert parse_choice("a---", ["--", "+"]).index == 0


def test_an_option_starting_a_longer_named_option_is_not_named() -> None:
    """'red' lies inside the mention of 'red car' (same start): only the longer option is named."""
    found = parse_choice("It is the red car.", ["red", "red car", "blue"])
    assert (found.index, found.how) == (1, "option text")


def test_shape_notes_and_failures_at_their_edges() -> None:
    """Notes only for what was changed (a zero size and a negative centre are not negative sizes; equal corners
    are not reordered), and a group dropped for a non-finite number (1e999 overflows to infinity) says so."""
    assert parse_boxes_3d("[1, 2, -0.5, 0, 0.5, 1]").notes == ()
    found = parse_boxes_3d("[1, 2, 3, -1, 0.5, 1]")
    assert found.notes == ("negative size made positive",) and found.items == ((1.0, 2.0, 3.0, 1.0, 0.5, 1.0),)
    assert parse_boxes_2d("[0.5, 0.2, 0.5, 0.4]").notes == ()
    assert parse_boxes_2d("[0.1, 0.4, 0.3, 0.4]").notes == ()
    assert parse_boxes_2d("[0.6, 0.2, 0.5, 0.4]").notes == ("corners reordered",)
    assert parse_boxes_3d("[1e999, 1, 2, 3, 4, 5]").failure == "no 3D box: non-finite numbers"
    assert parse_boxes_2d("[1e999, 0, 1, 1]").failure == "no box: non-finite numbers"
    assert parse_points("[1e999, 1]").failure == "no point: non-finite numbers"


def test_a_box_on_a_new_line_takes_no_label_from_the_line_before() -> None:
    """A newline ends a sentence: the box opening the next line names no label, even with 'cat' on the line
    before (after that line's own full stop)."""
    text = "There is a dog. cat\n[0, 0, 1, 1]"
    found = parse_boxes_2d(text)
    assert labels_near(text, found.spans, Vocabulary(["dog", "cat"])) == [None]
    text = "There is a dog. A cat at [0, 0, 1, 1]"
    assert labels_near(text, parse_boxes_2d(text).spans, Vocabulary(["dog", "cat"])) == ["cat"]


@pytest.mark.parametrize(("text", "label", "failure"), [
    ("  Yes it is.", "1", None),  # a leading yes after spaces is still the leading word
    ("...No.", "-1", None),
    ("Not smiling.", "-1", None),  # the negation is the answer's very first word
    ("   ", None, "empty answer"),
    ("The sky.", None, "no yes/no and no smile word"),
])
def test_smile_answers_at_their_edges(text: str, label: str | None, failure: str | None) -> None:
    found = parse_smile(text)
    assert (found.label, found.failure) == (label, failure)


def test_word_and_shape_failures_say_why() -> None:
    assert parse_words("   ").failure == "empty answer"
    assert parse_words('"?!"').failure == "no word in the answer"
    assert parse_boxes_3d("no box here").failure == "no 3D box: no bracketed group of 6 numbers"
    assert parse_boxes_3d("[1, 2]").failure == "no 3D box: bracketed groups hold 2 number(s), not 6"
