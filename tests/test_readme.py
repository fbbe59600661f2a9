"""The README's commands and example stay true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, re.S)


def test_ci_runs_the_readme_test_command():
    commands = [b.strip() for b in _blocks("bash") if "pytest" in b]
    assert commands, "README has no test command"
    assert commands[0] in (ROOT / ".ci" / "run").read_text()


def test_readme_has_exactly_two_install_commands():
    installs = [b for b in _blocks("bash") if "pip install" in b]
    assert len(installs) == 2


def test_quick_example_runs(capsys):
    code = _blocks("python")[0]
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "XCIII deduced catalog"


def test_package_doctests():
    import doctest
    import importlib

    for name in ("hybrid", "hybrid.parse", "hybrid.pipeline", "hybrid.task", "hybrid.families.numeral"):
        mod = importlib.import_module(name)
        res = doctest.testmod(mod)
        assert res.failed == 0 and res.attempted > 0, name
