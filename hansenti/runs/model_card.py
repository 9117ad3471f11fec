"""``MODEL_CARD.md`` of a finished run, written from its config and metrics alone: what it
was trained on, how well it did on test (with a 95% interval), what chose it, and where it
should not be trusted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core import atomic
from ..core.config import TrainConfig
from ..core.metrics import wilson_interval

CARD_FILE = "MODEL_CARD.md"
def folder_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def model_card(config: TrainConfig, metrics: dict[str, Any], run_path: Path,
               name: str | None = None) -> str:
    """The card's Markdown."""
    test, validation = metrics["test"], metrics["validation"]
    examples = test["examples"]
    low, high = wilson_interval(round(test["accuracy"] * examples), examples)
    classes = test["classes"]
    title = name or run_path.name
    data = config.data
    source = (f"your file `{Path(data.train).name}` (text column `{data.text_column}`, "
              f"label column `{data.label_column}`)" if data else f"the `{config.corpus}` "
              f"corpus ({metrics.get('corpus', {}).get('variant') or 'one release'})")
    labels = f"`{data.labels}`" if data and data.labels else "the label column's values"
    counts = ", ".join(f"{label} {count:,}"
                       for label, count in metrics["data"]["train_class_counts"].items())
    options = ", ".join(f"{key}={value}" for key, value in
                        {**config.tokenizer_options, **config.model_options}.items())
    long_documents = metrics.get("long_documents") or {}
    length = (f"max length {metrics['maxlen']} tokens ({metrics['maxlen_coverage']:.1%} of "
              f"training reviews fit); longer reviews are scored "
              f"{long_documents.get('chosen', 'cut')} (chosen on "
              f"{long_documents.get('validation_longer', 0):,} longer validation reviews)"
              if metrics.get("maxlen") else "n-gram features: reviews of any length are "
              "read whole")
    per_class = "\n".join(
        f"| {label} | {scores['precision']:.2%} | {scores['recall']:.2%} | {scores['f1']:.2%} "
        f"| {scores['support']:,} |" for label, scores in test["per_class"].items())
    baseline = test["majority_baseline"]
    chosen = ", ".join(f"{key} {value}" for key, value in metrics["best"].items())
    return f"""# {title}

A hansenti sentiment classifier: {len(classes)} classes ({", ".join(classes)}).

## Training data

- Source: {source}; classes from {labels}.
- Training reviews per class: {counts} ({metrics["documents"]["fit"]:,} fit,
  {metrics["documents"]["validation"]:,} validation carved from train with seed
  {config.seed}, {metrics["documents"]["test"]:,} test).
- Tokenizer: `{config.tokenizer}`; model: `{config.model}`{f" ({options})" if options else ""};
  {metrics.get("parameters", 0):,} parameters, {folder_bytes(run_path) / 1e6:.1f} MB on disk.{contextual_line(metrics)}

## Evaluation

Test accuracy **{test["accuracy"]:.2%}** on {examples:,} reviews (95% interval
{low:.2%}-{high:.2%}), macro-F1 {test["macro_f1"]:.2%}; the majority class
({baseline["class"]}) alone scores {baseline["accuracy"]:.2%}. Chosen on validation by
{validation["metric"]} ({validation["score"]:.2%}) at {chosen}; test was scored once.

| class | precision | recall | F1 | test reviews |
| --- | ---: | ---: | ---: | ---: |
{per_class}

Length: {length}.

{calibration_section(metrics)}

## Intended use and limits

- Meant for reviews like its training data: {"the same kind of file" if data else
  "Korean movie reviews from Naver" if config.corpus in ("nsmc", "naver-reviews")
  else "the " + config.corpus + " domain"}. Other domains (shopping, apps, news,
  social media) lose accuracy: measure on a labelled sample of yours first
  (`hansenti evaluate RUN --data FILE`).
- Review length: trained on reviews averaging {metrics.get("tokens_per_doc", 0):.0f} tokens;
  much longer texts are less certain.
- {"A neutral class is learned from its labels" if any("neutral" in c for c in classes)
   else "No neutral class: mixed or lukewarm reviews are forced into " + " or ".join(classes)}.
- Sarcasm, negation across sentences and spelling far from the training text are the
  usual errors.
"""


def contextual_line(metrics: dict[str, Any]) -> str:
    """The pre-trained biLM the model reads (``-p contextual=``), as a list item."""
    bilm = metrics.get("contextual")
    if not bilm:
        return ""
    shares = ", ".join(f"{share:.2f}" for share in bilm.get("layer_shares", []))
    return (f"\n- Contextual features: a frozen biLM ({bilm['layers']} x {bilm['units']} LSTM "
            f"units per direction, held-out perplexity {bilm['heldout_perplexity']:.1f}) "
            f"pre-trained on `{bilm['source']}` (no test reviews), carried inside the model; "
            f"learned layer shares {shares}, gamma {bilm.get('gamma', 0):.2f}.")


def calibration_section(metrics: dict[str, Any]) -> str:
    """How sure the answers are: the temperature, ECE and what a threshold keeps."""
    calibration = metrics.get("calibration")
    if not calibration:
        return "Calibration: none recorded (a run from before hansenti calibrated)."
    ece = calibration["test_ece"]
    rows = "\n".join(f"| {row['min_confidence']:.2f} | {row['coverage']:.1%} | "
                     + (f"{row['accuracy']:.2%}" if row.get("accuracy") is not None else "-")
                     + " |" for row in calibration["test_coverage"])
    familiarity = metrics.get("familiarity") or {}
    known = (f"\n\nIts validation reviews had {familiarity['known_token_share_mean']:.1%} of "
             "their tokens in its vocabulary; scoring warns when many texts of a batch "
             "know far fewer." if familiarity else "")
    return f"""## How sure it is

Probabilities are calibrated by temperature scaling on the validation split (T =
{calibration["temperature"]:g}): expected calibration error on test **{ece["after"]:.2%}**
(uncalibrated: {ece["before"]:.2%}; the diagram is the run folder's `reliability.png`).{known}

With `--min-confidence P`, reviews whose top probability is under P are labelled `unsure`:

| min confidence | test reviews labelled | accuracy on them |
| ---: | ---: | ---: |
{rows}"""


def write_model_card(run_path: Path, config: TrainConfig, metrics: dict[str, Any],
                     name: str | None = None) -> Path:
    """Write ``MODEL_CARD.md`` into a run folder (before ``metrics.json`` commits it)."""
    path = run_path / CARD_FILE
    atomic.write_text(path, model_card(config, metrics, run_path, name))
    return path
