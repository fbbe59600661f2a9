"""``python -m benchmarks [--quick] [--suites families alphametics scaling] [--families NAME ...] [--out DIR] [--json PATH]``.

Three suites, all by default: ``families`` (catalog vs search per family: benchmarks.md's tables),
``alphametics`` (benchmarks/bench_alphametics.py), ``scaling`` (benchmarks/bench_scaling.py) and
``generated`` (benchmarks/bench_generated.py: accuracy on generated puzzles beside dev).
Each side suite writes its own report (docs/benchmarks_<suite>.md), which benchmarks.md carries
as a section; running only side suites refreshes those sections and keeps the family tables."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hybrid.families import FAMILY_NAMES

from .harness import Config, run
from .plots import plot_all
from .report import assemble, write_report

_ROOT = Path(__file__).resolve().parents[1]
SUITES = ("families", "alphametics", "scaling", "generated")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks",
                                description="Catalog vs search cost per family; writes benchmarks.md and plots")
    p.add_argument("--quick", action="store_true", help="small run (a few minutes): few tasks, no catalog rebuild")
    p.add_argument("--suites", nargs="+", choices=SUITES, default=list(SUITES), metavar="SUITE",
                   help="which suites to run: " + ", ".join(SUITES) + " (default: all)")
    p.add_argument("--families", nargs="+", choices=FAMILY_NAMES, default=list(FAMILY_NAMES), metavar="NAME",
                   help="families to run (default: all)")
    p.add_argument("--out", type=Path, default=_ROOT / "docs",
                   help="directory for benchmarks.md; plots go to OUT/img (default: docs/)")
    p.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    p.add_argument("--dev-rows", type=int, default=None, help="dev rows per family")
    p.add_argument("--per-size", type=int, default=None, help="generated instances per size")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per search call")
    p.add_argument("--path-budget", type=float, default=None, help="wall seconds per (family, path)")
    p.add_argument("--no-build", action="store_true", help="use the catalog headers' build_seconds")
    p.add_argument("-q", "--quiet", action="store_true")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    kw = {"families": tuple(args.families), "progress": not args.quiet}
    for key in ("dev_rows", "per_size", "time_limit", "path_budget"):
        if getattr(args, key) is not None:
            kw[key] = getattr(args, key)
    if args.no_build:
        kw["build"] = False
    cfg = Config.quick_config(**kw) if args.quick else Config(**kw)
    log = (lambda *a, **k: None) if args.quiet else (lambda *a, **k: print(*a, **k, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    for suite in SUITES[1:]:
        if suite in args.suites:
            _run_side(suite, args)
    if "families" not in args.suites:
        log(f"wrote {assemble(args.out)} (side sections) in {time.perf_counter() - t0:.1f} s")
        return 0
    result = run(cfg, log=log)
    plots = plot_all(result, args.out / "img")
    for fam in result["families"]:
        fam["plots"] = {k: str(v) for k, v in plots.get(fam["name"], {}).items()}
    path = write_report(result, args.out)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    log(f"wrote {path} and {sum(len(v) for v in plots.values())} plots in {time.perf_counter() - t0:.1f} s")
    return 0


def _run_side(suite: str, args) -> None:
    """Run one side suite into ``OUT/benchmarks_<suite>.md`` (its own defaults; ``--quick`` sizes)."""
    out = ["--out", str(args.out / f"benchmarks_{suite}.md")]
    if suite == "alphametics":
        from . import bench_alphametics as mod

        argv = out + (["--quick"] if args.quick else []) + (["--no-progress"] if args.quiet else [])
    elif suite == "generated":
        from . import bench_generated as mod

        argv = out + (["--n", "200"] if args.quick else []) + (["--no-progress"] if args.quiet else [])
    else:
        from . import bench_scaling as mod

        argv = out + (["--rows", "5000", "--trace-rows", "500", "--family-rows", "100"] if args.quick else [])
    rc = mod.main(argv)
    if rc:
        raise SystemExit(f"benchmarks: the {suite} suite failed (exit {rc})")


if __name__ == "__main__":
    sys.exit(main())
