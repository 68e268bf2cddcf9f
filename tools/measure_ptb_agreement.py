"""Measure how often ``lamm_bench.text.ptb.ptb_tokenize`` agrees with pycocoevalcap's Java PTB tokenizer.

Development tool only (needs Java and pycocoevalcap, which ships Stanford CoreNLP 3.4.1); nothing at run time
or in the tests calls Java. Steps:

1. ``--java``: tokenise ``tests/golden/ptb/corpus.txt`` with ``pycocoevalcap.tokenizer.ptbtokenizer.PTBTokenizer``
   (``java -cp stanford-corenlp-3.4.1.jar edu.stanford.nlp.process.PTBTokenizer -preserveLines -lowerCase``
   plus its punctuation filter) and write the result, one line per corpus line, to ``tests/golden/ptb/java.txt``.
2. Always: compare with ``ptb_tokenize`` line by line, print the agreement rate, and write the 1-based numbers
   of the disagreeing lines with both outputs to ``tests/golden/ptb/known_differences.tsv`` (the test asserts
   agreement on every other line, and disagreement on these).

    python tools/measure_ptb_agreement.py [--java]
    python tools/measure_ptb_agreement.py --fresh 4000 --seed 21   # fresh adversarial strings, not committed
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "ptb"
ADVERSARIAL_LINES = 1500  # the last lines of corpus.txt (see tests/golden/ptb/make_corpus.py)


def java_tokenize(lines: list[str]) -> list[str]:
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    result = PTBTokenizer().tokenize({i: [{"caption": line}] for i, line in enumerate(lines)})
    return [result[i][0] for i in range(len(lines))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--java", action="store_true", help="re-run the Java tokenizer and rewrite java.txt")
    parser.add_argument("--fresh", type=int, default=0, help="instead, compare on this many new adversarial lines")
    parser.add_argument("--seed", type=int, default=21, help="seed of the --fresh lines")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from lamm_bench.text.ptb import ptb_tokenize

    if args.fresh:
        sys.path.insert(0, str(GOLDEN))
        from make_corpus import adversarial

        lines = adversarial(args.fresh, seed=args.seed)
        java, ours = java_tokenize(lines), ptb_tokenize(lines)
        differ = [(line, a, b) for line, a, b in zip(lines, java, ours, strict=True) if a != b]
        print(f"fresh adversarial lines (seed {args.seed}): {len(lines) - len(differ)}/{len(lines)} agree")
        for line, a, b in differ:
            print(f"  {line!r}\n    java: {a!r}\n    ours: {b!r}")
        return 0

    lines = (GOLDEN / "corpus.txt").read_text(encoding="utf-8").split("\n")[:-1]
    if args.java:
        java = java_tokenize(lines)
        (GOLDEN / "java.txt").write_text("".join(line + "\n" for line in java), encoding="utf-8")
    java = (GOLDEN / "java.txt").read_text(encoding="utf-8").split("\n")[:-1]
    if len(java) != len(lines):
        raise SystemExit(f"java.txt has {len(java)} lines for {len(lines)} corpus lines; re-run with --java")
    ours = ptb_tokenize(lines)
    differ = [i for i, (a, b) in enumerate(zip(ours, java, strict=True)) if a != b]
    rows = ["line\tcorpus\tjava\tours"] + [f"{i + 1}\t{lines[i]}\t{java[i]}\t{ours[i]}" for i in differ]
    (GOLDEN / "known_differences.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    tokens = sum(len(line.split()) for line in java)
    captions = len(lines) - ADVERSARIAL_LINES
    for name, lo, hi in (("all", 0, len(lines)), ("caption-like", 0, captions), ("adversarial", captions, len(lines))):
        bad = sum(lo <= i < hi for i in differ)
        print(f"agreement ({name}): {hi - lo - bad}/{hi - lo} lines = {(hi - lo - bad) / (hi - lo):.2%}")
    print(f"{tokens} Java tokens")
    for i in differ:
        print(f"  line {i + 1}: {lines[i]!r}\n    java: {java[i]!r}\n    ours: {ours[i]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
