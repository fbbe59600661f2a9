"""Writes ``docs/benchmarks.md`` from a benchmark result (never typed in by hand)."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from .paths import PATH_LABELS, SEARCH_PATHS
from .plots import SIZE_AXIS

__all__ = ["render", "write_report", "fmt_nstar"]


def _f(x, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, int):
        return f"{x:,}"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _pct(x) -> str:
    return "–" if x is None else f"{x:.1f}"


def fmt_nstar(c: dict | None) -> str:
    """N* as printed: a query count, ``never`` when search is not slower, ``–`` when unknown."""
    if not c or not c.get("common") or c.get("search") is False:
        return "–"
    if c.get("n_star") is None:
        if c.get("other_mean_s") is not None and c.get("catalog_mean_s") is not None:
            return "never"
        return "–"
    n = c["n_star"]
    return f"{n:,.0f}" if n >= 10 else f"{n:.2g}"


def _ratio(c: dict | None) -> str:
    if not c or not c.get("common") or c.get("ratio") is None:
        return "–"
    r = c["ratio"]
    return f"{r:.3g}" if r >= 0.001 else f"{r:.1e}"


def _mib(b) -> str:
    return "–" if b is None else f"{b / 2**20:.2f}"


def _machine(m: dict) -> list[str]:
    v = m.get("versions", {})
    return [
        "| CPU | cores (usable) | memory | OS | python | ortools | numpy | numba | python-constraint | commit |",
        "|---|---:|---:|---|---|---|---|---|---|---|",
        f"| {m.get('cpu')} | {m.get('cores')} ({m.get('usable_cores')}) | {m.get('memory_gib')} GiB | {m.get('os')} | "
        f"{v.get('python', '–')} | {v.get('ortools', '–')} | {v.get('numpy', '–')} | {v.get('numba', '–')} | "
        f"{v.get('python-constraint', '–')} | {m.get('commit') or '–'} |",
    ]


def _paths_of(fam: dict) -> dict:
    return {p["name"]: p for p in fam["paths"]}


def _best_search(fam: dict) -> str | None:
    """The search path (CP-SAT first, then python-constraint, then brute force) to headline."""
    comps = fam.get("comparisons", {})
    for name in ("cpsat", "pyconstraint", "brute"):
        if comps.get(name, {}).get("common"):
            return name
    return None


def _family_table(fam: dict) -> list[str]:
    comps = fam.get("comparisons", {})
    rows = [
        "| path | tasks (skipped) | solved % | correct % | correct % dev / generated | median ms | p95 ms "
        "| work per query (median) | peak memory MiB | warm-up s | catalog/path latency | N* |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for p in fam["paths"]:
        c = comps.get(p["name"])
        nodes = "–" if p["nodes_median"] is None else f"{_f(p['nodes_median'])} {p['node_unit']}"
        is_cat = p["name"] == "catalog"
        rows.append(
            f"| {p['label']} | {p['tasks']} ({p['skipped']}) | {_pct(p['solved_pct'])} | {_pct(p['correct_pct'])} | "
            f"{_pct(p['dev']['correct_pct'])} / {_pct(p['generated']['correct_pct'])} | {_f(p['median_ms'])} | "
            f"{_f(p['p95_ms'])} | {nodes} | {_f(p['peak_mib'])} | {_f(p['warmup_s'])} | "
            f"{'1' if is_cat else _ratio(c)} | {'–' if is_cat else fmt_nstar(c)} |")
    return rows


def _cost_lines(fam: dict) -> list[str]:
    out = []
    b, ld = fam.get("build") or {}, fam.get("load") or {}
    if fam.get("build_s") is not None:
        out.append(f"- Build: **{_f(fam['build_s'])} s** ({fam['build_source']})"
                   + (f" over {b['tasks']} dev rows" if b.get("tasks") else "") + ".")
    if b.get("error"):
        out.append(f"- Rebuild failed: `{b['error']}`.")
    if b.get("rss_peak_kib"):
        what = ("peak RSS during the build (high-water mark reset after the dev rows were read)"
                if b.get("peak_reset") else "peak RSS of the build process")
        out.append(f"- Build peak memory: {b['rss_peak_kib'] / 1024:.1f} MiB {what}, "
                   f"{(b['rss_peak_kib'] - b['rss_base_kib']) / 1024:.1f} MiB above the RSS before the build.")
    if ld.get("file_bytes") is not None:
        out.append(f"- Catalog file: {ld['file_bytes'] / 1e6:.3f} MB, {_f(ld.get('entries'))} entries; loading it "
                   f"takes {1000 * ld['load_s']:.1f} ms and {_mib(ld.get('load_peak_bytes'))} MiB (tracemalloc peak).")
    if b.get("payload_sha256") and ld.get("payload_sha256"):
        same = b["payload_sha256"] == ld["payload_sha256"]
        out.append(f"- Rebuilt payload {'is byte-identical to' if same else '**differs from**'} the committed "
                   f"file ({b['payload_bytes']:,} payload bytes).")
    if ld.get("error"):
        out.append(f"- Catalog could not be loaded: `{ld['error']}`.")
    if fam.get("one_time_s") is not None:
        out.append(f"- One-time cost used for N* (build + load): **{_f(fam['one_time_s'])} s**.")
    return out


def _summary(families: list[dict]) -> list[str]:
    rows = [
        "| family | paths measured | catalog correct % | headline search | its correct % | catalog/search latency "
        "| one-time cost s | N* (queries) |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for fam in families:
        if fam.get("error"):
            rows.append(f"| {fam['name']} | failed: `{fam['error']}` | | | | | | |")
            continue
        paths = _paths_of(fam)
        best = _best_search(fam)
        cat = paths.get("catalog") or paths.get("direct")
        c = fam["comparisons"].get(best) if best else None
        rows.append(
            f"| {fam['name']} | {', '.join(paths)} | {_pct(cat['correct_pct']) if cat else '–'} | "
            f"{PATH_LABELS[best] if best else '–'} | {_pct(paths[best]['correct_pct']) if best else '–'} | "
            f"{_ratio(c)} | {_f(fam.get('one_time_s'))} | {fmt_nstar(c)} |")
    return rows


def _closing(families: list[dict]) -> list[str]:
    lines = []
    for fam in families:
        if not fam.get("covered"):
            continue
        paths = _paths_of(fam)
        cat = paths["catalog"]
        parts = []
        for name in SEARCH_PATHS:
            c = fam["comparisons"].get(name)
            if not c or not c.get("common"):
                continue
            ns = fmt_nstar(c)
            pays = ("it never pays for itself against this path, which is not slower per query"
                    if ns == "never" else f"the catalog pays for itself after N* = {ns} queries")
            parts.append(
                f"against {PATH_LABELS[name]} (median {_f(c['other_median_ms'])} ms, "
                f"{_pct(paths[name]['correct_pct'])} % correct) the catalog takes {_ratio(c)}× the latency "
                f"({_f(c['catalog_median_ms'])} ms) on the {c['common']} tasks both measured, and {pays}")
        if parts:
            lines.append(f"- **{fam['name']}** — catalog {_pct(cat['correct_pct'])} % correct; " + "; ".join(parts) + ".")
    if not lines:
        lines.append("- No family had both a catalog and a search path in this run.")
    return lines


def render(result: dict, img_rel: str = "img") -> str:
    cfg = result["config"]
    fams = result["families"]
    covered = [f for f in fams if f.get("covered")]
    others = [f for f in fams if not f.get("covered")]
    mode = "quick" if cfg["quick"] else "full"
    cmd = "python -m benchmarks" + (" --quick" if cfg["quick"] else "")
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    L = [
        "# Benchmarks: catalog vs search, per family",
        "",
        f"> Generated by `{cmd}` ({mode} run, {result['seconds']:.0f} s wall) on {now}. "
        "Every number below was measured in that run; do not edit this file, rerun the command.",
        "",
        "## Machine",
        "",
        *_machine(result["machine"]),
        "",
        "## How it was measured",
        "",
        f"- **Same tasks for every path.** Per family: {cfg['dev_rows']} dev rows (fixed-seed sample of "
        f"`{Path(result['dev_csv']).name if result.get('dev_csv') else 'dev.csv'}`) plus {cfg['per_size']} generated "
        "instance(s) per size (`benchmarks/generate.py`: more examples, more query words, more operator glyphs, "
        "deeper bit rules). Correct = exact string match with the hidden answer.",
        "- **Paths** (found at run time): catalog = `hybrid.solve(task, search=False)` (recall + verification; "
        "`direct` for a family without a catalog file); pipeline = `hybrid.solve(task)` (catalog, then the "
        "CP-SAT fallback); CP-SAT = `family.search(task, time_limit)`, ranked by prior and verified (for "
        "cryptarithm its `search_cpsat` directly, because its `search` returns nothing when the catalog "
        "join already has solutions); "
        "python-constraint = the family's `search_python_constraint` (package or its `search` module); "
        "brute force = plain enumeration in "
        "`benchmarks/paths.py` (first complete assignment for cryptarithm; cipher's enumerates the same "
        "dev-row vocabulary the catalog holds, so it is not catalog-free).",
        f"- **Timings**: per task the median of up to {cfg['repeats']} runs (repeats stop once a task's runs add "
        f"up to {cfg['repeat_cap']} s); tables give the median and p95 over tasks. Search calls get "
        f"{cfg['time_limit']} s each; each (family, path) gets {cfg['path_budget']} s of wall time, and tasks "
        "left when it runs out are *skipped*. A warm-up call (catalog load, numba JIT) precedes the timed runs "
        "and is reported apart. Everything runs in one process, one path after the other.",
        "- **Latency ratio** catalog/path: median catalog latency over median path latency, over the tasks both "
        "measured (below 1: the catalog is faster).",
        "- **N\\*** = one-time catalog cost / (mean search cost per query − mean catalog cost per query), with the "
        "per-query costs averaged over the tasks both paths measured (a sum of queries is what the catalog "
        "amortises, so the mean is the right average here; each task's cost is still its median over repeats). "
        "*never*: search is not slower per query. A search that hits its time limit is charged the limit, so N* "
        "is an upper bound there.",
        "- **Work per query**: verifications (catalog, pipeline), CP-SAT branches (`CpSolver.num_branches`, "
        "summed over the solves of one query), python-constraint constraint checks, brute-force candidates.",
        "- **Peak memory per query**: `tracemalloc` peak of one extra instrumented run per task (skipped for "
        f"tasks slower than {cfg['instrument_cap']} s); tracemalloc sees Python and numpy allocations, not "
        "CP-SAT's C++ memory. Build memory is the peak RSS of a fresh build process.",
        "",
        "## Summary",
        "",
        *_summary(fams),
        "",
    ]
    for fam in covered:
        L += [f"## {fam['name']}", ""]
        L += _cost_lines(fam)
        L += ["", f"Tasks: {fam['n_dev']} dev rows + {fam['n_generated']} generated "
              f"(size = {SIZE_AXIS.get(fam['name'], 'size')}).", ""]
        L += _family_table(fam)
        errs = [p for p in fam["paths"] if p.get("first_error")]
        for p in errs:
            L.append(f"\n{p['label']}: {p['errors']} task(s) raised, first: `{p['first_error']}`")
        L.append("")
        for kind, title in (("cumulative", "cumulative cost against queries"), ("size", "cost against instance size")):
            fn = f"bench_{fam['name']}_{kind}.png"
            if fam.get("plots", {}).get(kind):
                L.append(f"![{fam['name']}: {title}]({img_rel}/{fn})")
        L.append("")
    if others:
        L += ["## Families without both a catalog and a search path", "",
              "Measured on the same footing, but no catalog-vs-search accounting applies.", ""]
        for fam in others:
            if fam.get("error"):
                L += [f"### {fam['name']}", "", f"Failed: `{fam['error']}`", ""]
                continue
            L += [f"### {fam['name']}", ""]
            L += _cost_lines(fam)
            L += ["", f"Tasks: {fam['n_dev']} dev rows + {fam['n_generated']} generated "
                  f"(size = {SIZE_AXIS.get(fam['name'], 'size')}).", ""]
            L += _family_table(fam)
            L.append("")
            if fam.get("plots", {}).get("size"):
                L += [f"![{fam['name']}: cost against instance size]({img_rel}/bench_{fam['name']}_size.png)", ""]
    L += ["## Closing note", "", "Quoted from the tables above:", "", *_closing(fams), ""]
    return "\n".join(L)


#: The side suites whose reports ``benchmarks.md`` carries as sections after the family tables:
#: (section title, the suite's own report file in the same directory, the command that writes it).
SIDE_SUITES = (
    ("Alphametics: catalog vs plain CP-SAT vs python-constraint", "benchmarks_alphametics.md",
     "python -m benchmarks --suites alphametics"),
    ("Scaling: local process workers vs the Ray engine", "benchmarks_scaling.md",
     "python -m benchmarks --suites scaling"),
    ("Generated puzzles vs dev, per family", "benchmarks_generated.md",
     "python -m benchmarks --suites generated"),
)
#: Where the side sections start in ``benchmarks.md`` (everything above it is the family suite).
SIDE_MARKER = "<!-- side suites: assembled from the files below by benchmarks/report.py -->"


def side_sections(out_dir: Path) -> str:
    """The side suites' reports as sections of ``benchmarks.md``: each file's title becomes a
    level-2 heading and its headings move down one level. A suite not run yet is named as such."""
    parts = [SIDE_MARKER, ""]
    for title, name, command in SIDE_SUITES:
        path = Path(out_dir) / name
        parts.append(f"## {title}")
        parts.append("")
        if not path.is_file():
            parts += [f"Not run yet: `{command}` writes [{name}]({name}) and this section.", ""]
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        if lines and lines[0].startswith("# "):
            lines = lines[1:]
        body = [("#" + ln) if ln.startswith("#") else ln for ln in lines]
        parts += [f"*From [{name}]({name}), written by `{command}`.*", *body, ""]
    return "\n".join(parts).rstrip() + "\n"


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_report(result: dict, out_dir: Path) -> Path:
    """Write ``benchmarks.md``: the family suite's tables, then the side suites' sections."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "benchmarks.md"
    _write(path, render(result, "img").rstrip() + "\n\n" + side_sections(out_dir))
    return path


def assemble(out_dir: Path) -> Path:
    """Refresh only the side sections of an existing ``benchmarks.md`` (after a side suite ran),
    keeping the family suite's part as it was measured."""
    path = Path(out_dir) / "benchmarks.md"
    head = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    head = head.split(SIDE_MARKER)[0].rstrip()
    _write(path, head + "\n\n" + side_sections(out_dir))
    return path
