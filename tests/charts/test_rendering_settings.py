"""The charts' rendering settings (unhinted text) are applied while a chart is built and
drawn, never to matplotlib's global rcParams (see also tests/test_import_effects.py)."""

from __future__ import annotations


def test_the_charts_rendering_settings_hold_only_while_a_chart_draws():
    import matplotlib
    from matplotlib.figure import Figure

    from ui.charts import CHART_RC, chart_rc

    before = {k: matplotlib.rcParams[k] for k in CHART_RC}
    fig = Figure()
    fig.text(0.5, 0.5, "x")
    with chart_rc():
        assert {k: matplotlib.rcParams[k] for k in CHART_RC} == CHART_RC
        fig.canvas.draw()
    assert {k: matplotlib.rcParams[k] for k in CHART_RC} == before
