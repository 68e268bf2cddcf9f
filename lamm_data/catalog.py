"""Typed, frozen registry of every file of the LAMM release.

One :class:`CatalogEntry` per file: the 9 instruction meta files (7 2D, the 3D 10k file and the
ScanQA fine-tuning file), the 17 benchmark meta files (14 2D, 3 3D) and the 17 image/point-cloud
archives. Each file has one canonical name (the meta-file stem as published in
``openlamm/LAMM_Dataset``, or the archive stem); every other spelling seen in the wild is an alias
(:func:`resolve`). Facts and their sources: ``../shared/docs/lamm-formats.md`` §1-§5.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from lamm_data.errors import NotAMetaFileError, UnknownNameError
from lamm_data.schemas import (
    CaptionRecord,
    Choice3DRecord,
    ChoiceRecord,
    ClassificationRecord,
    CountingRecord,
    Detection3DRecord,
    DetectionRecord,
    FacialHairRecord,
    FacialSmileRecord,
    FineGrainedRecord,
    Grounding3DRecord,
    InstructRecord2D,
    InstructRecord3D,
    KeypointsRecord,
    LocatingBoxesRecord,
    LocatingJointsRecord,
    LocatingPointsRecord,
    OCRRecord,
    Record,
)

Group = Literal["2D_Instruct", "2D_Benchmark", "3D_Instruct", "3D_Benchmark"]
Kind = Literal["meta", "archive"]
Modality = Literal["image", "pointcloud"]

GROUPS: tuple[Group, ...] = ("2D_Instruct", "2D_Benchmark", "3D_Instruct", "3D_Benchmark")
DEFAULT_REPO = "openlamm/LAMM_Dataset"
"""The official hub repository (dataset repo) since 2023-07-01."""
OLD_REPO = "caojianjian/LAMM"
"""The first hub repository (June 2023); some files carry other names there."""
HUB_REPOS: tuple[str, ...] = (DEFAULT_REPO, OLD_REPO)
ARCHIVE_HOME = "https://opendatalab.com/LAMM/LAMM/tree/main/raw"
"""Where the archives are published (OpenDataLab); they are not on the Hugging Face hub."""
OPENDATALAB_REPO = "LAMM/LAMM"
"""The OpenDataLab dataset repository of the archives (``owner/name`` for the ``openxlab`` SDK), read from
the published page ``opendatalab.com/LAMM/LAMM``."""


@dataclass(frozen=True)
class HubFile:
    """Where one catalog file lives in one hub repository (a dataset repo)."""

    repo_id: str
    path: str


@dataclass(frozen=True)
class CatalogEntry:
    """One file of the LAMM release.

    Attributes:
        name: canonical name: the meta-file stem (``Detection_VOC2012``) or archive stem (``coco_images``).
        group: release group folder the file belongs in.
        kind: ``meta`` (a JSON array of records) or ``archive`` (a zip of images/point clouds).
        filename: canonical file name on disk (``Detection_VOC2012.json``, ``coco_images.zip``).
        modality: ``image`` (2D) or ``pointcloud`` (3D).
        documented_size: size as published (hub tree listing or README), human-readable.
        task: task prefix of a benchmark file (``Detection``, ``VG``, ...); ``Instruct`` for instruction
            files, ``Archive`` for archives.
        dataset: source dataset of a benchmark (``VOC2012``); ``None`` for instruction files and archives.
        record: the pydantic model of one item (:mod:`lamm_data.schemas`); ``None`` for archives.
        gt_fields: ground-truth fields of a benchmark record (empty for instruction files).
        media: archive folders whose files the records reference (``voc2012_images``).
        label_sources: source datasets of the labels beyond the media's own (questions, referring expressions;
            names of :data:`lamm_data.card.SOURCES`).
        items: documented item count, or ``None`` where unknown.
        hub: the file's path in each hub repo that holds it (preferred path first per repo).
        aliases: other accepted spellings (compared case-insensitively).
        notes: caveats worth showing to a user.
        opendatalab: an archive's candidate paths in :data:`OPENDATALAB_REPO` (preferred first); empty for
            meta files.
    """

    name: str
    group: Group
    kind: Kind
    filename: str
    modality: Modality
    documented_size: str
    task: str
    dataset: str | None = None
    record: type[Record] | None = None
    gt_fields: tuple[str, ...] = ()
    media: tuple[str, ...] = ()
    label_sources: tuple[str, ...] = ()
    items: int | None = None
    hub: tuple[HubFile, ...] = ()
    aliases: tuple[str, ...] = ()
    notes: str = ""
    opendatalab: tuple[str, ...] = ()

    @property
    def relpath(self) -> str:
        """Path below a LAMM root: ``GROUP/meta_file/<filename>`` or ``GROUP/<filename>``."""
        return f"{self.group}/meta_file/{self.filename}" if self.kind == "meta" else f"{self.group}/{self.filename}"

    @property
    def is_benchmark(self) -> bool:
        """True for the 17 benchmark meta files."""
        return self.kind == "meta" and self.group.endswith("Benchmark")

    @property
    def source(self) -> str:
        """Where the file comes from, for display."""
        if self.kind == "archive":
            return f"OpenDataLab ({ARCHIVE_HOME}/{self.group})"
        return ", ".join(sorted({h.repo_id for h in self.hub}, key=HUB_REPOS.index))

    @property
    def record_model(self) -> type[Record]:
        """The model of one item of this meta file.

        Raises:
            NotAMetaFileError: the entry is an archive.
        """
        if self.record is None:
            raise NotAMetaFileError(f"{self.name} is an archive, not a meta file; it has no record schema")
        return self.record

    def hub_paths(self, repo_id: str) -> tuple[str, ...]:
        """Candidate paths of this file in ``repo_id`` (preferred first); empty if that repo lacks it."""
        return tuple(h.path for h in self.hub if h.repo_id == repo_id)


def _meta(
    name: str,
    group: Group,
    size: str,
    record: type[Record],
    *,
    task: str,
    dataset: str | None = None,
    gt: tuple[str, ...] = (),
    media: tuple[str, ...] = (),
    label_sources: tuple[str, ...] = (),
    items: int | None = None,
    old_names: tuple[str, ...] | None = (),
    aliases: tuple[str, ...] = (),
    notes: str = "",
) -> CatalogEntry:
    """Build a meta entry. ``old_names``: file names in ``caojianjian/LAMM`` (``None``: not there)."""
    hub = [HubFile(DEFAULT_REPO, f"{group}/meta_file/{name}.json")]
    if old_names is not None:
        for old in old_names or (name,):
            hub.append(HubFile(OLD_REPO, f"{group}/meta_file/{old}.json"))
    old_aliases = tuple(o for o in (old_names or ()) if o != name)
    return CatalogEntry(
        name=name,
        group=group,
        kind="meta",
        filename=f"{name}.json",
        modality="pointcloud" if group.startswith("3D") else "image",
        documented_size=size,
        task=task,
        dataset=dataset,
        record=record,
        gt_fields=gt,
        media=media,
        label_sources=label_sources,
        items=items,
        hub=tuple(hub),
        aliases=old_aliases + aliases,
        notes=notes,
    )


def _archive(name: str, group: Group, size: str, notes: str = "", also_in: tuple[Group, ...] = ()) -> CatalogEntry:
    """Build an archive entry; on OpenDataLab it is ``/raw/<group>/<name>.zip`` (then under ``also_in`` groups)."""
    return CatalogEntry(
        name=name,
        group=group,
        kind="archive",
        filename=f"{name}.zip",
        modality="pointcloud" if name.endswith("_pcls") else "image",
        documented_size=size,
        task="Archive",
        media=(name,),
        notes=notes or f"Unpacks to {group}/{name}/; not on the Hugging Face hub.",
        opendatalab=tuple(f"/raw/{g}/{name}.zip" for g in (group, *also_in)),
    )


def _bench2d(task: str, dataset: str, size: str, record: type[Record], gt: tuple[str, ...], media: str,
             **kw) -> CatalogEntry:
    return _meta(f"{task}_{dataset}", "2D_Benchmark", size, record, task=task, dataset=dataset, gt=gt,
                 media=(media,), **kw)


_I2 = "2D_Instruct"
_CONV = ("conversations", "task_type")
_ENTRIES: tuple[CatalogEntry, ...] = (
    # 2D instruction files (sizes: openlamm tree listing, §1.1)
    _meta("daily_dialogue_49k", _I2, "111 MB", InstructRecord2D, task="Instruct", gt=_CONV, media=("coco_images",),
          notes="Multi-round daily dialogue on COCO images (task_type conversation)."),
    _meta("detailed_description_49k", _I2, "65.5 MB", InstructRecord2D, task="Instruct", gt=_CONV,
          media=("coco_images",),
          notes="One-round detailed descriptions (task_type description)."),
    _meta("factual_knowledge_dialogue_42k", _I2, "83.1 MB", InstructRecord2D, task="Instruct", gt=_CONV,
          media=("bamboo_images",), notes="Multi-round factual-knowledge dialogue on Bamboo images."),
    _meta("vision_task_dialogue_46k", _I2, "65.4 MB", InstructRecord2D, task="Instruct", gt=_CONV,
          media=("coco_images", "bamboo_images", "locount_images", "textvqa_images"),
          notes="Vision-task dialogue: detection, classification, counting, keypoints, OCR-VQA."),
    _meta("LAMM_instruct_98k", _I2, "177 MB", InstructRecord2D, task="Instruct", gt=_CONV, media=("coco_images",),
          old_names=("LAMM_2dinstruct_98k", "LAMM_instruct_98k"),
          notes="daily_dialogue + detailed_description."),
    _meta("LAMM_instruct_140k", _I2, "260 MB", InstructRecord2D, task="Instruct", gt=_CONV,
          media=("coco_images", "bamboo_images"), old_names=("LAMM_2dinstruct_140k", "LAMM_instruct_140k"),
          notes="98k + factual_knowledge_dialogue (inferred)."),
    _meta("LAMM_instruct_186k", _I2, "325 MB", InstructRecord2D, task="Instruct", gt=_CONV, items=186_098,
          media=("coco_images", "bamboo_images", "locount_images", "textvqa_images"),
          old_names=("LAMM_2dinstruct_186k", "LAMM_instruct_186k"), notes="All four 2D instruction sets."),
    # 3D instruction files
    _meta("LAMM_3dinstruct_10k", "3D_Instruct", "19.6 MB", InstructRecord3D, task="Instruct", gt=_CONV, items=10_262,
          media=("3rscan_pcls", "shapenet_pcls"), notes="ShapeNet and 3RScan point clouds; no id/image keys."),
    _meta("VQA_ScanQA_multiplechoice_finetune", "3D_Instruct", "7.61 MB", InstructRecord3D, task="Instruct", gt=_CONV,
          media=("scannet_pcls",), old_names=None, label_sources=("ScanQA",),
          notes="Fine-tuning data for the 99.89% ScanQA row (openlamm PR #1, 2023-10-16); only in "
                "openlamm/LAMM_Dataset; record layout not documented (read as 3D instruction records)."),
    # 2D benchmark files (§4.2)
    _bench2d("Caption", "flickr30k", "612 kB", CaptionRecord, ("sentences",), "flickr30k_images",
             aliases=("flickr30k", "Flickr30k_LAMM")),
    _bench2d("Classification", "CIFAR10", "2.7 MB", ClassificationRecord, ("label",), "cifar10_images",
             aliases=("CIFAR10", "CIFAR10_LAMM")),
    _bench2d("Counting", "FSC147", "7.62 MB", CountingRecord, ("num",), "fsc147_images",
             aliases=("FSC147", "FSC147_LAMM")),
    _bench2d("Detection", "VOC2012", "6.68 MB", DetectionRecord, ("object",), "voc2012_images",
             aliases=("VOC2012", "VOC2012_LAMM"), notes="Boxes normalised [x1, y1, x2, y2] in [0, 1]."),
    _bench2d("Facial_Classification", "CelebA(Hair)", "2.51 MB", FacialHairRecord, ("attr",), "celeba_images",
             aliases=("CelebA(Hair)",)),
    _bench2d("Facial_Classification", "CelebA(Smile)", "3.78 MB", FacialSmileRecord, ("attr",), "celeba_images",
             aliases=("CelebA(Smile)",), notes='attr is the string "1" (smiling) or "-1".'),
    _bench2d("Fine-grained_Classification", "UCMerced", "691 kB", FineGrainedRecord, ("label",), "ucmerced_images",
             aliases=("UCMerced",)),
    _bench2d("Keypoints_Detection", "LSP", "4.08 MB", KeypointsRecord, ("gt_joints",), "lsp_images",
             old_names=("Keypoints_Dectection_LSP",), aliases=("LSP",),
             notes="14 joints in pixels of the stored image; the old repo and the dataset card spell the "
                   "file Keypoints_Dectection_LSP.json."),
    _bench2d("Locating", "FSC147", "7.82 MB", LocatingPointsRecord, ("points",), "fsc147_images",
             notes="Object centres in pixels; scored only by the first LAMM version (point distance)."),
    _bench2d("Locating", "LSP", "4.09 MB", LocatingJointsRecord, ("gt_joints",), "lsp_images"),
    _bench2d("Locating", "VOC2012", "6.21 MB", LocatingBoxesRecord, ("object",), "voc2012_images",
             aliases=("Locating_VOC2012_LAMM",)),
    _bench2d("OCR", "SVT", "68.9 kB", OCRRecord, ("word_list",), "svt_images", aliases=("SVT",)),
    _bench2d("VQA", "AI2D", "2.15 MB", ChoiceRecord, ("gt_choice", "gt_choices"), "ai2d_images",
             aliases=("AI2D",)),
    _bench2d("VQA", "SQAimage", "3.72 MB", ChoiceRecord, ("gt_choice", "gt_choices"), "sqaimage_images",
             aliases=("SQAimage", "VQA_ScienceQA", "ScienceQA", "ScienceQA_LAMM"),
             notes="ChEF reads the same file as VQA_ScienceQA.json."),
    # 3D benchmark files (§5)
    _meta("Detection_ScanNet", "3D_Benchmark", "1.7 MB", Detection3DRecord, task="Detection", dataset="ScanNet",
          gt=("object",), media=("scannet_pcls",), aliases=("ScanNet", "ScanNet_LAMM"),
          notes="Boxes [cx, cy, cz, l, w, h] in metres, axis-aligned; ~312 scenes (inferred)."),
    _meta("VG_ScanRefer", "3D_Benchmark", "6.41 MB", Grounding3DRecord, task="VG", dataset="ScanRefer",
          gt=("object",), media=("scannet_pcls",), label_sources=("ScanRefer",),
          aliases=("ScanRefer", "ScanRefer_LAMM"),
          notes="One box [cx, cy, cz, l, w, h] in metres under 'object' (older copies: 'gt_bbox')."),
    _meta("VQA_ScanQA_multiplechoice", "3D_Benchmark", "1.92 MB", Choice3DRecord, task="VQA",
          dataset="ScanQA_multiplechoice", gt=("gt_choice", "gt_choices"), media=("scannet_pcls",),
          label_sources=("ScanQA",),
          aliases=("ScanQA", "ScanQA_multiplechoice", "ScanQA_LAMM"), notes="Up to 6 options (A-F)."),
    # archives (§1.4; older README figures in brackets)
    _archive("coco_images", _I2, "7.8 GB [8.5 GB]"),
    _archive("bamboo_images", _I2, "5.4 GB [7.5 GB]"),
    _archive("locount_images", _I2, "3.0 GB"),
    _archive("textvqa_images", _I2, "2.4 GB"),
    _archive("ai2d_images", "2D_Benchmark", "559 MB"),
    _archive("celeba_images", "2D_Benchmark", "566 MB"),
    _archive("cifar10_images", "2D_Benchmark", "8.9 MB"),
    _archive("flickr30k_images", "2D_Benchmark", "559 MB [134 MB]"),
    _archive("fsc147_images", "2D_Benchmark", "44 MB"),
    _archive("lsp_images", "2D_Benchmark", "9.9 MB"),
    _archive("sqaimage_images", "2D_Benchmark", "127 MB"),
    _archive("svt_images", "2D_Benchmark", "82 MB"),
    _archive("ucmerced_images", "2D_Benchmark", "317 MB"),
    _archive("voc2012_images", "2D_Benchmark", "196 MB"),
    _archive("3rscan_pcls", "3D_Instruct", "720 MB"),
    _archive("shapenet_pcls", "3D_Instruct", "209 MB"),
    _archive("scannet_pcls", "3D_Benchmark", "246 MB",
             notes="Unpacks to 3D_Benchmark/scannet_pcls/; the tutorial's link points at raw/3D_Instruct.",
             also_in=("3D_Instruct",)),
)

_BY_NAME: dict[str, CatalogEntry] = {e.name: e for e in _ENTRIES}
CATALOG: Mapping[str, CatalogEntry] = MappingProxyType(_BY_NAME)
"""Every file by canonical name: the release's files in release order, then any :func:`register`-ed ones."""

BENCHMARKS: tuple[str, ...] = tuple(e.name for e in _ENTRIES if e.is_benchmark)
"""Canonical names of the 17 benchmark meta files of the LAMM release (14 2D, then 3 3D)."""


def _key(name: str) -> str:
    key = name.strip().lower()
    for suffix in (".json", ".jsonl", ".zip"):
        key = key.removesuffix(suffix)
    return key


def _claims(entry: CatalogEntry, table: Mapping[str, str]) -> dict[str, str]:
    """The alias keys of ``entry``; raises ``ValueError`` when another entry already claims one."""
    found: dict[str, str] = {}
    for spelling in (entry.name, *entry.aliases):
        key = _key(spelling)
        if table.get(key, entry.name) != entry.name:
            raise ValueError(f"alias {spelling!r} is claimed by {table[key]} and {entry.name}")
        found[key] = entry.name
    return found


def _build_aliases() -> dict[str, str]:
    table: dict[str, str] = {}
    for entry in _ENTRIES:
        table.update(_claims(entry, table))
    return table


_ALIASES = _build_aliases()


def register(entry: CatalogEntry) -> CatalogEntry:
    """Add a file to the catalog for this process (a new benchmark: see ``docs/adding-a-benchmark.md``).

    Its name and aliases must not clash with any entry's; its ``record`` is a :class:`~lamm_data.schemas.Record`
    model (one of :mod:`lamm_data.schemas` or a new one; its ``KEY`` must not be another model's).

    Raises:
        ValueError: the name or an alias is taken.
    """
    if entry.name in _BY_NAME:
        raise ValueError(f"{entry.name} is already in the catalog")
    claims = _claims(entry, _ALIASES)
    if entry.record is not None:
        known = record_models().get(entry.record.KEY, entry.record)
        if known is not entry.record:
            raise ValueError(f"record model {entry.record.__name__} has the KEY {entry.record.KEY!r} of "
                             f"{known.__name__}; give it its own KEY")
    _BY_NAME[entry.name] = entry
    _ALIASES.update(claims)
    return entry


def unregister(name: str) -> None:
    """Remove an entry added with :func:`register` (the release's files cannot be removed)."""
    entry = _BY_NAME.get(name)
    if entry is None or entry in _ENTRIES:
        raise ValueError(f"{name} was not added with register()")
    del _BY_NAME[name]
    for key in [k for k, v in _ALIASES.items() if v == name]:
        del _ALIASES[key]


def record_models() -> dict[str, type[Record]]:
    """Every record model the catalog uses, by its ``KEY`` (how converted data names it)."""
    return {e.record.KEY: e.record for e in _BY_NAME.values() if e.record is not None}


def benchmark_names() -> tuple[str, ...]:
    """Canonical names of every benchmark: the release's 17 (:data:`BENCHMARKS`), then registered ones."""
    return tuple(name for name, e in _BY_NAME.items() if e.is_benchmark)


def resolve(name: str) -> CatalogEntry:
    """Return the entry for a canonical name or any alias (case-insensitive; ``.json``/``.zip`` optional).

    Bare dataset names resolve as LAMM's ``common_eval`` scripts read them: ``VOC2012`` is
    ``Detection_VOC2012``, ``LSP`` is ``Keypoints_Detection_LSP``, ``FSC147`` is ``Counting_FSC147``.

    Raises:
        UnknownNameError: nothing matches; the message lists the closest names.
    """
    canonical = _ALIASES.get(_key(name))
    if canonical is not None:
        return CATALOG[canonical]
    close = difflib.get_close_matches(_key(name), list(_ALIASES), n=8, cutoff=0.5)
    suggestions = list(dict.fromkeys(_ALIASES[c] for c in close))[:5]
    hint = f" Closest names: {', '.join(suggestions)}." if suggestions else ""
    raise UnknownNameError(f"unknown LAMM file {name!r}.{hint} Run `lamm-data list` to see every name.")


def entries(group: str | None = None, kind: Kind | None = None) -> Iterator[CatalogEntry]:
    """Iterate catalog entries in release order (registered ones last), optionally filtered by group and kind."""
    if group is not None and group not in GROUPS:
        close = difflib.get_close_matches(group, GROUPS, n=2, cutoff=0.3)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise UnknownNameError(f"unknown group {group!r}; expected one of {', '.join(GROUPS)}.{hint}")
    for entry in list(_BY_NAME.values()):
        if (group is None or entry.group == group) and (kind is None or entry.kind == kind):
            yield entry
