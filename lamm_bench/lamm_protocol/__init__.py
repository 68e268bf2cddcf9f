"""The original LAMM evaluators' formulas, one function per sample, quirks included.

Sources: ``src/common_eval_2d.py``, ``src/common_eval_3d.py``, ``src/locating_eval.py`` and
``src/datasets/utils.py`` at OpenGVLab/LAMM a2bb614, plus ``point_distance_eval`` from 479db7d.
Each function returns one sample's contribution; :mod:`lamm_bench.scorers` sums them. The only
deliberate changes: PCK counts its hits, and samples are joined to ground truth by id.
"""
