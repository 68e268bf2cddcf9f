"""Dataset cards (``README.md`` with YAML front matter, as the Hugging Face hub and ``datasets`` read them) for
converted splits and exported Parquet folders.

A card states: the licence of LAMM's annotations and of every source dataset the split's media and labels come
from, the citations of LAMM and of those datasets, the features (in the ``dataset_info`` YAML form ``datasets``
reads), the split and its size, and the provenance (source file, sha256, schema version, converter version).
For a Parquet folder the card's ``configs`` entry points at its shards, so ``datasets.load_dataset(FOLDER)`` and
the hub viewer read it as it is.

Licences are as the sources publish them; where a source has its own terms rather than a standard licence the
card says ``other`` and links the terms. The toolkit does not grant any right: check each source's terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lamm_data.catalog import CatalogEntry
from lamm_data.features import ClassLabelOf, ImageRef, ListOf, PointCloudRef, Scalar, Spec, StructOf
from lamm_data.provenance import Provenance

CARD_FILE = "README.md"
"""File name of a dataset card (what the hub and ``datasets.load_dataset(FOLDER)`` read)."""


@dataclass(frozen=True)
class SourceDataset:
    """A dataset LAMM took media or labels from: its licence (a hub licence id, or ``other`` with terms)."""

    name: str
    homepage: str
    license: str
    terms: str
    citation: str


LAMM_LICENSE = "cc-by-nc-4.0"
"""LAMM's annotations: CC BY-NC 4.0 as LAMM's GitHub README states (the hub card's header says apache-2.0)."""
LAMM_HOMEPAGE = "https://github.com/OpenGVLab/LAMM"
LAMM_CITATION = """@inproceedings{yin2023lamm,
  title     = {{LAMM}: Language-Assisted Multi-Modal Instruction-Tuning Dataset, Framework, and Benchmark},
  author    = {Yin, Zhenfei and Wang, Jiong and Cao, Jianjian and Shi, Zhelun and Liu, Dingning and Li, Mukai
               and Sheng, Lu and Bai, Lei and Huang, Xiaoshui and Wang, Zhiyong and Shao, Jing and Ouyang, Wanli},
  booktitle = {Advances in Neural Information Processing Systems (Datasets and Benchmarks Track)},
  year      = {2023}
}"""


def _source(name: str, homepage: str, license: str, terms: str, citation: str) -> SourceDataset:
    return SourceDataset(name, homepage, license, terms, citation)


SOURCES: dict[str, SourceDataset] = {s.name: s for s in (
    _source("COCO", "https://cocodataset.org", "other",
            "annotations CC BY 4.0; images under the Flickr terms of use of each image",
            "@inproceedings{lin2014coco,\n  title = {Microsoft {COCO}: Common Objects in Context},\n"
            "  author = {Lin, Tsung-Yi and others},\n  booktitle = {ECCV},\n  year = {2014}\n}"),
    _source("Bamboo", "https://github.com/ZhangYuanhan-AI/Bamboo", "other", "terms of the Bamboo release",
            "@article{zhang2022bamboo,\n  title = {Bamboo: Building Mega-Scale Vision Dataset Continually with "
            "Human-Machine Synergy},\n  author = {Zhang, Yuanhan and others},\n  journal = {arXiv:2203.07845},\n"
            "  year = {2022}\n}"),
    _source("Locount", "https://isrc.iscas.ac.cn/gitlab/research/locount-dataset", "other",
            "terms of the Locount release",
            "@inproceedings{cai2021locount,\n  title = {Rethinking Object Detection in Retail Stores},\n"
            "  author = {Cai, Yuanqiang and others},\n  booktitle = {AAAI},\n  year = {2021}\n}"),
    _source("TextVQA", "https://textvqa.org", "cc-by-4.0", "CC BY 4.0 (images: Open Images, CC BY 2.0)",
            "@inproceedings{singh2019textvqa,\n  title = {Towards {VQA} Models That Can Read},\n"
            "  author = {Singh, Amanpreet and others},\n  booktitle = {CVPR},\n  year = {2019}\n}"),
    _source("Flickr30k", "https://shannon.cs.illinois.edu/DenotationGraph/", "other",
            "research use; images under the Flickr terms of use",
            "@article{young2014flickr30k,\n  title = {From image descriptions to visual denotations},\n"
            "  author = {Young, Peter and Lai, Alice and Hodosh, Micah and Hockenmaier, Julia},\n"
            "  journal = {TACL},\n  year = {2014}\n}"),
    _source("CIFAR-10", "https://www.cs.toronto.edu/~kriz/cifar.html", "other",
            "no licence stated by the authors; cite the report",
            "@techreport{krizhevsky2009cifar,\n  title = {Learning Multiple Layers of Features from Tiny Images},\n"
            "  author = {Krizhevsky, Alex},\n  institution = {University of Toronto},\n  year = {2009}\n}"),
    _source("FSC-147", "https://github.com/cvlab-stonybrook/LearningToCountEverything", "other",
            "terms of the FSC-147 release",
            "@inproceedings{ranjan2021fsc147,\n  title = {Learning To Count Everything},\n"
            "  author = {Ranjan, Viresh and Sharma, Udbhav and Nguyen, Thu and Hoai, Minh},\n"
            "  booktitle = {CVPR},\n  year = {2021}\n}"),
    _source("PASCAL VOC 2012", "http://host.robots.ox.ac.uk/pascal/VOC/voc2012/", "other",
            "images under the Flickr terms of use; annotations for research use",
            "@article{everingham2010pascal,\n  title = {The Pascal Visual Object Classes ({VOC}) Challenge},\n"
            "  author = {Everingham, Mark and others},\n  journal = {IJCV},\n  year = {2010}\n}"),
    _source("CelebA", "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html", "other",
            "non-commercial research use only (CelebA agreement)",
            "@inproceedings{liu2015celeba,\n  title = {Deep Learning Face Attributes in the Wild},\n"
            "  author = {Liu, Ziwei and Luo, Ping and Wang, Xiaogang and Tang, Xiaoou},\n  booktitle = {ICCV},\n"
            "  year = {2015}\n}"),
    _source("UC Merced Land Use", "http://weegee.vision.ucmerced.edu/datasets/landuse.html", "other",
            "images from the USGS National Map; terms of the UC Merced release",
            "@inproceedings{yang2010ucmerced,\n  title = {Bag-of-visual-words and spatial extensions for "
            "land-use classification},\n  author = {Yang, Yi and Newsam, Shawn},\n  booktitle = {ACM SIGSPATIAL "
            "GIS},\n  year = {2010}\n}"),
    _source("LSP", "http://sam.johnson.io/research/lsp.html", "other", "terms of the LSP release",
            "@inproceedings{johnson2010lsp,\n  title = {Clustered Pose and Nonlinear Appearance Models for Human "
            "Pose Estimation},\n  author = {Johnson, Sam and Everingham, Mark},\n  booktitle = {BMVC},\n"
            "  year = {2010}\n}"),
    _source("SVT", "http://vision.ucsd.edu/~kai/svt/", "other", "terms of the Street View Text release",
            "@inproceedings{wang2011svt,\n  title = {End-to-end scene text recognition},\n"
            "  author = {Wang, Kai and Babenko, Boris and Belongie, Serge},\n  booktitle = {ICCV},\n"
            "  year = {2011}\n}"),
    _source("AI2D", "https://allenai.org/data/diagrams", "other", "terms of the AI2 Diagrams release",
            "@inproceedings{kembhavi2016ai2d,\n  title = {A Diagram Is Worth A Dozen Images},\n"
            "  author = {Kembhavi, Aniruddha and others},\n  booktitle = {ECCV},\n  year = {2016}\n}"),
    _source("ScienceQA", "https://scienceqa.github.io", "cc-by-nc-sa-4.0", "CC BY-NC-SA 4.0",
            "@inproceedings{lu2022scienceqa,\n  title = {Learn to Explain: Multimodal Reasoning via Thought Chains "
            "for Science Question Answering},\n  author = {Lu, Pan and others},\n  booktitle = {NeurIPS},\n"
            "  year = {2022}\n}"),
    _source("ScanNet", "http://www.scan-net.org", "other", "ScanNet Terms of Use (non-commercial research)",
            "@inproceedings{dai2017scannet,\n  title = {{ScanNet}: Richly-annotated {3D} Reconstructions of Indoor "
            "Scenes},\n  author = {Dai, Angela and others},\n  booktitle = {CVPR},\n  year = {2017}\n}"),
    _source("ScanRefer", "https://daveredrum.github.io/ScanRefer/", "other",
            "terms of the ScanRefer release (and the ScanNet Terms of Use)",
            "@inproceedings{chen2020scanrefer,\n  title = {{ScanRefer}: {3D} Object Localization in {RGB-D} Scans "
            "using Natural Language},\n  author = {Chen, Dave Zhenyu and Chang, Angel X. and Nie{\\ss}ner, "
            "Matthias},\n  booktitle = {ECCV},\n  year = {2020}\n}"),
    _source("ScanQA", "https://github.com/ATR-DBI/ScanQA", "other",
            "terms of the ScanQA release (and the ScanNet Terms of Use)",
            "@inproceedings{azuma2022scanqa,\n  title = {{ScanQA}: {3D} Question Answering for Spatial Scene "
            "Understanding},\n  author = {Azuma, Daichi and Miyanishi, Taiki and Kurita, Shuhei and Kawanabe, "
            "Motoaki},\n  booktitle = {CVPR},\n  year = {2022}\n}"),
    _source("3RScan", "https://waldjohannau.github.io/RIO/", "other", "3RScan Terms of Use (non-commercial)",
            "@inproceedings{wald2019rio,\n  title = {{RIO}: {3D} Object Instance Re-Localization in Changing "
            "Indoor Environments},\n  author = {Wald, Johanna and others},\n  booktitle = {ICCV},\n"
            "  year = {2019}\n}"),
    _source("ShapeNet", "https://shapenet.org", "other", "ShapeNet Terms of Use (non-commercial research)",
            "@article{chang2015shapenet,\n  title = {{ShapeNet}: An Information-Rich {3D} Model Repository},\n"
            "  author = {Chang, Angel X. and others},\n  journal = {arXiv:1512.03012},\n  year = {2015}\n}"),
)}
"""Every source dataset of the LAMM release, by name."""

MEDIA_SOURCES: dict[str, tuple[str, ...]] = {
    "coco_images": ("COCO",), "bamboo_images": ("Bamboo",), "locount_images": ("Locount",),
    "textvqa_images": ("TextVQA",), "flickr30k_images": ("Flickr30k",), "cifar10_images": ("CIFAR-10",),
    "fsc147_images": ("FSC-147",), "voc2012_images": ("PASCAL VOC 2012",), "celeba_images": ("CelebA",),
    "ucmerced_images": ("UC Merced Land Use",), "lsp_images": ("LSP",), "svt_images": ("SVT",),
    "ai2d_images": ("AI2D",), "sqaimage_images": ("ScienceQA",), "scannet_pcls": ("ScanNet",),
    "3rscan_pcls": ("3RScan",), "shapenet_pcls": ("ShapeNet",),
}
"""Source datasets of each media archive."""
def sources_of(entry: CatalogEntry) -> list[SourceDataset]:
    """The source datasets of one LAMM file: those of its media, then of its labels."""
    names = [n for folder in entry.media for n in MEDIA_SOURCES.get(folder, ())]
    names += list(entry.label_sources)
    return [SOURCES[n] for n in dict.fromkeys(names)]


def split_name(entry: CatalogEntry) -> str:
    """``test`` for a benchmark file, ``train`` for an instruction file."""
    return "test" if entry.is_benchmark else "train"


def feature_yaml(name: str, spec: Spec) -> dict[str, Any]:
    """One feature in the ``dataset_info.features`` YAML form of ``datasets`` (``Features._to_yaml_list``)."""
    return {"name": name, **_feature_type(spec)}


def _feature_type(spec: Spec) -> dict[str, Any]:
    if isinstance(spec, Scalar):
        return {"dtype": spec.dtype}
    if isinstance(spec, ImageRef):
        return {"dtype": "image"}
    if isinstance(spec, ClassLabelOf):
        return {"dtype": {"class_label": {"names": {str(i): n for i, n in enumerate(spec.names)}}}}
    if isinstance(spec, PointCloudRef):
        return {"dtype": "string"} if spec.storage == "path" else {"list": {"list": "float32"}}
    if isinstance(spec, ListOf):
        inner = _feature_type(spec.item)
        if isinstance(spec.item, StructOf):
            inner_value: Any = inner["struct"]
        elif set(inner) == {"dtype"}:
            inner_value = inner["dtype"]
        else:
            inner_value = inner
        return {"list": inner_value, **({"length": spec.length} if spec.length > 0 else {})}
    return {"struct": [feature_yaml(n, s) for n, s in spec.fields]}


def card_text(entry: CatalogEntry, cols: Sequence[tuple[str, Spec]], rows: int, prov: Provenance, *,
              data_files: str | None = None, num_bytes: int | None = None) -> str:
    """The dataset card of one converted or exported split.

    ``data_files``: glob of the Parquet shards relative to the card (adds a ``configs`` entry, so that
    ``datasets.load_dataset`` on the folder reads them); ``None`` for a converted Arrow folder.
    """
    from huggingface_hub import DatasetCardData

    sources = sources_of(entry)
    licenses = list(dict.fromkeys([LAMM_LICENSE, *(s.license for s in sources)]))
    split = split_name(entry)
    extra: dict[str, Any] = {
        "dataset_info": {"features": [feature_yaml(n, s) for n, s in cols],
                         "splits": [{"name": split, "num_examples": rows,
                                     **({"num_bytes": num_bytes} if num_bytes is not None else {})}]},
        "lamm": {"name": entry.name, "group": entry.group, "task": entry.task, "source_file": entry.relpath,
                 "source_sha256": prov.source_sha256, "schema_version": prov.schema_version,
                 "converter": f"lamm-toolkit {prov.lamm_data_version}", "format_version": prov.format_version,
                 "embed_media": prov.embed_media, "converted": prov.created},
    }
    if data_files is not None:
        extra["configs"] = [{"config_name": "default", "data_files": [{"split": split, "path": data_files}]}]
    data = DatasetCardData(license=licenses if len(licenses) > 1 else licenses[0], language=["en"],
                           pretty_name=f"LAMM {entry.name}", source_datasets=[s.name for s in sources],
                           tags=["lamm", "multimodal", "3d" if entry.modality == "pointcloud" else "vision",
                                 "benchmark" if entry.is_benchmark else "instruction-tuning"],
                           size_categories=[_size_category(rows)], **extra)
    body = [f"# LAMM {entry.name}", "",
            f"The {split} split of `{entry.relpath}` of the [LAMM]({LAMM_HOMEPAGE}) release ({entry.group}, "
            f"task {entry.task}), {rows:,} rows, converted by lamm-toolkit {prov.lamm_data_version}."
            + (f" {entry.notes}" if entry.notes else ""), "",
            "## Licences", "",
            "Use of this data is bound by the terms of LAMM and of every source dataset below; this card does "
            "not grant any right.", "",
            "| data | licence | terms | homepage |", "| --- | --- | --- | --- |",
            f"| LAMM annotations | {LAMM_LICENSE} | CC BY-NC 4.0 (LAMM's README; the hub card of "
            f"openlamm/LAMM_Dataset says apache-2.0) | {LAMM_HOMEPAGE} |"]
    body += [f"| {s.name} | {s.license} | {s.terms} | {s.homepage} |" for s in sources]
    body += ["", "## Features", "", "| column | type |", "| --- | --- |"]
    body += [f"| `{n}` | {_describe(s)} |" for n, s in cols]
    media = ("embedded in the data" if prov.embed_media else
             "referenced by absolute path on the machine that converted them (convert with --embed-media for "
             "portable data)")
    body += ["", "## Provenance", "",
             f"- source file: `{entry.relpath}` of a LAMM root (sha256 `{prov.source_sha256}`, "
             f"{prov.source_size:,} bytes)",
             f"- record schema version {prov.schema_version}, converter format {prov.format_version}, "
             f"lamm-toolkit {prov.lamm_data_version}, converted {prov.created or 'at an unknown time'}",
             f"- media: {media}", "",
             "## Citation", "", "LAMM:", "", "```bibtex", LAMM_CITATION, "```"]
    for s in sources:
        body += ["", f"{s.name}:", "", "```bibtex", s.citation, "```"]
    return f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(body) + "\n"


def _describe(spec: Spec) -> str:
    if isinstance(spec, Scalar):
        return spec.dtype
    if isinstance(spec, ImageRef):
        return "image"
    if isinstance(spec, ClassLabelOf):
        return f"class label ({len(spec.names)} classes: {', '.join(spec.names)})"
    if isinstance(spec, PointCloudRef):
        return ("point cloud: path, decoded to float32 (N, C) on access" if spec.storage == "path"
                else "point cloud: float32 array (N, C)")
    if isinstance(spec, ListOf):
        return f"list of {_describe(spec.item)}" + (f" (length {spec.length})" if spec.length > 0 else "")
    return "struct {" + ", ".join(f"{n}: {_describe(s)}" for n, s in spec.fields) + "}"


def _size_category(rows: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M")):
        if rows < limit:
            return label
    return "1M<n<10M"
