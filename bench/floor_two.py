"""The floor for the two-alternative, five-year model (``bench/two_alternatives.toml``).

A plain, hand-written NumPy version of that file: NumPy's own samplers (plain random, no Latin
hypercube), the yearly cash of both alternatives, and per alternative the NPV's mean, P10, P50,
P90 and chance of loss, and which has the higher expected NPV. No formulas, no validation, no
IRR, payback or analytics: the least work that answers the question. ``make bench`` runs it as
a whole process beside ``investsim run --json`` on the same file (bench/run_bench.py).

Usage: python bench/floor_two.py ITERATIONS
"""

import resource
import sys
import time

import numpy as np

t0 = time.perf_counter()
n = int(sys.argv[1])
H, rate = 5, 0.08
rng = np.random.default_rng(7)
Z = 1.6448536269514722
df = (1 + rate) ** -np.arange(H + 1)
years = np.arange(1, H + 1)


def rng90(low, high, size=n):
    return rng.normal((low + high) / 2, (high - low) / (2 * Z), size)


def pert(a, m, b, size=n):
    al, be = 1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a)
    return a + (b - a) * rng.beta(al, be, size)


sales = rng90(8_000, 12_000) * rng90(90, 110)
# Automate
auto = np.zeros((n, H + 1))
auto[:, 0] -= pert(900e3, 1.0e6, 1.4e6)
auto[:, 1:] += (sales * 0.5)[:, None] * np.minimum(years / 2, 1.0)
auto[:, 1:] -= rng90(60e3, 90e3)[:, None] * 1.03 ** (years - 1)
# Outsource
out = np.zeros((n, H + 1))
out[:, 0] -= rng.triangular(200e3, 250e3, 400e3, n)
out[:, 1:] += (sales * 0.22)[:, None]
mu, sigma = (np.log(20e3) + np.log(150e3)) / 2, (np.log(150e3) - np.log(20e3)) / (2 * Z)
out[:, 1:] -= (rng.random((n, H)) < 0.1) * rng.lognormal(mu, sigma, (n, H))

means = {}
for name, cash in (("Automate", auto), ("Outsource", out)):
    npv = cash @ df
    p10, p50, p90 = np.percentile(npv, [10, 50, 90])
    means[name] = npv.mean()
    print(f"{name}: mean {npv.mean():,.0f}  P10 {p10:,.0f}  P50 {p50:,.0f}  P90 {p90:,.0f}  "
          f"loss {np.mean(npv < 0):.1%}")
print(f"higher expected NPV: {max(means, key=means.get)}")
print(f"floor compute {time.perf_counter() - t0:.3f}s  peak_rss_mb "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
