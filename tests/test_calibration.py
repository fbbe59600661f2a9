"""Reliability tables, coverage curves and the k-fold split behind ``hybrid eval --calibration``."""

import json

from hybrid.calibration import Outcome, calibration_report, coverage_curve, fold_of, reliability
from hybrid.cli import main


def test_reliability_bins_and_ece():
    rel = reliability([1.0, 1.0, 0.55, 0.55, 0.55, 0.55], [True, True, True, True, False, False], bins=10)
    assert [b["count"] for b in rel["bins"]] == [4, 2]
    assert abs(rel["ece"] - (4 * 0.05) / 6) < 1e-12  # the 0.5x bin is off by 0.05, the top bin exact
    assert reliability([], [])["ece"] is None


def test_a_miscalibrated_model_has_a_large_ece():
    rel = reliability([0.9] * 10, [True] * 5 + [False] * 5)
    assert abs(rel["ece"] - 0.4) < 1e-12


def test_coverage_curve_is_monotone():
    conf = [0.2, 0.5, 0.7, 0.95, 1.0, None]
    ok = [False, True, False, True, True, False]
    cur = coverage_curve(conf, ok, thresholds=(0.0, 0.6, 0.9))
    assert [c["kept"] for c in cur] == [6, 3, 2]
    assert cur[2]["precision"] == 1.0


def test_folds_are_by_prompt_hash_and_balanced():
    prompts = [f"prompt {i}" for i in range(2000)]
    folds = [fold_of(p, 2) for p in prompts]
    assert folds == [fold_of(p, 2) for p in prompts]
    assert 900 < folds.count(0) < 1100


def test_report_groups_by_family_and_status():
    outs = [Outcome("numeral", "deduced", 1.0, True), Outcome("gravity", "ambiguous", 0.6, False),
            Outcome("gravity", "ambiguous", 0.6, True)]
    rep = calibration_report(outs)
    assert rep.families["gravity"]["status"]["ambiguous"] == {"rows": 2, "correct": 1}
    assert rep.families["all"]["rows"] == 3


def test_eval_calibration_cli_in_sample(capsys, tmp_path):
    from hybrid.data import sample_csv

    assert main(["eval", str(sample_csv()), "--calibration", "--coverage", "--folds", "0", "--json",
                 "--family", "gravity", "--plot-dir", str(tmp_path)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["families"]["gravity"]["rows"] > 0 and d["plots"]
    assert (tmp_path / "reliability_gravity.png").exists()


def test_kfold_builds_each_fold_from_the_other_folds_only(monkeypatch, tmp_path):
    """The nested check: every row is solved once, by catalogs built without it."""
    import os

    import hybrid.catalog as catalog_mod
    from hybrid.calibration import kfold_outcomes
    from hybrid.data import read_csv, sample_csv

    real = catalog_mod.timed_build
    seen = []

    def spy(fam, tasks, **kw):
        seen.append((fam.name, {t.prompt for t in tasks}))
        return real(fam, tasks, **kw)

    monkeypatch.setattr(catalog_mod, "timed_build", spy)
    before = os.environ.get("HYBRID_CATALOG_DIR")
    outs = kfold_outcomes(sample_csv(), folds=2, families={"equation_numeric"})
    assert os.environ.get("HYBRID_CATALOG_DIR") == before
    assert len(outs) == 4 and {o.fold for o in outs} <= {0, 1}
    assert all(o.confidence is not None and 0.0 <= o.confidence <= 1.0 for o in outs)
    rows = {r.id: r.prompt for r in read_csv(sample_csv())}
    built = [prompts for name, prompts in seen if name == "equation_numeric"]
    assert len(built) == 2
    for o in outs:  # the fold that solved a row never learned from it
        assert rows[o.id] not in built[o.fold]
