"""The simulation: random streams and sampling, the engine (run), the cash flows of each
item (cashflow) and the money arithmetic (finance: NPV, IRR, ROI, payback, margin).
Imports simulator.sim.cashflow only."""
