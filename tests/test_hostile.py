"""Hostile files and command lines (issue 13): a clear message and exit 2, or a normal run;
never a traceback, a RecursionError or a hang.

The files live in ``tests/corpus/hostile/`` with their expected outcome in ``EXPECTED.toml``;
``make fuzz`` generates more of the same kinds (``tests/test_fuzz.py``).
"""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "corpus" / "hostile"
EXPECTED = tomllib.loads((CORPUS / "EXPECTED.toml").read_text(encoding="utf-8"))
FILES = sorted(p.name for p in CORPUS.glob("*.toml") if p.name != "EXPECTED.toml")


def test_every_corpus_file_has_an_expected_outcome():
    assert FILES == sorted(EXPECTED)


@pytest.mark.parametrize("name", FILES)
def test_validate_gives_the_expected_outcome(name, capsys):
    want = EXPECTED[name]
    code = main(["validate", str(CORPUS / name)])
    out, err = capsys.readouterr()
    assert code == want["exit"], err
    assert "Traceback" not in err and "Error:" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert lines and all(line.startswith(f"{CORPUS / name}: ") for line in lines)
        assert want["message"] in err
    else:
        assert want["message"] in out


@pytest.mark.parametrize("name", [n for n in FILES if EXPECTED[n]["exit"] == 0])
def test_valid_hostile_files_run(name, capsys):
    assert main(["run", str(CORPUS / name), "-n", "200"]) == 0
    out, err = capsys.readouterr()
    assert "simulated futures" in out and "Traceback" not in err


@pytest.mark.parametrize("seed, why", [("-1", "a whole number from 0 to 9,223,372,036,854,775,807"), ("abc", "a whole number"),
                                       ("9223372036854775808", "a whole number from 0 to"), ("1.5", "a whole number")])
def test_seed_on_the_command_line_is_checked_as_the_files_seed(seed, why, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", str(CORPUS / "byte-order-mark.toml"), "-n", "100", "--seed", seed])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --seed: must be {why}" in err and "Traceback" not in err


def test_the_largest_seed_runs(capsys):
    assert main(["run", str(CORPUS / "byte-order-mark.toml"), "-n", "100", "--seed", str(2**63 - 1)]) == 0


def test_a_name_too_long_to_read_is_said_in_words(tmp_path, capsys):
    assert main(["validate", str(tmp_path / ("x" * 300 + ".toml"))]) == 2
    assert "cannot be read: the file name is too long" in capsys.readouterr().err


def test_control_characters_reach_the_terminal_as_escapes(capsys, tmp_path):
    assert main(["validate", str(CORPUS / "control-characters.toml")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1                   # one line per problem
    assert not any(c in err for c in "\x1b\r\x9b")
    text = (CORPUS / "control-characters.toml").read_text().replace('"bad\\u001b[2Jkey\\nsecond\\rline" = 1\n', "")
    file = tmp_path / "control.toml"
    file.write_text(text)
    assert main(["run", str(file), "-n", "100"]) == 0
    out = capsys.readouterr().out
    assert "A\\x1b[1mB\\x9bC" in out and not any(c in out for c in "\x1b\r\x9b")


def test_huge_discrete_weights_are_normalised_and_nothing_is_warned():
    from simulator.model.distributions import from_spec

    d = from_spec({"dist": "discrete", "values": [1, 2, 3], "weights": [1e308, 1e308, 1e308]})
    u = (np.arange(30_000) + 0.5) / 30_000
    values, counts = np.unique(d.ppf(u), return_counts=True)
    assert values.tolist() == [1, 2, 3] and np.allclose(counts / u.size, 1 / 3, atol=1e-3)
    done = subprocess.run([sys.executable, "-m", "cli", "run", str(CORPUS / "weights-1e308.toml")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == ""
