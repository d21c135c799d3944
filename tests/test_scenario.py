"""The scenario file: defaults, every class of bad input named by field path, save/load."""

from __future__ import annotations

import os
import stat

import pytest

from helpers import make, scenario_text
from simulator.model.distributions import Distribution
from simulator.model.errors import ScenarioError
from simulator.model.expressions import Formula
from simulator.model.scenario import dumps, load, loads, read_text, save

GOOD = """
[baseline]
revenue = 1_000_000
operating_margin = 0.1

[variables]
units = { low = 100, high = 300 }
price = 20
revenue_gain = "units * price"

[[alternatives]]
name = "A"
category = "IT"
drivers = ["margins"]

[[alternatives.items]]
name = "Build"
kind = "investment"
amount = { dist = "triangular", min = 90, mode = 100, max = 130 }

[[alternatives.items]]
name = "Savings"
kind = "benefit"
amount = "revenue_gain"
driver = "margins"

[[alternatives]]
name = "Do nothing"
items = []
"""


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        loads(text)
    return [(p.path, p.message) for p in info.value.problems]


def test_good_scenario_loads_with_defaults():
    s = make(GOOD)
    assert s.title == "Test" and s.currency == "USD" and s.sampling == "lhs"
    assert [a.name for a in s.alternatives] == ["A", "Do nothing"]
    a = s.alternatives[0]
    assert isinstance(a.items[0].amount, Distribution)
    assert isinstance(a.items[1].amount, Formula)
    assert a.items[1].start_year == 1 and a.items[1].effect == "cost_saving"
    assert s.alternatives[1].items == ()
    assert s.baseline.revenue_growth == 0


@pytest.mark.parametrize("body, path, words", [
    # unknown key with a hint
    ('[[alternatives]]\nname = "A"\ncategroy = "IT"\n', "alternatives[0].categroy", "did you mean 'category'"),
    # min above max inside a distribution
    ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "investment"\n'
     'amount = { dist = "uniform", min = 5, max = 1 }\n', "alternatives[0].items[0].amount", "max"),
    # a typo in a formula name
    ('[variables]\nunits = 3\n[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\n'
     'kind = "benefit"\namount = "unit * 2"\n', "alternatives[0].items[0].amount", "'unit'"),
    # a formula that is not a formula
    ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "benefit"\n'
     'amount = "__import__(\'os\')"\n', "alternatives[0].items[0].amount", "formula"),
    # risk without probability
    ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "risk"\namount = 5\n',
     "alternatives[0].items[0].probability", "chance per year"),
    # revenue benefit without contribution margin
    ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "benefit"\neffect = "revenue"\n'
     'amount = 5\n', "alternatives[0].items[0].contribution_margin", "kept as profit"),
    # wrong kind
    ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "benefits"\namount = 5\n',
     "alternatives[0].items[0].kind", "did you mean 'benefit'"),
    # a field that does not apply to the kind
    ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "investment"\namount = 5\n'
     'start_year = 2\n', "alternatives[0].items[0].start_year", "applies only to"),
    # a year beyond any horizon (a year beyond this file's horizon is only a caution: see test_cautions)
    ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "benefit"\namount = 5\n'
     'end_year = 60\n', "alternatives[0].items[0].end_year", "at most 50"),
    # duplicate alternative names
    ('[[alternatives]]\nname = "A"\n[[alternatives]]\nname = "A"\n', "alternatives[1].name", "already called"),
    # variables in a circle
    ('[variables]\na = "b + 1"\nb = "c * 2"\nc = "a"\n[[alternatives]]\nname = "A"\n', "variables.", "circle"),
    # true/false where a number belongs
    ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "benefit"\namount = true\n',
     "alternatives[0].items[0].amount", "true/false"),
    # a probability above one
    ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "risk"\namount = 5\n'
     'probability = 1.5\n', "alternatives[0].items[0].probability", "between 0 and 1"),
    # correlation with an unknown variable
    ('[variables]\na = { low = 1, high = 2 }\n[[alternatives]]\nname = "A"\n'
     '[[correlations]]\nbetween = ["a", "bb"]\nrank = 0.5\n', "correlations[0].between", "'bb'"),
    # an impossible set of correlations
    ('[variables]\na = { low = 1, high = 2 }\nb = { low = 1, high = 2 }\nc = { low = 1, high = 2 }\n'
     '[[alternatives]]\nname = "A"\n'
     '[[correlations]]\nbetween = ["a", "b"]\nrank = 0.9\n'
     '[[correlations]]\nbetween = ["b", "c"]\nrank = 0.9\n'
     '[[correlations]]\nbetween = ["a", "c"]\nrank = -0.9\n', "correlations", "cannot all hold"),
    # a rank outside (-1, 1)
    ('[variables]\na = { low = 1, high = 2 }\nb = { low = 1, high = 2 }\n[[alternatives]]\nname = "A"\n'
     '[[correlations]]\nbetween = ["a", "b"]\nrank = 1.0\n', "correlations[0].rank", "below 1"),
    # no alternatives at all
    ("", "alternatives", "alternative"),
])
def test_bad_input_names_the_field(body, path, words):
    found = problems_of(scenario_text(body))
    assert any(p.startswith(path) and words in m for p, m in found), found


@pytest.mark.parametrize("text, path, words", [
    ('title = "x"\nhorizon_years = 5\ndiscount_rate = 0.1\n[[alternatives]]\nname = "A"\n', "format", "format = 1"),
    ('format = 1\nhorizon_years = 5\ndiscount_rate = 0.1\n[[alternatives]]\nname = "A"\n', "title", "missing"),
    ('format = 1\ntitle = "x"\nhorizon_years = "five"\ndiscount_rate = 0.1\n[[alternatives]]\nname = "A"\n',
     "horizon_years", "whole number"),
    ('format = 1\ntitle = "x"\nhorizon_years = 80\ndiscount_rate = 0.1\n[[alternatives]]\nname = "A"\n',
     "horizon_years", "at most 50"),
    ('format = 1\ntitle = "x"\nhorizon_years = 5\ndiscount_rate = nan\n[[alternatives]]\nname = "A"\n',
     "discount_rate", "finite"),
    ('format = 1\ntitle = "x"\nhorizon_yeras = 5\ndiscount_rate = 0.1\n[[alternatives]]\nname = "A"\n',
     "horizon_yeras", "did you mean 'horizon_years'"),
    ('format = 9\ntitle = "x"\nhorizon_years = 5\ndiscount_rate = 0.1\n', "format", "newer version"),
    ('format = 1\ntitle = "x"\nhorizon_years = 5\ndiscount_rate = 0.1\nsampling = "sobol"\n'
     '[[alternatives]]\nname = "A"\n', "sampling", "'lhs'"),
    ('format = 1\ntitle = "x\nhorizon_years = 5\n', "", "not valid TOML"),
])
def test_bad_top_level(text, path, words):
    found = problems_of(text)
    assert any(p == path and words in m for p, m in found), found


def test_every_problem_is_reported_at_once():
    body = ('[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "benefit"\n'
            'amount = { low = 5, high = 1 }\nramp = 2\n')
    found = problems_of(scenario_text(body))
    paths = {p for p, _ in found}
    assert "alternatives[0].items[0].ramp" in paths
    assert any(p.startswith("alternatives[0].items[0].amount") for p in paths)


def test_missing_and_binary_files_are_bad_input(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load(tmp_path / "nope.toml")
    binary = tmp_path / "x.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ScenarioError, match="UTF-8"):
        load(binary)
    with pytest.raises(ScenarioError, match="folder"):
        load(tmp_path)


def test_round_trip_keeps_content(tmp_path):
    s, file = read_text(scenario_text(GOOD))
    again = loads(dumps(s, file.text))
    assert again == s
    fresh = loads(dumps(s))  # written from scratch, no source to follow
    assert fresh == s


def test_save_keeps_comments_and_layout_where_unchanged(tmp_path):
    from dataclasses import replace

    text = scenario_text(GOOD).replace('name = "A"', '# the option IT argues for\nname = "A"  # keep me')
    s = loads(text)
    assert dumps(s, text) == text  # nothing changed: byte for byte the same
    alt = s.alternatives[0]
    changed = replace(s, alternatives=(replace(alt, category="Technology"), *s.alternatives[1:]))
    out = dumps(changed, text)
    assert "# the option IT argues for" in out and "# keep me" in out
    assert 'category = "Technology"' in out
    assert loads(out) == changed


def test_save_is_atomic_and_failures_keep_the_old_file(tmp_path):
    s = make(GOOD)
    target = tmp_path / "case.toml"
    target.write_text("old content")
    saved = save(s, target)
    assert loads(target.read_text()) == s
    assert saved.text == target.read_text() and saved.path == target and saved.migrated_from is None
    # a target that cannot be replaced (a folder stands there): the error says so, nothing is left behind
    blocked = tmp_path / "blocked.toml"
    blocked.mkdir()
    with pytest.raises(OSError):
        save(s, blocked)
    assert blocked.is_dir() and sorted(p.name for p in tmp_path.iterdir()) == ["blocked.toml", "case.toml"]
    if os.geteuid() != 0:  # root ignores folder permissions
        tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            with pytest.raises(OSError):
                save(s, target)
            assert loads(target.read_text()) == s
        finally:
            tmp_path.chmod(stat.S_IRWXU)


def test_save_into_a_missing_folder_raises_and_leaves_nothing(tmp_path):
    s = make(GOOD)
    with pytest.raises(OSError):
        save(s, tmp_path / "missing" / "case.toml")
    assert list(tmp_path.iterdir()) == []


def test_save_keeps_file_permissions(tmp_path):
    s = make(GOOD)
    target = tmp_path / "shared.toml"
    target.write_text("old")
    target.chmod(0o640)
    save(s, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    fresh = tmp_path / "new.toml"
    save(s, fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
