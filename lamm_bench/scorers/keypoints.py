"""Keypoints_Detection_LSP: 14 joint answers per image, ground truth in pixels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lamm_bench.diagnostics import KeypointsDiagnostics
from lamm_bench.ground_truth import GroundTruth
from lamm_bench.lamm_protocol.points import pck_hits
from lamm_bench.metrics.bootstrap import Estimator
from lamm_bench.metrics.pck import PCK_ALPHA, keypoint_correct, person_scale
from lamm_bench.parsing.shapes import parse_points
from lamm_bench.scorers.base import BenchmarkScore, ScoringContext, Tally, finish, sample_record
from lamm_data.schemas import JOINT_NAMES

_JOINT_INDEX = {name: k for k, name in enumerate(JOINT_NAMES)}


def _joint_index(key: str) -> int | None:
    return _JOINT_INDEX.get(" ".join(key.lower().replace("_", " ").split()))


def _by_joint(answers: Mapping[str, str]) -> tuple[list[str | None], str]:
    """Answer per joint, by name (case/underscore-insensitive); by position if no key is a joint name."""
    keyed = {_joint_index(k): v for k, v in answers.items()}
    keyed.pop(None, None)
    if keyed:
        return [keyed.get(k) for k in range(len(JOINT_NAMES))], "name"
    values = list(answers.values())
    return [values[k] if k < len(values) else None for k in range(len(JOINT_NAMES))], "position"


def _unknown_joints(texts: Sequence[Mapping[str, str] | None]) -> str | None:
    """A note counting the answers keyed by name that also hold keys naming no LSP joint (those are not scored)."""
    unknown: dict[str, int] = {}
    answers = 0
    for text in texts:
        if text and any(_joint_index(k) is not None for k in text):
            names = [k for k in text if _joint_index(k) is None]
            answers += bool(names)
            for name in names:
                unknown[name] = unknown.get(name, 0) + 1
    if not unknown:
        return None
    shown = ", ".join(repr(n) for n in sorted(unknown, key=unknown.__getitem__, reverse=True)[:3])
    return (f"{answers} answer(s) hold {sum(unknown.values())} entries whose key is not an LSP joint name ({shown}"
            f"{' ...' if len(unknown) > 3 else ''}); those entries were not scored")


def score_keypoints(gt: GroundTruth, texts: Sequence[Mapping[str, str] | None], ctx: ScoringContext,
                    ) -> BenchmarkScore:
    """LAMM ``PCK`` (with its hits counted) and honest PCK@0.1 per joint and overall."""
    n, k = len(gt), len(JOINT_NAMES)
    sizes = gt.sizes or ()
    present = np.array([t is not None for t in texts])
    lamm_pck = np.zeros(n)
    correct = np.zeros((n, k), dtype=bool)
    joint_parsed = np.zeros((n, k), dtype=bool)
    samples = [] if ctx.diagnostics else None
    for i, answers in enumerate(texts):
        joints = np.array([j[:2] for j in gt.columns["gt_joints"][i]], dtype=np.float64)
        if answers is None:
            if samples is not None:
                samples.append(sample_record(KeypointsDiagnostics, gt, i, None, correct=False, lamm={"hits": 0}))
            continue
        hits = pck_hits(joints, sizes[i], answers)
        lamm_pck[i] = hits / k
        per_joint, keyed_by = _by_joint(answers)
        scale = person_scale(joints)
        details = []
        for j, answer in enumerate(per_joint):
            found = parse_points(answer) if answer is not None else None
            point = found.items[0] if found is not None and found.items else None
            joint_parsed[i, j] = point is not None
            ok, distance = keypoint_correct(point, joints[j], sizes[i], scale)
            correct[i, j] = ok
            if samples is not None:
                failure = "no answer for this joint" if found is None else found.failure
                details.append({"joint": JOINT_NAMES[j], "point": None if point is None else list(point),
                                "distance_px": distance, "correct": ok, "parse_failure": failure})
        if samples is not None:
            samples.append(sample_record(KeypointsDiagnostics, gt, i, answers,
                                         parsed={"joints": details, "keyed_by": keyed_by},
                                         parse_failure=None if joint_parsed[i].any() else "no joint parsed",
                                         threshold_px=PCK_ALPHA * scale, image_size=list(sizes[i]),
                                         correct=bool(correct[i].all()), lamm={"hits": hits}))
    tally = Tally(gt)
    metrics: dict[str, Estimator] = {"pck@0.1": tally.ratio(correct.sum(axis=1), k)}
    for j, name in enumerate(JOINT_NAMES):
        metrics[f"pck@0.1/{name}"] = tally.ratio(correct[:, j])
    metrics["joint_parse_failure_rate"] = tally.ratio((~joint_parsed).sum(axis=1) * present, k * present)
    note = _unknown_joints(texts)
    return finish(gt, present=present, unparsed=present & ~joint_parsed.any(axis=1), samples=samples,
                  lamm={"PCK": tally.ratio(lamm_pck, present, scale=100.0)}, metrics=metrics,
                  notes=[note] if note else [])
