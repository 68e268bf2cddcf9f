"""``lamm-model``: train a LAMM-style model and write predictions for ``lamm-bench``."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from lamm_data.console import err, fail, friendly_errors, out, pick_root, run, version_option
from lamm_data.layout import default_root

MODEL_EXTRA = ("torch", "transformers", "peft", "yaml", "safetensors", "tokenizers")
"""Top-level modules of the ``model`` extra; a command missing one tells the user to install the extra."""
INSTALL_HINT = ("lamm-model needs the 'model' extra: pip install torch==2.13.0 && pip install 'lamm-toolkit[model]' "
                "(or pip install -e '.[model]' in a checkout)")

F = TypeVar("F", bound=Callable[..., Any])


def needs_model_extra(fn: F) -> F:
    """Decorate a command so a missing ``model`` extra (torch, transformers, ...) is one line and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # before transformers prints its own warning about it; `predict --api-base` runs without torch
        if kwargs.get("api_base") is None and importlib.util.find_spec("torch") is None:
            raise fail(f"{INSTALL_HINT} (torch is not installed)", 2)
        try:
            return fn(*args, **kwargs)
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] not in MODEL_EXTRA:
                raise
            missing = exc.name.split(".")[0]  # type: ignore[union-attr]
            raise fail(f"{INSTALL_HINT} ({missing} is not installed)", 2) from None

    return wrapper  # type: ignore[return-value]


DEFAULT_BATCH_SIZE = 4
"""``lamm-model predict --batch-size`` default (greedy answers do not depend on it; ``bench/predict_defaults.py``
times it against batch 1)."""


def cpu_threads() -> int:
    """CPUs this process may run on (``os.sched_getaffinity``: cgroup/taskset limits, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


app = typer.Typer(name="lamm-model", help="Train a LAMM-style multimodal model and predict on the benchmarks.",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.", is_eager=True,
                                          callback=version_option("lamm-model"))] = False,
) -> None:
    """Train a LAMM-style multimodal model and predict on the benchmarks."""


ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file, or the name of one in "
                                                "lamm_model/configs/ (e.g. sample_cpu).")]
RootOpt = Annotated[Path | None, typer.Option("--root", help="LAMM root of the config's sources, or 'sample' (the "
                                              "same as the override data.root=...).")]
OverridesArg = Annotated[list[str] | None, typer.Argument(help="Settings to change, as key=value "
                                                               "(e.g. optim.lr=1e-4 data.sources.0.limit=8).")]


def _config(config: Path | None, overrides: list[str] | None, resume: Path | None = None,
            root: Path | None = None) -> Any:
    from lamm_model.checkpoint import CONFIG, resolve_checkpoint
    from lamm_model.config import bundled_config, load_config

    if root is not None:  # --root is data.root=, applied first so that an explicit override still wins
        overrides = [f"data.root={root}", *(overrides or [])]

    if config is None and resume is None:
        raise fail("give --config FILE (or --resume CHECKPOINT to continue a run)", 2)
    if config is not None and not config.exists() and bundled_config(str(config)) is not None:
        config = bundled_config(str(config))
    return load_config(config if config is not None else resolve_checkpoint(resume) / CONFIG, overrides or [])


def check_table(report: Any) -> Table:
    """The per-source-file check counts as a table."""
    kinds = sorted({k for s in report.sources for k in s.kinds})
    table = Table(title=f"sample checks: {report.bad} of {report.total} samples have problems")
    for column in ("source", "samples", "bad", "cut at max_length", *kinds):
        table.add_column(column, justify="left" if column == "source" else "right", overflow="fold")
    for s in report.sources:
        table.add_row(s.source, str(s.total), str(s.bad), str(s.truncated), *(str(s.kinds.get(k, 0)) for k in kinds))
    return table


class _Reporter:
    """Rich progress for training (stderr); implements :class:`lamm_model.train.TrainEvents` (not imported
    here, to keep ``lamm-model --help`` free of torch)."""

    def __init__(self) -> None:
        self.progress = Progress(TextColumn("[bold]step"), MofNCompleteColumn(), BarColumn(),
                                 TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=err)
        self.task: Any = None

    def on_check(self, report: Any) -> None:
        err.print(check_table(report))
        for problem in report.problems[:10]:
            err.print(f"  [yellow]{escape(str(problem))}[/yellow]")
        if len(report.problems) > 10:
            err.print(f"  ... and {len(report.problems) - 10} more (see sample_checks.json)")

    def on_start(self, info: dict[str, Any]) -> None:
        err.print(f"{info['samples']} samples, {info['trainable']:,} of {info['parameters']:,} parameters trainable, "
                  f"{info['processes']} process(es) on {info['device']}")
        self.progress.start()
        self.task = self.progress.add_task("train", total=info["max_steps"], completed=info["step"], info="")

    def on_step(self, log: Any) -> None:
        norm = f" | grad {log.grad_norm:.2f}" if log.grad_norm is not None else ""
        self.progress.update(self.task, completed=log.step, info=f"loss {log.loss:.4f} | lr {log.lr:.2e} | "
                                                                 f"{log.tokens_per_s:,.0f} tok/s{norm}")

    def on_checkpoint(self, path: Path) -> None:
        self.progress.console.print(f"checkpoint: {path}")

    def stop(self) -> None:
        if self.task is not None:
            self.progress.stop()


@app.command()
@needs_model_extra
@friendly_errors
def train(
    overrides: OverridesArg = None,
    config: ConfigOpt = None,
    resume: Annotated[Path | None, typer.Option(
        "--resume", help="Continue exactly from this checkpoint or run folder (its config unless --config).")] = None,
    root: RootOpt = None,
) -> None:
    """Train on LAMM data (one process, or every process under torchrun)."""
    from lamm_model.train import TrainEvents
    from lamm_model.train import train as run

    class Reporter(_Reporter, TrainEvents):
        """The rich progress display as the trainer's event handler."""

    cfg = _config(config, overrides, resume, root)
    reporter = Reporter()
    try:
        result = run(cfg, resume=resume, events=reporter)
    finally:
        reporter.stop()
    if result.rank != 0:
        return
    if result.losses:
        out.print(f"step {result.state.step}: loss {result.losses[-1]:.4f} (first step of this run "
                  f"{result.losses[0]:.4f})")
    out.print(f"checkpoint: {result.checkpoint}")


@app.command()
@needs_model_extra
@friendly_errors
def check(overrides: OverridesArg = None, config: ConfigOpt = None, root: RootOpt = None) -> None:
    """Run the pre-training sample checks of a config and print the counts per source file."""
    from lamm_model.checks import check_data

    cfg = _config(config, overrides, root=root)
    report = check_data(cfg)
    out.print(check_table(report))
    for problem in report.problems:
        out.print(escape(str(problem)))
    if report.bad_fraction > cfg.data.max_bad_fraction or not report.valid:
        raise typer.Exit(1)


@app.command()
@needs_model_extra
@friendly_errors
def predict(
    benchmark: Annotated[list[str], typer.Option("--benchmark", "-b", help="Benchmark name or alias; repeat, "
                                                 "or comma-separate; 'all', '2D', '3D' for groups.")],
    out_file: Annotated[Path, typer.Option("--out", help="Predictions JSONL (appended; ids already there are "
                                                         "skipped).")],
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="A checkpoint of this package: folder, "
                                                    "or a run folder (latest).")] = None,
    hf: Annotated[str | None, typer.Option("--hf", help="Any Hugging Face vision-language model: hub id or local "
                                           "folder (AutoModelForImageTextToText + AutoProcessor).")] = None,
    api_base: Annotated[str | None, typer.Option(help="OpenAI-compatible server, e.g. http://localhost:8000/v1 "
                                                 "(vLLM, SGLang, transformers serve).")] = None,
    root: Annotated[str | None, typer.Option("--root", help="LAMM root with the benchmark files, or 'sample'. "
                                                            "Default: $LAMM_DATA_ROOT, else ~/.cache/lamm.")] = None,
    data: Annotated[str | None, typer.Option("--data", hidden=True, help="Old spelling of --root.")] = None,
    revision: Annotated[str | None, typer.Option(help="Hub revision of --hf (branch, tag or commit).")] = None,
    dtype: Annotated[str | None, typer.Option(help="Weights during inference (--checkpoint: LoRA merged; --hf): "
                                              "bf16, fp16 or fp32 (default: bf16 on GPU, fp32 on CPU).")] = None,
    device_map: Annotated[str | None, typer.Option(help="--hf: 'auto' spreads a model over all GPUs.")] = None,
    api_model: Annotated[str | None, typer.Option(help="Model name the server serves (with --api-base).")] = None,
    api_key_env: Annotated[str, typer.Option(help="Environment variable holding the API key (never printed).")]
    = "OPENAI_API_KEY",
    concurrency: Annotated[int, typer.Option(min=1, help="--api-base: requests in flight.")] = 1,
    timeout: Annotated[float, typer.Option(min=0.001, help="--api-base: seconds to wait for an answer.")] = 300.0,
    retries: Annotated[int, typer.Option(min=0, help="--api-base: retries of a failed request (exponential "
                                         "backoff).")] = 6,
    force: Annotated[bool, typer.Option("--force", help="--hf/--api-base: start a new --out file even if it "
                                        "holds predictions.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="--hf/--api-base: print the messages of the first "
                                          "item of each benchmark and exit.")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Prompts per generate call (greedy "
                                                                        "answers do not depend on it).")
                          ] = DEFAULT_BATCH_SIZE,
    max_new_tokens: Annotated[int | None, typer.Option(help="Default: the config's 2D/3D limits (400 for --hf "
                                                       "and --api-base).")] = None,
    sample: Annotated[bool, typer.Option("--sample/--greedy", help="Sample (top-p) instead of greedy (default: "
                                         "greedy, LAMM's code since 2024-01; --sample with the defaults below is "
                                         "the paper-era protocol).")] = False,
    temperature: Annotated[float, typer.Option(help="Sampling temperature.")] = 1.0,
    top_p: Annotated[float, typer.Option(help="Sampling nucleus.")] = 0.9,
    seed: Annotated[int, typer.Option(help="Seed for sampling and point-cloud subsampling.")] = 0,
    prompt_style: Annotated[str, typer.Option(help="lamm (LAMM's benchmark prompts); train (training layout, "
                                              "--checkpoint) or native (the question alone, --hf/--api-base).")]
    = "lamm",
    vqa_two_pass: Annotated[bool | None, typer.Option("--vqa-two-pass/--vqa-one-pass", help="LAMM's two-pass VQA "
                                                      "(default: on, except with --prompt-style native).")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N items of each benchmark.")] = None,
    threads: Annotated[int | None, typer.Option("--threads", min=1, help="CPU threads of torch (default: the CPUs "
                                                "this process may use, os.sched_getaffinity).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary only.")] = False,
) -> None:
    """Write benchmark predictions in the JSONL format `lamm-bench score` reads."""
    if (checkpoint is not None) + (hf is not None) + (api_base is not None) != 1:
        raise fail("give exactly one of --checkpoint, --hf or --api-base", 2)
    chosen = pick_root(Path(root) if root is not None else None, Path(data) if data is not None else None, "--data")
    where = str(chosen) if chosen is not None else str(default_root())
    if checkpoint is None:
        from lamm_model.backends.command import BackendArgs

        if sample:
            raise fail("--hf and --api-base decode greedily; --sample is for --checkpoint", 2)
        if hf is not None:
            import torch

            torch.set_num_threads(threads or cpu_threads())
        args = BackendArgs(hf, api_base, api_model, revision, dtype, device, device_map, batch_size, api_key_env,
                           concurrency, timeout, retries, max_new_tokens, prompt_style, vqa_two_pass)
        _predict_backend(args, where, benchmark, out_file, limit, force, dry_run, as_json)
        return
    import torch

    from lamm_model.predict import GenerationSettings
    from lamm_model.predict import predict as run

    torch.set_num_threads(threads or cpu_threads())
    if prompt_style not in ("lamm", "train"):
        raise fail(f"--prompt-style must be lamm or train with --checkpoint, not {prompt_style!r}", 2)
    settings = GenerationSettings(max_new_tokens, sample, temperature, top_p, seed, prompt_style,  # type: ignore[arg-type]
                                  True if vqa_two_pass is None else vqa_two_pass, dtype or "auto")
    summary = _with_progress(lambda show: run(checkpoint, where, benchmark, out_file, batch_size=batch_size,
                                              settings=settings, device=device, limit=limit, on_progress=show),
                             as_json)
    _print_summary(summary, as_json)


def _with_progress(call: Any, quiet: bool = False) -> Any:
    with Progress(TextColumn("{task.description}"), MofNCompleteColumn(), BarColumn(), TimeElapsedColumn(),
                  console=err, disable=quiet) as progress:
        tasks: dict[str, Any] = {}

        def show(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=total)
            progress.update(tasks[name], completed=done)

        return call(show)


def _print_summary(summary: Any, as_json: bool) -> None:
    not_predicted = getattr(summary, "not_predicted", {})
    if as_json:
        record = {"out": str(summary.out), "written": summary.written, "already_there": summary.skipped}
        if not_predicted:
            record["not_predicted"] = not_predicted
        out.file.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"predictions: {escape(str(summary.out))}")
    for column in ("benchmark", "written", "already there"):
        table.add_column(column, justify="left" if column == "benchmark" else "right")
    for name in summary.written:
        table.add_row(name, str(summary.written[name]), str(summary.skipped[name]))
    out.print(table)
    for reason in dict.fromkeys(not_predicted.values()):
        names = [n for n, r in not_predicted.items() if r == reason]
        out.print(f"3D benchmarks skipped: {escape(reason)} ({escape(', '.join(names))})")


def _predict_backend(args: Any, where: str, benchmark: list[str], out_file: Path, limit: int | None, force: bool,
                     dry_run: bool, as_json: bool) -> None:
    from lamm_model.backends.command import dry_run as show_messages
    from lamm_model.backends.command import run_backend, torchrun_shard

    if dry_run:
        out.print(escape(show_messages(args, where, benchmark, out_file.parent)), highlight=False, soft_wrap=True)
        return
    place = torchrun_shard()
    if place is not None and place[0] != 0:
        run_backend(args, where, benchmark, out_file, limit=limit, force=force)
        return
    summary = _with_progress(lambda show: run_backend(args, where, benchmark, out_file, limit=limit, force=force,
                                                      on_progress=show), as_json)
    _print_summary(summary, as_json)


@app.command("import-lamm")
@friendly_errors
def import_lamm(
    checkpoint: Annotated[Path, typer.Argument(help="LAMM's pytorch_model.pt (trainable weights: LoRA + llama_proj; "
                                                    "2D with --vision, 3D with --epcl).")],
    llm: Annotated[Path, typer.Option("--llm", help="Base LLM folder (transformers format): Vicuna v0 or "
                                                    "LLaMA-2-chat, as the checkpoint was trained on.")],
    out_dir: Annotated[Path, typer.Option("--out", help="New checkpoint folder for `lamm-model predict`.")],
    vision: Annotated[Path | None, typer.Option("--vision", help="2D: CLIP folder (transformers format), e.g. a "
                                                "local copy of openai/clip-vit-large-patch14.")] = None,
    epcl: Annotated[Path | None, typer.Option("--epcl", help="3D: LAMM's EPCL encoder checkpoint "
                                              "(epcl_vit-L_256tokens), read with an allow-list unpickler.")] = None,
    lora_alpha: Annotated[int, typer.Option("--lora-alpha", min=1, help="LoRA alpha (not stored by LAMM; "
                                                                        "LAMM trained with 32).")] = 32,
    tokenizer: Annotated[Path | None, typer.Option(help="Tokenizer folder (default: the --llm folder).")] = None,
    template: Annotated[str, typer.Option(help="LAMM's prompt layout of the training code: lamm-2023-06 (the "
                                               "June-2023 Vicuna checkpoints) or lamm-2023-09 (LLaMA-2-chat).")]
    = "lamm-2023-06",
) -> None:
    """Convert a LAMM 2D (--vision) or 3D (--epcl) checkpoint into one that `lamm-model predict` loads."""
    if (vision is None) == (epcl is None):
        out.print("error: give exactly one of --vision (a 2D checkpoint, with its CLIP folder) and --epcl (a 3D "
                  "checkpoint, with its EPCL encoder)")
        raise typer.Exit(2)
    if epcl is not None:
        from lamm_model.epcl.lamm3d import import_lamm_3d

        result = import_lamm_3d(checkpoint, llm, epcl, out_dir, lora_alpha=lora_alpha, tokenizer=tokenizer,
                                template=template)
        notes = result.notes
    else:
        from lamm_model.import_lamm import import_lamm as run_2d

        assert vision is not None
        result = run_2d(checkpoint, llm, vision, out_dir, lora_alpha=lora_alpha, tokenizer=tokenizer,
                        template=template)
        notes = []
    out.print(f"imported {escape(str(checkpoint))} (sha256 {result.sha256[:16]}…, {result.tensors} tensors, "
              f"{result.key_spelling} keys): LoRA r={result.lora_r} alpha={result.lora_alpha} on "
              f"{', '.join(result.target_modules)} x {result.layers} layers")
    for note in notes:
        out.print(escape(note))
    out.print(f"checkpoint: {escape(str(result.out))}")


def main() -> None:
    """Console-script entry point."""
    run(app, "lamm-model")
