"""The typed, frozen description of one benchmark: how it is scored, shown and prompted.

Data-level facts (files, fields, record model, media) stay in :mod:`lamm_data.catalog`; a
:class:`BenchmarkSpec` adds what scoring, the leaderboard and prediction need. Specs are values: they
are held by :mod:`lamm_bench.benchmarks.registry` and read, never modified.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lamm_data.catalog import CatalogEntry, resolve

if TYPE_CHECKING:
    from lamm_bench.diagnostics import DiagnosticsRecord
    from lamm_bench.ground_truth import GroundTruth
    from lamm_bench.scorers.base import BenchmarkScore, ScoringContext

Direction = Literal["higher", "lower"]
"""Which way a metric improves."""
Unit = Literal["fraction", "percent", "pixels", "count", "score"]
"""How a metric's stored value reads: ``fraction`` in [0, 1] (shown ×100), ``percent`` in [0, 100] (LAMM's
numbers, shown as stored), ``pixels`` and ``count`` (objects) shown as stored, ``score`` an unbounded score
such as CIDEr-D (shown ×100, as the captioning literature reports it)."""
Block = Literal["lamm", "metrics"]
"""``lamm``: the number LAMM's evaluator prints; ``metrics``: the honest metrics of this package."""
LammRule = Literal["synonym", "substring", "answers"]
"""Where one family's benchmarks follow different LAMM rules (classification): ``synonym`` the WordNet class match,
``substring`` the label as a case-sensitive substring of the answer, ``answers`` the accuracy divided by the
number of answers given instead of the number of items."""
QueryLayout = Literal["single", "per_joint"]
"""``single``: one generation per item from its ``query``; ``per_joint``: one generation per joint name,
``query.format(joint)``, stored as ``{joint: answer}``."""

Scorer = Callable[["GroundTruth", Sequence[Any], "ScoringContext"], "BenchmarkScore"]
"""``scorer(ground_truth, answers, context)``: answers are joined to the ground truth, ``None`` where missing."""

DISPLAY_SCALE: dict[str, float] = {"fraction": 100.0, "percent": 1.0, "pixels": 1.0, "count": 1.0, "score": 100.0}
"""Factor from a stored value to the displayed one, by unit."""


@dataclass(frozen=True)
class Metric:
    """One reported metric: its key in ``report.json``, the direction it improves in, its unit and which items it
    is computed over."""

    name: str
    direction: Direction = "higher"
    unit: Unit = "fraction"
    over: Literal["items", "parsed"] = "items"
    """``items``: computed over every item (a missing or unreadable answer counts); ``parsed``: only over the
    answers that could be read (read it with the parse rate; never marked best when most answers were not
    read)."""

    @property
    def lower_is_better(self) -> bool:
        """Errors and failure rates: lower is better."""
        return self.direction == "lower"

    @property
    def scale(self) -> float:
        """Factor from the stored value to the displayed one."""
        return DISPLAY_SCALE[self.unit]


def lamm_percent(*names: str) -> tuple[Metric, ...]:
    """LAMM-protocol accuracies: percent, higher is better."""
    return tuple(Metric(n, "higher", "percent") for n in names)


def fractions(*names: str) -> tuple[Metric, ...]:
    """Honest rates in [0, 1], higher is better."""
    return tuple(Metric(n) for n in names)


PARSE_FAILURE_RATE = Metric("parse_failure_rate", "lower", "fraction")
"""Every benchmark's unparsed answers over answers given."""


@dataclass(frozen=True)
class InferenceProtocol:
    """How LAMM's benchmark scripts prompted a model for this benchmark (``lamm-formats.md`` §6.2).

    Attributes:
        system: the benchmark system message (LAMM's ``system_msg.py``), verbatim.
        task_type: the training ``task_type`` whose system prompt lays a query out like a training sample
            (prompt style ``train`` and benchmark files used as training data).
        layout: one query per item, or one per joint.
        joints: the joint names of a ``per_joint`` layout, in answer order.
        two_pass_vqa: LAMM's two-pass multiple-choice answering (reasoning, then ``ANSWER:``).
        max_new_tokens: LAMM's generation limit (400 tokens for images, 800 for point clouds).
    """

    system: str
    task_type: str
    layout: QueryLayout = "single"
    joints: tuple[str, ...] = ()
    two_pass_vqa: bool = False
    max_new_tokens: int = 400


@dataclass(frozen=True)
class BenchmarkSpec:
    """Everything scoring, the leaderboard and prediction need to know about one catalog benchmark.

    Attributes:
        name: canonical catalog name (``Detection_VOC2012``).
        scorer: the function that scores it.
        diagnostics: the type of its per-sample diagnostics records.
        lamm: the LAMM-protocol numbers it reports (direction, unit).
        headlines: the honest metrics shown in summaries, most important first.
        metrics: other honest metrics whose direction or unit is not the default (higher, fraction).
        needs_image_size: ground truth in pixels, answers normalised: scoring reads image sizes.
        label_set: the source dataset's class list (a vocabulary for class mentions); every ground-truth
            label is added to it when scoring.
        protocol: how LAMM prompted a model for it.
        choice_letters: option letters of a multiple-choice benchmark (``""`` otherwise).
        three_d: boxes are 3D ``[cx, cy, cz, lx, ly, lz]`` in metres (else normalised 2D ``[x1, y1, x2, y2]``).
        lamm_rule: variants of LAMM's rule where a family's benchmarks differ (:data:`LammRule`).
        reported_key: key of this benchmark's published number in :mod:`lamm_bench.leaderboard.reported`.
        reported_metric: the LAMM metric that published number corresponds to.
        answer: renders the reference answers of a ground-truth row, one per query of the item
            (:mod:`lamm_bench.benchmarks.answers`), so the benchmark file can serve as training data.
        scoring_cost: rough relative scoring cost of one item (measured at the real scale); used only to start
            the longest benchmarks first when scoring in parallel.
    """

    name: str
    scorer: Scorer
    diagnostics: type[DiagnosticsRecord]
    lamm: tuple[Metric, ...]
    headlines: tuple[Metric, ...]
    protocol: InferenceProtocol
    metrics: tuple[Metric, ...] = ()
    needs_image_size: bool = False
    label_set: tuple[str, ...] = ()
    choice_letters: str = ""
    three_d: bool = False
    lamm_rule: tuple[LammRule, ...] = ()
    reported_key: str | None = None
    reported_metric: str | None = None
    answer: Callable[[Mapping[str, Any]], list[str]] | None = None
    scoring_cost: int = 1

    @property
    def entry(self) -> CatalogEntry:
        """The benchmark's catalog entry (files, ground-truth fields, record model, media)."""
        return resolve(self.name)

    @property
    def gt_fields(self) -> tuple[str, ...]:
        """The ground-truth fields the scorer reads (the catalog's)."""
        return self.entry.gt_fields

    def metric(self, block: Block, name: str) -> Metric:
        """The metric ``name`` of a block; unknown names are higher-is-better, percent (``lamm``) or fraction."""
        known = self.lamm if block == "lamm" else (*self.headlines, *self.metrics, PARSE_FAILURE_RATE)
        for metric in known:
            if metric.name == name:
                return metric
        return Metric(name, "higher", "percent" if block == "lamm" else "fraction")
