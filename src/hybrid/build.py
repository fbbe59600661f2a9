"""Building every registered family's catalog (``python build_catalog.py`` / ``hybrid build-catalog``)."""

from __future__ import annotations

from pathlib import Path

from .catalog import catalog_dir, catalog_path, read_header, timed_build
from .data import default_dev_csv, labelled_tasks
from .families import builtin_names, get_family

__all__ = ["build_all", "build_inputs"]


def build_inputs(family, tasks) -> tuple[list, dict]:
    """The rows a family's builder reads: its own, and those of the families it ``learns_from``."""
    own = [t for t in tasks if t.family == family.name]
    related = {n: [t for t in tasks if t.family == n] for n in family.learns_from}
    return own, related


def build_all(data=None, families=None, directory=None, progress: bool = True, log=print) -> list[Path]:
    """Rebuild the catalogs of ``families`` (default: every built-in family that has one) from the
    dev CSV, into ``directory`` (default: where each family's catalog ships, ``Family.catalog_file``:
    the library's catalog directory for built-in families, the plug-in package's ``catalog/``).

    Into another directory (``--out``), a catalog whose payload equals the one in the catalog
    directory keeps that file's recorded build time, so the output is byte-identical to it
    (``cmp`` shows a rebuild reproduces the shipped files)."""
    names = [n for n in (families or builtin_names()) if get_family(n).has_catalog]
    data = Path(data) if data else default_dev_csv()
    tasks = labelled_tasks(data) if data.exists() else []
    if not tasks:
        log(f"warning: no labelled rows read from {data}; catalogs that learn from data will be empty")
    paths = []
    for name in names:
        fam = get_family(name)
        own, related = build_inputs(fam, tasks)
        # The shipped file: the library's catalog directory for built-in families, the plug-in
        # package's own ``catalog/`` folder for the others (``Family.catalog_file``).
        shipped = catalog_path(name, catalog_dir(for_writing=True)) if fam.ships_with_library() else fam.catalog_file()
        target_dir = Path(directory) if directory else shipped.parent
        target_dir.mkdir(parents=True, exist_ok=True)
        path = timed_build(fam, own, progress=progress, directory=target_dir, related=related,
                           reference=None if shipped == catalog_path(name, target_dir) else shipped)
        h = read_header(path)
        log(f"{name:17s} {h['entries']:>9d} entries  {path.stat().st_size / 1e6:8.2f} MB  "
            f"{h['build_seconds']:7.2f} s  -> {path}")
        paths.append(path)
    return paths
