"""Tokenizers: a pretrained one from the hub or a folder, or a byte-level one built locally.

The byte-level tokenizer (one token per UTF-8 byte, plus ``<unk> <s> </s> <pad>``) needs no download
and no training, so a random tiny model can be trained anywhere (tests, the CPU sample config).
"""

from __future__ import annotations

from transformers import AutoTokenizer, PreTrainedTokenizerBase, PreTrainedTokenizerFast

from lamm_model.config import loading

BYTE = "byte"
"""Name of the locally built byte-level tokenizer in configs."""


def byte_tokenizer() -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer without merges: ids 0-255 are bytes, then ``<unk> <s> </s> <pad>`` (260 ids)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    core = Tokenizer(models.BPE(vocab={ch: i for i, ch in enumerate(alphabet)}, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    core.add_special_tokens(["<unk>", "<s>", "</s>", "<pad>"])
    return PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>")


def load_tokenizer(name: str) -> PreTrainedTokenizerBase:
    """``byte`` -> :func:`byte_tokenizer`; otherwise ``AutoTokenizer.from_pretrained(name)``.

    A tokenizer without a pad token pads with its EOS token (as LAMM did with LLaMA's).

    Raises:
        ConfigError: ``name`` is neither ``byte`` nor a loadable tokenizer.
    """
    if name == BYTE:
        tokenizer = byte_tokenizer()
    else:
        with loading("model.llm.tokenizer (or model.llm.pretrained)", name):
            tokenizer = AutoTokenizer.from_pretrained(name)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
