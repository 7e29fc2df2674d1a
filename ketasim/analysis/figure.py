"""The window heatmap: effect size over two axes, the window outlined, non-significant points marked."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

__all__ = ["plain", "window_figure"]


def plain(value: Any) -> Any:
    """A numpy scalar as the Python number or string it holds (anything else unchanged)."""
    return value.item() if hasattr(value, "item") else value

MAX_PANELS = 16


def _label(dataset, dim: str) -> str:
    unit = dataset[dim].attrs.get("units", "")
    return f"{dim} ({unit})" if unit else dim


def _tick(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def window_figure(dataset, effects, report: dict[str, Any], plot_axes: list[str]):
    """A figure with one heatmap per combination of the axes not plotted.

    ``plot_axes[0]`` runs along x, ``plot_axes[1]`` (if any) along y; the
    control column (or row) is hatched, window cells are outlined in black,
    tested points outside the window carry a small cross.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    x_dim = plot_axes[0]
    y_dim = plot_axes[1] if len(plot_axes) > 1 else None
    facet_dims = plot_axes[2:]
    xs = [plain(v) for v in dataset[x_dim].values]
    ys = [plain(v) for v in dataset[y_dim].values] if y_dim else [None]
    facets = list(itertools.product(*[[plain(v) for v in dataset[d].values] for d in facet_dims]))[:MAX_PANELS]
    by_coords = {tuple(sorted(e.coords.items())): e for e in effects}
    control = report["control"]
    finite = [abs(e.effect) for e in effects if np.isfinite(e.effect)]
    limit = max(finite, default=1.0) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit)

    columns = min(len(facets), 4)
    rows = math.ceil(len(facets) / columns)
    figure, axes_grid = plt.subplots(rows, columns, figsize=(1.2 + 0.9 * len(xs) * columns, 1.0 + 0.7 * max(len(ys), 2) * rows + 0.6),
                                     squeeze=False, constrained_layout=True)
    image = None
    for panel, facet in enumerate(facets):
        ax = axes_grid[panel // columns][panel % columns]
        grid = np.full((len(ys), len(xs)), np.nan)
        significant = np.zeros_like(grid, dtype=bool)
        for (i, y), (j, x) in itertools.product(enumerate(ys), enumerate(xs)):
            coords = dict(zip(facet_dims, facet, strict=True))
            coords[x_dim] = x
            if y_dim:
                coords[y_dim] = y
            effect = by_coords.get(tuple(sorted(coords.items())))
            if effect is None:  # the control setting
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="0.6", lw=0))
                continue
            grid[i, j] = effect.effect
            significant[i, j] = effect.significant
            if np.isfinite(effect.p) and not effect.significant:
                ax.plot(j, i, marker="x", color="0.35", markersize=5, lw=0)
        image = ax.imshow(grid, cmap="RdBu_r", norm=norm, origin="lower", aspect="auto")
        for i, j in zip(*np.nonzero(significant), strict=True):
            # Draw only the edges of window cells that border a cell outside the window.
            for di, dj, segment in ((0, -1, ([j - .5, j - .5], [i - .5, i + .5])), (0, 1, ([j + .5, j + .5], [i - .5, i + .5])),
                                    (-1, 0, ([j - .5, j + .5], [i - .5, i - .5])), (1, 0, ([j - .5, j + .5], [i + .5, i + .5]))):
                ni, nj = i + di, j + dj
                inside = 0 <= ni < len(ys) and 0 <= nj < len(xs) and significant[ni, nj]
                if not inside:
                    ax.plot(*segment, color="black", lw=2.2, solid_capstyle="round")
        ax.set_xticks(range(len(xs)), [_tick(v) for v in xs])
        ax.set_xlabel(_label(dataset, x_dim))
        if y_dim:
            ax.set_yticks(range(len(ys)), [_tick(v) for v in ys])
            ax.set_ylabel(_label(dataset, y_dim))
        else:
            ax.set_yticks([])
        ax.set_xlim(-0.5, len(xs) - 0.5)
        ax.set_ylim(-0.5, len(ys) - 0.5)
        if facet_dims:
            ax.set_title(", ".join(f"{d}={_tick(v)}" for d, v in zip(facet_dims, facet, strict=True)), fontsize=8)
    for extra in range(len(facets), rows * columns):
        axes_grid[extra // columns][extra % columns].axis("off")
    if image is not None:
        bar = figure.colorbar(image, ax=axes_grid, shrink=0.9)
        bar.set_label(f"effect on {report['metric']} (vs control)")
    unit = f" {control['units']}" if control["units"] else ""
    figure.suptitle(f"{report['metric']}: window outlined (BH q ≤ {report['alpha']:g}, {report['direction']})\n"
                    f"control {control['key']} = {_tick(control['value'])}{unit} hatched; × not significant",
                    fontsize=9)
    return figure
