"""Join predictions to ground truth: by id (string form) within a benchmark, or by position as a fallback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lamm_bench.errors import JoinError
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.predictions import Prediction

_EXAMPLES = 5


@dataclass(frozen=True)
class Joined:
    """Answers aligned with the ground-truth items (``None`` where the prediction is missing)."""

    texts: tuple[str | dict[str, str] | None, ...]
    missing_ids: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def missing(self) -> int:
        """Number of ground-truth items without a prediction."""
        return len(self.missing_ids)


def _examples(values: Sequence[str]) -> str:
    shown = ", ".join(repr(v) for v in values[:_EXAMPLES])
    return shown + (f" and {len(values) - _EXAMPLES} more" if len(values) > _EXAMPLES else "")


def join(gt: GroundTruth, predictions: Sequence[Prediction]) -> Joined:
    """Align ``predictions`` with ``gt``.

    By id when the ground truth has unique ids; by position within the file (the order LAMM's
    evaluators used) when it does not, with a warning.

    Raises:
        JoinError: a prediction id that is not in the ground truth (by id), or more predictions than
            items (by position). The message lists examples.
    """
    if gt.ids is None:
        if len(predictions) > len(gt):
            raise JoinError(f"{gt.name}: {len(predictions)} predictions for {len(gt)} items (joined by position "
                            f"because {gt.positional_reason})")
        texts = [p.text for p in predictions] + [None] * (len(gt) - len(predictions))
        missing = tuple(f"#{i}" for i in range(len(predictions), len(gt)))
        warnings = [f"{gt.name}: ground truth {gt.positional_reason}; predictions joined by position in the file, "
                    "their ids are not used"]
        if missing:
            warnings.append(f"{gt.name}: the last {len(missing)} of {len(gt)} item(s) have no prediction (counted as "
                            "wrong)")
        return Joined(tuple(texts), missing, tuple(warnings))
    position = {item_id: i for i, item_id in enumerate(gt.ids)}
    unknown = [p.id for p in predictions if p.id not in position]
    if unknown:
        raise JoinError(f"{gt.name}: {len(unknown)} prediction id(s) not in the ground truth: {_examples(unknown)} "
                        f"(e.g. at {next(p.where for p in predictions if p.id not in position)})")
    aligned: list[str | dict[str, str] | None] = [None] * len(gt)
    for p in predictions:
        aligned[position[p.id]] = p.text
    missing = tuple(gt.ids[i] for i, t in enumerate(aligned) if t is None)
    warnings = (f"{gt.name}: {len(missing)} of {len(gt)} item(s) have no prediction (counted as wrong): "
                f"{_examples(missing)}",) if missing else ()
    return Joined(tuple(aligned), missing, warnings)
