"""The command line as a user meets it: text, JSON, validation, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT, SCENARIOS, bundled_files
from cli.main import main
from simulator.sim.engine import run
from simulator.model.scenario import load

DEFAULT = SCENARIOS / "erp-vs-production-line.toml"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_run_prints_the_comparison_and_a_verdict():
    out = cli("run", str(DEFAULT), "--iterations", "3000")
    assert out.returncode == 0, out.stderr
    scenario = load(DEFAULT)
    for alt in scenario.alternatives:
        assert alt.name in out.stdout
    for words in ("Expected NPV", "Chance of loss", "ROI", "Payback", "Operating margin", "simulated futures"):
        assert words in out.stdout
    verdict = [line for line in out.stdout.splitlines() if "expected value (" in line]
    assert verdict and "beats" in verdict[0] and "simulated futures" in verdict[0]
    assert "dominates" in out.stdout and "before deciding is worth" in out.stdout


def test_json_has_the_documented_keys_and_matches_the_engine(capsys):
    assert main(["run", str(DEFAULT), "--iterations", "4000", "--seed", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("title", "iterations", "seed", "currency", "alternatives", "comparison"):
        assert key in data
    assert data["iterations"] == 4000 and data["seed"] == 3
    results = run(load(DEFAULT), 4000, 3)
    for entry, alt in zip(data["alternatives"], results.alternatives):
        assert entry["name"] == alt.name
        assert set(entry["npv"]) >= {"mean", "std", "p5", "p10", "p50", "p90", "p95"}
        assert entry["npv"]["mean"] == pytest.approx(alt.npv.mean())
        assert entry["npv"]["p10"] == pytest.approx(np.percentile(alt.npv, 10))
        assert entry["prob_loss"] == pytest.approx(np.mean(alt.npv < 0))
        assert entry["pv_benefits"]["mean"] == pytest.approx(alt.pv_benefits.mean())
        assert entry["pv_costs"]["mean"] == pytest.approx(alt.pv_costs.mean())
        assert set(entry["roi"]) >= {"mean", "p50"}
        assert set(entry["irr"]) >= {"p50", "share_undefined"}
        for key in ("payback_years", "discounted_payback_years"):
            assert set(entry[key]) >= {"p50", "prob_within_horizon"}
        years = [m["year"] for m in entry["margin_impact_pp"]]
        assert years == list(range(1, data["horizon_years"] + 1))
        assert set(entry["margin_impact_pp"][0]) >= {"year", "mean", "p10", "p90"}
    for key in ("sensitivity", "evppi", "dominance", "by_driver", "standard_errors"):
        assert key in data
    comp = data["comparison"]
    for key in ("prob_best", "prob_beats", "expected_regret", "evpi"):
        assert key in comp
    assert sum(comp["prob_best"].values()) == pytest.approx(1)


def test_validate_accepts_every_bundled_scenario():
    files = [str(p) for p in bundled_files()]
    assert len(files) >= 5
    out = cli("validate", *files)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("valid") == len(files)


BAD_FILES = {
    "syntax.toml": ('format = 1\ntitle = "oops\n', "not valid TOML"),
    "typo.toml": ('format = 1\ntitle = "t"\nhorizon_years = 5\ndiscount_rate = 0.1\n'
                  '[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "benefit"\n'
                  'amount = { dist = "pert", min = 1, mdoe = 2, max = 3 }\n', "alternatives[0].items[0].amount.mdoe"),
    "order.toml": ('format = 1\ntitle = "t"\nhorizon_years = 5\ndiscount_rate = 0.1\n'
                   '[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "benefit"\n'
                   'amount = { dist = "triangular", min = 3, mode = 2, max = 1 }\n', "alternatives[0].items[0].amount"),
    "formula.toml": ('format = 1\ntitle = "t"\nhorizon_years = 5\ndiscount_rate = 0.1\n[variables]\nunits = 3\n'
                     '[[alternatives]]\nname = "A"\n[[alternatives.items]]\nname = "x"\nkind = "benefit"\n'
                     'amount = "units * (2 +"\n', "alternatives[0].items[0].amount"),
    "missing.toml": ('format = 1\ntitle = "t"\ndiscount_rate = 0.1\n[[alternatives]]\nname = "A"\n', "horizon_years"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_files_exit_2_with_the_field_named(tmp_path, name, command):
    text, field = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text)
    out = cli(command, str(path))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert str(path) in out.stderr and field in out.stderr


def test_missing_file_and_bad_arguments_exit_2(tmp_path):
    out = cli("run", str(tmp_path / "absent.toml"))
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr
    out = cli("run", str(DEFAULT), "--iterations", "lots")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    out = cli("run", str(DEFAULT), "--iterations", "0")
    assert out.returncode == 2 and "iterations" in out.stderr


@pytest.mark.parametrize("environ, refused", [
    ({}, True),                                                   # a server or a container: no display
    ({"QT_QPA_PLATFORM": "xcb"}, True),                           # asks for X11 explicitly, still none
    ({"DISPLAY": ":0"}, False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, False),
    ({"QT_QPA_PLATFORM": "offscreen"}, False),                    # headless: screenshots, tests
])
def test_gui_without_a_display_says_how_to_fix_it(environ, refused):
    from cli.main import no_display

    reason = no_display(environ, platform="linux")
    assert (reason is not None) == refused
    if refused:
        assert "QT_QPA_PLATFORM=offscreen" in reason and "--screenshot" in reason and "xvfb-run" in reason
    assert no_display({}, platform="win32") is None and no_display({}, platform="darwin") is None


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="Windows and macOS always have a display")
def test_gui_without_a_display_exits_2_with_the_message_not_qts():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([sys.executable, "-m", "cli", "gui"], capture_output=True, text=True, cwd=ROOT,
                         env=env, timeout=60)
    assert out.returncode == 2
    assert "needs a display" in out.stderr and "QT_QPA_PLATFORM=offscreen" in out.stderr
    assert "qt.qpa" not in out.stderr and "Traceback" not in out.stderr


def test_json_analyses_on_threads_match_them_computed_in_turn(capsys):
    """run --json computes the insights and the sensitivity on threads beside the summary: the
    output is the same as each analysis computed one after the other, in the file's locale
    (de_DE: the words and figures of the insights are localised per thread context)."""
    from simulator.analysis import formatting as fmt, recommendation, risk, sensitivity
    from simulator.analysis.insights import to_json as insights_json
    from simulator.analysis.pilot import pilot_json
    from simulator.analysis.summary import to_json
    from cli.main import _clean

    path = SCENARIOS / "erp-vs-solar-eur.toml"
    assert main(["run", str(path), "--iterations", "3000", "--seed", "5", "--json"]) == 0
    threaded = json.loads(capsys.readouterr().out)
    scenario = load(path)
    results = run(scenario, 3000, 5)
    with fmt.use_scenario(scenario):
        data = to_json(results)
        data.update(insights_json(results))
        data.update(pilot_json(results))
        data["board"] = {"recommendation": recommendation.to_json(results), **risk.to_json(results),
                         "sensitivity": sensitivity.to_json(results)}
    in_turn = json.loads(json.dumps(_clean(data), ensure_ascii=False))
    assert threaded == in_turn
    assert "€" in json.dumps(threaded, ensure_ascii=False)   # the locale reached the threads' texts
