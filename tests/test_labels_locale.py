"""A variable's plain-words ``label`` and ``unit``, and the scenario's ``locale``: read,
refused when they cannot be meant, kept on save and through edits, and obeyed by the text
surfaces (the command line, the engine's sentences, the JSON's labels)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.analysis import formatting as fmt
from simulator.model.errors import ScenarioError
from simulator.model.keys import input_label, variable
from simulator.model.locales import LOCALES, NBSP, closest
from simulator.model.scenario import VariableInfo, dumps, loads
from simulator.workshop import edits

ROOT = Path(__file__).resolve().parents[1]
EUR_CASE = ROOT / "scenarios" / "erp-vs-solar-eur.toml"

HEAD = """format = 1
title = "t"
horizon_years = 3
discount_rate = 0.1
"""
ALT = """
[[alternatives]]
name = "A"
[[alternatives.items]]
name = "Sales"
kind = "benefit"
amount = "units * price"
"""


def scenario(variables: str, top: str = ""):
    return loads(HEAD + top + "[variables]\n" + variables + ALT)


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        loads(text)
    return [f"{p.path}: {p.message}" for p in err.value.problems]


# --- label and unit -------------------------------------------------------------------

def test_label_and_unit_beside_each_form_of_amount():
    sc = scenario('units = { low = 10, high = 20, label = "line units a year", unit = "units" }\n'
                  'price = { value = 210, label = "unit price", unit = "$ a unit" }\n'
                  'extra = { formula = "units * 2", label = "twice the units" }\n')
    assert sc.variable_map["price"] == 210
    assert sc.variable_map["extra"].text == "units * 2"
    assert sc.labels == {"units": "line units a year", "price": "unit price", "extra": "twice the units"}
    assert sc.unit_of("price") == "$ a unit" and sc.unit_of("extra") == ""
    # the distribution itself is unchanged by the words beside it
    plain = scenario("units = { low = 10, high = 20 }\nprice = 210\n")
    assert sc.variable_map["units"] == plain.variable_map["units"]


@pytest.mark.parametrize("variables, path, words", [
    ('units = { low = 1, high = 2 }\nprice = { label = "unit price" }\n', "variables.price", "needs an amount"),
    ('units = { low = 1, high = 2 }\nprice = { value = 2, low = 1, label = "p" }\n', "variables.price.low",
     "takes only label and unit"),
    ('units = { low = 1, high = 2 }\nprice = { value = "2", label = "p" }\n', "variables.price.value",
     "expected a number"),
    ('units = { low = 1, high = 2, label = 5 }\nprice = 2\n', "variables.units.label", ""),
    ('units = { low = 1, high = 2, label = "' + "x" * 81 + '" }\nprice = 2\n', "variables.units.label",
     "at most 80"),
    ('units = { low = 1, high = 2, lable = "x" }\nprice = 2\n', "variables.units", "lable"),
])
def test_bad_labels_are_refused_naming_the_field(variables, path, words):
    found = problems(HEAD + "[variables]\n" + variables + ALT)
    assert any(p.startswith(path) and words in p for p in found), found


def test_labels_survive_saving_and_keep_the_authors_comments():
    text = HEAD + "[variables]\n# sales forecast\nunits = { low = 10, high = 20 }  # 90 % sure\nprice = 210\n" + ALT
    sc = loads(text)
    sc = edits.set_field(sc, ("variable", "units"), "label", "line units a year")
    sc = edits.set_field(sc, ("variable", "price"), "unit", "$ a unit")
    out = dumps(sc, text)
    assert "# sales forecast" in out and "# 90 % sure" in out
    again = loads(out)
    assert again.labels == {"units": "line units a year"} and again.unit_of("price") == "$ a unit"
    assert again.variable_map == sc.variable_map
    # clearing both words gives the plain form back
    cleared = edits.set_field(edits.set_field(again, ("variable", "units"), "label", ""), ("variable", "price"),
                              "unit", " ")
    assert cleared.variable_info == ()
    assert "price = 210" in dumps(cleared, out)


def test_edits_carry_the_label_with_the_variable():
    sc = scenario('units = { low = 10, high = 20, label = "line units a year" }\nprice = 210\n')
    renamed = edits.rename_variable(sc, "units", "volume")
    assert renamed.labels == {"volume": "line units a year"}
    copied, key = edits.duplicate(renamed, ("variable", "volume"))
    assert copied.labels[key[1]] == "line units a year"
    only, _ = edits.remove(copied, key)
    assert only.labels == {"volume": "line units a year"}
    with pytest.raises(edits.EditError):
        edits.set_field(sc, ("variable", "units"), "label", "y" * 81)


def test_the_label_names_the_input_wherever_a_name_would_appear():
    sc = scenario('units = { low = 10, high = 20, label = "line units a year" }\nprice = 210\n')
    assert input_label(variable("units")) == "units"        # no scenario in force: the name in words
    assert input_label(variable("units"), labels=sc.labels) == "line units a year"
    with fmt.use_scenario(sc):
        assert input_label(variable("units")) == "line units a year"
        assert input_label(variable("price")) == "price"   # no label: the name
    assert input_label(variable("units")) == "units"        # the block ended


# --- locale -----------------------------------------------------------------------------

def test_locale_styles_follow_cldr():
    with fmt.use_locale("de_DE"):
        assert fmt.money_exact(1_234_567.89, "EUR") == f"1.234.567,89{NBSP}€"
        assert fmt.money_exact(-1_234.5, "USD") == f"{fmt.MINUS}1.234,50{NBSP}$"
        assert fmt.percent(0.234) == f"23{NBSP}%"
        assert fmt.rate(-0.1134, digits=1) == f"{fmt.MINUS}11,3{NBSP}%"
        assert fmt.money(1_234_567, "EUR") == f"1,2{NBSP}Mio.{NBSP}€"
        assert fmt.number(27_400) == "27.400"
        assert fmt.years(2.8) == "2,8 years"
    with fmt.use_locale("fr_FR"):
        assert fmt.money_exact(1_234_567.89, "EUR") == f"1{NBSP}234{NBSP}567,89{NBSP}€"
    with fmt.use_locale("nl_NL"):
        assert fmt.money_exact(1_234_567.89, "EUR") == f"€{NBSP}1.234.567,89"
    with fmt.use_locale("de_CH"):
        assert fmt.money_exact(1_234_567.89, "CHF") == f"CHF{NBSP}1\u2019234\u2019567.89"
    with fmt.use_locale("en_GB"):
        assert fmt.money_exact(1_234_567.89, "GBP") == "£1,234,567.89"
    assert fmt.money_exact(1_234_567.89, "USD") == "$1,234,567.89"   # en_US outside any block


def test_system_locale_names_fall_back_to_their_language():
    assert closest("de_AT.UTF-8").code == "de_AT"
    assert closest("de_LU").language == "de"
    assert closest("C").code == "en_US" and closest(None).code == "en_US"
    assert closest("xx_YY").code == "en_US"


def test_a_locale_holds_only_inside_its_thread():
    import threading

    seen = []
    with fmt.use_locale("de_DE"):
        t = threading.Thread(target=lambda: seen.append(fmt.percent(0.5)))
        t.start()
        t.join()
        assert fmt.percent(0.5) == f"50{NBSP}%"
    assert seen == ["50%"]


def test_unknown_locale_is_refused_with_the_known_ones():
    found = problems(HEAD + 'locale = "de-DX"\n[variables]\nunits = 1\nprice = 2\n' + ALT)
    assert len(found) == 1 and found[0].startswith("locale: unknown locale 'de-DX'") and "de_DE" in found[0]
    assert loads(HEAD + 'locale = "de-DE"\n[variables]\nunits = 1\nprice = 2\n' + ALT).locale == "de_DE"
    assert set(LOCALES) >= {"de_DE", "fr_FR", "en_GB", "en_US"}


def _investsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_the_command_line_writes_the_files_locale_and_labels():
    text = _investsim("run", str(EUR_CASE), "--iterations", "2000")
    assert text.returncode == 0, text.stderr
    assert f"{NBSP}Tsd.{NBSP}€" in text.stdout and "Chance of loss" in text.stdout
    assert f"{NBSP}%" in text.stdout
    data = json.loads(_investsim("run", str(EUR_CASE), "--iterations", "2000", "--json").stdout)
    # machine figures stay raw numbers; the inputs' labels are the plain words
    assert isinstance(data["alternatives"][0]["npv"]["mean"], float)
    labels = json.dumps(data, ensure_ascii=False)
    assert "office time freed" in labels and '"time_freed"' in labels


def test_a_file_with_an_unknown_locale_exits_2_naming_the_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(EUR_CASE.read_text().replace('locale = "de_DE"', 'locale = "klingon"'))
    out = _investsim("run", str(bad))
    assert out.returncode == 2 and "locale" in out.stderr and "Traceback" not in out.stderr


def test_variable_info_defaults_to_nothing():
    assert VariableInfo() == VariableInfo("", "")
