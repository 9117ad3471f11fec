"""The study's report: mean ± std tables, paired tokenizer comparisons against seed noise,
plots (PNG), report.md and a self-contained report.html."""

from __future__ import annotations

import base64
import csv
import html
import math
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from ..core import atomic
from ..core.plots import png_bytes, pyplot
from .cost import COST_HEADER, cost_rows, study_cost
from .ensembles import ENSEMBLES_FILE
from .matrix import CONTEXTUAL_SUFFIX, TUNED_SUFFIX
from .runner import RESULTS_FILE
from .tuning import run_search_key

#: a tokenizer's difference from the best is "beyond seed noise" below this paired p-value
SIGNIFICANCE = 0.05

SUMMARY_COLUMNS = {
    "test_accuracy": "test acc", "validation_accuracy": "val acc",
    "tokens_per_doc": "tokens/doc", "vocab_size": "vocab", "test_oov_rate": "test OOV",
    "maxlen_coverage": "maxlen cover", "tokenize_seconds": "tokenize s",
    "seconds_per_epoch": "s/epoch", "parameters": "params"}


def load_results(out_dir: Path) -> pd.DataFrame:
    return pd.read_csv(out_dir / RESULTS_FILE, dtype={"reason": str})


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over seeds of every finished (corpus, tokenizer, model)."""
    done = results[results["status"] == "done"]
    grouped = done.groupby(["corpus", "tokenizer", "model"], sort=False)
    summary = grouped[list(SUMMARY_COLUMNS)].mean()
    summary["test_std"] = grouped["test_accuracy"].std(ddof=1)
    summary["seeds"] = grouped.size()
    return summary.reset_index()


def best_cells(summary: pd.DataFrame) -> pd.DataFrame:
    """Per corpus, the (tokenizer, model) with the best mean *validation* accuracy: the
    test split plays no part in choosing it."""
    index = summary.groupby("corpus", sort=False)["validation_accuracy"].idxmax()
    return summary.loc[index]


def paired_comparisons(results: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """For each corpus and model, every tokenizer against the one best on validation:
    the test-accuracy difference paired by seed, and whether it exceeds seed noise
    (paired t-test over seeds; needs two seeds or more)."""
    from scipy import stats

    done = results[results["status"] == "done"]
    rows = []
    for (corpus, model), group in summary.groupby(["corpus", "model"], sort=False):
        reference = group.loc[group["validation_accuracy"].idxmax(), "tokenizer"]
        by_seed = done[(done["corpus"] == corpus) & (done["model"] == model)].pivot_table(
            index="seed", columns="tokenizer", values="test_accuracy")
        for tokenizer in group["tokenizer"]:
            if tokenizer == reference:
                continue
            pair = by_seed[[reference, tokenizer]].dropna()
            differences = pair[tokenizer] - pair[reference]
            p_value = (float(stats.ttest_rel(pair[tokenizer], pair[reference]).pvalue)
                       if len(pair) >= 2 and differences.std() > 0 else math.nan)
            rows.append({"corpus": corpus, "model": model, "reference": reference,
                         "tokenizer": tokenizer, "difference": differences.mean(),
                         "difference_std": differences.std(ddof=1) if len(pair) > 1 else math.nan,
                         "seeds": len(pair), "p_value": p_value,
                         "beyond_noise": (p_value < SIGNIFICANCE) if not math.isnan(p_value)
                         else None})
    return pd.DataFrame(rows)


# --- plots ------------------------------------------------------------------------------
def accuracy_bars(summary: pd.DataFrame, corpus: str) -> bytes:
    """Grouped bars: tokenizers along x, one bar per model, error bars = std over seeds."""
    plt = pyplot()
    data = summary[summary["corpus"] == corpus]
    tokenizers = list(dict.fromkeys(data["tokenizer"]))
    model_names = list(dict.fromkeys(data["model"]))
    width = 0.8 / max(1, len(model_names))
    figure, axis = plt.subplots(figsize=(max(6, 0.9 * len(tokenizers) + 2), 4.2))
    for offset, model in enumerate(model_names):
        rows = data[data["model"] == model].set_index("tokenizer").reindex(tokenizers)
        positions = [i + (offset - (len(model_names) - 1) / 2) * width
                     for i in range(len(tokenizers))]
        axis.bar(positions, 100 * rows["test_accuracy"], width,
                 yerr=100 * rows["test_std"].fillna(0), capsize=2, label=model)
    low = 100 * data["test_accuracy"].min()
    high = 100 * data["test_accuracy"].max()
    axis.set_ylim(max(0, math.floor(low - 3)), min(100, math.ceil(high + 1.5)))
    axis.set_xticks(range(len(tokenizers)), tokenizers, rotation=35, ha="right")
    axis.set_ylabel("test accuracy (%)")
    axis.set_title(f"{corpus}: test accuracy by tokenizer and model (mean ± std over seeds)")
    axis.grid(axis="y", alpha=0.3)
    axis.legend(ncols=len(model_names), fontsize=8)
    return png_bytes(figure, dpi=110)


def accuracy_vs_length(summary: pd.DataFrame, corpus: str) -> bytes:
    """Test accuracy against tokens per document, one marker per model."""
    plt = pyplot()
    data = summary[summary["corpus"] == corpus]
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for model, rows in data.groupby("model", sort=False):
        axis.scatter(rows["tokens_per_doc"], 100 * rows["test_accuracy"], label=model, s=28)
    for _, row in data.drop_duplicates("tokenizer").iterrows():
        best = data[data["tokenizer"] == row["tokenizer"]]["test_accuracy"].max()
        axis.annotate(row["tokenizer"], (row["tokens_per_doc"], 100 * best), fontsize=7,
                      xytext=(3, 3), textcoords="offset points")
    axis.set_xscale("log")
    axis.set_xlabel("tokens per document (log)")
    axis.set_ylabel("test accuracy (%)")
    axis.set_title(f"{corpus}: accuracy vs sequence length")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return png_bytes(figure, dpi=110)


def training_curves(results: pd.DataFrame, out_dir: Path, corpus: str) -> bytes | None:
    """Validation accuracy per epoch: one panel per model, one line per tokenizer and seed."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    done = results[(results["status"] == "done") & (results["corpus"] == corpus)]
    curves: dict[str, list[tuple[str, list[int], list[float]]]] = {}
    for _, row in done.iterrows():
        history = out_dir / row["run_dir"] / "history.csv"
        with open(history, encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r.get("epoch")]
        if rows:
            curves.setdefault(row["model"], []).append(
                (row["tokenizer"], [int(r["epoch"]) for r in rows],
                 [100 * float(r["val_accuracy"]) for r in rows]))
    if not curves:
        return None
    figure, axes = plt.subplots(1, len(curves), figsize=(4.6 * len(curves), 3.8), squeeze=False)
    colors = {name: f"C{i % 10}" for i, name in enumerate(dict.fromkeys(done["tokenizer"]))}
    for axis, (model, lines) in zip(axes[0], curves.items()):
        shown: set[str] = set()
        for tokenizer, epochs, accuracy in lines:
            axis.plot(epochs, accuracy, "-o", ms=2.5, lw=1, color=colors[tokenizer],
                      label=None if tokenizer in shown else tokenizer)
            shown.add(tokenizer)
        axis.set_title(f"{corpus} · {model}")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlabel("epoch")
        axis.set_ylabel("validation accuracy (%)")
        axis.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=6, loc="lower right")
    return png_bytes(figure, dpi=110)


# --- documents --------------------------------------------------------------------------
def _format(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if column in ("test_accuracy", "validation_accuracy", "test_oov_rate", "maxlen_coverage"):
        return f"{100 * value:.2f}%"
    if column in ("vocab_size", "parameters"):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def summary_table(summary: pd.DataFrame, corpus: str, best: pd.Series) -> list[list[str]]:
    """Rows of the per-corpus table; the cell best on validation is marked ★."""
    rows = []
    for _, row in summary[summary["corpus"] == corpus].iterrows():
        is_best = (row["tokenizer"], row["model"]) == (best["tokenizer"], best["model"])
        mark = " ★" if is_best else ""
        rows.append([row["tokenizer"] + mark, row["model"], accuracy_text(row),
                     *(_format(row[c], c) for c in list(SUMMARY_COLUMNS)[1:]),
                     str(int(row["seeds"]))])
    return rows


def glance_table(summary: pd.DataFrame, corpus: str) -> tuple[list[str], list[list[str]]]:
    """Mean test accuracy (± std over seeds), one row per tokenizer, one column per model."""
    rows = summary[summary["corpus"] == corpus]
    models = list(dict.fromkeys(rows["model"]))
    table = []
    for tokenizer, group in rows.groupby("tokenizer", sort=False):
        by_model = {row["model"]: row for _, row in group.iterrows()}
        table.append([tokenizer, *(accuracy_text(by_model[m]) if m in by_model else "—"
                                   for m in models)])
    return ["tokenizer", *models], table


def accuracy_text(row: pd.Series) -> str:
    text = f"{100 * row['test_accuracy']:.2f}"
    return text + (f" ± {100 * row['test_std']:.2f}" if row["seeds"] > 1 else "")


TABLE_HEADER = ["tokenizer", "model", "test acc (%)", *list(SUMMARY_COLUMNS.values())[1:],
                "seeds"]


def comparison_rows(comparisons: pd.DataFrame, corpus: str) -> list[list[str]]:
    rows = []
    if comparisons.empty:
        return rows
    for _, row in comparisons[comparisons["corpus"] == corpus].iterrows():
        verdict = {True: "yes", False: "no", None: "n/a (1 seed)"}[row["beyond_noise"]]
        p_value = "—" if math.isnan(row["p_value"]) else f"{row['p_value']:.3f}"
        rows.append([row["model"], row["tokenizer"], row["reference"],
                     f"{100 * row['difference']:+.2f}",
                     _format(100 * row["difference_std"], "std"), p_value, verdict])
    return rows


ENSEMBLE_HEADER = ["seed", "members", "method", "val acc", "test acc (%)",
                   "best single cell (on val)", "its test acc (%)", "gain (pts)"]


def ensemble_rows(ensembles: pd.DataFrame, corpus: str) -> list[list[str]]:
    rows = []
    for _, row in ensembles[ensembles["corpus"] == corpus].iterrows():
        gain = 100 * (row["test_accuracy"] - row["best_member_test_accuracy"])
        rows.append([str(row["seed"]), str(row["members"]), row["method"],
                     f"{100 * row['validation_accuracy']:.2f}%",
                     f"{100 * row['test_accuracy']:.2f}",
                     row["best_member"], f"{100 * row['best_member_test_accuracy']:.2f}",
                     f"{gain:+.2f}"])
    if len(rows) > 1:
        test = 100 * ensembles.loc[ensembles["corpus"] == corpus, "test_accuracy"]
        rows.append(["mean ± std", "", "", "", f"{test.mean():.2f} ± {test.std(ddof=1):.2f}",
                     "", "", ""])
    return rows


TUNING_HEADER = ["tokenizer", "model", "fixed (%)", "tuned (%)", "gain (pts)", "trials",
                 "search CPU min", "tuned cells' train min", "chosen settings"]


def variant_pairs(summary: pd.DataFrame, results: pd.DataFrame, corpus: str, suffix: str
                  ) -> Iterator[tuple[str, str, pd.Series, pd.Series, pd.DataFrame]]:
    """Each (tokenizer, model) of ``corpus`` that has a ``MODEL<suffix>`` variant: the
    tokenizer, the model, both summary rows and the variant's finished cells."""
    here = summary[summary["corpus"] == corpus].set_index(["tokenizer", "model"])
    done = results[(results["status"] == "done") & (results["corpus"] == corpus)]
    for (tokenizer, model), variant in here.iterrows():
        base = model.removesuffix(suffix)
        if base == model or (tokenizer, base) not in here.index:
            continue
        cells = done[(done["tokenizer"] == tokenizer) & (done["model"] == model)]
        yield tokenizer, base, here.loc[(tokenizer, base)], variant, cells


def gain_text(base: pd.Series, variant: pd.Series) -> str:
    return f"{100 * (variant['test_accuracy'] - base['test_accuracy']):+.2f}"


def tuning_rows(summary: pd.DataFrame, results: pd.DataFrame, corpus: str,
                searches: dict[str, Any]) -> list[list[str]]:
    """Fixed-setting and tuned test accuracy of each (tokenizer, model) that has both,
    the gain, and what the search and the tuned cells cost."""
    rows = []
    for tokenizer, model, fixed, tuned, cells in variant_pairs(summary, results, corpus,
                                                               TUNED_SUFFIX):
        search = searches.get(run_search_key(cells["run_dir"].iloc[0]), {})
        settings = ", ".join(f"{k}={_setting(v)}" for k, v in search.get("chosen", {}).items())
        rows.append([tokenizer, model, accuracy_text(fixed), accuracy_text(tuned),
                     gain_text(fixed, tuned), str(len(search.get("trials", []))),
                     f"{search.get('cpu_seconds', math.nan) / 60:.1f}",
                     f"{cells['train_seconds'].sum() / 60:.1f}", settings])
    return rows


CONTEXTUAL_HEADER = ["tokenizer", "model", "token embedding (%)", "+ biLM (%)", "gain (pts)",
                     "biLM perplexity", "biLM pre-training min", "+ biLM cells' train min"]


def contextual_rows(summary: pd.DataFrame, results: pd.DataFrame, corpus: str,
                    bilms: dict[str, Any]) -> list[list[str]]:
    """Each network with its token embedding alone and with its tokenizer's biLM, the
    gain, and what the biLM and the cells reading it cost."""
    rows = []
    for tokenizer, model, alone, read, cells in variant_pairs(summary, results, corpus,
                                                              CONTEXTUAL_SUFFIX):
        slug = Path(cells["run_dir"].iloc[0]).parts[2]
        bilm = bilms.get(f"bilm/{corpus}/{slug}", {})
        rows.append([tokenizer, model, accuracy_text(alone), accuracy_text(read),
                     gain_text(alone, read),
                     f"{bilm.get('heldout_perplexity', math.nan):.1f}",
                     f"{bilm.get('seconds', {}).get('train', math.nan) / 60:.1f}",
                     f"{cells['train_seconds'].sum() / 60:.1f}"])
    return rows


def _setting(value: Any) -> str:
    return f"{value:.2g}" if isinstance(value, float) else str(value)


COMPARISON_HEADER = ["model", "tokenizer", "vs best (on val)", "Δ test acc (pts)",
                     "std of Δ", "paired p", "beyond seed noise"]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
    body = "".join("<tr" + (' class="best"' if "★" in row[0] else "") + ">" +
                   "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_report(out_dir: Path, title: str, footer: list[str],
                 searches: dict[str, Any] | None = None,
                 bilms: dict[str, Any] | None = None) -> list[Path]:
    """report.md (+ PNGs beside it) and a self-contained report.html from results.csv;
    ``searches``: the tuned cells' searches by folder, ``bilms``: the pre-trained biLMs
    by folder (study.json's)."""
    results = load_results(out_dir)
    ensembles = (pd.read_csv(out_dir / ENSEMBLES_FILE) if (out_dir / ENSEMBLES_FILE).is_file()
                 else pd.DataFrame())
    summary = summarise(results)
    comparisons = paired_comparisons(results, summary) if not summary.empty else pd.DataFrame()
    best = best_cells(summary) if not summary.empty else summary
    markdown = [f"# {title}", "", "Test accuracy with the epoch (or C) chosen on a validation "
                "split carved from train; ★ marks the best cell per corpus by mean validation "
                "accuracy (test plays no part in choosing it).", ""]
    page = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(markdown[2])}</p>"]
    written = []
    for corpus in dict.fromkeys(summary["corpus"]):
        best_row = best[best["corpus"] == corpus].iloc[0]
        headline = (f"Best on validation: **{best_row['tokenizer']} + {best_row['model']}**, "
                    f"test accuracy {100 * best_row['test_accuracy']:.2f}%")
        table = summary_table(summary, corpus, best_row)
        glance_header, glance = glance_table(summary, corpus)
        markdown += [f"## {corpus}", "", headline, "", "Test accuracy (%) at a glance:", "",
                     markdown_table(glance_header, glance), "", "All measures:", "",
                     markdown_table(TABLE_HEADER, table), ""]
        page += [f"<h2>{html.escape(corpus)}</h2>",
                 f"<p>{html.escape(headline.replace('**', ''))}</p>",
                 html_table(glance_header, glance), html_table(TABLE_HEADER, table)]
        sections = [
            ("Tokenizers against the best",
             f"Paired by seed against the tokenizer best on validation for the same model; "
             f"'beyond seed noise' = paired t-test p < {SIGNIFICANCE}.",
             COMPARISON_HEADER, comparison_rows(comparisons, corpus)),
            ("Fixed settings against tuned",
             "Each (tokenizer, model) searched on the same budget (Ray Tune: seeded random "
             "configurations, validation split only), then trained with "
             "every seed; the gain is tuned minus fixed mean test accuracy. Tokenizers "
             "compared after tuning: the MODEL-tuned rows above.",
             TUNING_HEADER, tuning_rows(summary, results, corpus, searches or {})),
            ("Token embedding against the biLM",
             "Each network also reading a biLM (ELMo) pre-trained for its tokenizer on "
             "unlabelled reviews without test text (frozen, its layers mixed by learned "
             "weights beside the token embedding), same settings and seeds; the gain is mean "
             "test accuracy with the biLM minus without.",
             CONTEXTUAL_HEADER, contextual_rows(summary, results, corpus, bilms or {})),
            ("Ensemble of every cell, per seed",
             "Every cell of a seed combined by `hansenti ensemble` (a logistic regression on "
             "the members' logits, or their mean, whichever cross-validates better on the "
             "seed's validation split); test scored once.",
             ENSEMBLE_HEADER, ensemble_rows(ensembles, corpus) if not ensembles.empty else []),
        ]
        for title_text, note, header, rows in sections:
            if not rows:
                continue
            markdown += [f"### {title_text}", "", note, "", markdown_table(header, rows), ""]
            page += [f"<h3>{html.escape(title_text)}</h3>",
                     f"<p>{html.escape(note.replace('`', ''))}</p>", html_table(header, rows)]
        plots = [("accuracy", accuracy_bars(summary, corpus)),
                 ("accuracy-vs-length", accuracy_vs_length(summary, corpus)),
                 ("curves", training_curves(results, out_dir, corpus))]
        for name, png in plots:
            if png is None:
                continue
            path = out_dir / f"{corpus}-{name}.png"
            atomic.write_bytes(path, png)
            written.append(path)
            markdown += [f"![{corpus} {name}]({path.name})", ""]
            page.append(f'<img alt="{corpus} {name}" src="data:image/png;base64,'
                        f'{base64.b64encode(png).decode()}">')
    if not results.empty:
        note = ("Hours of the finished cells and searches on the machine that ran them, and "
                "the same plan on a Ray cluster (`--executor ray --address`): each cell and "
                "each trial on a core of its own taking what it took here, never faster than "
                "the longest chain (a search, then its slowest tuned cell); the cluster's "
                "start-up and storage not counted.")
        rows = cost_rows(study_cost(results, searches or {}))
        markdown += ["## Cost", "", note, "", markdown_table(COST_HEADER, rows), ""]
        page += ["<h2>Cost</h2>", f"<p>{html.escape(note.replace('`', ''))}</p>",
                 html_table(COST_HEADER, rows)]
    skipped = results[results["status"].isin(["skipped", "failed"])]
    if not skipped.empty:
        reasons = skipped.groupby(["corpus", "tokenizer", "status", "reason"], sort=False).size()
        lines = [f"- {c} · {t}: {s} ({n} cells) — {r}" for (c, t, s, r), n in reasons.items()]
        markdown += ["## Skipped or failed", "", *lines, ""]
        page += ["<h2>Skipped or failed</h2><ul>", *(f"<li>{html.escape(line[2:])}</li>"
                                                    for line in lines), "</ul>"]
    markdown += ["---", "", *(f"- {line}" for line in footer), ""]
    page += ["<hr><ul>", *(f"<li>{html.escape(line)}</li>" for line in footer), "</ul>"]
    atomic.write_text(out_dir / "report.md", "\n".join(markdown))
    atomic.write_text(out_dir / "report.html", HTML_PAGE.format(title=html.escape(title),
                                                                body="\n".join(page)))
    return [out_dir / "report.md", out_dir / "report.html", *written]


HTML_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 7px; text-align: right; }}
th {{ background: #f3f3f3; }} td:first-child, td:nth-child(2) {{ text-align: left; }}
tr.best {{ background: #fff3c4; font-weight: 600; }}
img {{ max-width: 100%; display: block; margin: 1em 0; }}
</style></head><body>
{body}
</body></html>
"""
