"""What a study cost on the machine that ran it, and what the same plan would take on a
Ray cluster of 8 to 128 cores."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .matrix import TUNED_SUFFIX
from .tuning import run_search_key

#: the cluster sizes of the capacity table
CLUSTER_CORES = (8, 32, 128)


def study_cost(results: pd.DataFrame, searches: dict[str, Any]) -> dict[str, Any]:
    """Hours the finished fixed and tuned cells (tokenizing + training) and the searches
    took here, and the whole on ``CLUSTER_CORES`` cores: each cell and each trial on a core
    of its own taking what it took here, never faster than the longest chain (a search,
    then its slowest tuned cell; or one cell alone). A corpus's tokens are computed once
    per tokenizer (results.csv gives every cell that time; the cache serves the rest,
    here and on Ray), and counted with the first of its fixed cells."""
    done = results[results["status"] == "done"]
    tuned = done["model"].str.endswith(TUNED_SUFFIX)
    first = ~done.duplicated(["corpus", "tokenizer"]) & ~tuned
    seconds = done["train_seconds"].fillna(0) + done["tokenize_seconds"].fillna(0).where(
        first, 0.0)
    chains = list(done["train_seconds"].fillna(0) + done["tokenize_seconds"].fillna(0))
    for run_dir, cell_seconds in zip(done.loc[tuned, "run_dir"], seconds[tuned]):
        search = searches.get(run_search_key(run_dir), {})
        chains.append(search.get("wall_seconds", 0.0) + cell_seconds)
    work = float(seconds.sum()) + sum(search.get("cpu_seconds", 0.0)
                                      for search in searches.values())
    longest = max(chains, default=0.0)
    return {"fixed_hours": float(seconds[~tuned].sum()) / 3600,
            "tuned_hours": float(seconds[tuned].sum()) / 3600,
            "search_hours": sum(search.get("wall_seconds", 0.0)
                                for search in searches.values()) / 3600,
            "longest_hours": longest / 3600,
            "cluster": [{"cores": cores, "hours": max(work / cores, longest) / 3600}
                        for cores in CLUSTER_CORES]}


COST_HEADER = ["part", "here", *(f"on {cores} cores" for cores in CLUSTER_CORES)]


def duration(hours: float) -> str:
    """``0.2`` -> ``12 min``; ``3.44`` -> ``3.4 h``."""
    return f"{hours * 60:.0f} min" if hours < 1.5 else f"{hours:.1f} h"


def cost_rows(cost: dict[str, Any]) -> list[list[str]]:
    """The cost table: each part's time on this machine; the whole on each cluster."""
    blank = [""] * len(CLUSTER_CORES)
    parts = {"fixed cells (tokenize + train)": cost["fixed_hours"]}
    if cost["search_hours"] or cost["tuned_hours"]:
        parts.update({"searches": cost["search_hours"],
                      "tuned cells (tokenize + train)": cost["tuned_hours"]})
    rows = [[part, duration(hours), *blank] for part, hours in parts.items()]
    rows.append(["all", duration(sum(parts.values())),
                 *(duration(row["hours"]) for row in cost["cluster"])])
    return rows
