"""Every number word both count parsers know, and the tie rule of the class nearest to a box.

Expected values are the English numbers (and LAMM's ``num_dict``: "no" and zero to twenty), not our tables.
"""

from __future__ import annotations

import pytest

from lamm_bench.parsing import lamm
from lamm_bench.parsing.count import parse_count
from lamm_bench.parsing.mentions import Vocabulary, labels_near

ENGLISH = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
           "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


@pytest.mark.parametrize("value", range(21))
def test_lamm_count_knows_zero_to_twenty(value: int) -> None:
    assert lamm.count(f"there are {ENGLISH[value]} birds") == value
    assert parse_count(f"There are {ENGLISH[value]} birds.").value == value


def test_lamm_count_quirks() -> None:
    assert lamm.count("no birds") == 0
    assert lamm.count("twenty-one birds") is None  # not a whole token of num_dict
    assert lamm.count("thirty birds") is None


@pytest.mark.parametrize(("word", "value"), sorted(TENS.items()))
def test_honest_count_knows_the_tens(word: str, value: int) -> None:
    assert parse_count(f"I count {word}.").value == value
    assert parse_count(f"I count {word}-seven.").value == value + 7
    assert parse_count(f"I count {word.capitalize()} three.").value == value + 3


def test_the_nearest_label_wins_and_a_tie_goes_to_the_earlier_one() -> None:
    vocabulary = Vocabulary(["cat", "dog"])
    text = "cat [0, 0, 1, 1] dog"
    assert labels_near(text, [(4, 16)], vocabulary) == ["cat"]  # one space on each side: a tie
    assert labels_near("cat  [0, 0, 1, 1] dog", [(5, 17)], vocabulary) == ["dog"]  # the dog is closer
    assert labels_near("a cat. [0, 0, 1, 1] and no label", [(7, 19)], vocabulary) == [None]  # another sentence
    assert labels_near(text, [], vocabulary) == []


def test_coordinates_on_the_unit_square_edges_are_not_flagged() -> None:
    from lamm_bench.parsing.shapes import parse_boxes_2d, parse_points

    outside = ("coordinates outside [0, 1]",)
    assert parse_boxes_2d("[0, 0, 1, 1]").notes == () and parse_points("[0, 1] [1, 0]").notes == ()
    assert parse_boxes_2d("[0, 0, 1.5, 1]").notes == outside and parse_boxes_2d("[-0.1, 0, 1, 1]").notes == outside
    assert parse_points("[1.01, 0.5]").notes == outside and parse_points("[0.5, -0.01]").notes == outside



def test_lamm_boxes_with_one_axis_reversed_are_dropped() -> None:
    assert lamm.boxes_2d("[0, 0.5, 0.5, 0]") == []  # y1 > y2 only
    assert lamm.boxes_2d("[0.5, 0, 0, 0.5]") == []  # x1 > x2 only
    assert lamm.boxes_2d("[0.5, 0.5, 0, 0]") == [[0.0, 0.0, 0.5, 0.5]]  # both: corners swapped


def test_plural_label_forms() -> None:
    vocabulary = Vocabulary(["butterfly", "bus", "glass", "dog"])
    assert vocabulary.named("two butterflies") == ["butterfly"]
    assert vocabulary.named("three buses") == ["bus"] and vocabulary.named("dogs") == ["dog"]
    assert vocabulary.named("a glass") == ["glass"]


@pytest.mark.parametrize(("text", "value"), [
    ("a dozen eggs", 12.0), ("About a Dozen.", 12.0), ("dozen", 12.0), ("a hundred birds", 100.0),
    ("Hundred.", 100.0), ("twenty-one", 21.0), ("sixteen, not six", 16.0),
])
def test_dozen_and_hundred_and_the_longer_word_first(text: str, value: float) -> None:
    """The number words of parse_count's docstring beyond 0..99: 'a dozen' / 'dozen' is 12, 'hundred' 100."""
    assert parse_count(text).value == value


def test_a_label_is_named_by_a_run_of_one_to_three_words() -> None:
    """docs/metrics.md: a run of 1-3 words joined without spaces names a label (so a 4-word label cannot be
    named word by word, and a label whose first word is one letter can)."""
    vocabulary = Vocabulary(["traffic light pole", "big red fire truck", "t shirt"])
    assert vocabulary.named("a traffic light pole here") == ["traffic light pole"]
    assert vocabulary.named("a big red fire truck") == []
    assert vocabulary.named("a t shirt") == ["t shirt"]


def test_a_plural_label_is_named_by_its_singular_from_four_letters_on() -> None:
    """A label ending in 's' is also named without it when it has more than 3 letters ('pens' by 'pen'), not
    when it is short ('bus' is not named by 'bu')."""
    vocabulary = Vocabulary(["bus", "pens", "blinds"])
    assert vocabulary.named("a bu, a pen and a blind") == ["pens", "blinds"]
    assert vocabulary.named("a bus") == ["bus"]
