"""The report's chart: a ranked dot plot of the averages with their 95% intervals (matplotlib).
The names are not drawn by matplotlib (it neither shapes Arabic nor falls back to CJK fonts): the
chart returns where each row is, and the PDF writes the names there with its own fonts."""

from __future__ import annotations

import io

from influx.output import display_name

CHART_ENDS = 20  # with more than twice this many influencers, the chart shows the top and the bottom
WIDTH_IN = 5.2  # inches: the chart's width (the names take the page's width to its left)


def dot_plot(stats) -> tuple[bytes, float, list[tuple[str, float]]]:
    """(PNG, height/width ratio, [(label, centre of its row as a fraction of the height from the
    top)]): a horizontal ranked dot plot, best at the top (top and bottom CHART_ENDS when there are
    many people, so that 150 stay legible)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    cut = len(stats) > 2 * CHART_ENDS
    shown = pd.concat([stats.head(CHART_ENDS), stats.tail(CHART_ENDS)]) if cut else stats
    labels = [f"#{i} {display_name(n, 60) or ''}".strip() for i, n in zip(shown.influencer_id, shown.name, strict=True)]
    y = list(range(len(shown)))
    if cut:  # a gap where the middle of the ranking is left out
        y = y[:CHART_ENDS] + [v + 1 for v in y[CHART_ENDS:]]
    height = 0.6 + 0.2 * (max(y) + 1)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height), dpi=150)
    avg = shown.avg_performance.astype(float).to_numpy()
    low = (avg - shown.avg_ci_low.astype(float)).fillna(0).to_numpy()
    high = (shown.avg_ci_high.astype(float) - avg).fillna(0).to_numpy()
    ax.errorbar(avg, y, xerr=[low, high], fmt="o", color="#3b6ea5", ecolor="#888", capsize=2, markersize=4)
    ax.set_yticks(y, [""] * len(y))
    ax.set_ylim(max(y) + 0.7, -0.7)
    ax.set_xlabel("average performance, with its 95% interval", fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#eee")
    ax.spines[["top", "right"]].set_visible(False)
    if cut:
        ax.axhline(CHART_ENDS, color="#ccc", linestyle=":")
        ax.set_title(f"top and bottom {CHART_ENDS} of {len(stats)} influencers, by rank", fontsize=8)
    fig.subplots_adjust(left=0.02, right=0.98, top=1 - 0.15 / height if not cut else 1 - 0.35 / height,
                        bottom=0.45 / height)  # fmt: skip
    fig.canvas.draw()
    rows = [
        (label, 1 - ax.transData.transform((0, v))[1] / fig.bbox.height) for label, v in zip(labels, y, strict=True)
    ]
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue(), height / WIDTH_IN, rows
