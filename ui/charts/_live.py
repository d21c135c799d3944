"""Charts as live views: one ``draw`` function that either builds a figure or updates it in place.

A chart's ``draw(fig, results, colors, **options)`` makes its artists through the axes that
:func:`ui.charts._style.begin` (or ``begin_row``, or :func:`begin_axes` for other grids)
hands out. While *building*, those axes are the figure's own, wrapped in :class:`LiveAxes`,
which records every artist a creating call (``plot``, ``text``, ``annotate``, ``scatter``,
``barh``, ``fill_between``, ``axhspan``, ``imshow``, ``legend``, ...; a colorbar through
:func:`colorbar`) makes, in call order. :func:`updater` turns ``draw`` into ``update``: it runs
the same ``draw`` again on the same figure in *replay* mode: ``begin`` keeps the figure's axes
instead of clearing them, and each creating call takes the artist the same call made last time
and changes it in place (its data, position, text, limits-dependent geometry and style), so
the update paints what a fresh draw paints, by construction, with no second copy of the
chart's logic.

When the new result needs other artists (a label that appears only when zero is in view, a
bar more or less, a different kind of call), the replay raises :class:`Rebuild` at the first
difference and ``update`` draws the figure afresh: a structural change is never half-applied.
Only the public matplotlib API is used.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


class Rebuild(Exception):
    """The new result needs other artists than the figure holds: draw it afresh."""


class _Record:
    """The artists a figure's last build made, in call order, and the replay cursor."""

    def __init__(self) -> None:
        self.made: list[tuple[str, int, Any]] = []     # (call, axes index, artist)
        self.axes: list["Axes"] = []
        self.replaying = False
        self.cursor = 0
        self.base: int | None = None   # axes made by :func:`begin_axes` (the rest: colorbars)
        self.positions: list = []      # (axes, position, in layout) at :func:`constrained_layout`

    def add(self, call: str, ax: "Axes", artist) -> Any:
        self.made.append((call, self._index(ax), artist))
        return artist

    def take(self, call: str, ax: "Axes"):
        if self.cursor >= len(self.made):
            raise Rebuild(f"one {call} more than last time")
        made_call, index, artist = self.made[self.cursor]
        if made_call != call or index != self._index(ax):
            raise Rebuild(f"{call} where the last draw had {made_call}")
        self.cursor += 1
        return artist

    def _index(self, ax) -> int:
        for i, a in enumerate(self.axes):
            if a is ax:
                return i
        self.axes.append(ax)
        return len(self.axes) - 1


_RECORDS: "weakref.WeakKeyDictionary[Figure, _Record]" = weakref.WeakKeyDictionary()


def replaying(fig: Figure) -> bool:
    """Whether ``fig`` is being updated in place (inside :func:`updater`'s update)."""
    rec = _RECORDS.get(fig)
    return rec is not None and rec.replaying


def start(fig: Figure) -> _Record:
    """A fresh record for a figure being built (called by ``begin`` after ``fig.clear()``)."""
    rec = _RECORDS.get(fig)
    if rec is not None and rec.replaying:
        return rec
    rec = _RECORDS[fig] = _Record()
    return rec


def record_of(fig: Figure) -> _Record:
    rec = _RECORDS.get(fig)
    return rec if rec is not None else start(fig)


def updater(draw: Callable[..., str]) -> Callable[..., str]:
    """``update(fig, results, colors, **options) -> finding`` for a chart whose ``draw`` makes
    its artists through :class:`LiveAxes`: the figure's artists change in place; a figure
    not drawn by ``draw`` (or a result that needs other artists) is drawn afresh."""

    def update(fig: Figure, results, colors=None, **options) -> str:
        rec = _RECORDS.get(fig)
        if rec is None or not rec.made or not rec.axes or any(ax not in fig.axes for ax in rec.axes):
            return draw(fig, results, colors, **options)
        rec.replaying, rec.cursor = True, 0
        try:
            finding = draw(fig, results, colors, **options)
            if rec.cursor != len(rec.made):
                raise Rebuild("fewer artists than last time")
        except Rebuild:
            rec.replaying = False
            return draw(fig, results, colors, **options)
        finally:
            rec.replaying = False
        return finding

    update.__name__ = "update"
    update.__doc__ = f"In-place update of :func:`{draw.__module__}.draw` (see :mod:`ui.charts._live`)."
    return update


def reset_limits(ax) -> None:
    """Give a kept axes the data limits and autoscaling of a new one (called before a replay):
    each replayed artist then adds its data as adding it did, so limits read half-way through
    the chart's code, and the autoscaled view, come out as in a fresh draw."""
    ax.dataLim.ignore(True)
    ax.ignore_existing_data_limits = True
    from matplotlib.transforms import Bbox

    ax.dataLim.set_points(Bbox.null().get_points())
    ax.set_autoscale_on(True)


def _add_limits(ax, artist) -> None:
    """Count ``artist``'s new data in ``ax``'s data limits, as ``add_line``/``add_patch``/
    ``add_collection`` do, and ask for the autoscaled view to follow."""
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if isinstance(artist, Line2D):
        updatex, updatey = artist.get_transform().contains_branch_seperately(ax.transData)
        if updatex or updatey:
            to_data = artist.get_transform() - ax.transData
            xy = to_data.transform(artist.get_path().vertices) if not (updatex and updatey) \
                else artist.get_path().vertices
            if len(xy):
                ax.update_datalim(xy, updatex=updatex, updatey=updatey)
    elif isinstance(artist, Patch):
        if isinstance(artist, Rectangle) and not artist.get_width() and not artist.get_height():
            return
        updatex, updatey = artist.get_transform().contains_branch_seperately(ax.transData)
        if updatex or updatey:
            verts = artist.get_path().vertices
            if len(verts):
                to_data = artist.get_transform() - ax.transData
                ax.update_datalim(to_data.transform(verts), updatex=updatex, updatey=updatey)
    elif isinstance(artist, Collection):
        lim = artist.get_datalim(ax.transData)
        points = lim.get_points()
        if not np.isinf(lim.minpos).all():
            points = np.concatenate([points, [lim.minpos]])
        ax.update_datalim(points)
    ax.autoscale(enable=None)


def _style(artist, kw: dict, skip=()) -> None:
    kw = {k: v for k, v in kw.items() if k not in skip}
    if kw:
        artist.set(**kw)


def _bars(bars: BarContainer, x, y, w, h, kw: dict) -> None:
    """Move each Rectangle of ``bars`` to (x, y, w, h) (arrays) and restyle it (list-valued
    style arguments are per bar, as for ``bar``/``barh``)."""
    rects = list(bars.patches)
    n = len(rects)
    if any(np.ndim(v) and np.size(v) != n for v in (x, y, w, h)):
        raise Rebuild("another number of bars")
    x, y, w, h = (np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in (x, y, w, h))
    per = {}
    for key in ("color", "edgecolor", "facecolor", "linewidth", "lw", "alpha", "hatch"):
        if key in kw:
            v = kw[key]
            if isinstance(v, (list, tuple, np.ndarray)) and not (isinstance(v, tuple) and len(v) in (3, 4)
                                                                 and all(isinstance(c, (int, float)) for c in v)):
                if len(v) != n:
                    raise Rebuild("another number of bar colours")
                per[key] = list(v)
            else:
                per[key] = [v] * n
    rest = {k: v for k, v in kw.items() if k not in per and k not in ("align", "label", "tick_label")}
    for i, r in enumerate(rects):
        r.set_bounds(float(x[i]), float(y[i]), float(w[i]), float(h[i]))
        style = {k: v[i] for k, v in per.items()}
        if "color" in style:
            r.set_facecolor(style.pop("color"))   # (as bar() does: ``color`` is the face only)
        _style(r, {**rest, **style})


class LiveAxes:
    """An Axes whose artist-making calls are recorded (build) or replayed in place (update).

    Every other attribute is the Axes' own. Pass ``.axes`` (the real Axes) wherever matplotlib
    needs the Axes object itself."""

    def __init__(self, ax: "Axes", rec: _Record):
        object.__setattr__(self, "axes", ax)
        object.__setattr__(self, "_rec", rec)

    def __getattr__(self, name):
        return getattr(self.axes, name)

    def __setattr__(self, name, value):
        setattr(self.axes, name, value)

    def _take(self, call):
        return self._rec.take(call, self.axes) if self._rec.replaying else None

    def _add(self, call, artist):
        return self._rec.add(call, self.axes, artist)

    # -- lines ------------------------------------------------------------------------
    def plot(self, x, y, *args, **kw):
        line = self._take("plot")
        if line is None:
            return [self._add("plot", self.axes.plot(x, y, *args, **kw)[0])]
        if args:
            raise Rebuild("plot with a format string")
        line.set_data(np.asarray(x), np.asarray(y))
        _style(line, kw)
        _add_limits(self.axes, line)
        return [line]

    def axvline(self, x=0, ymin=0, ymax=1, **kw):
        line = self._take("axvline")
        if line is None:
            return self._add("axvline", self.axes.axvline(x, ymin, ymax, **kw))
        line.set_xdata([x, x])
        line.set_ydata([ymin, ymax])
        _style(line, kw)
        _add_limits(self.axes, line)
        return line

    def axhline(self, y=0, xmin=0, xmax=1, **kw):
        line = self._take("axhline")
        if line is None:
            return self._add("axhline", self.axes.axhline(y, xmin, xmax, **kw))
        line.set_xdata([xmin, xmax])
        line.set_ydata([y, y])
        _style(line, kw)
        _add_limits(self.axes, line)
        return line

    def _lines(self, call, a, lo, hi, kw, horizontal):
        coll = self._take(call)
        if coll is None:
            return self._add(call, getattr(self.axes, call)(a, lo, hi, **kw))
        a, lo, hi = np.broadcast_arrays(np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(lo, float)),
                                        np.atleast_1d(np.asarray(hi, float)))
        segs = [[(l, v), (h, v)] if horizontal else [(v, l), (v, h)] for v, l, h in zip(a, lo, hi)]
        coll.set_segments(segs)
        kw = dict(kw)
        if "colors" in kw:
            kw["color"] = kw.pop("colors")
        _style(coll, kw, skip=("label",))
        if len(segs):
            pts = np.array(segs).reshape(-1, 2)
            self.axes.update_datalim([pts.min(axis=0), pts.max(axis=0)])
        self.axes.autoscale(enable=None)
        return coll

    def hlines(self, y, xmin, xmax, **kw):
        return self._lines("hlines", y, xmin, xmax, kw, True)

    def vlines(self, x, ymin, ymax, **kw):
        return self._lines("vlines", x, ymin, ymax, kw, False)

    # -- areas ------------------------------------------------------------------------
    def axvspan(self, xmin, xmax, ymin=0, ymax=1, **kw):
        patch = self._take("axvspan")
        if patch is None:
            return self._add("axvspan", self.axes.axvspan(xmin, xmax, ymin, ymax, **kw))
        if isinstance(patch, Rectangle):
            patch.set_bounds(xmin, ymin, xmax - xmin, ymax - ymin)
        else:                                    # (a Polygon before matplotlib 3.9)
            patch.set_xy([[xmin, ymin], [xmin, ymax], [xmax, ymax], [xmax, ymin], [xmin, ymin]])
        _style(patch, kw)
        _add_limits(self.axes, patch)
        return patch

    def axhspan(self, ymin, ymax, xmin=0, xmax=1, **kw):
        patch = self._take("axhspan")
        if patch is None:
            return self._add("axhspan", self.axes.axhspan(ymin, ymax, xmin, xmax, **kw))
        if isinstance(patch, Rectangle):
            patch.set_bounds(xmin, ymin, xmax - xmin, ymax - ymin)
        else:                                    # (a Polygon before matplotlib 3.9)
            patch.set_xy([[xmin, ymin], [xmin, ymax], [xmax, ymax], [xmax, ymin], [xmin, ymin]])
        _style(patch, kw)
        _add_limits(self.axes, patch)
        return patch

    def fill_between(self, x, y1, y2=0, **kw):
        coll = self._take("fill_between")
        if coll is None:
            return self._add("fill_between", self.axes.fill_between(x, y1, y2, **kw))
        if not hasattr(coll, "set_data"):        # (matplotlib < 3.10: no in-place update)
            raise Rebuild("fill_between cannot be updated in place")
        coll.set_data(x, y1, y2)
        _style(coll, kw, skip=("label",))
        _add_limits(self.axes, coll)
        return coll

    def stairs(self, values, edges=None, **kw):
        patch = self._take("stairs")
        if patch is None:
            return self._add("stairs", self.axes.stairs(values, edges, **kw))
        patch.set_data(values, edges)
        _add_limits(self.axes, patch)
        return patch

    def barh(self, y, width, height=0.8, left=None, **kw):
        bars = self._take("barh")
        if bars is None:
            return self._add("barh", self.axes.barh(y, width, height=height, left=left, **kw))
        y = np.asarray(y, float)
        h = np.asarray(height, float)
        y0 = y - h / 2 if kw.get("align", "center") == "center" else y
        left = 0.0 if left is None else np.asarray(left, float)
        _bars(bars, left, y0, np.asarray(width, float), h, kw)
        for r in bars.patches:
            _add_limits(self.axes, r)
        return bars

    def bar(self, x, height, width=0.8, bottom=None, **kw):
        bars = self._take("bar")
        if bars is None:
            return self._add("bar", self.axes.bar(x, height, width=width, bottom=bottom, **kw))
        x = np.asarray(x, float)
        w = np.asarray(width, float)
        x0 = x - w / 2 if kw.get("align", "center") == "center" else x
        bottom = 0.0 if bottom is None else np.asarray(bottom, float)
        _bars(bars, x0, bottom, w, np.asarray(height, float), kw)
        for r in bars.patches:
            _add_limits(self.axes, r)
        return bars

    def scatter(self, x, y, s=None, c=None, **kw):
        coll = self._take("scatter")
        if coll is None:
            return self._add("scatter", self.axes.scatter(x, y, s=s, c=c, **kw))
        offsets = np.column_stack([np.asarray(x, float).ravel(), np.asarray(y, float).ravel()])
        if len(offsets) != len(coll.get_offsets()):
            raise Rebuild("another number of points")
        coll.set_offsets(offsets)
        if s is not None:
            coll.set_sizes(np.atleast_1d(np.asarray(s, float)))
        if c is not None:
            try:
                values = np.asarray(c, dtype=float)
            except (TypeError, ValueError):
                values = None
            if values is not None and values.ndim == 1 and values.size == len(offsets):
                coll.set_array(values)          # (values mapped through the colour map)
                if kw.get("cmap") is not None:
                    coll.set_cmap(kw["cmap"])
                if kw.get("norm") is not None:
                    coll.set_norm(kw["norm"])
            else:
                coll.set_facecolor(c)
        kw = {k: v for k, v in kw.items() if k not in ("cmap", "norm", "vmin", "vmax")}
        for a, b in (("edgecolors", "edgecolor"), ("linewidths", "linewidth")):
            if a in kw:
                kw[b] = kw.pop(a)
        _style(coll, kw, skip=("marker", "label"))
        _add_limits(self.axes, coll)
        return coll

    def imshow(self, X, **kw):
        im = self._take("imshow")
        if im is None:
            return self._add("imshow", self.axes.imshow(X, **kw))
        X = np.asarray(X)
        if X.shape != im.get_array().shape:
            raise Rebuild("another image size")
        im.set_data(X)
        im.set_extent(kw["extent"] if kw.get("extent") is not None else im.get_extent())
        if kw.get("norm") is not None:
            im.set_norm(kw["norm"])
        return im

    # -- state that toggles -----------------------------------------------------------
    def invert_yaxis(self):
        """Inverted as on a new axes (``invert_yaxis`` toggles: a replay would flip it back)."""
        self.axes.yaxis.set_inverted(True)

    def invert_xaxis(self):
        self.axes.xaxis.set_inverted(True)

    # -- texts ------------------------------------------------------------------------
    def text(self, x, y, s, **kw):
        t = self._take("text")
        if t is None:
            return self._add("text", self.axes.text(x, y, s, **kw))
        t.set_position((x, y))
        t.set_text(s)
        _style(t, kw)
        return t

    def annotate(self, text, xy, xytext=None, **kw):
        a = self._take("annotate")
        if a is None:
            return self._add("annotate", self.axes.annotate(text, xy, xytext, **kw))
        kw = dict(kw)
        arrow = kw.pop("arrowprops", None)
        if (arrow is None) != (a.arrow_patch is None):
            raise Rebuild("an arrow appears or goes")
        kw.pop("textcoords", None)
        kw.pop("xycoords", None)
        a.set_text(text)
        a.xy = xy
        a.set_position(xy if xytext is None else xytext)
        if arrow is not None:
            a.arrowprops = arrow
            props = {k: v for k, v in arrow.items()
                     if k not in ("arrowstyle", "connectionstyle", "relpos", "patchA", "patchB",
                                  "shrinkA", "shrinkB", "mutation_scale", "mutation_aspect", "patch")}
            if props:
                a.arrow_patch.set(**props)
        _style(a, kw)
        return a

    def legend(self, handles=None, labels=None, **kw):
        if handles is None:                  # (the labelled artists, as ax.legend() takes them)
            handles, labels = self.axes.get_legend_handles_labels()
        leg = self._take("legend")
        if leg is None:
            leg = self._add("legend", self.axes.legend(handles, labels, **kw))
            _LEGEND_KW[leg] = kw
            return leg
        current = self.axes.get_legend()
        following = self._rec.made[self._rec.cursor][:2] if self._rec.cursor < len(self._rec.made) else None
        if leg is not current and current is not None and following == ("legend", self._rec._index(self.axes)):
            return current     # (replaced by the next legend call at the build: it updates that one)
        texts = current.get_texts() if current is not None else []
        if current is leg and len(texts) == len(labels) == len(leg.legend_handles) == len(handles) \
                and _LEGEND_KW.get(leg) == kw:
            for t, label in zip(texts, labels):
                t.set_text(label)
            for mine, theirs in zip(leg.legend_handles, handles):
                if mine is not None:
                    _restyle_handle(mine, theirs, leg)
            return leg
        # Its columns were changed by the layout, or its entries: a new legend, kept in the
        # record in place of the old one.
        new = self.axes.legend(handles, labels, **kw)
        _LEGEND_KW[new] = kw
        self._rec.made[self._rec.cursor - 1] = ("legend", self._rec.made[self._rec.cursor - 1][1], new)
        return new


_HANDLE_STYLE = ("color", "facecolor", "edgecolor", "linewidth", "linestyle", "alpha", "markerfacecolor",
                 "markeredgecolor")


def _restyle_handle(mine, theirs, leg=None) -> None:
    """Give a legend's handle the colours and line style of the artist it stands for (not its
    transform or data, which belong to the legend)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if (isinstance(mine, Line2D) and isinstance(theirs, Line2D)) or (isinstance(mine, Patch)
                                                                      and isinstance(theirs, Patch)):
        # What the legend's handler does (``update_from``: with dash patterns, which have no
        # public getter), keeping the handle's own place in the legend.
        transform = mine.get_data_transform() if isinstance(mine, Patch) else mine.get_transform()
        mine.update_from(theirs)
        mine.set_transform(transform)
        mine.set_clip_box(None)
        mine.set_clip_path(None)
        scale = getattr(leg, "markerscale", 1)
        if isinstance(mine, Line2D) and scale != 1:
            mine.set_markersize(theirs.get_markersize() * scale)
        return
    for prop in _HANDLE_STYLE:
        get, put = getattr(theirs, f"get_{prop}", None), getattr(mine, f"set_{prop}", None)
        if get is not None and put is not None and (prop != "color" or hasattr(mine, "get_markerfacecolor")):
            put(get())


#: The keyword arguments each recorded legend was made with (to tell an in-place change).
_LEGEND_KW: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def begin_axes(fig: Figure, make: Callable[[Figure], "list[Axes]"]) -> list[LiveAxes]:
    """The axes of a chart whose grid :func:`ui.charts._style.begin` does not make (panels of
    several rows): building, ``make(fig)`` makes them on the cleared figure; replaying, the
    figure's recorded axes are returned (their limits reset as on new axes) and ``make`` is
    not called. Returns them as :class:`LiveAxes`, in ``make``'s order."""
    if replaying(fig):
        rec = record_of(fig)
        if rec.base is None or len(rec.axes) < rec.base:
            raise Rebuild("another number of axes")
        for ax in rec.axes[:rec.base]:
            reset_limits(ax)
        return [LiveAxes(ax, rec) for ax in rec.axes[:rec.base]]
    fig.clear()
    made = list(make(fig))
    rec = start(fig)
    for ax in made:
        rec._index(ax)
    rec.base = len(made)
    return [LiveAxes(ax, rec) for ax in made]


def colorbar(ax, mappable, **kw):
    """``fig.colorbar(mappable, ax=ax, **kw)``, kept when ``ax`` is a :class:`LiveAxes` being
    replayed: the colorbar follows its mappable (the replayed artist, whose colours and norm
    the replay changed). Returns the Colorbar; draw on its axes through :func:`live`."""
    fig = real(ax).get_figure()
    if not isinstance(ax, LiveAxes):
        return fig.colorbar(mappable, ax=ax, **kw)
    cb = ax._take("colorbar")
    if cb is None:
        return ax._add("colorbar", fig.colorbar(mappable, ax=ax.axes, **kw))
    if cb.mappable is not mappable or cb.ax not in fig.axes:
        raise Rebuild("a colorbar of another artist")
    cb.update_normal(mappable)
    return cb


def constrained_layout(fig: Figure, **kw) -> None:
    """``fig.set_layout_engine("constrained", **kw)`` for a live view; call it once the chart's
    axes (and colorbars) are made. Where constrained layout puts the axes depends a little on
    where they are when it starts (a fraction of a pixel: enough to move every text by one), so
    a replay first puts every axes back where the build had it at this call, as a fresh draw
    starts: the update then lays out exactly as a fresh draw does."""
    fig.set_layout_engine("constrained", **kw)
    rec = _RECORDS.get(fig)
    if rec is None:
        return
    if not rec.replaying:
        rec.positions = [(ax, ax.get_position(original=True).frozen(), ax.get_in_layout()) for ax in fig.axes]
        return
    if [ax for ax, _, _ in rec.positions] != list(fig.axes):
        raise Rebuild("other axes than at the build")
    for ax, pos, in_layout in rec.positions:
        ax.set_position(pos)             # (which takes the axes out of the layout: put it back)
        ax.set_in_layout(in_layout)


def live(ax, like) -> Any:
    """``ax`` (an Axes of the figure ``like`` draws on, such as a colorbar's) as a
    :class:`LiveAxes` of the same record when ``like`` is one, else ``ax`` itself."""
    return LiveAxes(ax, like._rec) if isinstance(like, LiveAxes) else ax


def make_legend(ax, handles, labels, **kw):
    """``ax.legend(handles, labels, **kw)``, in place when ``ax`` is a :class:`LiveAxes`."""
    return ax.legend(handles, labels, **kw)


def real(ax) -> "Axes":
    """The Axes itself (``ax`` may be a :class:`LiveAxes`)."""
    return ax.axes if isinstance(ax, LiveAxes) else ax
