"""The memory estimate (issue 13, point 3): every array a run allocates, yearly draws
included, within 10 % of the measured peak; the process's own limits respected; the advice
("lower the iterations to N") a size that then runs.

The peak is measured with tracemalloc (NumPy reports its arrays to it) in a fresh process per
shape, one worker unless said (two workers' peaks overlap by thread timing). The shapes are
kept to ~150 MB so the suite stays light; bench/ has the big ones.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from helpers import ROOT, make
from simulator.sim import engine
from simulator.sim.engine import BLOCK, run
from simulator.model.errors import ScenarioError


def shape(alts: int, yearly: int, once: int, horizon: int, *, baseline: bool = True) -> str:
    """Scenario text: ``alts`` alternatives, each with an investment, ``yearly`` chance events
    drawn afresh each year and ``once`` benefits (ranges and formulas over two variables)."""
    s = "[baseline]\nrevenue = 1e8\noperating_margin = 0.1\n" if baseline else ""
    s += "[variables]\nv0 = { low = 10, high = 20 }\nv1 = { low = 1, high = 3 }\n"
    for a in range(alts):
        s += (f'[[alternatives]]\nname = "A{a}"\n[[alternatives.items]]\nname = "Build"\nkind = "investment"\n'
              "amount = { low = 1000, high = 2000 }\n")
        for y in range(yearly):
            s += (f'[[alternatives.items]]\nname = "Risk {y}"\nkind = "risk"\nprobability = 0.1\n'
                  'amount = { low = 100, high = 300 }\nvary = "yearly"\n')
        for o in range(once):
            amount = f'"v0 * {o + 1} + v1"' if o % 2 else "{ low = 100, high = 300 }"
            s += f'[[alternatives.items]]\nname = "Gain {o}"\nkind = "benefit"\namount = {amount}\n'
    return s


def tax_shape(alts: int, events: int, lists: int, *, vary: bool, tax: bool = True) -> str:
    """Scenario text with the model's full path (issue 15): an investment with a resale value,
    ``events`` risks counted per year (Poisson, from year 0), ``lists`` yearly lists and
    working capital, after tax and inflation when ``tax``."""
    s = ("tax_rate = 0.25\ninflation = 0.02\n" if tax else "") + "[variables]\nv0 = { low = 10, high = 20 }\n"
    for a in range(alts):
        s += (f'[[alternatives]]\nname = "A{a}"\n[[alternatives.items]]\nname = "Build"\nkind = "investment"\n'
              "amount = { low = 1000, high = 2000 }\nresidual_value = { low = 100, high = 200 }\n")
        for y in range(events):
            s += (f'[[alternatives.items]]\nname = "Risk {y}"\nkind = "risk"\nfrequency = {{ low = 0.5, high = 2 }}\n'
                  'amount = { low = 100, high = 300 }\nstart_year = 0\n' + ('vary = "yearly"\n' if vary else ""))
        for k in range(lists):
            s += (f'[[alternatives.items]]\nname = "Ramp {k}"\nkind = "benefit"\n'
                  'amount = [{ low = 1, high = 2 }, 3, { low = 4, high = 5 }]\n')
        s += '[[alternatives.items]]\nname = "Stock"\nkind = "working_capital"\namount = 50\n'
    return s


MEASURE = textwrap.dedent("""
    import json, sys, tracemalloc
    from simulator.sim import engine
    from simulator.model.scenario import loads
    text, n, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    scenario = loads(text)
    estimate = engine.estimate(scenario, n, workers=workers)
    one = engine.estimate(scenario, n, workers=1)
    tracemalloc.start()
    engine.run(scenario, n, workers=workers)
    print(json.dumps({"estimate": estimate, "one": one, "peak": tracemalloc.get_traced_memory()[1]}))
""")

SHAPES = {
    "many yearly items": (shape(2, 40, 2, 20), 4_000, 1),
    "long horizon": (shape(2, 2, 4, 50), 20_000, 1),
    "many alternatives": (shape(60, 1, 2, 10), 20_000, 1),
    "no baseline, many blocks": (shape(3, 0, 4, 8, baseline=False), 3 * BLOCK + 123, 1),
    "two workers side by side": (shape(2, 3, 4, 10), 2 * BLOCK, 2),
    "after tax, yearly event counts from year 0": (tax_shape(2, 30, 1, vary=True), 4_000, 1),
    "full model without tax, many lists": (tax_shape(3, 2, 5, vary=False, tax=False), 10_000, 1),
}


@pytest.mark.parametrize("name", SHAPES)
def test_the_estimate_is_within_ten_percent_of_the_measured_peak(name):
    body, n, workers = SHAPES[name]
    from helpers import scenario_text

    done = subprocess.run([sys.executable, "-c", MEASURE, scenario_text(body, iterations=n), str(n), str(workers)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    if workers == 1:
        assert got["estimate"] == pytest.approx(got["peak"], rel=0.10), got
    else:
        # Side by side, the workers' peaks coincide only as the threads happen to run (on this
        # 2-core machine the estimate was 1.10-1.12 times the peak in most runs, before
        # and after the merge of issues 13 and 15): the estimate counts them all at their peak,
        # so it is an upper bound, and the peak is at least one worker's.
        assert 0.9 * got["one"] <= got["peak"] <= 1.1 * got["estimate"], got


def test_yearly_draws_are_counted():
    """The review's case: 200 yearly risks over 50 years at 10,000 futures peaked at 2.3 GB
    against an estimate of 5 MiB. Each yearly draw is a (futures, years) array of uniforms and
    one of values, and a chance's yes/no per year: the estimate must hold at least those."""
    s = make(shape(1, 200, 0, 50, baseline=False), horizon=50, iterations=10_000)
    rows = 10_000
    draws = 200 * rows * 50 * (8 + 8 + 8 + 1)        # amount uniforms and values, chance uniforms, yes/no
    assert engine.estimate(s, workers=1) > draws > 2 * 2**30


def test_the_advice_is_a_size_that_then_runs(monkeypatch):
    s = make(shape(2, 20, 2, 30), horizon=30)
    monkeypatch.setattr(engine, "available_memory", lambda: 300 * 2**20)
    for n in (10**6, 200_000):
        with pytest.raises(ScenarioError) as info:
            run(s, n, workers=1)
        message = str(info.value)
        assert "GB of memory" in message
        advised = int(re.search(r"lower the iterations to ([\d,]+)", message).group(1).replace(",", ""))
        assert 1000 <= advised < n
        assert engine.estimate(s, advised, workers=1) <= engine.MEMORY_SHARE * 300 * 2**20
        assert run(s, advised, workers=1).iterations == advised      # the advice runs


def test_when_not_even_one_future_fits_it_says_so(monkeypatch):
    monkeypatch.setattr(engine, "available_memory", lambda: 2**20)
    with pytest.raises(ScenarioError, match="not even one future fits"):
        run(make(shape(1, 50, 0, 50), horizon=50), 1000, workers=1)


def test_an_address_space_limit_gives_a_refusal_not_a_memory_error(tmp_path):
    """``ulimit -v``: the run is refused with exit 2 and the advice, where it used to end in a
    MemoryError traceback."""
    from helpers import scenario_text

    file = tmp_path / "big.toml"
    file.write_text(scenario_text(shape(2, 200, 0, 50), horizon=50, iterations=100_000))
    code = textwrap.dedent("""
        import resource, sys
        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[0]) * resource.getpagesize()
        limit = used + 1024 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from simulator.sim import engine
        have = engine.available_memory()
        assert have is not None and have <= 1024 * 2**20, have
        from cli.main import main
        sys.exit(main(["run", sys.argv[1]]))
    """)
    done = subprocess.run([sys.executable, "-c", code, str(file)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert "lower the iterations to" in done.stderr and "Traceback" not in done.stderr
