"""The report's methods page, worded from the settings that produced the database (`settings`)."""

from __future__ import annotations

from .faces import FaceOptions
from .grouping import ClusterOptions


def methods(settings: dict) -> list[tuple[str, str]]:
    """(title, text) for each method, with the numbers this database was made with (defaults for a
    database made before influx stored them)."""
    f, c = FaceOptions(), ClusterOptions()

    def get(name, default) -> str:
        try:
            return f"{float(settings[name]):g}"
        except (KeyError, TypeError, ValueError):  # not stored, or not a number in a crafted file
            return f"{default:g}"

    fps, frames, min_face = get("fps", f.fps), get("max_frames", f.max_frames), get("min_face", f.min_face)
    threshold, error = get("hog_threshold", f.hog_threshold), get("main_error", f.main_error)
    track, merge = get("track_distance", c.track_distance), get("merge_distance", c.merge_distance)
    model = settings.get("model")
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
         "offset (64-bit difference hashes within 7 bits, 70% of frames, durations within 2 s or 10%) is a "
         "near-duplicate (a re-encoded, resized or trimmed re-upload): when both show the same influencer it "
         "is scored once."),
        ("People", f"Within each video, faces closer than {track} (average linkage) are one appearance; two faces "
         "of one frame never are. Each video's main appearance (most face area over the sampled frames) gives one "
         f"mean face; videos whose mean faces are within {merge} (average linkage, so that one close pair cannot "
         "chain two look-alikes together) show the same person. Other people on screen join the person whose "
         f"centre is within {merge}, or form people of their own. A video's influencer is its main person; "
         "corrections made with influx merge, move and not-influencer are applied on top. A video is uncertain "
         "when another person's centre is within 0.05 of its own person's, its person was found in fewer "
         "than half of the sampled frames, or only in weak detections."),
        ("Average performance", "m_i, the mean performance of influencer i's n_i scored videos, with the sample "
         "standard deviation."),
        ("ICC(1)", "One-way random effects over the g influencers with two or more scores (N scores, grand mean "
         "m): MSB = Σ n_i (m_i − m)² / (g − 1), MSW = Σ (y − m_i)² / (N − g), k0 = (N − Σ n_i² / N) / (g − 1), "
         "ICC = (MSB − MSW) / (MSB + (k0 − 1) MSW): the share of the spread of scores explained by who is in the "
         "video. The 95% interval uses F = MSB / MSW with the F distribution's quantiles, and it is worded by its "
         "two ends (Koo & Li, 2016: below 0.5 poor, 0.5–0.75 moderate, 0.75–0.9 good, above 0.9 excellent)."),
        ("Test-retest correlation", "Each influencer's videos are ordered by CSV row; every video is paired with "
         "the next one; r is the Pearson correlation over all pairs (not given with fewer than 3 pairs)."),
        ("Reliability", "R_i = n_i ICC / (1 + (n_i − 1) ICC), the Spearman–Brown reliability of influencer i's "
         "average; n/a with one video; 0 when ICC ≤ 0."),
        ("Adjusted performance", "m + w (m_i − m) with w = R_i (w = ICC, at least 0, for one video): the average "
         "shrunk towards the grand mean by its reliability. The table is ranked by it, so that one lucky video "
         "does not top the ranking; the raw average stands beside it."),
    ]  # fmt: skip
