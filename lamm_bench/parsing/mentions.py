"""Which class names of a label set an answer mentions (for the honest classification and detection metrics).

Rules (docs/metrics.md, "Class mentions"):

* the answer is lowercased and cut into alphanumeric words;
* a label is mentioned when a run of 1-3 consecutive words, joined without spaces, equals the label
  or one of its documented spellings (:data:`SPELLINGS`) with spaces removed — so ``"tennis court"``
  names ``tenniscourt`` and ``"dining table"`` names ``diningtable``;
* plurals count: the run may add ``s``/``es`` (``y`` -> ``ies``), or drop a final ``s`` of a plural label;
* reading left to right, the longest run starting at a word wins (``"potted plant"`` names ``pottedplant``,
  not also ``plant``), and the words it covers are not read again.

No WordNet is involved; the synonym rule of LAMM lives in :mod:`lamm_bench.text.synonyms`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

SPELLINGS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    # PASCAL VOC
    "aeroplane": ("airplane", "plane", "aircraft"),
    "bicycle": ("bike",),
    "diningtable": ("dining table", "table"),
    "motorbike": ("motorcycle", "motor bike"),
    "person": ("people", "man", "men", "woman", "women", "boy", "girl", "child", "children", "human"),
    "pottedplant": ("potted plant", "houseplant", "plant"),
    "sofa": ("couch",),
    "tvmonitor": ("tv", "monitor", "television"),
    # CIFAR-10
    "airplane": ("aeroplane", "plane", "aircraft"),
    "automobile": ("car",),
    # CelebA hair colours
    "blond": ("blonde",),
    "gray": ("grey",),
    # ScanNet (VoteNet class names)
    "bookshelf": ("bookcase", "book shelf"),
    "refrigerator": ("fridge",),
    "garbagebin": ("garbage bin", "trash can", "trash bin", "garbage can"),
    "showercurtrain": ("shower curtain",),
    "otherfurniture": ("other furniture",),
})
"""Other spellings accepted for a label (used only when the label is in the vocabulary: a benchmark's label set,
:attr:`lamm_bench.benchmarks.spec.BenchmarkSpec.label_set`, plus its ground-truth labels)."""

_WORD = re.compile(r"[a-z0-9]+")
_MAX_RUN = 3


def _squash(name: str) -> str:
    return "".join(_WORD.findall(name.lower()))


def _forms(name: str) -> set[str]:
    squashed = _squash(name)
    forms = {squashed, squashed + "s", squashed + "es"}
    if squashed.endswith("y"):
        forms.add(squashed[:-1] + "ies")
    if squashed.endswith("s") and len(squashed) > 3:
        forms.add(squashed[:-1])
    forms.discard("")
    return forms


@dataclass(frozen=True)
class Mention:
    """A label named in the answer, at character span ``[start, end)``."""

    label: str
    start: int
    end: int


class Vocabulary:
    """A label set with the surface forms that name each label.

    Args:
        labels: the benchmark's labels (e.g. every ground-truth class of VOC2012).
        spellings: extra spellings per label; defaults to :data:`SPELLINGS`.
    """

    def __init__(self, labels: Iterable[str], spellings: Mapping[str, tuple[str, ...]] = SPELLINGS) -> None:
        self.labels = tuple(sorted(set(labels)))
        forms: dict[str, str] = {}
        # exact label forms first, so a label's own name beats another label's spelling ("table")
        for label in self.labels:
            for form in _forms(label):
                forms.setdefault(form, label)
        for label in self.labels:
            for spelling in spellings.get(label.lower(), ()):
                for form in _forms(spelling):
                    forms.setdefault(form, label)
        self._forms = forms
        self._prefixes = {form[:k] for form in forms for k in range(1, len(form) + 1)}

    def _runs(self, words: list[str]) -> list[tuple[str, int, int]]:
        """``(label, first word, last word + 1)`` of each mention among ``words``, left to right."""
        found = []
        prefixes, forms = self._prefixes, self._forms
        i, n = 0, len(words)
        while i < n:
            if words[i] not in prefixes:
                i += 1
                continue
            joined, best, best_run = "", None, 0
            for run in range(1, min(_MAX_RUN, n - i) + 1):
                joined += words[i + run - 1]
                if joined not in prefixes:
                    break
                label = forms.get(joined)
                if label is not None:
                    best, best_run = label, run
            if best is not None:
                found.append((best, i, i + best_run))
                i += best_run
            else:
                i += 1
        return found

    def mentions(self, text: str) -> list[Mention]:
        """Labels named in ``text``, left to right; at each word the longest run (up to 3 words) that names a label."""
        matches = list(_WORD.finditer(text.lower()))
        return [Mention(label, matches[i].start(), matches[j - 1].end())
                for label, i, j in self._runs([m.group() for m in matches])]

    def named(self, text: str) -> list[str]:
        """Distinct labels named in ``text``, in order of first appearance."""
        return list(dict.fromkeys(label for label, _, _ in self._runs(_WORD.findall(text.lower()))))


_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n")


def labels_near(text: str, spans: list[tuple[int, int]] | tuple[tuple[int, int], ...],
                vocabulary: Vocabulary) -> list[str | None]:
    """The class of each box or point at ``spans``: the label named in the same sentence closest to it.

    Sentences end at ``.``, ``!``, ``?`` or ``;`` followed by whitespace, or at a newline (so the dots
    inside ``0.12`` do not split). ``None`` when the sentence names no label.
    """
    if not spans:
        return []
    mentions = vocabulary.mentions(text)
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    out: list[str | None] = []
    for start, end in spans:
        sentence_start = max((e for e in ends if e <= start), default=0)
        sentence_end = min((e for e in ends if e >= end), default=len(text))
        best, distance = None, len(text) + 1
        for m in mentions:
            if m.start < sentence_start or m.end > sentence_end:
                continue
            gap = start - m.end if m.end <= start else m.start - end
            if gap < distance:
                best, distance = m.label, gap
        out.append(best)
    return out
