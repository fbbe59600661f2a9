"""Building every registered family's catalog (``python build_catalog.py`` / ``hybrid build-catalog``)."""

from __future__ import annotations

from pathlib import Path

from .catalog import catalog_dir, read_header, timed_build
from .data import default_dev_csv, labelled_tasks
from .families import FAMILY_NAMES, get_family

__all__ = ["build_all", "build_inputs"]


def build_inputs(family, tasks) -> tuple[list, dict]:
    """The rows a family's builder reads: its own, and those of the families it ``learns_from``."""
    own = [t for t in tasks if t.family == family.name]
    related = {n: [t for t in tasks if t.family == n] for n in family.learns_from}
    return own, related


def build_all(data=None, families=None, directory=None, progress: bool = True, log=print) -> list[Path]:
    """Rebuild the catalogs of ``families`` (default: all that have one) from the dev CSV."""
    names = [n for n in (families or FAMILY_NAMES) if get_family(n).has_catalog]
    data = Path(data) if data else default_dev_csv()
    tasks = labelled_tasks(data) if data.exists() else []
    if not tasks:
        log(f"warning: no labelled rows read from {data}; catalogs that learn from data will be empty")
    directory = Path(directory) if directory else catalog_dir(for_writing=True)
    paths = []
    for name in names:
        fam = get_family(name)
        own, related = build_inputs(fam, tasks)
        path = timed_build(fam, own, progress=progress, directory=directory, related=related)
        h = read_header(path)
        log(f"{name:17s} {h['entries']:>9d} entries  {path.stat().st_size / 1e6:8.2f} MB  "
            f"{h['build_seconds']:7.2f} s  -> {path}")
        paths.append(path)
    return paths
