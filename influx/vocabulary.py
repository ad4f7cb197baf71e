"""influx's words and shared numbers, defined once.

The vocabularies: the words influx stores in videos.status, videos.error_kind, corrections.kind and
settings.name, each with its meaning. Python says VideoStatus.OK, never "ok"; SQL reads them from
the view `vocabulary`, written from here when a file is opened (the data checks accepted_* refuse a
file holding another word). tests/test_vocabulary.py fails when influx's Python or SQL uses a word
as one of these without it being here.

The constants: the thresholds SQL and Python share. Written into SQL from here when a file is opened
(store/words.py): into the view `constants`, which the reliability view and the report's methods page
read, and, by name in braces, into the model files that use one; Python reads them here.

This module is the lowest layer: everything may import it, it imports nothing from influx.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from enum import StrEnum


class Word(StrEnum):
    """A vocabulary: each member is the string stored, with `meaning`, one line, and `pattern`, the
    regular expression the stored values match (the word itself, or a family's form: http_[0-9]+)."""

    def __new__(cls, value: str, meaning: str = "", pattern: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        member.pattern = pattern or re.escape(value)
        return member

    @classmethod
    def accepts(cls, value: str) -> bool:
        """Whether `value` is a word of this vocabulary (or of one of its families)."""
        return any(re.fullmatch(member.pattern, value) for member in cls)


def _vocabulary(name: str, table: str) -> type[Word]:
    """A vocabulary from its table: a line a word, `word  meaning`; the member's name is the word in
    capitals (VideoStatus.NO_FACES is "no_faces"). `word_<code>` is a family: the member is the word,
    the values stored are word_ and a number (ErrorKind.HTTP: http_404)."""
    members = []
    for line in table.strip().splitlines():
        word, meaning = line.split(maxsplit=1)
        value, family, _ = word.partition("_<")
        pattern = re.escape(value) + "_[0-9]+" if family else None
        members.append((value.upper(), (value, meaning, pattern)))
    return Word(name, members, module=__name__, qualname=name)


VideoStatus = _vocabulary(
    "VideoStatus",
    """
    pending     not fetched yet (or interrupted): the next `influx ingest` fetches it
    ok          decoded, and faces were found
    no_faces    decoded, and no face was found
    duplicate   the same bytes as the decoded row duplicate_of, whose faces it shares
    failed      could not be fetched or decoded: error_kind and error say why
""",
)

ErrorKind = _vocabulary(
    "ErrorKind",
    """
    input               the CSV row itself is unusable (no URL, or a URL with a line break, tab or NUL)
    fetch               the download failed for a reason of its own (an unexpected error, no file name)
    unsupported_scheme  a URL scheme influx does not read (not http, https, file:// or a local path)
    outside_root        a local file outside the CSV's folder and the --local-root folders: not read
    not_found           the local file does not exist
    dns                 the host name does not resolve (no network, or no DNS?)
    connection          the connection failed or was cut
    network             another network error
    timeout             the server was too slow (--timeout) or the download too long (--download-deadline)
    http_<code>         the server answered with this HTTP error status (http_404: not found)
    redirect_refused    a redirect to another scheme (to file://, ftp://), refused
    redirect_loop       too many redirects
    too_large           over --max-bytes, or a large web page where a video was expected
    empty               the file or the server's body is empty (0 bytes)
    yt_dlp              yt-dlp could not get the video of a platform's page
    decode              the file could not be decoded as a video
    crash               decoding crashed the worker process, twice
    too_slow            processing took over --video-timeout
    interrupted         never stored: an interrupted download stays pending
    disk_full           never stored: a full disk stops the run
""",
)

CorrectionKind = _vocabulary(
    "CorrectionKind",
    """
    merge           influencer_id's faces become target_id's (influx merge FROM INTO)
    move            row_index's influencer becomes target_id (influx move ROW --to ID|new)
    not_influencer  influencer_id is never a video's influencer (influx not-influencer ID)
""",
)

Setting = _vocabulary(
    "Setting",
    """
    fps             frames sampled per second of video (ingest --fps)
    max_frames      at most this many frames a video (ingest --max-frames)
    min_face        the smallest face the detector must find, in pixels (ingest --min-face)
    model           the face models (ingest --model: hog, cnn, yunet)
    hog_threshold   dlib's HOG detection threshold
    main_error      sampling stops once the main person's mean face is known to about this distance
    track_distance  within a video, faces closer than this are one appearance (cluster --track-distance)
    merge_distance  across videos, the loosest join of one person (cluster --merge-distance)
    method          how videos were linked into people (cluster --method)
    campaign        the campaign's name on the report (the CSV's file name)
""",
)


# The values a numeric setting can take (the command line's ranges): a file holding another (nan,
# 1e300, a negative distance) was edited by hand, and influx uses its own default instead.
SETTING_RANGES = {Setting.FPS: (0.01, 60), Setting.MAX_FRAMES: (1, 100_000), Setting.MIN_FACE: (20, 1000),
                  Setting.HOG_THRESHOLD: (-5, 5), Setting.MAIN_ERROR: (0, 2), Setting.TRACK_DISTANCE: (0.1, 1.2),
                  Setting.MERGE_DISTANCE: (0.1, 1.2)}  # fmt: skip


def http_kind(code: int) -> str:
    """The error kind of an HTTP error status: http_404."""
    return f"{ErrorKind.HTTP}_{int(code)}"


# The column each vocabulary's values are stored in (the view `vocabulary`'s column_name).
VOCABULARIES: dict[type[Word], str] = {
    VideoStatus: "videos.status",
    ErrorKind: "videos.error_kind",
    CorrectionKind: "corrections.kind",
    Setting: "settings.name",
}


def _constant(value: int | float, meaning: str):
    return field(default=value, metadata={"meaning": meaning})


@dataclass(frozen=True)
class Constants:
    """Thresholds SQL and Python share: one row of the view `constants` (a column each)."""

    retest_min_pairs: int = _constant(10, "pairs of consecutive scores under which no test-retest r is given")
    uncertain_margin: float = _constant(0.05, "a video is uncertain when another person's centre is this close")
    weak_score: float = _constant(0.0, "a detection scored under this is weak: a face? (a lone one is nobody)")
    # near-duplicate videos (model/02_copies.sql)
    copy_max_bits: int = _constant(7, "two frames match when their 64-bit hashes differ in at most this many bits")
    copy_min_frames: int = _constant(3, "the video with fewer hashed frames has at least this many")
    copy_min_share: float = _constant(0.7, "and at least this share of them match the other video")
    copy_offset_s: float = _constant(1.0, "at the median time offset of the matches, within this many seconds")
    copy_duration_s: float = _constant(2.0, "the durations agree within this many seconds ...")
    copy_duration_share: float = _constant(0.1, "... or within this share of the longer one")

    def as_dict(self) -> dict[str, int | float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


CONSTANTS = Constants()
