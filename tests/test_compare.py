"""The tokenization study: cell planning, skipping, resuming and the report."""

from __future__ import annotations

import csv
import json

import pytest

from hansenti import register_tokenizer
from hansenti.compare.matrix import (
    DEFAULT_TOKENIZERS,
    PROFILES,
    TokenizerSpec,
    plan,
)
from hansenti.compare.study import run_study
from hansenti.core.errors import HansentiError
from hansenti.tokenizers.base import Tokenizer, tokenizers


@pytest.mark.parametrize("text, label, name, options", [
    ("okt", "okt", "okt", ()),
    ("okt-stem=okt:norm=true,stem=true", "okt-stem", "okt", (("norm", True), ("stem", True))),
    ("spm:vocab_size=8000", "spm-vocab_size-8000", "spm", (("vocab_size", 8000),)),
    ("bpe=spm:model_type=bpe", "bpe", "spm", (("model_type", "bpe"),)),
])
def test_tokenizer_specs_parse(text, label, name, options):
    spec = TokenizerSpec.parse(text)
    assert (spec.label, spec.name, spec.options) == (label, name, options)
    assert TokenizerSpec.parse(spec.to_text()) == spec


def test_bad_tokenizer_spec_is_a_user_error():
    with pytest.raises(HansentiError, match="not KEY=VALUE"):
        TokenizerSpec.parse("okt:stem")


def test_plan_skips_what_cannot_run_and_says_why():
    class NeedsMissing(Tokenizer):
        requires = ("no_such_backend_module",)

        def tokenize(self, text):
            return text.split()

    register_tokenizer("needs-missing", NeedsMissing, exist_ok=True)
    try:
        cells, skipped = plan(["nsmc", "imdb"], ["whitespace", "mecab", "needs-missing"],
                              ["nblr", "cnn"], seeds=2)
    finally:
        tokenizers.unregister("needs-missing")
    assert len(cells) == (2 + 1) * 2 * 2  # (whitespace x 2 corpora + mecab) x models x seeds
    assert [cell.seed for cell in cells] == [1] * 6 + [2] * 6  # whole seeds first
    reasons = {(s.corpus, s.tokenizer): s.reason for s in skipped}
    assert reasons[("imdb", "mecab")] == "mecab is for ko text, the corpus is en"
    assert "no_such_backend_module" in reasons[("nsmc", "needs-missing")]
    assert len(skipped) == 2 * 3  # (imdb mecab, nsmc/imdb needs-missing) x 2 models


def test_default_matrix_is_the_documented_one():
    cells, skipped = plan(["nsmc", "imdb"], [], ["nblr", "lstm", "bilstm", "cnn"], seeds=1)
    assert len(DEFAULT_TOKENIZERS["nsmc"]) == 12 and len(DEFAULT_TOKENIZERS["imdb"]) == 5
    assert len(cells) + len(skipped) == (12 + 5) * 4


@pytest.mark.parametrize("corpus, tokenizer, model, message", [
    ("nsmc", "nope", "cnn", "unknown tokenizer 'nope'"),
    ("nsmc", "whitespace", "transformer", "unknown model 'transformer'"),
    ("wiki", "whitespace", "cnn", "unknown corpus 'wiki'"),
])
def test_unknown_names_are_errors_not_skips(corpus, tokenizer, model, message):
    with pytest.raises(HansentiError, match=message):
        plan([corpus], [tokenizer], [model], seeds=1)


@pytest.mark.realdata
def test_study_runs_reports_and_resumes(tiny_profile, mirror, tmp_path, monkeypatch, above):
    pytest.importorskip("keras")
    out = tmp_path / "study"
    report = run_study(["nsmc"], ["whitespace", "char", "mecab"], ["nblr", "cnn"], None,
                       "tiny", out, mirror=str(mirror), command="test")
    with open(out / "results.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    done = [row for row in rows if row["status"] == "done"]
    assert len(done) == len(rows) == 3 * 2 * 2
    above("worst cell's test accuracy", min(float(row["test_accuracy"]) for row in done), 0.3)
    assert all(float(row["tokens_per_doc"]) > 0 for row in done)

    markdown = report.read_text(encoding="utf-8")
    assert "## nsmc" in markdown and "★" in markdown and "beyond seed noise" in markdown
    assert (out / "nsmc-accuracy.png").stat().st_size > 1000
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3 and 'src="http' not in page

    # a second invocation reuses finished cells and resumes an unfinished one
    (out / "runs" / "nsmc" / "char" / "cnn" / "seed2" / "metrics.json").unlink()
    from hansenti.training import trainer as train_module

    calls = []
    real_train = train_module.train
    monkeypatch.setattr(train_module, "train",
                        lambda *a, **k: calls.append(k.get("resume")) or real_train(*a, **k))
    run_study(["nsmc"], ["whitespace", "char", "mecab"], ["nblr", "cnn"], None, "tiny", out,
              mirror=str(mirror), command="test again")
    assert calls == [True]
    assert "2 invocation(s)" in report.read_text(encoding="utf-8")
    with open(out / "ensembles.csv", encoding="utf-8") as handle:
        ensembles = list(csv.DictReader(handle))
    assert [(row["seed"], row["members"]) for row in ensembles] == [("1", "6"), ("2", "6")]
    above("worst ensemble's test accuracy",
          min(float(row["test_accuracy"]) for row in ensembles), 0.5)
    assert "Ensemble of every cell, per seed" in report.read_text(encoding="utf-8")

    # stopped (Ctrl-C, SIGTERM) in a cell: the time is recorded and the report written
    (out / "runs" / "nsmc" / "mecab" / "cnn" / "seed2" / "metrics.json").unlink()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_study(["nsmc"], ["whitespace", "char", "mecab"], ["nblr", "cnn"], None, "tiny",
                  out, mirror=str(mirror), command="stopped")
    markdown = report.read_text(encoding="utf-8")
    assert "11 of 12 finished" in markdown and "3 invocation(s)" in markdown


def test_a_study_folder_keeps_its_profile(tiny_profile, tmp_path):
    (tmp_path / "study.json").write_text('{"profile": "full", "invocations": []}')
    with pytest.raises(HansentiError, match="holds a 'full' study"):
        run_study(["nsmc"], ["whitespace"], ["nblr"], 1, "tiny", tmp_path)


def test_a_sliced_study_is_a_profile_of_its_own():
    from hansenti.compare.matrix import PROFILES, sliced

    quick = PROFILES["quick"]
    assert sliced(quick, None, ["nsmc"]) is quick
    small = sliced(quick, 600, ["nsmc", "imdb"])
    assert small.limit == {"nsmc": 600, "imdb": 600} and small.name != quick.name
    assert small.model_options == quick.model_options


def test_each_model_is_searched_over_the_options_it_reads():
    from hansenti.compare.budget import Budget
    from hansenti.compare.tuning import space_for

    budget = Budget(trials=1, epochs=1)
    assert {"units", "layers", "pooling", "maxlen", "learning_rate"} <= set(
        space_for("bilstm", budget))
    assert "filters" not in space_for("bilstm", budget)
    assert "units" not in space_for("cnn", budget)
    assert set(space_for("nblr", budget)) == {"ngram_max"}  # its C is searched in every fit


def test_the_cpu_profiles_search_what_these_cores_train_in_their_time():
    from hansenti.compare.budget import WIDE_SPACE

    for name in ("quick", "full"):
        space = PROFILES[name].tuning.space
        assert max(space["units"][1]) == 128 and min(space["batch_size"][1]) == 64
        assert set(space) == set(WIDE_SPACE)  # the same options, smaller sizes
    assert max(WIDE_SPACE["units"][1]) == 256  # the peer's size, for a GPU or a cluster


def test_a_search_keeps_the_best_trial_it_can_afford():
    from hansenti.compare.tuning import chosen_trial

    def trial(score, seconds, fixed=False):
        return {"score": score, "epoch_seconds": seconds, "fixed": fixed}

    fixed = trial(0.80, 20.0, fixed=True)
    trials = [trial(0.860, 90.0), trial(0.855, 30.0), trial(0.840, 5.0), trial(None, 1.0),
              fixed]
    assert chosen_trial(trials) == trial(0.860, 90.0)  # no bound: the best
    assert chosen_trial(trials, cost_ratio=1.5) == trial(0.855, 30.0)  # 90 s > 1.5 x 20 s
    assert chosen_trial(trials, cost_ratio=1.0) == trial(0.840, 5.0)
    assert chosen_trial([trial(0.9, 50.0), fixed], cost_ratio=1.0) == fixed
    # equal scores: the cheaper
    assert chosen_trial([trial(0.86, 9.0), trial(0.86, 4.0)]) == trial(0.86, 4.0)


def test_every_search_starts_from_the_fixed_cells_settings():
    from hansenti.compare.budget import CPU_SPACE, Budget
    from hansenti.compare.tuning import fixed_settings, space_for

    cells, _ = plan(["nsmc", "imdb"], ["char"], ["bilstm", "nblr"], 1, tune=True)
    quick = PROFILES["quick"]
    by_key = {cell.key: cell for cell in cells}
    bilstm = by_key["nsmc/char/bilstm-tuned/seed1"]
    settings = fixed_settings(bilstm, quick, space_for("bilstm", Budget(1, 1, space=CPU_SPACE)))
    assert settings == {"embedding_dim": 64, "units": 64, "layers": 1, "pooling": "last",
                        "batch_size": 64, "learning_rate": 1e-3, "dropout": 0.4,
                        "maxlen": "mean+2std"}  # the profile's, the model's, no cap
    imdb = by_key["imdb/char/bilstm-tuned/seed1"]
    assert fixed_settings(imdb, quick, {"maxlen": ("choice", ())}) == {"maxlen": "p90"}
    nblr = by_key["nsmc/char/nblr-tuned/seed1"]
    assert fixed_settings(nblr, quick, space_for("nblr", Budget(1, 1))) == {"ngram_max": 2}



def test_every_search_tries_the_fixed_settings_then_the_same_seeded_draws():
    pytest.importorskip("ray")
    from dataclasses import replace

    from hansenti.compare.budget import CPU_SPACE, Budget
    from hansenti.compare.tuning import search_plan

    cells, _ = plan(["nsmc"], ["char", "jamo"], ["bilstm"], 1, tune=True)
    quick, budget = PROFILES["quick"], Budget(trials=5, epochs=2, space=CPU_SPACE)
    char, jamo = (search_plan(cell, quick, budget) for cell in cells if cell.tuned)
    assert char["trials"][0] == char["fixed"] and len(char["trials"]) == 5
    assert char["trials"] == jamo["trials"]  # one model, one space: the same offer
    assert json.loads(json.dumps(char["trials"])) == char["trials"]  # plain values
    for trial in char["trials"][1:]:
        assert trial.keys() == char["fixed"].keys()
        assert trial["units"] in (32, 64, 128) and 3e-4 <= trial["learning_rate"] <= 3e-3
    nblr = plan(["nsmc"], ["char"], ["nblr"], 1, tune=True)[0][1]
    offered = search_plan(nblr, quick, replace(budget, trials=6))["trials"]
    assert [trial["ngram_max"] for trial in offered[:1]] == [2]  # the fixed settings
    assert sorted(trial["ngram_max"] for trial in offered) == [1, 2, 3, 4]  # no repeats

def test_a_tuned_cell_trains_its_chosen_settings_under_the_profile_cap():
    from dataclasses import replace

    from hansenti.compare.budget import Budget
    from hansenti.compare.tuning import trial_config

    cells, _ = plan(["nsmc"], ["char"], ["bilstm"], 2, tune=True)
    assert [(cell.label, cell.seed) for cell in cells] == [
        ("bilstm", 1), ("bilstm-tuned", 1), ("bilstm", 2), ("bilstm-tuned", 2)]
    assert cells[1].key == "nsmc/char/bilstm-tuned/seed1"
    full = PROFILES["full"]
    settings = {"units": 256, "layers": 2, "maxlen": "p100", "learning_rate": 1e-3}
    config = replace(cells[3], settings=tuple(settings.items())).config(full)
    assert config.maxlen == "p100<=420" and config.seed == 2 and config.limit is None
    assert config.model_options["units"] == 256 and config.model_options["layers"] == 2
    assert config.model_options["epochs"] == full.tuned_options["epochs"]
    trial = trial_config(cells[1], full, Budget(trials=8, epochs=4, limit=30_000), settings)
    assert trial.limit == 30_000 and trial.seed == 1 and trial.model_options["epochs"] == 4


def finished_fixed_run(root, cell, profile):
    """A finished run of ``cell`` under ``root``/runs, as the study would leave it."""
    folder = root / "runs" / cell.key
    folder.mkdir(parents=True)
    cell.config(profile).save(folder / "config.json")
    metrics = {"test": {"accuracy": 0.8}, "validation_accuracy": 0.79, "best": {"epoch": 2},
               "tokens_per_doc": 30.0, "vocab_size": 900, "test_oov_rate": 0.01,
               "seconds": {"tokenize": 4.0, "per_epoch": 9.0, "train": 20.0}}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def test_a_tuned_cell_that_kept_the_fixed_settings_is_the_fixed_run(tmp_path):
    """Quick profile: a tuned cell trains as its fixed twin when its search kept the
    fixed settings, so the twin's finished run is copied, marked, and costs nothing."""
    from dataclasses import replace

    from hansenti.compare.runner import REUSED_FROM, fixed_twin, run_cell
    from hansenti.compare.tuning import fixed_settings, space_for

    quick = PROFILES["quick"]
    (fixed, tuned), _ = plan(["nsmc"], ["char"], ["cnn"], 1, tune=True)
    finished_fixed_run(tmp_path, fixed, quick)
    kept = fixed_settings(tuned, quick, space_for("cnn", quick.tuning))
    result = run_cell(replace(tuned, settings=tuple(kept.items())), quick,
                      tmp_path / "runs" / tuned.key, None, 1)
    assert result.status == "done" and result.metrics["test"]["accuracy"] == 0.8
    assert result.metrics[REUSED_FROM] == f"runs/{fixed.key}"
    row = result.row()
    assert row["train_seconds"] == 0 and "fixed settings" in row["reason"]
    saved = json.loads((tmp_path / "runs" / tuned.key / "metrics.json").read_text())
    assert saved[REUSED_FROM] == f"runs/{fixed.key}"  # still marked when read back

    other = tmp_path / "other"
    finished_fixed_run(other, fixed, quick)
    moved = replace(tuned, settings=tuple({**kept, "filters": 128}.items()))
    assert fixed_twin(moved, quick, other / "runs" / tuned.key) is None
    longer = replace(quick, tuned_options={"epochs": 10, "patience": 2})
    assert fixed_twin(replace(tuned, settings=tuple(kept.items())), longer,
                      other / "runs" / tuned.key) is None


def test_tuned_cells_train_like_fixed_ones_unless_told_to_train_longer():
    """The full profile's tuned cells train like its fixed ones (so one that kept the
    fixed settings is its fixed run); ``tuned_for`` gives them more epochs, not the
    fixed cells."""
    from dataclasses import replace

    from hansenti.compare.matrix import tuned_for
    from hansenti.compare.tuning import fixed_settings, space_for

    full = PROFILES["full"]
    (fixed, tuned), _ = plan(["nsmc"], ["char"], ["bilstm"], 1, tune=True)
    kept = replace(tuned, settings=tuple(fixed_settings(
        tuned, full, space_for("bilstm", full.tuning)).items()))
    assert kept.config(full).trains_as(fixed.config(full))
    assert tuned_for(full, None) is full and tuned_for(full, 2) is full
    longer = tuned_for(full, 10)
    options = kept.config(longer).model_options
    assert options["epochs"] == 10 and options["patience"] == 2
    assert fixed.config(longer) == fixed.config(full)
    assert not kept.config(longer).trains_as(fixed.config(full))


def test_a_finished_cell_is_read_back_only_with_the_settings_planned_now(tmp_path):
    from dataclasses import replace

    from hansenti.compare.runner import run_cell

    quick = PROFILES["quick"]
    (cell,), _ = plan(["nsmc"], ["jamo"], ["bilstm"], 1)
    finished_fixed_run(tmp_path, cell, quick)
    run_dir = tmp_path / "runs" / cell.key
    assert run_cell(cell, quick, run_dir, None, 1).status == "done"
    capped = replace(quick, maxlen={"nsmc": "mean+2std<=150"})  # the cap before 420
    result = run_cell(cell, capped, run_dir, None, 1)
    assert result.status == "failed" and "other settings" in result.reason
    assert "--out" in result.reason


def test_a_contextual_study_pretrains_one_bilm_per_tokenizer(tiny_profile, mirror, tmp_path,
                                                             monkeypatch):
    """--contextual: each network also reads a biLM pre-trained for its tokenizer on the
    crawl (never NSMC test), once per (corpus, tokenizer), read back on a rerun; nblr,
    which reads none, gets no such cell; the report sets both side by side."""
    pytest.importorskip("keras")
    from dataclasses import replace

    from hansenti.compare.budget import BiLMBudget
    from hansenti.compare.matrix import PROFILES
    from hansenti.training import language_model

    monkeypatch.setitem(PROFILES, "tiny", replace(
        tiny_profile, contextual=BiLMBudget(documents=400, epochs=1, units=8)))
    calls = []
    real = language_model.train_bilm
    monkeypatch.setattr(language_model, "train_bilm",
                        lambda config, *a, **k: calls.append(config) or real(config, *a, **k))
    out = tmp_path / "study"
    for _ in range(2):
        report = run_study(["nsmc"], ["whitespace", "char"], ["nblr", "cnn"], 1, "tiny", out,
                           mirror=str(mirror), command="test", contextual=True)
    assert [(c.source, c.tokenizer, c.limit, c.units) for c in calls] == [
        ("naver-reviews", "whitespace", 400, 8), ("naver-reviews", "char", 400, 8)]
    with open(out / "results.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["model"] for row in rows if row["tokenizer"] == "char") == [
        "cnn", "cnn+elmo", "nblr"]
    assert all(row["status"] == "done" for row in rows)
    config = json.loads((out / "runs/nsmc/char/cnn+elmo/seed1/config.json").read_text())
    assert config["model_options"]["contextual"] == str((out / "bilm/nsmc/char").resolve())
    study = json.loads((out / "study.json").read_text())
    assert set(study["bilms"]) == {"bilm/nsmc/whitespace", "bilm/nsmc/char"}
    markdown = report.read_text(encoding="utf-8")
    assert "### Token embedding against the biLM" in markdown


def test_the_cost_of_a_study_here_and_on_a_cluster():
    import pandas as pd

    from hansenti.compare.cost import cost_rows, study_cost

    def cell(model, tokenize, train, status="done"):
        return {"status": status, "corpus": "nsmc", "tokenizer": "char", "model": model,
                "tokenize_seconds": tokenize, "train_seconds": train,
                "run_dir": f"runs/nsmc/char/{model}/seed1"}

    # the tuned cell reads the tokens its fixed twin computed: counted once
    results = pd.DataFrame([cell("cnn", 600.0, 3000.0), cell("cnn-tuned", 600.0, 7200.0),
                            cell("lstm", None, None, "failed")])
    searches = {"tuning/nsmc/char/cnn-tuned": {"wall_seconds": 1800.0, "cpu_seconds": 3600.0}}
    cost = study_cost(results, searches)
    assert (cost["fixed_hours"], cost["tuned_hours"], cost["search_hours"]) == (1.0, 2.0, 0.5)
    assert cost["longest_hours"] == 2.5  # the search, then its tuned cell
    # 4 hours of work (cells + trials' CPU): 0.5 h on 8 cores, but never under the chain
    assert [row["hours"] for row in cost["cluster"]] == [2.5, 2.5, 2.5]
    assert cost_rows(cost)[-1] == ["all", "3.5 h", "2.5 h", "2.5 h", "2.5 h"]
    cells = pd.DataFrame([{"status": "done", "corpus": "nsmc", "tokenizer": f"t{i}",
                           "model": "cnn", "tokenize_seconds": 0.0, "train_seconds": 3600.0,
                           "run_dir": f"runs/nsmc/t{i}/cnn/seed1"} for i in range(80)])
    assert [row["hours"] for row in study_cost(cells, {})["cluster"]] == [10.0, 2.5, 1.0]
    assert cost_rows(study_cost(cells[:1], {}))[-1] == ["all", "60 min", *["60 min"] * 3]


def test_a_search_is_read_back_only_on_the_budget_it_was_run_on(tmp_path):
    from dataclasses import asdict, replace

    from hansenti.compare.tuning import SEARCH_FILE, search_cells, search_key

    cells, _ = plan(["nsmc"], ["char"], ["cnn"], 1, tune=True)
    quick = PROFILES["quick"]
    folder = tmp_path / search_key(cells[1].key)
    folder.mkdir(parents=True)
    (folder / SEARCH_FILE).write_text(json.dumps(
        {"budget": asdict(quick.tuning), "chosen": {"filters": 32}}))
    searches = search_cells(cells, quick, tmp_path, None)  # read back: no Ray
    assert searches[search_key(cells[1].key)]["chosen"] == {"filters": 32}
    other = replace(quick, tuning=replace(quick.tuning, cost_ratio=None))
    with pytest.raises(HansentiError, match="another budget .cost_ratio 1.0 there, None here"):
        search_cells(cells, other, tmp_path, None)