"""The floor: a plain, hand-written NumPy version of the default scenario.

It draws every input of ``scenarios/erp-vs-production-line.toml`` with NumPy's own samplers
(plain random, no Latin hypercube, no correlation), builds the yearly cash flows of both
alternatives and reduces them to NPV, chance of loss and percentiles. No formulas, no
validation, no IRR, payback or margin view: the least work that answers "which has the higher
expected NPV". The benchmark runs it as a whole process beside the engine.

Usage: python bench/floor_default.py ITERATIONS
"""

import resource
import sys
import time

import numpy as np

t0 = time.perf_counter()
n = int(sys.argv[1])
H, rate = 7, 0.09
rng = np.random.default_rng(42)
Z = 1.6448536269514722
df = (1 + rate) ** -np.arange(H + 1)
years = np.arange(1, H + 1)


def rng90(low, high, size=n):
    return rng.normal((low + high) / 2, (high - low) / (2 * Z), size)


def pert(a, m, b, size=n):
    al, be = 1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a)
    return a + (b - a) * rng.beta(al, be, size)


def ramp(r):
    return np.minimum(years / r, 1.0)


revenue = 120e6
# ERP
erp = np.zeros((n, H + 1))
erp[:, 0] -= rng.triangular(1.7e6, 2.0e6, 3.3e6, n)
erp[:, 1] -= pert(250e3, 350e3, 600e3)
erp[:, 1:] -= rng90(240e3, 300e3)[:, None] * 1.04 ** (years - 1)
erp[:, 1] -= np.maximum(rng90(200e3, 400e3), 0)
erp[:, 2:] += rng90(150e3, 190e3)[:, None]
inventory = rng90(16.5e6, 21e6) * pert(0.03, 0.10, 0.18) * rng90(0.18, 0.26)
erp[:, 1:] += inventory[:, None] * ramp(2)
erp[:, 1:] += (38 * pert(0.02, 0.07, 0.12) * rng90(68e3, 82e3))[:, None] * ramp(2)
erp[:, 1:] += (520e3 * rng.uniform(0.15, 0.45, n))[:, None] * ramp(2)
erp[:, 1:] += (revenue * pert(0.0, 0.005, 0.012) * 0.32)[:, None] * ramp(3)
golive = (rng.random(n) < 0.25) * revenue * 0.32 / 12 * pert(0.05, 0.15, 0.35) * rng.choice(
    [1, 2, 3], n, p=[0.5, 0.35, 0.15])
erp[:, 1] -= golive
# Production line
line = np.zeros((n, H + 1))
capex = pert(3.2e6, 3.55e6, 4.4e6)
line[:, 0] -= capex
units = np.maximum(rng90(15e3, 35e3), 0)
line[:, 1:] += (units * rng90(195, 240) * 0.30)[:, None] * ramp(2) * 1.02 ** (years - 1)
line[:, 1:] -= (9 * rng90(58e3, 66e3))[:, None] * 1.03 ** (years - 1)
line[:, 1:] -= (capex * rng.uniform(0.02, 0.04, n))[:, None]
mu, sigma = (np.log(80e3) + np.log(400e3)) / 2, (np.log(400e3) - np.log(80e3)) / (2 * Z)
line[:, 1:] -= (rng.random((n, H)) < 0.15) * rng.lognormal(mu, sigma, (n, H))

for name, cash in (("ERP system", erp), ("New production line", line)):
    npv = cash @ df
    p10, p50, p90 = np.percentile(npv, [10, 50, 90])
    print(f"{name}: mean {npv.mean():,.0f}  P10 {p10:,.0f}  P90 {p90:,.0f}  loss {np.mean(npv < 0):.1%}")
print(f"floor compute {time.perf_counter() - t0:.3f}s  peak_rss_mb "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
