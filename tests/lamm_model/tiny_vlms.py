"""Tiny random vision-language models of two real families, built locally (nothing is downloaded).

Each has a byte-level BPE tokenizer trained here on a few sentences, the family's real processor class
(with its PIL image processor) and a small chat template in the family's layout, saved with
``save_pretrained`` so that ``AutoModelForImageTextToText``/``AutoProcessor`` (and ``transformers serve``)
load the folder like any hub model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CORPUS = [
    "You are an AI visual assistant that can analyze a single image. What is in the image? Answer the question.",
    "The answer is (A) cat. Detect all objects: person, car, dog [0.1, 0.2, 0.3, 0.4]",
    "0123456789 ,.;:?!()[]{}",
]

LLAVA_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] | upper }}: {% if m['content'] is string %}{{ m['content'] }}{% else %}"
    "{% for c in m['content'] %}{% if c['type'] == 'image' %}<image>{{ '\\n' }}{% else %}{{ c['text'] }}{% endif %}"
    "{% endfor %}{% endif %}{{ '\\n' }}{% endfor %}{% if add_generation_prompt %}ASSISTANT:{% endif %}")
GEMMA_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ 'model' if m['role'] == 'assistant' else m['role'] }}"
    "{{ '\\n' }}{% if m['content'] is string %}{{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<start_of_image>{% else %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<end_of_turn>{{ '\\n' }}{% endfor %}{% if add_generation_prompt %}<start_of_turn>model{{ '\\n' }}{% endif %}")


def bpe_tokenizer(specials: list[str], **kwargs):
    """A byte-level BPE tokenizer (300 entries) trained on :data:`CORPUS`, as a fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, padding_side="left", **kwargs)


TINY_LLAVA = {
    "image": 16, "patch": 8,
    "text": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
             "num_key_value_heads": 2, "initializer_range": 0.2},
    "vision": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2},
    "llava": {},
}
"""The tests' LLaVA: CLIP tower on 16 px images (4 image tokens), 2-layer LLaMA of width 32."""


def build_llava(folder: Path, dims: dict | None = None, *, dtype: Any = None, device: str = "cpu") -> Path:
    """A random LLaVA saved to ``folder`` (default dims :data:`TINY_LLAVA`; ``text.vocab_size`` defaults to the
    tokenizer's size). ``dtype`` ``None``: built in fp32 by the model's constructor; otherwise built directly in
    ``dtype`` on ``device``."""
    import torch
    from transformers import (
        CLIPImageProcessorPil,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    dims = TINY_LLAVA if dims is None else dims
    tok = bpe_tokenizer(["<s>", "</s>", "<pad>", "<image>"], bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    size = dims["image"]
    images = CLIPImageProcessorPil(size={"shortest_edge": size}, crop_size={"height": size, "width": size})
    processor = LlavaProcessor(image_processor=images, tokenizer=tok, patch_size=dims["patch"],
                               num_additional_image_tokens=1, vision_feature_select_strategy="default",
                               chat_template=LLAVA_TEMPLATE)
    text = LlamaConfig(**{"vocab_size": len(tok), "max_position_embeddings": 4096, **dims["text"]},
                       bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    vision = CLIPVisionConfig(**dims["vision"], image_size=size, patch_size=dims["patch"])
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=tok.convert_tokens_to_ids("<image>"),
                         vision_feature_select_strategy="default", **dims["llava"])
    torch.manual_seed(0)
    if dtype is None:
        model = LlavaForConditionalGeneration(config)
    else:
        with torch.device(device):
            model = LlavaForConditionalGeneration._from_config(config, dtype=dtype)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def build_gemma3(folder: Path) -> Path:
    """Gemma 3: SigLIP tower on 16 px images pooled to 4 tokens, 2 layers (sliding window 16, so the
    prompts cross it), untied output layer, weights drawn N(0, 0.3) so greedy answers vary with the input."""
    import torch
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3ImageProcessorPil, Gemma3Processor

    specials = ["<pad>", "<eos>", "<bos>", "<start_of_turn>", "<end_of_turn>", "<start_of_image>", "<end_of_image>",
                "<image_soft_token>"]
    tok = bpe_tokenizer(specials, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                        extra_special_tokens={"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>",
                                              "image_token": "<image_soft_token>"})
    processor = Gemma3Processor(image_processor=Gemma3ImageProcessorPil(size={"height": 16, "width": 16}),
                                tokenizer=tok, chat_template=GEMMA_TEMPLATE, image_seq_length=4)
    ids = tok.convert_tokens_to_ids
    text = {"vocab_size": len(tok), "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "max_position_embeddings": 4096,
            "sliding_window": 16, "tie_word_embeddings": False, "eos_token_id": [ids("<eos>"), ids("<end_of_turn>")],
            "pad_token_id": tok.pad_token_id, "bos_token_id": tok.bos_token_id}
    vision = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
              "image_size": 16, "patch_size": 4}
    config = Gemma3Config(text_config=text, vision_config=vision, mm_tokens_per_image=4, tie_word_embeddings=False,
                          boi_token_index=ids("<start_of_image>"), eoi_token_index=ids("<end_of_image>"),
                          image_token_index=ids("<image_soft_token>"))
    model = Gemma3ForConditionalGeneration(config)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * 0.3)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


BUILDERS = {"llava": build_llava, "gemma3": build_gemma3}
