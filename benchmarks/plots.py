"""The benchmark's figures (matplotlib, Agg backend; the ``bench`` extra).

Per family:

* ``bench_<family>_cumulative.png`` -- cumulative cost (seconds) against the number of queries:
  the catalog line starts at the one-time cost (build + load) and rises by the catalog path's
  mean per-query cost; each search path starts at 0 and rises by its own; N* is marked.
* ``bench_<family>_size.png`` -- median latency per query against instance size (generated
  tasks), one line per path, log scale.
"""

from __future__ import annotations

import math
from pathlib import Path

__all__ = ["plot_family", "plot_all"]

_STYLE = {
    "catalog": ("tab:blue", "-"),
    "direct": ("tab:blue", "-"),
    "pipeline": ("tab:cyan", "--"),
    "cpsat": ("tab:red", "-"),
    "pyconstraint": ("tab:orange", "-"),
    "brute": ("tab:gray", ":"),
}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_cumulative(fam: dict, path: Path) -> Path | None:
    comps = {k: v for k, v in fam["comparisons"].items() if v.get("common") and v.get("search", True)}
    if not comps or fam.get("one_time_s") is None:
        return None
    plt = _plt()
    finite = [c["n_star"] for c in comps.values() if c.get("n_star") is not None]
    n_max = max(10.0, 2.0 * max(finite)) if finite else 1000.0
    n_max = float(10 ** math.ceil(math.log10(n_max))) if n_max > 10 else n_max
    labels = {p["name"]: p["label"] for p in fam["paths"]}
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    xs = [0.0, n_max]
    build = fam["one_time_s"]
    cat = next((p for p in fam["paths"] if p["name"] == "catalog"), None)
    c_cat = cat["mean_ms"] / 1000 if cat and cat.get("mean_ms") is not None else next(iter(comps.values()))["catalog_mean_s"]
    color, ls = _STYLE["catalog"]
    ax.plot(xs, [build, build + c_cat * n_max], color=color, ls=ls, lw=2,
            label=f"{labels.get('catalog', 'catalog')}: {build:.3g} s once + {1000 * c_cat:.3g} ms/query")
    for name, c in comps.items():
        color, ls = _STYLE.get(name, ("black", "-"))
        ax.plot(xs, [0.0, c["other_mean_s"] * n_max], color=color, ls=ls, lw=1.6,
                label=f"{labels.get(name, name)}: {1000 * c['other_mean_s']:.3g} ms/query ({c['common']} tasks)")
        # N* compares the two paths on the tasks both measured; when a search path ran out of
        # budget, the catalog's cost on that subset differs from its overall line: draw it too.
        if abs(c["catalog_mean_s"] - c_cat) > 0.1 * max(c_cat, 1e-9):
            ax.plot(xs, [build, build + c["catalog_mean_s"] * n_max], color=color, ls=(0, (1, 3)), lw=0.9,
                    label=f"catalog on those {c['common']} tasks: {1000 * c['catalog_mean_s']:.3g} ms/query")
        ns = c.get("n_star")
        if ns is not None and ns <= n_max:
            ax.axvline(ns, color=color, lw=0.8, alpha=0.6)
            ax.annotate(f"N* = {ns:,.0f}", (ns, c["other_mean_s"] * ns), textcoords="offset points",
                        xytext=(4, -12), fontsize=8, color=color)
    ax.set_xlabel("queries answered")
    ax.set_ylabel("cumulative cost (s)")
    ax.set_title(f"{fam['name']}: cumulative cost, catalog vs search")
    ax.set_xlim(0, n_max)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_size(fam: dict, path: Path) -> Path | None:
    series = [(p["name"], p["label"], p["by_size"]) for p in fam["paths"] if p["by_size"]]
    if not series:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for name, label, by in series:
        xs = sorted(by)
        ys = [max(by[x]["median_ms"], 1e-3) for x in xs]
        color, ls = _STYLE.get(name, ("black", "-"))
        ax.plot(xs, ys, color=color, ls=ls, marker="o", ms=4, label=label)
    ax.set_yscale("log")
    ax.set_xlabel(f"instance size ({SIZE_AXIS.get(fam['name'], 'size')})")
    ax.set_ylabel("median latency per query (ms, log)")
    ax.set_title(f"{fam['name']}: cost against instance size")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


#: What "size" means per family (see benchmarks/generate.py).
SIZE_AXIS = {
    "numeral": "examples",
    "gravity": "examples",
    "unit_conversion": "examples",
    "cipher": "words in the query",
    "equation_numeric": "operator glyphs",
    "cryptarithm": "operator glyphs",
    "bit_manipulation": "rule depth",
}


def plot_family(fam: dict, img_dir: Path) -> dict:
    img_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    p = plot_cumulative(fam, img_dir / f"bench_{fam['name']}_cumulative.png")
    if p:
        out["cumulative"] = p
    p = plot_size(fam, img_dir / f"bench_{fam['name']}_size.png")
    if p:
        out["size"] = p
    return out


def plot_all(result: dict, img_dir: Path) -> dict:
    return {f["name"]: plot_family(f, Path(img_dir)) for f in result["families"] if not f.get("error")}
