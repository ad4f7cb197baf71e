"""The report's chart: a ranked dot plot of the averages with their 95% intervals (matplotlib)."""

from __future__ import annotations

import io

from . import fonts
from .output import clean

CHART_ENDS = 20  # with more than twice this many influencers, the chart shows the top and the bottom


def dot_plot(stats) -> bytes:
    """A ranked dot plot of the averages with their 95% intervals (top and bottom when there are
    many people, so that 150 stay legible), names beside ids."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    cut = len(stats) > 2 * CHART_ENDS
    shown = pd.concat([stats.head(CHART_ENDS), stats.tail(CHART_ENDS)]) if cut else stats
    labels = [f"#{i} {fonts.chart_label(clean(n, 40))}".strip() if isinstance(n, str) else f"#{i}"
              for i, n in zip(shown.influencer_id, shown.name, strict=True)]  # fmt: skip
    x = list(range(len(shown)))
    if cut:  # a gap where the middle of the ranking is left out
        x = x[:CHART_ENDS] + [v + 1 for v in x[CHART_ENDS:]]
    fig, ax = plt.subplots(figsize=(7.5, 2.8), dpi=150)
    avg = shown.avg_performance.astype(float).to_numpy()
    low = (avg - shown.avg_ci_low.astype(float)).fillna(0).to_numpy()
    high = (shown.avg_ci_high.astype(float) - avg).fillna(0).to_numpy()
    ax.errorbar(x, avg, yerr=[low, high], fmt="o", color="#3b6ea5", ecolor="#888", capsize=2, markersize=4)
    ax.set_xticks(x, labels, rotation=90 if len(shown) > 12 else 0, fontsize=6 if len(shown) > 20 else 7)
    ax.set_ylabel("average performance\n(95% interval)", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    if cut:
        ax.axvline(CHART_ENDS, color="#ccc", linestyle=":")
        ax.set_title(f"top and bottom {CHART_ENDS} of {len(stats)} influencers, by rank", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
