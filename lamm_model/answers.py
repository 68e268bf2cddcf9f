"""A benchmark row as a training conversation: its queries and the reference answers its spec renders
(:mod:`lamm_bench.benchmarks.answers`), so a benchmark file can serve as training data.

LAMM's fine-tuned rows (e.g. CIFAR10 91.2, ScanQA 99.89) came from training on benchmark-style data; the
wording of the answers, and their coordinate conventions, are documented with the renderers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamm_bench.benchmarks import get_spec
from lamm_bench.benchmarks.prompts import item_queries
from lamm_data.catalog import CatalogEntry
from lamm_data.features import class_label_field

Turn = dict[str, str]


def reference_turns(entry: CatalogEntry, row: Mapping[str, Any]) -> list[Turn]:
    """The conversation (human query, gpt answer; one round per query) a benchmark row becomes as training data.

    Keypoints_Detection_LSP becomes 14 rounds, one per joint in LSP order, each asking the row's query template
    filled with the joint name (as LAMM's inference did) and answering ``[x, y]``. A closed label set's class index
    (a converted split's ``ClassLabel`` column) is answered with the class name.

    Raises:
        KeyError: a ground-truth field is missing (or ``width``/``height`` for pixel coordinates).
        ValueError: the file is not a benchmark file, or its spec renders no reference answers.
    """
    if not entry.is_benchmark:
        raise ValueError(f"{entry.name} is not a benchmark file; its rows already hold conversations")
    spec = get_spec(entry.name)
    if spec.answer is None:
        raise ValueError(f"{entry.name} has no reference answers (its spec sets no `answer`); it cannot be "
                         "training data")
    labels = class_label_field(entry.record_model)
    if labels is not None and isinstance(row.get(labels[0]), int):  # a converted split's ClassLabel index
        row = {**row, labels[0]: labels[1][row[labels[0]]]}
    turns: list[Turn] = []
    for query, answer in zip(item_queries(spec.protocol, row["query"]), spec.answer(row), strict=True):
        turns += [{"from": "human", "value": query}, {"from": "gpt", "value": answer}]
    return turns
