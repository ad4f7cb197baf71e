"""The naive reference: what the original notebooks did, kept to measure influx against.

One frame a second at full resolution, face_recognition's HOG (upsampling once), every face
encoded, one video after another, and each face greedily matched against a growing list of
known faces with compare_faces(tolerance=0.6). A video's person is the known face matched most
often among its faces.

    uv run python bench/naive.py videos.txt out.json
"""

from __future__ import annotations

import json
import sys
import warnings
from collections import Counter
from pathlib import Path

import cv2

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import face_recognition


def main(listing: str, out: str) -> None:
    paths = [line.strip() for line in Path(listing).read_text().splitlines() if line.strip()]
    known: list = []
    result = {}
    for path in paths:
        cap = cv2.VideoCapture(path)
        fps = cap.get(cv2.CAP_PROP_FPS) or 25
        every = max(1, round(fps))
        ids: list[int] = []
        index = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if index % every == 0:
                rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                for encoding in face_recognition.face_encodings(rgb, face_recognition.face_locations(rgb)):
                    matches = face_recognition.compare_faces(known, encoding, tolerance=0.6)
                    if True in matches:
                        ids.append(matches.index(True))
                    else:
                        known.append(encoding)
                        ids.append(len(known) - 1)
            index += 1
        result[path] = Counter(ids).most_common(1)[0][0] if ids else None
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
