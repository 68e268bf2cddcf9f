"""What a predictions file was made with, kept in a sidecar ``<out>.fingerprint.json``.

Shape (``format`` 1)::

    {"format": 1, "toolkit_version": str,
     "backend": {"kind": "hf" | "api", "model": str, ...},   # hf: revision, weights_sha256, processor_sha256, dtype
                                                             # api: api_model (the server's model name)
     "decoding": {"max_new_tokens": int, "do_sample": false},
     "prompt": {"style": "lamm" | "native", "vqa_two_pass": bool},
     "benchmarks": {"<canonical name>": "<sha256 of its meta file>"},
     "not_predicted": {"<canonical name>": "<why>"}}

A rerun with an equal fingerprint appends only missing items; benchmarks first asked in the rerun are
added. Any other difference is an error naming the differing keys. ``lamm-bench score`` copies the
sidecar into ``report.json`` ``meta.fingerprint``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lamm_data.atomic import write_bytes_atomic
from lamm_data.errors import LammError

FORMAT = 1
SUFFIX = ".fingerprint.json"


class FingerprintMismatchError(LammError, ValueError):
    """A predictions file made with other settings than the ones asked for now."""


def sidecar_path(out: str | os.PathLike[str]) -> Path:
    """Where the fingerprint of predictions file ``out`` is kept."""
    out = Path(out)
    return out.with_name(out.name + SUFFIX)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """sha256 (hex) of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_files(paths: Iterable[Path], base: Path) -> str:
    """sha256 of the sorted ``relative-path sha256`` lines of ``paths`` (a content hash of a file set)."""
    lines = sorted(f"{p.relative_to(base).as_posix()} {sha256_file(p)}" for p in paths)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def sha256_json(value: Any) -> str:
    """sha256 of ``value`` as canonical JSON (sorted keys, no spaces)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def make(backend: Mapping[str, Any], decoding: Mapping[str, Any], prompt: Mapping[str, Any],
         benchmarks: Mapping[str, str], not_predicted: Mapping[str, str]) -> dict[str, Any]:
    """A fingerprint from its parts (see the module docstring)."""
    from lamm_data._version import __version__

    return {"format": FORMAT, "toolkit_version": __version__, "backend": dict(backend), "decoding": dict(decoding),
            "prompt": dict(prompt), "benchmarks": dict(benchmarks), "not_predicted": dict(not_predicted)}


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Dotted keys whose values differ (``benchmarks``/``not_predicted``: only names present in both)."""
    found: list[str] = []

    def walk(a: Any, b: Any, where: str, partial: bool) -> None:
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            keys = (a.keys() & b.keys()) if partial else (a.keys() | b.keys())
            for key in sorted(keys):
                walk(a.get(key), b.get(key), f"{where}.{key}" if where else str(key),
                     key in ("benchmarks", "not_predicted") and not where)
        elif a != b:
            found.append(f"{where} ({json.dumps(a)} before, {json.dumps(b)} now)")

    walk(old, new, "", False)
    return found


def merged(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``new`` with the benchmarks of ``old`` that this run did not ask for kept."""
    out = dict(new)
    for key in ("benchmarks", "not_predicted"):
        out[key] = {**old.get(key, {}), **new.get(key, {})}
    return out


def read(out: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The fingerprint of predictions file ``out``, or ``None`` when it has none.

    Raises:
        FingerprintMismatchError: the sidecar is not a fingerprint JSON object.
    """
    path = sidecar_path(out)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise FingerprintMismatchError(f"{path}: not a readable fingerprint ({exc}); remove it, or rerun "
                                       "lamm-model predict with --force") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FingerprintMismatchError(f"{path}: not a format-{FORMAT} fingerprint; remove it, or rerun lamm-model "
                                       "predict with --force")
    return data


def write(out: str | os.PathLike[str], fingerprint: Mapping[str, Any]) -> None:
    """Write the sidecar of ``out`` atomically."""
    text = json.dumps(fingerprint, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_bytes_atomic(sidecar_path(out), text.encode("utf-8"))


def check(out: Path, fingerprint: Mapping[str, Any], has_lines: bool) -> dict[str, Any]:
    """The fingerprint to keep for a run appending to ``out``: ``fingerprint`` merged with the existing one.

    Raises:
        FingerprintMismatchError: ``out`` has predictions made with other settings, or predictions
            without a fingerprint.
    """
    old = read(out)
    if old is None:
        if has_lines:
            raise FingerprintMismatchError(
                f"{out} has predictions but no fingerprint ({sidecar_path(out).name}), so they cannot be "
                "resumed safely; pass --force to start a new file, or write to another --out")
        return dict(fingerprint)
    diff = differences(old, fingerprint)
    if diff:
        raise FingerprintMismatchError(f"{out} was made with other settings: {'; '.join(diff)}. Use the same "
                                       "settings to resume, --force to start a new file, or another --out")
    return merged(old, fingerprint)


def describe(fingerprint: Mapping[str, Any] | None) -> str:
    """One line naming the model and settings of a fingerprint (``""`` for none), for leaderboards.

    E.g. ``hf llava-hf/llava-1.5-7b-hf@a272c74 · bf16 · lamm prompts, VQA two-pass · greedy, 400 new tokens``.
    """
    if not fingerprint:
        return ""
    backend = fingerprint.get("backend") or {}
    prompt = fingerprint.get("prompt") or {}
    decoding = fingerprint.get("decoding") or {}
    model = str(backend.get("model", "?"))
    revision = backend.get("revision")
    parts = [f"{backend.get('kind', '?')} {model}{f'@{str(revision)[:7]}' if revision else ''}"]
    if backend.get("dtype"):
        parts.append(str(backend["dtype"]))
    style = f"{prompt.get('style', '?')} prompts"
    parts.append(f"{style}, VQA {'two-pass' if prompt.get('vqa_two_pass') else 'one-pass'}")
    greedy = "sampled" if decoding.get("do_sample") else "greedy"
    parts.append(f"{greedy}, {decoding.get('max_new_tokens', '?')} new tokens")
    return " · ".join(parts)
