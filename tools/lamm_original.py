"""Load the original LAMM evaluator modules from a git checkout of OpenGVLab/LAMM, for dev-only comparisons.

Used by ``tools/crosscheck_lamm.py`` and ``bench/score.py``. The sources are read with ``git show`` at the
commits lamm-formats.md names (a2bb614: ``src/datasets/utils.py``, ``src/common_eval_2d.py``,
``src/common_eval_3d.py``, ``src/locating_eval.py``; 479db7d: ``src/locating_eval.py`` with FSC147
``point_distance_eval``) and executed as modules; nothing of theirs is stored in this project.
NLTK's data files are not available offline, so ``classification_acc`` and ``word_tokenize`` are replaced
by the functions the caller passes (on both sides of any comparison), and ``tqdm`` by a pass-through.
"""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Callable

NEW, V1 = "a2bb614", "479db7d"


def _source(repo: str, commit: str, path: str) -> str:
    return subprocess.run(["git", "-C", repo, "show", f"{commit}:{path}"], check=True, capture_output=True,
                          text=True).stdout


def load_lamm_original(repo: str, *, label_match: Callable[[str, str], bool],
                       tokenize: Callable[[str], list[str]]) -> dict[str, types.ModuleType]:
    """Modules ``utils``, ``eval2d``, ``eval3d``, ``locating`` (a2bb614) and ``locating_v1`` (479db7d)."""
    import nltk.corpus

    nltk.corpus.stopwords = types.SimpleNamespace(words=lambda lang: ["the", "a", "is"])  # type: ignore[attr-defined]
    sys.modules["tqdm"] = types.SimpleNamespace(tqdm=lambda it, **kw: it)  # type: ignore[assignment]
    utils = types.ModuleType("datasets.utils")
    exec(compile(_source(repo, NEW, "src/datasets/utils.py"), "lamm_utils.py", "exec"), utils.__dict__)
    utils.classification_acc = label_match  # type: ignore[attr-defined]
    utils.word_tokenize = tokenize  # type: ignore[attr-defined]
    package = types.ModuleType("datasets")
    package.utils = utils  # type: ignore[attr-defined]
    package.load_2Deval_dataset = package.load_3Deval_dataset = None  # type: ignore[attr-defined]
    sys.modules["datasets"], sys.modules["datasets.utils"] = package, utils
    modules = {"utils": utils}
    for short, commit, path in (("eval2d", NEW, "src/common_eval_2d.py"), ("eval3d", NEW, "src/common_eval_3d.py"),
                                ("locating", NEW, "src/locating_eval.py"), ("locating_v1", V1, "src/locating_eval.py")):
        module = types.ModuleType(short)
        exec(compile(_source(repo, commit, path), f"lamm_{short}.py", "exec"), module.__dict__)
        module.classification_acc = label_match  # type: ignore[attr-defined]
        module.word_tokenize = tokenize  # type: ignore[attr-defined]
        modules[short] = module
    return modules
