"""lamm_model: a thin LAMM-style trainer and predictor (vision/point encoder + projector + causal LM with LoRA).

Needs the ``model`` extra (torch, transformers, peft, pyyaml); nothing heavy is imported here.
"""

from lamm_data._version import __version__

__all__ = ["__version__"]
