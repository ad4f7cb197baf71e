"""Test data, built in one place (the fixtures in tests/conftest.py hand it to the tests):

- videos.py: video files, cached in fixtures/build/: fake videos (people as coloured squares,
  read by the fake face models), hard files (audio only, rotated, cut short, ...), and the
  real-face videos of the slow tests;
- campaigns.py: a CSV of rows, the ingest options (the fake face models unless a slow test asks
  for a real one) and the database they go into;
- faces.py: databases of synthetic face embeddings (no video, no model), clustered or not.
"""

from tests.builders.campaigns import REAL_MODEL, Campaign, campaign, fake_campaign, options, write_csv
from tests.builders.faces import CENTRES, FOUR, clustered_db, person_faces, synthetic_db, synthetic_faces
from tests.builders.videos import (
    FAKE,
    TRUTH,
    copy_clips,
    fake_video,
    fake_videos,
    hard_files,
    real_clips,
    real_videos,
)

__all__ = [
    "CENTRES",
    "FAKE",
    "FOUR",
    "REAL_MODEL",
    "TRUTH",
    "Campaign",
    "campaign",
    "clustered_db",
    "copy_clips",
    "fake_campaign",
    "fake_video",
    "fake_videos",
    "hard_files",
    "options",
    "person_faces",
    "real_clips",
    "real_videos",
    "synthetic_db",
    "synthetic_faces",
    "write_csv",
]
