"""Prediction backends for any vision-language model: Hugging Face models (``--hf``, needs torch) and
OpenAI-compatible chat-completions servers (``--api-base``, torch-free).

Modules: :mod:`.chat` (benchmark items as chat messages), :mod:`.procedure` (LAMM's per-benchmark
procedure), :mod:`.fingerprint` (what a predictions file was made with), :mod:`.openai_api` (the HTTP
client), :mod:`.hf` (transformers), :mod:`.runner` (resume, order, shards). Nothing is imported here.
"""
