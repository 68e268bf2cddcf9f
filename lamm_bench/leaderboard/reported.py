"""Numbers the LAMM authors reported (not measured here), shown as reference rows by ``lamm-bench report``.

Sources, each checked against the history of https://github.com/OpenGVLab/LAMM:

* ``paper-v1``: the June 2023 preprint, Tables 1-4 (``static/pdfs/LAMM.pdf`` of OpenLAMM/openlamm.github.io),
  identical to the README leaderboard at commit ``2c3af07`` (2023-06-12).
* ``readme-2023-07``: the README "updated on new code base" at ``e08e12a`` (2023-07-28), unchanged
  through ``4d23af5`` (2023-10-16). Only the LAMM zero-shot numbers changed; the baselines, SOTA and
  fine-tuned columns are the paper's. Which checkpoint produced them is not stated.

Every number is mapped to the ``lamm`` block metric of a ``report.json`` that computes the same
quantity with LAMM's evaluator (percent; Counting_FSC147's MAE raw). Binary-Loc and the GPT metric
have no single report metric (Binary-Loc pools Locating_VOC2012, Locating_LSP and, in v1,
Locating_FSC147): they are kept with ``benchmark=None`` and shown as notes. The README labels of
Table 2 ("Object Detection (Acc)", "VQA (mAP@0.5)") are swapped; the mapping follows the paper.
See ``../shared/docs/lamm-formats.md`` §9 and docs/report.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from lamm_bench.benchmarks.registry import specs
from lamm_bench.errors import ReportError

Status = Literal["Failed", "N/A"]
"""``Failed``: the model could not do the task (the paper's word); ``N/A``: no number was published."""


@dataclass(frozen=True)
class ReportedValue:
    """One published number.

    Attributes:
        benchmark: canonical benchmark name, or ``None`` when no single report metric matches.
        metric: the ``lamm`` block metric name it corresponds to (the paper's label when ``benchmark`` is None).
        value: the number as printed (percent; MAE raw), or a :data:`Status`.
        label: the paper's own row label.
    """

    benchmark: str | None
    metric: str
    value: float | Status
    label: str


@dataclass(frozen=True)
class ReportedModel:
    """A column of a published table: one model's numbers from one source."""

    source: str
    model: str
    values: tuple[ReportedValue, ...]

    @property
    def title(self) -> str:
        """Row title: ``LAMM · paper-v1 (reported)``."""
        return f"{self.model} · {self.source} (reported)"

    def value(self, benchmark: str, metric: str) -> float | Status | None:
        """The published value for a report metric, or ``None`` if this source has none."""
        for v in self.values:
            if v.benchmark == benchmark and v.metric == metric:
                return v.value
        return None

    @property
    def unmatched(self) -> tuple[ReportedValue, ...]:
        """Numbers without a single report metric (Binary-Loc, GPT metric)."""
        return tuple(v for v in self.values if v.benchmark is None)


@dataclass(frozen=True)
class ReferenceSource:
    """A published leaderboard: where it comes from and its model columns."""

    key: str
    citation: str
    models: Mapping[str, ReportedModel]


# The paper's label of each row, in the paper's order. Which benchmark and LAMM metric a row is: the spec whose
# ``reported_key`` is the row's key (lamm_bench/benchmarks/suite.py); the other rows have no single report metric.
_LABELS: dict[str, str] = {
    "cifar10": "Classification CIFAR10 Acc",
    "voc2012": "Detection VOC2012 mAP",
    "sqa": "VQA SQAimage Acc",
    "ai2d": "VQA AI2D Acc",
    "flickr30k": "Caption flickr30k BLEU4",
    "ucmerced": "F-g classification UCMerced Acc",
    "fsc147": "Counting FSC147 MAE",
    "svt": "OCR SVT Word Acc",
    "smile": "Facial cls. CelebA(Smile) Acc",
    "hair": "Facial cls. CelebA(Hair) Acc",
    "lsp": "Keypoints LSP PCK",
    "scannet": "3D detection ScanNet mAP@0.5",
    "scanrefer": "Visual grounding ScanRefer mAP@0.5",
    "scanqa": "3D VQA ScanQA multiple-choice Acc",
    "binary_loc": "Binary-Loc metric (Locating VOC2012 + LSP + FSC147)",
    "gpt": "GPT metric (pairwise ranking against LAMM, gpt-3.5-turbo)",
}
_UNMATCHED = {"binary_loc": "Binary-Loc", "gpt": "GPT metric"}
"""Rows without a single report metric: their metric name."""


def _target(row: str) -> tuple[str | None, str]:
    """``(benchmark, lamm metric)`` of a paper row."""
    for spec in specs():
        if spec.reported_key == row:
            return spec.name, spec.reported_metric or ""
    return None, _UNMATCHED[row]


_F: Status = "Failed"
_NA: Status = "N/A"

# Table 1 (2D zero-shot), Table 3 (3D), Table 4 (Binary-Loc, GPT metric); Table 2 is LAMM-finetuned.
_PAPER_V1: dict[str, dict[str, float | Status]] = {
    "SOTA": {"cifar10": 99.5, "voc2012": 97.2, "sqa": 92.53, "ai2d": _NA, "flickr30k": 30.1, "ucmerced": 100.0,
             "fsc147": 10.79, "svt": 97.9, "smile": _NA, "hair": _NA, "lsp": 99.5, "scannet": 63.2,
             "scanrefer": 54.59, "scanqa": _NA},
    "LLaVA": {"cifar10": 60.83, "voc2012": 1.42, "sqa": 40.5, "ai2d": 18.13, "flickr30k": 6.65, "ucmerced": 47.0,
              "fsc147": 56.2, "svt": 37.78, "smile": _F, "hair": 46.42, "lsp": _F, "binary_loc": 14.73, "gpt": 11.0},
    "MiniGPT4": {"cifar10": 46.22, "voc2012": 0.92, "sqa": 43.43, "ai2d": _F, "flickr30k": 5.1, "ucmerced": 33.6,
                 "fsc147": _F, "svt": 16.97, "smile": 66.36, "hair": 43.47, "lsp": _F, "binary_loc": 13.12},
    "mPLUG-owl": {"cifar10": 42.5, "voc2012": 0.158, "sqa": 36.39, "ai2d": 19.31, "flickr30k": 2.74,
                  "ucmerced": 32.5, "fsc147": 60.67, "svt": 30.39, "smile": _F, "hair": 40.93, "lsp": _F,
                  "binary_loc": 4.42},
    "LAMM": {"cifar10": 34.5, "voc2012": 4.82, "sqa": 47.15, "ai2d": 19.5, "flickr30k": 0.70, "ucmerced": 13.0,
             "fsc147": 53.97, "svt": 4.2, "smile": 51.3, "hair": 30.48, "lsp": _F, "scannet": 9.3,
             "scanrefer": _F, "scanqa": 26.54, "binary_loc": 31.2, "gpt": 89.0},
    "LAMM-finetuned": {"cifar10": 91.2, "voc2012": 13.48, "sqa": 74.27, "scannet": 11.89, "scanrefer": 3.38,
                       "scanqa": 99.89},
}

_README_2023_07_LAMM: dict[str, float | Status] = {
    "cifar10": 37.9, "voc2012": 7.20, "sqa": 49.88, "ai2d": 20.92, "flickr30k": 2.56, "ucmerced": 18.23,
    "fsc147": 46.88, "svt": 29.14, "smile": 57.60, "hair": 56.96, "lsp": _F, "scannet": 8.2, "scanrefer": _F,
    "scanqa": 24.90, "binary_loc": 36.53, "gpt": 89.0,
}


def _source(key: str, citation: str, table: Mapping[str, Mapping[str, float | Status]]) -> ReferenceSource:
    def value(row: str, number: float | Status) -> ReportedValue:
        benchmark, metric = _target(row)
        return ReportedValue(benchmark, metric, number, _LABELS[row])

    models = {model: ReportedModel(key, model, tuple(value(row, number) for row, number in values.items()))
              for model, values in table.items()}
    return ReferenceSource(key, citation, MappingProxyType(models))


REFERENCES: Mapping[str, ReferenceSource] = MappingProxyType({
    "paper-v1": _source("paper-v1", "LAMM preprint, June 2023, Tables 1-4 (= README of OpenGVLab/LAMM at 2c3af07, "
                                    "2023-06-12)", _PAPER_V1),
    "readme-2023-07": _source("readme-2023-07", "README of OpenGVLab/LAMM at e08e12a (2023-07-28, unchanged through "
                                                "4d23af5): LAMM numbers 'updated on new code base'",
                              {**_PAPER_V1, "LAMM": _README_2023_07_LAMM}),
})
"""Published leaderboards by key."""

DEFAULT_MODEL = "LAMM"


def reference_rows(spec: str) -> list[ReportedModel]:
    """Models selected by ``SOURCE`` (its LAMM zero-shot column), ``SOURCE:MODEL`` or ``SOURCE:all``.

    Raises:
        ReportError: unknown source or model (the message lists the valid ones).
    """
    key, _, model = spec.partition(":")
    source = REFERENCES.get(key)
    if source is None:
        raise ReportError(f"--reference {spec!r}: unknown source {key!r}; expected one of {', '.join(REFERENCES)} "
                          f"(optionally :MODEL or :all)")
    if model == "all":
        return list(source.models.values())
    chosen = source.models.get(model or DEFAULT_MODEL)
    if chosen is None:
        raise ReportError(f"--reference {spec!r}: {key} has no model {model!r}; expected one of "
                          f"{', '.join(source.models)} or all")
    return [chosen]
