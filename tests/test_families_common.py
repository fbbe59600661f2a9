"""One suite every registered family runs (built-ins, the alphametics domain and installed plug-ins):
registry, prompt round trip, catalog build -> save -> load, and solving generated puzzles soundly.

Family-specific accuracy targets live in tests/families/test_<family>.py.
"""

import random

import pytest

import hybrid
from hybrid.catalog import clear_cache, load_catalog, save_catalog
from hybrid.families import Family, family_names

from .conftest import sample_rows_of

ROWS_PER_FAMILY = 25
GENERATED_PER_FAMILY = 30
NAMES = family_names()


def _has_generator(fam) -> bool:
    return type(fam).generate is not Family.generate


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_its_name(name):
    fam = hybrid.get_family(name)
    assert fam.name == name and isinstance(fam, hybrid.Family)
    assert name in hybrid.family_names()


@pytest.mark.parametrize("name", NAMES)
def test_example_lines_round_trip(name, dev_by_family):
    fam = hybrid.get_family(name)
    rows = sample_rows_of(dev_by_family, name, ROWS_PER_FAMILY)
    tasks = [hybrid.parse(r.prompt) for r in rows]
    if not tasks and _has_generator(fam):
        tasks = [fam.generate(random.Random(f"rt{i}")).task for i in range(ROWS_PER_FAMILY)]
    if not tasks:
        pytest.skip(f"{name}: no dev rows and no generator")
    for task in tasks:
        for ex in task.examples:
            again = fam.parse_example(fam.example_line(ex), ex.line)
            assert (again.source, again.target) == (ex.source, ex.target)
        rebuilt = hybrid.Task.from_pairs(name, [(e.source, e.target) for e in task.examples], task.query, **task.meta)
        assert rebuilt.examples == tuple(hybrid.Example(e.source, e.target) for e in task.examples)


@pytest.mark.parametrize("name", NAMES)
def test_catalog_loads_when_the_family_has_one(name):
    fam = hybrid.get_family(name)
    if not fam.has_catalog:
        assert fam.catalog() is None
        return
    header = fam.catalog()["_header"]
    assert header["family"] == name and str(header["builder_version"]) == str(fam.builder_version)
    assert header["entries"] > 0


@pytest.mark.parametrize("name", [n for n in NAMES if not hybrid.get_family(n).learns_from])
def test_catalog_build_save_load_round_trip(name, tmp_path, dev_by_family):
    """build -> save -> load gives the shipped payload back (families whose builder reads only their own rows)."""
    from dataclasses import replace

    fam = hybrid.get_family(name)
    if not fam.has_catalog:
        pytest.skip(f"{name} has no catalog")
    rows = dev_by_family.get(name, [])
    tasks = [replace(t, meta={**t.meta, "answer": r.answer}) for r in rows for t in [hybrid.parse(r.prompt)]]
    payload, params = fam.build_catalog(tasks, progress=False)
    entries = int(params.pop("entries", len(payload)))
    path = save_catalog(name, fam.builder_version, payload, params, entries, 0.0, directory=tmp_path)
    clear_cache()
    loaded = load_catalog(name, path=path)
    shipped = fam.catalog()
    assert loaded["_header"]["payload_sha256"] == shipped["_header"]["payload_sha256"], \
        f"{name}: rebuilding from the dev rows does not reproduce the shipped catalog"


@pytest.mark.parametrize("name", NAMES)
def test_solutions_are_sound(name, dev_by_family):
    """Every answered row's top rule reproduces every example; deduced means all consistent rules agree."""
    fam = hybrid.get_family(name)
    rows = sample_rows_of(dev_by_family, name, ROWS_PER_FAMILY, seed=1)
    tasks = [hybrid.parse(r.prompt) for r in rows]
    if not tasks and _has_generator(fam):
        tasks = [fam.generate(random.Random(f"sound{i}")).task for i in range(ROWS_PER_FAMILY)]
    if not tasks:
        pytest.skip(f"{name}: no dev rows and no generator")
    for task in tasks:
        sol = hybrid.solve(task, time_limit=5.0)
        assert sol.family == name and sol.status in hybrid.solution.STATUSES
        if sol.answer is None:
            assert sol.status in ("unsolved", "abstained")
            continue
        assert fam.verify(sol.hypothesis, task), "reported rule does not reproduce the examples"
        assert fam.apply(sol.hypothesis, task) == sol.answer
        if sol.status == "deduced":
            assert sol.alternatives == [] and sol.proof == "complete" and sol.confidence == 1.0
        assert 0.0 <= sol.confidence <= 1.0
        assert sol.n_consistent >= 1 and sol.n_verifications >= 1


@pytest.mark.parametrize("name", NAMES)
def test_generated_puzzles_parse_and_deduced_answers_are_gold(name):
    fam = hybrid.get_family(name)
    if not _has_generator(fam):
        pytest.skip(f"{name} has no generator")
    deduced = 0
    for i in range(GENERATED_PER_FAMILY):
        puzzle = fam.generate(random.Random(f"common:{name}:{i}"))
        try:
            prompt = fam.render_prompt(puzzle.task)
        except NotImplementedError:
            prompt = None
        if prompt is not None:
            again = hybrid.parse(prompt)
            assert again.family == name
            assert [(e.source, e.target) for e in again.examples] == [(e.source, e.target) for e in puzzle.task.examples]
            assert again.query == puzzle.task.query
        sol = hybrid.solve(puzzle.task, time_limit=5.0)
        if sol.status == "deduced":
            deduced += 1
            assert sol.answer == puzzle.answer, f"{name} #{i}: deduced {sol.answer!r}, gold {puzzle.answer!r}"
    assert deduced > 0, f"{name}: no generated puzzle was deduced"


@pytest.mark.parametrize("name", NAMES)
def test_solving_leaves_the_catalog_payload_as_loaded(name, dev_by_family):
    """Derived caches (lookup tables, prior objects) live outside the payload (``Family.derived``):
    after solving, the payload holds exactly the keys it was loaded with and passes its schema."""
    from hybrid.catalog import as_schema, validate_payload

    fam = hybrid.get_family(name)
    if not fam.has_catalog:
        pytest.skip(f"{name} has no catalog")
    payload = fam.catalog()
    keys = set(payload)
    rows = sample_rows_of(dev_by_family, name, 10, seed=2)
    tasks = [hybrid.parse(r.prompt) for r in rows]
    if not tasks and _has_generator(fam):
        tasks = [fam.generate(random.Random(f"payload{i}")).task for i in range(10)]
    for task in tasks:
        hybrid.solve(task, time_limit=5.0)
    assert fam.catalog() is payload and set(payload) == keys
    if fam.payload_schema is not None:
        validate_payload({k: v for k, v in payload.items() if k != "_header"}, as_schema(fam.payload_schema, name))


@pytest.mark.parametrize("name", [n for n in NAMES if hybrid.get_family(n).has_catalog])
def test_typed_payload_is_a_view_of_the_loaded_dict(name):
    """``payload_type`` is a frozen dataclass with one field per schema key (required and optional),
    and ``payload()`` wraps the loaded dict's own objects (arrays not copied), once per payload."""
    import dataclasses

    import numpy as np

    from hybrid.catalog import Fields, as_schema

    fam = hybrid.get_family(name)
    if fam.payload_type is None:
        pytest.skip(f"{name} has no payload_type (plug-in families read catalog())")
    cls = fam.payload_type
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, f"{name}: not a frozen dataclass"
    schema = as_schema(fam.payload_schema, name)
    assert isinstance(schema, Fields)
    fields = [f.name for f in dataclasses.fields(cls)]
    assert sorted(fields) == sorted([*schema.fields, *schema.optional])
    payload = fam.catalog()
    view = fam.payload()
    assert isinstance(view, cls) and fam.payload() is view
    for key in fields:
        if isinstance(payload.get(key), np.ndarray):
            assert getattr(view, key) is payload[key], f"{name}.{key} is a copy, not the loaded array"
        elif key not in payload:
            assert key in schema.optional and getattr(view, key) is None, f"{name}.{key}: absent, not None"
        else:
            assert getattr(view, key) is not None, f"{name}.{key} is None, the payload has it"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(view, fields[0], None)
