"""``python -m benchmarks [--quick] [--families NAME ...] [--out DIR] [--json PATH]``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hybrid.families import FAMILY_NAMES

from .harness import Config, run
from .plots import plot_all
from .report import write_report

_ROOT = Path(__file__).resolve().parents[1]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks",
                                description="Catalog vs search cost per family; writes benchmarks.md and plots")
    p.add_argument("--quick", action="store_true", help="small run (< 1 minute): few tasks, no catalog rebuild")
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


if __name__ == "__main__":
    sys.exit(main())
