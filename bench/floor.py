"""The floor: decode every frame of every video once with OpenCV, and do nothing else.

uv run python bench/floor.py videos.txt
"""

import sys
from pathlib import Path

import cv2


def main(listing: str) -> None:
    frames = 0
    for path in (line.strip() for line in Path(listing).read_text().splitlines() if line.strip()):
        cap = cv2.VideoCapture(path)
        while True:
            ok, _ = cap.read()
            if not ok:
                break
            frames += 1
    print(frames)


if __name__ == "__main__":
    main(sys.argv[1])
