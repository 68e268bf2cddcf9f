"""LAMM's per-benchmark answering procedure, for any backend that turns chat requests into text.

* every benchmark: one request per item (system message + image + query);
* Keypoints_Detection_LSP: one request per LSP joint, ``query.format(joint)``; the stored text is
  ``{joint: answer}`` in LSP order;
* multiple-choice VQA (two-pass, LAMM's default for style ``lamm``): the first answer is the reasoning, the second
  request asks ``query + reasoning + " ###\\nANSWER:"``; the stored text is
  ``reasoning + "\\n The answer is " + second answer``.

Every generated text is cut at LAMM's ``###`` separator and stripped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lamm_model.backends import lamm_prompts
from lamm_model.backends.chat import BenchmarkItem, ChatRequest, ChatStyle, request

Generate = Callable[[Sequence[ChatRequest]], list[str]]
"""A backend: one generated text per request, in order."""
Answer = str | dict[str, str]


@dataclass(frozen=True)
class Procedure:
    """How items are asked: the prompt style and whether VQA takes LAMM's two passes."""

    style: ChatStyle = "lamm"
    vqa_two_pass: bool = True

    def first_requests(self, item: BenchmarkItem) -> list[ChatRequest]:
        """The requests asked first about ``item`` (14 for keypoints, else one)."""
        return [request(item, text, self.style) for text in lamm_prompts.item_queries(item.benchmark, item.query)]

    def two_pass(self, item: BenchmarkItem) -> bool:
        """Whether ``item`` gets a second (answer) pass."""
        return self.vqa_two_pass and lamm_prompts.two_pass(item.benchmark)

    def answer(self, items: Sequence[BenchmarkItem], generate: Generate) -> list[Answer]:
        """The stored text of each item; ``generate`` is called once per pass with all requests of that pass."""
        firsts = [self.first_requests(item) for item in items]
        flat = [r for rs in firsts for r in rs]
        texts = [lamm_prompts.cut_answer(t) for t in generate(flat)]
        if len(texts) != len(flat):
            raise RuntimeError(f"the backend gave {len(texts)} answers to {len(flat)} requests")
        answers: list[Answer] = []
        second: list[tuple[int, str]] = []
        at = 0
        for i, (item, reqs) in enumerate(zip(items, firsts, strict=True)):
            got = texts[at:at + len(reqs)]
            at += len(reqs)
            if lamm_prompts.per_joint(item.benchmark):
                answers.append(lamm_prompts.joint_answers(item.benchmark, got))
            else:
                answers.append(got[0])
                if self.two_pass(item):
                    second.append((i, got[0]))
        if second:
            follow = [request(items[i], lamm_prompts.vqa_follow_up(items[i].query, reasoning), self.style)
                      for i, reasoning in second]
            options = [lamm_prompts.cut_answer(t) for t in generate(follow)]
            for (i, reasoning), option in zip(second, options, strict=True):
                answers[i] = lamm_prompts.vqa_answer(reasoning, option)
        return answers
