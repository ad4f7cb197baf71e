"""The statistics views against pingouin (balanced data) and a plain numpy implementation."""

import math

import numpy as np
import pandas as pd
import pytest

from influx import store


def load(con, groups: dict[int, list[float | None]]):
    """Synthetic labels: one video per score, influencer = group key, rows interleaved."""
    rows, people = [], []
    order = [(k, i, y) for k, ys in groups.items() for i, y in enumerate(ys)]
    order.sort(key=lambda t: (t[1], t[0]))  # interleave influencers like a real sheet
    for row_index, (k, _, y) in enumerate(order):
        rows.append((row_index, f"http://v/{row_index}", y, "ok", 1))
        people.append((row_index, k, 1, 100.0, 1.0, True))
    if not rows:
        return same_degrees(con)
    con.executemany(
        "INSERT INTO videos (row_index, video_url, performance, status, n_faces) VALUES (?, ?, ?, ?, ?)", rows
    )
    con.executemany(
        "INSERT INTO video_people (row_index, influencer_id, n_faces, presence, share, is_dominant)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        people,
    )
    for k in groups:
        con.execute(
            "INSERT INTO influencers (influencer_id, n_videos, n_appearances, n_faces) VALUES (?, 1, 1, 1)", [k]
        )
    store.refresh_quantiles(con)
    same_degrees(con)


def same_degrees(con):
    """The quantiles are computed for the degrees of freedom of the reliability view itself:
    statistics.quantile_degrees restates its g and N without binding the whole view."""
    got = con.execute(store.sql("statistics.quantile_degrees")).fetchone()
    assert got == con.execute("SELECT n_influencers, n_scores FROM reliability").fetchone()


@pytest.fixture
def con(tmp_path):
    c = store.connect(tmp_path / "s.duckdb")
    yield c
    c.close()


def reference(groups):
    """The README's formulas, in numpy."""
    from scipy.stats import f as fdist  # here, not at the top: scipy.stats takes a second to import, in every worker

    g2 = {k: np.array(v, float) for k, v in groups.items() if len([x for x in v if x is not None]) >= 2}
    ys = {k: v[~np.isnan(v)] for k, v in g2.items()}
    g = len(ys)
    n_i = np.array([len(v) for v in ys.values()])
    m_i = np.array([v.mean() for v in ys.values()])
    N = n_i.sum()
    m = np.concatenate(list(ys.values())).mean()
    msb = (n_i * (m_i - m) ** 2).sum() / (g - 1)
    msw = sum(((v - v.mean()) ** 2).sum() for v in ys.values()) / (N - g)
    k0 = (N - (n_i**2).sum() / N) / (g - 1)
    icc = (msb - msw) / (msb + (k0 - 1) * msw)
    F = msb / msw
    fl, fu = F / fdist.ppf(0.975, g - 1, N - g), F * fdist.ppf(0.975, N - g, g - 1)
    return {"icc": icc, "low": (fl - 1) / (fl + k0 - 1), "high": (fu - 1) / (fu + k0 - 1), "m": m}


def test_icc1_matches_pingouin_on_balanced_data(con):
    import pingouin as pg

    rng = np.random.default_rng(1)
    groups = {k: list(rng.normal(k * 0.3, 1.0, 4)) for k in range(1, 9)}
    load(con, groups)
    df = pd.DataFrame([(k, j, y) for k, ys in groups.items() for j, y in enumerate(ys)], columns=["t", "r", "y"])
    ref = pg.intraclass_corr(df, targets="t", raters="r", ratings="y").set_index("Type").loc["ICC(1,1)"]
    icc, low, high, method = con.execute("SELECT icc, icc_ci_low, icc_ci_high, ci_method FROM reliability").fetchone()
    assert icc == pytest.approx(ref["ICC"], abs=1e-9)
    assert method == "exact"
    # pingouin rounds its interval to 2 decimals
    assert low == pytest.approx(ref["CI95"][0], abs=0.006) and high == pytest.approx(ref["CI95"][1], abs=0.006)


def test_unbalanced_matches_numpy(con):
    rng = np.random.default_rng(2)
    groups = {k: list(rng.normal(k, 1.5, n)) for k, n in zip(range(1, 8), [2, 5, 3, 9, 2, 4, 1], strict=True)}
    groups[8] = [1.0, None, 3.0]  # a missing score is left out
    load(con, groups)
    ref = reference(groups)
    icc, low, high, interp, g, n = con.execute(
        "SELECT icc, icc_ci_low, icc_ci_high, interpretation, n_influencers, n_scores FROM reliability"
    ).fetchone()
    assert icc == pytest.approx(ref["icc"], abs=1e-9)
    assert low == pytest.approx(ref["low"], abs=1e-9) and high == pytest.approx(ref["high"], abs=1e-9)
    assert (g, n) == (7, 2 + 5 + 3 + 9 + 2 + 4 + 2)

    def word(x):
        return "poor" if x < 0.5 else "moderate" if x < 0.75 else "good" if x < 0.9 else "excellent"

    # worded from the interval: one word when both ends agree, else "low to high"
    assert interp == (word(low) if word(low) == word(high) else f"{word(low)} to {word(high)}")
    stats = con.execute(
        "SELECT influencer_id, n_scores, avg_performance, reliability, adjusted_performance FROM influencer_stats"
    ).fetchall()
    by_id = {r[0]: r for r in stats}
    for k, ys in groups.items():
        y = np.array([v for v in ys if v is not None])
        _, n_i, avg, rel, adj = by_id[k]
        assert n_i == len(y) and avg == pytest.approx(y.mean(), abs=1e-9)
        w = max(ref["icc"], 0) if n_i == 1 else n_i * ref["icc"] / (1 + (n_i - 1) * ref["icc"])
        if n_i == 1:
            assert rel is None
        else:
            assert rel == pytest.approx(max(w, 0), abs=1e-9)
        assert adj == pytest.approx(ref["m"] + w * (y.mean() - ref["m"]), abs=1e-9)
    assert [r[0] for r in stats] == sorted(by_id, key=lambda k: (-by_id[k][4], -by_id[k][2]))  # by adjusted


def test_test_retest_correlation_pairs_consecutive_videos(con):
    groups = {1: [1.0, 2.0, 3.0, 2.5], 2: [5.0, 4.0, 4.5, 5.5], 3: [2.0, 2.5, 2.0, 3.0, 2.2]}
    load(con, groups)
    xs, ys = [], []
    for v in groups.values():
        xs += v[:-1]
        ys += v[1:]
    r, low, high, n_pairs = con.execute(
        "SELECT test_retest_r, test_retest_ci_low, test_retest_ci_high, n_pairs FROM reliability"
    ).fetchone()
    assert n_pairs == len(xs) == 10
    ref = np.corrcoef(xs, ys)[0, 1]
    assert r == pytest.approx(ref, abs=1e-9)
    z, se = np.arctanh(ref), 1 / np.sqrt(len(xs) - 3)  # Fisher's z
    assert low == pytest.approx(np.tanh(z - 1.959963984540054 * se), abs=1e-9)
    assert high == pytest.approx(np.tanh(z + 1.959963984540054 * se), abs=1e-9)


def test_the_same_file_gives_the_same_bits_every_read(con):
    """DuckDB sums in the order its threads deliver rows: the test-retest r of one file differed in
    its last digits from one read to the next, which near |r| = 1 can make its interval appear or
    vanish. Every statistic is read the same, to the bit, each time."""
    rng = np.random.default_rng(7)
    load(con, {k: list(rng.normal(k % 5, 1.0, 6)) for k in range(1, 41)})
    reads = {con.execute("SELECT * FROM reliability").fetchone() for _ in range(15)}
    reads |= {tuple(con.execute("SELECT * FROM influencer_stats").fetchall()) for _ in range(15)}
    assert len(reads) == 2, reads


def test_a_large_file_gives_the_same_bits_on_every_open(tmp_path):
    """Past a few thousand scores DuckDB splits an influencer's rows between threads, and the
    sums behind m_i, MSB, MSW, the averages and their spread took the threads' order: 5,000 scores
    gave three different ICCs in eight opens, 20,000 five. Each open reads every statistic to the same bit."""
    rng = np.random.default_rng(11)
    n, people = 20_000, 1_500
    frame = pd.DataFrame({"row_index": np.arange(n), "performance": rng.normal(0, 1, n) * 1e3 / 7,
                          "influencer_id": 1 + rng.integers(0, people, n)})  # fmt: skip
    path = tmp_path / "large.duckdb"
    con = store.connect(path)
    con.register("frame", frame)
    con.execute("INSERT INTO videos (row_index, video_url, performance, status, n_faces)"
                " SELECT row_index, 'http://v/' || row_index, performance, 'ok', 1 FROM frame")  # fmt: skip
    con.execute("INSERT INTO video_people (row_index, influencer_id, n_faces, presence, share, is_dominant)"
                " SELECT row_index, influencer_id, 1, 100.0, 1.0, true FROM frame")  # fmt: skip
    con.execute("INSERT INTO influencers (influencer_id, n_videos, n_appearances, n_faces)"
                " SELECT DISTINCT influencer_id, 1, 1, 1 FROM frame")  # fmt: skip
    con.close()
    reliability, stats = set(), set()
    for _ in range(6):
        con = store.connect(path, read_only=True)
        reliability.add(con.execute("SELECT * FROM reliability").fetchone())
        stats.add(tuple(con.execute("SELECT * FROM influencer_stats").fetchall()))
        con.close()
    assert len(reliability) == 1 and len(stats) == 1, (len(reliability), len(stats))


def test_test_retest_needs_ten_pairs_from_two_influencers(con):
    load(con, {1: [1.0, 2.0, 3.0], 2: [5.0, 4.0], 3: [2.0, 2.5, 2.0, 3.0]})  # 6 pairs
    r, reason = con.execute("SELECT test_retest_r, test_retest_reason FROM reliability").fetchone()
    assert r is None and "fewer than 10 pairs" in reason


def test_each_average_has_an_interval_from_the_pooled_variance(con):
    from scipy.stats import t

    groups = {1: [1.0, 2.0, 3.0], 2: [5.0, 4.0, 4.4], 3: [2.0], 4: [3.0, 3.5]}
    load(con, groups)
    ref = reference(groups)
    two = {k: np.array(v) for k, v in groups.items() if len(v) >= 2}
    msw = sum(((v - v.mean()) ** 2).sum() for v in two.values()) / (sum(map(len, two.values())) - len(two))
    df = sum(map(len, two.values())) - len(two)
    for k, ys in groups.items():
        low, high = con.execute(
            "SELECT avg_ci_low, avg_ci_high FROM influencer_stats WHERE influencer_id = ?", [k]
        ).fetchone()
        half = t.ppf(0.975, df) * np.sqrt(msw / len(ys))
        assert low == pytest.approx(np.mean(ys) - half, abs=1e-9) and high == pytest.approx(
            np.mean(ys) + half, abs=1e-9
        )
    assert ref["icc"] is not None


@pytest.mark.parametrize(
    "groups, reason",
    [
        ({1: [1.0, 2.0]}, "fewer than two influencers"),
        ({1: [1.0], 2: [3.0]}, "fewer than two influencers"),
        ({1: [2.0, 2.0], 2: [2.0, 2.0]}, "all scores are equal"),
        ({1: [1.0, 1.0], 2: [3.0, 3.0]}, "no spread within"),
        ({}, "fewer than two influencers"),
    ],
)
def test_degenerate_data_gives_null_with_reason(con, groups, reason):
    load(con, groups)
    icc, low, reason_got = con.execute("SELECT icc, icc_ci_low, reason FROM reliability").fetchone()
    assert reason in reason_got
    assert low is None
    if "no spread" in reason:
        assert icc == 1.0
    else:
        assert icc is None
    rows = con.execute("SELECT reliability FROM influencer_stats").fetchall()
    assert all(r[0] is None or r[0] in (0.0, 1.0) for r in rows)


def test_negative_icc_gives_zero_reliability(con):
    load(con, {1: [0.0, 10.0], 2: [0.5, 9.5], 3: [1.0, 9.0]})
    icc = con.execute("SELECT icc FROM reliability").fetchone()[0]
    assert icc < 0
    assert {r[0] for r in con.execute("SELECT reliability FROM influencer_stats").fetchall()} == {0.0}


def test_approximate_interval_without_stored_quantiles(con):
    rng = np.random.default_rng(3)
    groups = {k: list(rng.normal(k, 1, 5)) for k in range(1, 12)}
    load(con, groups)
    con.execute("DELETE FROM f_quantiles")
    low, high, method = con.execute("SELECT icc_ci_low, icc_ci_high, ci_method FROM reliability").fetchone()
    ref = reference(groups)
    assert method == "approximate"
    assert math.isclose(low, ref["low"], abs_tol=0.01) and math.isclose(high, ref["high"], abs_tol=0.01)


def test_a_duplicate_is_not_a_second_score(con):
    groups = {1: [1.0, 2.0, 3.0], 2: [5.0, 4.0, 4.5]}
    load(con, groups)
    before = con.execute("SELECT icc, n_scores, n_pairs FROM reliability").fetchone()
    # row 0 uploaded again behind another URL: the same video, another score in the sheet
    con.execute(
        "INSERT INTO videos (row_index, video_url, performance, status, duplicate_of) VALUES (99, 'x', 9.0, 'duplicate', 0)"
    )
    assert con.execute("SELECT icc, n_scores, n_pairs FROM reliability").fetchone() == before
    got = con.execute(
        "SELECT n_videos, n_duplicates, n_scores, avg_performance FROM influencer_stats WHERE influencer_id = 1"
    ).fetchone()
    assert got == (3, 1, 3, 2.0)
    shown = con.execute("SELECT influencer_id, status FROM video_influencers WHERE row_index = 99").fetchone()
    assert shown == (1, "duplicate")  # still shown with its person, marked


def test_test_retest_r_is_null_with_a_reason_not_nan(con):
    load(con, {1: [1.0] * 6, 2: [1.0] * 6})  # 10 pairs, no spread on either side
    r, reason = con.execute("SELECT test_retest_r, test_retest_reason FROM reliability").fetchone()
    assert r is None and "no spread" in reason


def test_read_only_and_writable_opens_give_the_same_numbers(tmp_path):
    path = tmp_path / "r.duckdb"
    c = store.connect(path)
    rng = np.random.default_rng(3)
    load(c, {k: list(rng.normal(k, 1, 3)) for k in range(1, 4)})  # three influencers: Paulson is off here
    c.execute("DELETE FROM f_quantiles")
    c.close()
    ro = store.connect(path, read_only=True)
    got_ro = ro.execute("SELECT * FROM reliability").fetchall()
    ro.close()
    from influx.cli.base import open_rw

    rw = open_rw(str(path))  # how every writing command opens a file (the ingest and people refresh on change)
    got_rw = rw.execute("SELECT * FROM reliability").fetchall()
    for a, b in zip(got_rw[0], got_ro[0], strict=True):  # the same to rounding (DuckDB sums in parallel)
        assert a == (pytest.approx(b, abs=1e-12) if isinstance(b, float) else b)
    assert rw.execute("SELECT ci_method FROM reliability").fetchone()[0] == "exact"
    rw.close()
