"""What ``hansenti analyze`` writes: scored.csv, summary.csv, extremes.csv, aspects.csv and
report.html — the score distribution, groups ranked, and per group the telling tokens of
each class and its most certain reviews with their tokens highlighted."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Sequence

import numpy as np

from ..core import atomic
from ..core.faults import failpoint
from ..core.outputs import output_folder
from ..core.plots import png_data_uri, pyplot
from ..core.review_files import ReviewRow
from .analysis import Analysis
from .explain import Explanation
from .predictor import Predictor
from .scored import Scored
from .scoring import FileScoring, score_file

#: groups with fewer reviews are left out of the ranking chart (their means are noise)
MIN_RANKED = 10


def score_histogram(analysis: Analysis) -> str:
    """Two classes: the distribution of P(second class); more: each class's share."""
    figure, axis = pyplot().subplots(figsize=(6.5, 3.2))
    classes = analysis.classes
    if len(classes) == 2:
        edges = np.linspace(0, 1, len(analysis.histogram) + 1)
        axis.stairs(analysis.histogram, edges, fill=True, color="#4c72b0")
        axis.axvline(0.5, color="#999", lw=1, ls="--")
        axis.set_xlabel(f"P({classes[1]})")
        axis.set_ylabel("reviews")
    else:
        axis.bar(range(len(classes)), analysis.shares, color="#4c72b0")
        axis.set_xticks(range(len(classes)), classes)
        axis.set_ylabel("share of reviews")
    axis.set_title(f"Scores of {analysis.scored:,} reviews")
    return png_data_uri(figure)


def ranking_chart(rows: list[dict], class_name: str, n: int = 15) -> str | None:
    """The share of ``class_name`` with 95% intervals: the highest and lowest ``n`` groups."""
    share, low, high = (f"share_{class_name}", f"ci95_low_{class_name}",
                        f"ci95_high_{class_name}")
    ranked = sorted((r for r in rows if r["count"] >= MIN_RANKED), key=lambda r: r[share])
    if len(ranked) < 2:
        return None
    shown = ranked if len(ranked) <= 2 * n else ranked[:n] + ranked[-n:]
    figure, axis = pyplot().subplots(figsize=(7, 0.28 * len(shown) + 1.2))
    positions = range(len(shown))
    shares = [r[share] for r in shown]
    errors = [[s - r[low] for s, r in zip(shares, shown)],
              [r[high] - s for s, r in zip(shares, shown)]]
    axis.errorbar(shares, positions, xerr=errors, fmt="o", ms=4, capsize=2, color="#4c72b0")
    axis.set_yticks(list(positions), [f"{r['group']} ({r['count']})" for r in shown], fontsize=7)
    axis.set_xlim(0, 1)
    axis.set_xlabel(f"share of reviews predicted {class_name} (95% CI)")
    axis.set_title(f"Groups ranked (≥ {MIN_RANKED} reviews)")
    axis.grid(axis="x", alpha=0.3)
    return png_data_uri(figure)


def highlighted(explanation: Explanation) -> str:
    """Tokens as spans, green where they raised the score, red where they lowered it."""
    peak = max((abs(c) for c in explanation.contributions), default=0) or 1
    spans = []
    for token, effect in zip(explanation.tokens, explanation.contributions):
        strength = min(1.0, abs(effect) / peak)
        colour = "46,160,67" if effect > 0 else "214,39,40"
        spans.append(f'<span class="tok" style="background: rgba({colour},{strength:.2f})" '
                     f'title="{effect:+.3f}">{html.escape(token)}</span>')
    return " ".join(spans)


def write_html_report(analysis: Analysis, predictor: Predictor, path: Path, source: str,
                      html_groups: int) -> None:
    rows = analysis.summary_rows()
    parts = [f"<h1>Reviews in {html.escape(source)}</h1>",
             f"<p>{analysis.scored:,} reviews scored with run "
             f"<code>{html.escape(str(predictor.run.path))}</code> "
             f"({html.escape(predictor.config.tokenizer)} + {html.escape(predictor.config.model)})"
             f"; {analysis.report.skipped:,} rows skipped.</p>",
             f'<img alt="score distribution" src="{score_histogram(analysis)}">']
    if analysis.report.problems:
        parts += ["<details><summary>Skipped rows</summary><ul>",
                  *(f"<li>{html.escape(p)}</li>" for p in analysis.report.problems),
                  "</ul></details>"]
    classes = analysis.classes
    chart = ranking_chart(rows, classes[-1])
    if chart:
        parts.append(f'<img alt="groups ranked" src="{chart}">')
    head = "".join(f"<th>{html.escape(c)}</th>" for c in
                   ("group", "reviews", *(f"{name} (95% CI)" for name in classes)))
    body = "".join(
        f"<tr><td>{html.escape(r['group'])}</td><td>{r['count']:,}</td>" + "".join(
            f"<td>{r[f'share_{name}']:.1%} ({r[f'ci95_low_{name}']:.1%} – "
            f"{r[f'ci95_high_{name}']:.1%})</td>" for name in classes) + "</tr>"
        for r in rows[:50])
    parts.append(f"<h2>Groups (largest {min(50, len(rows))} of {len(rows):,})</h2>"
                 f"<table><tr>{head}</tr>{body}</table>")
    for row in rows[:html_groups]:
        name = row["group"]
        aspects = analysis.aspects(name)
        shares = ", ".join(f"{row[f'share_{c}']:.0%} {html.escape(c)}" for c in classes)
        parts.append(f"<h2>{html.escape(name)} — {row['count']:,} reviews, {shares}</h2>")
        for side in classes:
            words = ", ".join(f"{html.escape(t)} ({z:.1f})" for t, z in aspects[side]) or "—"
            parts.append(f"<p><b>{html.escape(side)} reviews say</b>: {words}</p>")
        stats = analysis.groups[name]
        for index, side in enumerate(classes):
            parts.append(f"<h3>most {html.escape(side)}</h3><ul>")
            for probability, line, file, text in stats.extremes(index)[:3]:
                explanation = predictor.explain(text)
                parts.append(f"<li><b>{probability:.3f}</b> ({html.escape(file)}:{line}): "
                             f"{highlighted(explanation)}</li>")
            parts.append("</ul>")
    atomic.write_text(path, PAGE.format(title=html.escape(source), body="\n".join(parts)))


PAGE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>hansenti · {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border: 1px solid #ddd; padding: 3px 8px; }} th {{ background: #f3f3f3; }}
.tok {{ border-radius: 3px; padding: 0 2px; }}
img {{ max-width: 100%; display: block; margin: 1em 0; }}
</style></head><body>
{body}
</body></html>
"""


def analyze(predictor: Predictor, source: Path, out_dir: Path, text_column: str = "text",
            group_column: str | None = None, keep: int = 5, batch_size: int = 5_000,
            n_jobs: int = 1, html_groups: int = 12,
            options: FileScoring = FileScoring()) -> Analysis:
    """Score ``source`` and write scored.csv, summary.csv, extremes.csv, aspects.csv and
    report.html into ``out_dir`` (new, empty, or with ``options.overwrite`` one whose
    earlier analysis files are replaced); the files appear complete or not at all."""
    result = Analysis(predictor.classes, keep)

    def collect(rows: Sequence[ReviewRow], scored: Scored) -> None:
        failpoint("analyze.batch")
        result.add(rows, scored.tokens, scored.probabilities, text_column, group_column,
                   source.name)

    with output_folder(out_dir, options.overwrite, inputs=[source]) as staging:
        result.report = score_file(predictor, source, staging / "scored.csv", text_column,
                                   batch_size, n_jobs, on_batch=collect, options=options)
        write_analysis(result, predictor, staging, source.name, html_groups)
    return result


def write_analysis(result: Analysis, predictor: Predictor, folder: Path, source: str,
                   html_groups: int = 12) -> None:
    """summary.csv, extremes.csv, aspects.csv and report.html of ``result`` into ``folder``."""
    atomic.write_csv(folder / "summary.csv", result.summary_rows())
    atomic.write_csv(folder / "extremes.csv", result.extremes_rows())
    atomic.write_csv(folder / "aspects.csv", result.aspects_rows())
    write_html_report(result, predictor, folder / "report.html", source, html_groups)
