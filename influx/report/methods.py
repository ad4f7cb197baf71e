"""The report's methods page, worded from the settings that produced the database (`settings`) and
the thresholds of the SQL (the view `constants`, written from influx.vocabulary.CONSTANTS)."""

from __future__ import annotations

import math

from influx.faces.extract import FaceOptions
from influx.identity.doubt import HAIR
from influx.identity.grouping import ClusterOptions
from influx.identity.linking import (
    CROWD_FREE,
    HDBSCAN_EPSILON,
    MIN_DISTANCE,
    NEIGHBOURHOOD,
    STRICT_DISTANCE,
    TIGHTEN,
    WARD_EVIDENCE,
    WARD_SLACK,
)
from influx.vocabulary import CONSTANTS, SETTING_RANGES, Setting


def setting_text(settings: dict, name: Setting, default: float) -> str:
    """A setting as the page shows it: the stored number when it is finite and in SETTING_RANGES,
    the default when none is stored, else "unknown" (never a number influx did not use)."""
    if name not in settings:
        return f"{default:g}"
    try:
        value = float(settings[name])
    except (TypeError, ValueError):
        return "unknown"
    low, high = SETTING_RANGES[name]
    return f"{value:g}" if math.isfinite(value) and low <= value <= high else "unknown"


def methods(settings: dict, constants: dict | None = None) -> list[tuple[str, str]]:
    """(title, text) for each method, with the numbers this database was made with (defaults for a
    database made before influx stored them) and the thresholds of the SQL (view `constants`)."""
    f, c = FaceOptions(), ClusterOptions()
    k = {**CONSTANTS.as_dict(), **(constants or {})}
    min_pairs = int(k["retest_min_pairs"])

    def get(name, default) -> str:
        return setting_text(settings, name, default)

    fps, frames = get(Setting.FPS, f.fps), get(Setting.MAX_FRAMES, f.max_frames)
    min_face = get(Setting.MIN_FACE, f.min_face)
    threshold, error = get(Setting.HOG_THRESHOLD, f.hog_threshold), get(Setting.MAIN_ERROR, f.main_error)
    track, merge = get(Setting.TRACK_DISTANCE, c.track_distance), get(Setting.MERGE_DISTANCE, c.merge_distance)
    model = settings.get(Setting.MODEL)
    if model == "yunet":
        found = (f"proposed by the YuNet detector on frames resized for faces of {min_face} px and confirmed by "
                 f"dlib's HOG detector on a window around each (threshold {threshold})")  # fmt: skip
    elif model == "cnn":
        found = "found with dlib's CNN detector"
    else:  # hog, also for a database made before influx stored the model
        found = f"found with dlib's HOG detector (threshold {threshold}), with an upscaled pass where needed"
    return [
        ("Faces", f"Frames are sampled from every video (at most {fps} a second and {frames} a video, spread over "
         f"it, stopping once the main person's mean face is known to about {error} and nobody new appears; "
         f"rotation metadata honoured). Faces are {found}, so that faces down to {min_face} px are found, "
         "and each face is described by dlib's 128-d encoding. Videos with identical bytes (SHA-256) are "
         "decoded once and scored once. A video whose sampled frames match a lower row's video at one time "
         f"offset ({_copies(k)}) is a near-duplicate (a re-encoded, resized or trimmed re-upload): when both "
         "show the same influencer it is scored once."),
        ("People", f"Within each video, faces closer than {track} (average linkage) are one appearance; two faces "
         "of one frame never are. Each video's main appearance (most face area over the sampled frames) gives one "
         f"mean face. {_linking(settings.get(Setting.METHOD), merge)} Other people on screen join the person whose "
         f"centre is within {merge}, or form people of their own. A video's influencer is its main person; "
         "corrections made with influx merge, move and not-influencer are applied on top. A video is uncertain "
         f"when its link to its person was decided by less than {HAIR} (joined just under the distance or the Ward "
         "limit, or a "
         "one-video person kept apart from a look-alike just over it) or is weak, when another person's centre "
         f"is within {float(k['uncertain_margin']):g} of its own person's, when its person was found in fewer "
         "than half of the sampled frames, or only in weak detections in all their videos; never when it was moved by "
         "hand."),
        ("Average performance", "m_i, the mean performance of influencer i's n_i scored videos (its sample "
         "standard deviation is in influencer_details.csv and the workbook). Its 95% interval is m_i ± t · "
         "sqrt(MSW / n_i), with MSW the within-person variance pooled over everyone (see ICC), so people with "
         "the same number of videos get the same ± and the same reliability."),
        ("ICC(1)", "One-way random effects over the g influencers with two or more scores (N scores, grand mean "
         "m): MSB = Σ n_i (m_i − m)² / (g − 1), MSW = Σ (y − m_i)² / (N − g), k0 = (N − Σ n_i² / N) / (g − 1), "
         "ICC = (MSB − MSW) / (MSB + (k0 − 1) MSW): the share of the spread of scores explained by who is in the "
         "video. The 95% interval uses F = MSB / MSW with the F distribution's quantiles, and it is worded by its "
         "two ends (Koo & Li, 2016: below 0.5 poor, 0.5–0.75 moderate, 0.75–0.9 good, above 0.9 excellent)."),
        ("Test-retest correlation", "Each influencer's videos are ordered by CSV row; every video is paired with "
         f"the next one; r is the Pearson correlation over all pairs (not given with fewer than {min_pairs} "
         "pairs, or when all pairs come from one influencer)."),
        ("Reliability", "R_i = n_i ICC / (1 + (n_i − 1) ICC), the Spearman–Brown reliability of influencer i's "
         "average; n/a with one video; 0 when ICC ≤ 0."),
        ("Adjusted performance", "m + w (m_i − m) with w = R_i (w = ICC, at least 0, for one video): the average "
         "shrunk towards the grand mean by its reliability. The table is ranked by it, so that one lucky video "
         "does not top the ranking; the raw average stands beside it."),
    ]  # fmt: skip


# Plain words for the table's page (a marketing reader), beside the numbers they explain.
READING = (
    "How to read the numbers. Average: the mean score of the person's videos. ± (under it): the 95% interval, "
    "the range in which the person's true average most likely lies; it narrows with more videos. It comes "
    "from the spread of scores within people, pooled over everyone, so people with the same number of "
    "videos show the same ± and the same reliability. Reliability (0 to 1): how far the average would "
    "repeat with other videos of that person: near 1, a dependable average; below 0.5, mostly luck of the "
    "videos. Adjusted: the average pulled towards the campaign's mean in proportion to how unreliable it "
    "is; the ranking uses it, so a person with one lucky video does not top it. ICC (first page): the share "
    "of the differences in scores that comes from who is in the video; high means choosing the person "
    "matters, low means the video itself matters more than who is in it."
)

UNCERTAIN_TEXT = (
    "Each of these videos was credited to a person, but the link was decided by a hair (a look-alike is about as"
    " close), the person was found in fewer than half of the sampled frames, or only in weak detections. influx"
    " review (or the contact sheet, people.html) shows their faces; influx move ROW --to ID corrects one."
)
COPIES_TEXT = (
    "These videos show the same influencer as a lower row's video and look like it re-encoded, resized or trimmed"
    " (their sampled frames match at one time offset), so their score is not counted again, as for identical"
    " files. Frame matches between videos of different people are not copies and are not listed. Distance: mean"
    f" differing bits of the matched frames' 64-bit hashes (0 identical, {CONSTANTS.copy_max_bits} the limit)."
)


def _copies(k: dict) -> str:
    """When two videos are near-duplicates, in words, from the constants of model/02_copies.sql."""
    bits, share = int(k["copy_max_bits"]), float(k["copy_min_share"])
    seconds, duration_share = float(k["copy_duration_s"]), float(k["copy_duration_share"])
    return (f"64-bit difference hashes within {bits} bits, {share:.0%} of frames, durations within {seconds:g} s "
            f"or {duration_share:.0%}")  # fmt: skip


def _linking(method: str | None, merge: str) -> str:
    """How videos were linked into people, in words, from linking.py's constants."""
    if method == "hdbscan":
        return (f"Videos were grouped into people by HDBSCAN (minimum cluster size 2, selection epsilon "
                f"{HDBSCAN_EPSILON}); a video it calls noise is a person of its own, and each cluster is cut again "
                f"where its videos' mean faces are further apart than {merge} (average linkage).")  # fmt: skip
    if method == "fixed":
        return (f"Videos whose mean faces are within {merge} (average linkage, so that one close pair cannot "
                "chain two look-alikes together) show the same person.")  # fmt: skip
    return (f"Videos show the same person when their mean faces are close by average linkage (one close pair "
            f"cannot chain two look-alikes together), under a distance that tightens with the crowd: {merge} "
            f"when at most {CROWD_FREE} other people (videos closer than {STRICT_DISTANCE}) have their centre "
            f"within {NEIGHBOURHOOD}, {TIGHTEN} less each time that crowd doubles, never under "
            f"{MIN_DISTANCE}. Two groups of two videos or more must also keep Ward's statistic, sqrt(2·na·nb/(na+nb)) "
            f"times the distance of their centres (up to {WARD_EVIDENCE} videos a side), under {WARD_SLACK:g} × "
            f"{merge} (it grows with the evidence for two people), and a group is not joined to one that looks like "
            "someone seen on screen beside its person.")  # fmt: skip
