"""Where accuracy stands against the goals: for each corpus the best ensemble and the best
single model, per seed, gathered from the committed measurements (bench/results/
ensemble.json and ensemble-CORPUS.json, distil.json, single.json, ngrams.json,
self_training.json and their -partial files, every figure there produced by hansenti
commands); a candidate needs seeds 1-3. A
single model is chosen by its mean validation accuracy, never test; a refitted run (the
choice made on validation, then fitted again on all of train) equals its unrefitted twin on
validation and is preferred to it, as decided before any test figure. The contextual
(ELMo) variants of bench/contextual.py, measured on a slice of train, are reported beside
with what their validation said about adding them.

    python -m bench.accuracy

Writes bench/results/accuracy.{json,md}; README's headline table reads accuracy.json.
"""

from __future__ import annotations

import argparse
import statistics

from . import recipe
from .publish import RESULTS
from .publish import load_result as load

GOALS = {"nsmc": {"ensemble": 0.900, "single": 0.890},
         "imdb": {"ensemble": 0.925, "single": 0.920}}
ENSEMBLE_RECIPE = ("stacked logistic regression (or the mean, as validation chose) over the "
                   "validation probabilities of the study's {cells} cells plus Mecab/English "
                   "BiLSTM and CNN members with word2vec vectors trained on unlabelled "
                   "reviews without test text{ngrams} (bench/results/{report})")
#: bench/ensemble.py's ensembles, smallest first: what each adds to the study's cells
ENSEMBLE_MEMBERS = {"study": "the study", "study+w2v": "the study + word2vec members",
                    "study+w2v+ngrams": "the study + word2vec and n-gram members",
                    "study+w2v+ngrams+elmo": "the study + word2vec, n-gram and biLM members"}


def figures(rows: list[dict], source: str, recipe: str) -> dict:
    """Per-seed test and validation accuracy, their mean and spread, and where from."""
    rows = sorted(rows, key=lambda row: row["seed"])
    tests = [row["test"] for row in rows]
    return {"seeds": [row["seed"] for row in rows], "test": tests,
            "validation": [row["validation"] for row in rows],
            "mean": statistics.mean(tests),
            "std": statistics.stdev(tests) if len(tests) > 1 else 0.0,
            "source": source, "recipe": recipe}


def ensembles(corpus: str) -> dict:
    """The largest ensemble measured on seeds 1-3 of ``corpus`` (chosen before any test
    figure: every member added is fitted on the fit split and weighted on validation);
    ensemble-CORPUS.json, the corpus re-run alone, stands over ensemble.json."""
    measured = []
    for order, file in enumerate(("ensemble", f"ensemble-{corpus}")):
        if (RESULTS / f"{file}.json").is_file():
            rows = [row for row in load(file)["rows"] if row["corpus"] == corpus]
            measured += [((size, order), f"{file}.json", label, rows)
                         for size, label in enumerate(ENSEMBLE_MEMBERS)
                         if {1, 2, 3} <= {row["seed"] for row in rows if label in row}]
    _, source, label, rows = max(measured, key=lambda candidate: candidate[0])
    ngrams = (", NB-LR members with bench/ngrams.py's best n-gram features"
              if "ngrams" in label else "") + (
        ", and the English CNN + word2vec also reading the biLM pre-trained on IMDB's "
        "train + unlabelled reviews (bench/contextual.py)" if "elmo" in label else "")
    result = figures([{"seed": row["seed"], "test": row[label]["test"],
                       "validation": max(row[label]["validation"].values())}
                      for row in rows if row["seed"] in (1, 2, 3)],
                     source, ENSEMBLE_RECIPE.format(cells=rows[0]["cells"], ngrams=ngrams,
                                                    report=source.replace(".json", ".md")))
    return {**result, "members": ENSEMBLE_MEMBERS[label]}


def single_candidates(corpus: str) -> dict[str, dict]:
    """Every single model measured on seeds 1-3 of ``corpus``."""
    candidates: dict[str, tuple[str, list[dict]]] = {}

    def add(name: str, source: str, row: dict) -> None:
        """Add a seed's row to candidate ``name`` unless a file read before gave that seed."""
        rows = candidates.setdefault(name, (source, []))[1]
        if all(known["seed"] != row["seed"] for known in rows):
            rows.append(row)

    for file in (f"ensemble-{corpus}", "ensemble"):  # the corpus re-run alone first
        if (RESULTS / f"{file}.json").is_file():
            for row in load(file)["rows"]:
                if row["corpus"] == corpus:
                    for name, member in row["members"].items():
                        add(f"{name} + word2vec", f"{file}.json",
                            {"seed": row["seed"], **member})
                    for name, member in row.get("contextual_members", {}).items():
                        add(f"{name} + word2vec + biLM", f"{file}.json",
                            {"seed": row["seed"], **member})
    if corpus == "nsmc":
        for row in load("distil")["rows"]:
            add("Mecab CNN taught by the ensemble (distil)", "distil.json",
                {"seed": row["seed"], "test": row["test"], "refit": True,
                 "validation": row["student_validation"]})
        for row in load("single")["rows"]:
            chosen = row["chosen"]
            add("Mecab BiLSTM or CNN + word2vec, chosen per seed, refitted", "single.json",
                {"seed": row["seed"], "test": chosen["test"], "refit": True,
                 "validation": row["candidates"][chosen["candidate"]]["validation"]})
    for source, row in published_rows("ngrams"):
        # the TF-IDF baseline (no tokenizer) is scikit-learn alone, not a hansenti model
        if row["corpus"] == corpus and row["tokenizer"]:
            add(f"nblr {row['case'].removeprefix(corpus + ' ')}", source, row)
    for source, row in published_rows("self_training"):
        if row["case"] == corpus:
            add("nblr self-trained on unlabelled reviews, refitted", source,
                {"seed": row["seed"], "test": row["student"]["test"], "refit": True,
                 "validation": row["student"]["validation"]})
    return {name: {**figures(rows, source, name), "refit": all(row.get("refit") for row in rows)}
            for name, (source, rows) in candidates.items() if len(rows) >= 3}


def published_rows(name: str, table: str = "rows") -> list[tuple[str, dict]]:
    """The rows of ``name.json``'s ``table``, then of ``name-partial.json``'s (cases or
    seeds run alone), each with its file."""
    return [(f"{file}.json", row) for file in (name, f"{name}-partial")
            if (RESULTS / f"{file}.json").is_file() for row in load(file)[table]]


def contextual_trial(corpus: str) -> dict | None:
    """bench/contextual.py's variants of ``corpus`` (a slice of train, seeds 1-3) and what
    their validation said: whether a biLM variant beat word2vec there, the test figures
    beside it (chosen by nothing)."""
    rows = [(source, row) for source, row in published_rows("contextual", "summary")
            if row["case"].startswith(f"{corpus}-") and {1, 2, 3} <= set(row["seeds"])]
    variants: dict[str, dict] = {}
    for source, row in rows:  # contextual.json's before a partial re-run's
        variants.setdefault(row["variant"], {**row, "source": source})
    contextual = {name: row for name, row in variants.items() if "elmo" in name}
    if "word2vec" not in variants or not contextual:
        return None
    best = max(contextual, key=lambda name: contextual[name]["validation_mean"])
    beats = contextual[best]["validation_mean"] > variants["word2vec"]["validation_mean"]
    word2vec = variants["word2vec"]
    return {"case": word2vec["case"], "train_documents": word2vec.get("train_documents"),
            "source": word2vec["source"],
            "variants": {name: {"validation_mean": row["validation_mean"],
                                "test_mean": row["mean"]} for name, row in variants.items()},
            "best_contextual": best, "beats_word2vec_on_validation": beats}


def corpus_entry(corpus: str) -> dict:
    candidates = single_candidates(corpus)
    chosen = max(candidates, key=lambda name: (statistics.mean(candidates[name]["validation"]),
                                               candidates[name]["refit"]))
    entry = {"ensemble": ensembles(corpus), "single": candidates[chosen],
             "single_candidates": {name: {"validation_mean": statistics.mean(c["validation"]),
                                          "test_mean": c["mean"], "source": c["source"]}
                                   for name, c in candidates.items()},
             "goals": GOALS[corpus], "contextual": contextual_trial(corpus)}
    entry["recipe"] = entry["ensemble"]["recipe"]
    entry["met"] = {kind: all(t >= GOALS[corpus][kind] for t in entry[kind]["test"])
                    for kind in ("ensemble", "single")}
    return entry


def render(result: dict):
    def markdown(header: str) -> str:
        sources = sorted({entry[kind]["source"] for entry in result.values()
                          for kind in ("ensemble", "single")}
                         | {c["source"] for entry in result.values()
                            for c in entry["single_candidates"].values()})
        measured = "; ".join(f"`{name}` measured {load(name.removesuffix('.json'))['measured']}"
                             for name in sources)
        lines = ["# Accuracy against the goals", "",
                 header.replace("Measured", "Gathered", 1) + f". Figures from {measured}.", "",
                 "| corpus | what | test, per seed | mean ± std | goal | met on every seed |",
                 "|---|---|---|---:|---:|---|"]
        for corpus, entry in result.items():
            for kind in ("ensemble", "single"):
                f = entry[kind]
                what = f["recipe"] if kind == "single" else f["members"]
                lines.append(f"| {corpus} | {kind}: {what} | "
                             f"{', '.join(f'{t:.2%}' for t in f['test'])} | "
                             f"{f['mean']:.2%} ± {f['std']:.2%} | "
                             f"{entry['goals'][kind]:.1%} | "
                             f"{'yes' if entry['met'][kind] else 'no'} |")
        lines += ["", "Single models measured on seeds 1-3, the one in the table chosen by "
                  "mean validation accuracy:", ""]
        for corpus, entry in result.items():
            for name, c in sorted(entry["single_candidates"].items(),
                                  key=lambda item: -item[1]["validation_mean"]):
                lines.append(f"- {corpus}, {name}: validation {c['validation_mean']:.2%}, "
                             f"test {c['test_mean']:.2%}")
        lines += [""] + [f"Ensemble of {corpus}: {entry['recipe']}." for corpus, entry
                         in result.items()] + [""]
        lines += [contextual_line(corpus, entry["contextual"],
                                  "biLM" in entry["ensemble"]["members"])
                  for corpus, entry in result.items() if entry["contextual"]]
        return "\n".join(lines)

    return markdown


def contextual_line(corpus: str, trial: dict, joined: bool) -> str:
    """What bench/contextual.py's slice said about contextual members for ``corpus``
    (``joined``: a full-data one is in its ensemble)."""
    variants = trial["variants"]
    figures = ", ".join(f"{name} {v['validation_mean']:.2%} (test {v['test_mean']:.2%})"
                        for name, v in variants.items())
    best = trial["best_contextual"]
    margin = 100 * (variants[best]["validation_mean"] - variants["word2vec"]["validation_mean"])
    then = (", so a full-data member reading word2vec and the biLM was trained with every "
            "seed and joins the ensemble" if joined
            else ": a full-data contextual member is the next candidate")
    verdict = (f"{best} beat word2vec on validation by {margin:.2f} points{then}"
               if trial["beats_word2vec_on_validation"]
               else f"no biLM variant beat word2vec on validation (the best, {best}, by "
               f"{margin:+.2f} points), so none joins the ensemble")
    documents = trial["train_documents"]
    slice_text = f"a {documents:,}-review slice" if documents else "a slice"
    return (f"Contextual (ELMo) variants of {corpus}, tried on {slice_text} of train "
            f"(bench/results/{trial['source'].replace('.json', '.md')}), validation: "
            f"{figures}; {verdict}.\n")


def measure(_: argparse.Namespace) -> recipe.Measured:
    result = {corpus: corpus_entry(corpus) for corpus in GOALS}
    return recipe.Measured(result, render(result))


def main() -> None:
    recipe.run("accuracy", __doc__, measure)


if __name__ == "__main__":
    main()
