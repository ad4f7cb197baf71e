"""A crowded library for the identity benchmark: as many different people as can be had here.

People come from:
- ../shared/fixtures/faces and lookalikes (19 people, several photos each, look-alike pairs);
- the photos installed packages ship (grace_hopper from matplotlib, eileen_collins from
  scikit-image);
- group photos in two registry packages, fetched once into bench/work/photos (not committed):
  the six demo photos of the npm package @vladmandic/face-api (MIT; 21 women of several
  backgrounds) and t1.jpg and Tom_Hanks_54745.png of the PyPI package insightface (MIT; six
  actors, women and men); every face found there is a person of its own;
- the unknown second faces of the shared group photos.

A person with one photo gets "synthetic variety" for their other clips: mirrored, re-lit, colour
cast, a slight turn (a horizontal squeeze of one side) and another crop, so each clip of them is a
different picture of the same face (closer to each other than real photos of a person are: this
makes recall easier, never precision, which is what a crowded library tests).

    uv run python bench/library.py      # fetch and list the people, with their nearest look-alike
"""

from __future__ import annotations

import functools
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "fixtures"
PHOTOS = ROOT / "bench" / "work" / "photos"
# the same woman in two of face-api's group photos (dlib 0.41 apart; checked by eye): one person
SAME = {"sample3_1": "sample1_2"}
FACE_API = "@vladmandic/face-api@1.7.15"
INSIGHTFACE = "insightface==2.1"


def _fetch() -> None:
    """Group photos from the two registry packages into PHOTOS/groups (once)."""
    out = PHOTOS / "groups"
    if out.is_dir():
        return
    part = PHOTOS / "groups.part"
    part.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", FACE_API, "--silent"], cwd=tmp, check=True, capture_output=True)
        with tarfile.open(next(Path(tmp).glob("*.tgz"))) as tar:
            for m in tar.getmembers():
                if m.name.startswith("package/demo/sample") and m.name.endswith(".jpg"):
                    (part / f"faceapi-{Path(m.name).name}").write_bytes(tar.extractfile(m).read())
        # pip from uv's tool cache: under `uv run`, python3 is the project's venv, which has no pip
        subprocess.run(["uv", "tool", "run", "--from", "pip", "pip", "download", "--no-deps", "-q", "-d", tmp,
                        INSIGHTFACE], check=True, capture_output=True)  # fmt: skip
        with zipfile.ZipFile(next(Path(tmp).glob("insightface-*.whl"))) as z:
            for name in ("t1.jpg", "Tom_Hanks_54745.png"):
                (part / f"insightface-{name}").write_bytes(z.read(f"insightface/data/images/{name}"))
    part.rename(out)


def _faces(img: np.ndarray, upsample: int = 1) -> list[tuple[int, int, int, int]]:
    import face_recognition

    return face_recognition.face_locations(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), upsample)


def _cut(img: np.ndarray, box, pad: float = 0.9) -> np.ndarray:
    top, right, bottom, left = box
    size = max(bottom - top, right - left)
    p = int(pad * size)
    h, w = img.shape[:2]
    return img[max(0, top - p) : min(h, bottom + p), max(0, left - p) : min(w, right + p)].copy()


def _one_face(crop: np.ndarray) -> bool:
    return len(_faces(crop)) == 1


def _group_people(path: Path, min_size: int = 60, skip_largest: int = 0) -> dict[str, np.ndarray]:
    img = cv2.imread(str(path))
    boxes = sorted(_faces(img), key=lambda b: b[3])  # left to right
    if skip_largest:
        boxes = sorted(boxes, key=lambda b: -(b[2] - b[0]))[skip_largest:]
    out = {}
    for k, box in enumerate(boxes):
        if box[2] - box[0] < min_size and skip_largest == 0:
            continue
        for pad in (0.9, 0.6, 0.4):  # a neighbour's face must not be in the crop
            crop = _cut(img, box, pad)
            if _one_face(crop):
                out[f"{path.stem.split('-', 1)[-1].split('.')[0].lower()}_{k}"] = crop
                break
    return out


@functools.cache
def people() -> dict[str, list[np.ndarray]]:
    """name -> photos (BGR) of every person of the library; deterministic (cached in PHOTOS)."""
    import pickle

    cache = PHOTOS / "people.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    found = _people()
    cache.write_bytes(pickle.dumps(found))
    return found


def _people() -> dict[str, list[np.ndarray]]:
    from influx.demo.synth import builtin_photos

    out: dict[str, list[np.ndarray]] = {}
    for top in ("faces", "lookalikes"):
        for d in sorted((SHARED / top).iterdir()):
            if d.is_dir() and d.name != "groups":
                out[d.name] = [cv2.imread(str(p)) for p in sorted(d.iterdir()) if "partial" not in p.name]
    for name in ("grace_hopper", "eileen_collins"):
        out[name] = builtin_photos()[name]
    _fetch()
    found: dict[str, np.ndarray] = {}
    for path in sorted((PHOTOS / "groups").iterdir()):
        found.update(_group_people(path, min_size=40 if "insightface" in path.name else 60))
    # the person beside the named one in the shared group photos (the largest face is the named one)
    for path in sorted((SHARED / "lookalikes" / "groups").glob("*.jpg")):
        found.update({f"beside_{k}": v for k, v in _group_people(path, skip_largest=1).items()})
    for name, crop in sorted(found.items()):
        out[name] = [crop]
    return _distinct(out)


def _encode(img: np.ndarray) -> np.ndarray | None:
    import face_recognition

    rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    boxes = face_recognition.face_locations(rgb, 1)
    if not boxes:
        return None
    box = max(boxes, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))
    return face_recognition.face_encodings(rgb, [box])[0]


@functools.cache
def encodings() -> dict[str, np.ndarray]:
    """Each person's mean dlib encoding over their photos (to find look-alikes; cached in PHOTOS)."""
    import pickle

    cache = PHOTOS / "encodings.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    found = _encodings(tuple(people()))
    cache.write_bytes(pickle.dumps(found))
    return found


def _encodings(names: tuple[str, ...]) -> dict[str, np.ndarray]:
    out = {}
    for name in names:
        vecs = [v for v in (_encode(p) for p in people()[name]) if v is not None]
        out[name] = np.mean(vecs, axis=0)
    return out


def _distinct(out: dict[str, list[np.ndarray]]) -> dict[str, list[np.ndarray]]:
    """Drop a fetched person who is someone already listed (the same face in two photos)."""
    vec = {}
    for name, photos in out.items():
        v = _encode(photos[0])
        if v is not None:
            vec[name] = v
    keep = {}
    for name in out:
        if name not in vec:
            continue
        if any(np.linalg.norm(vec[name] - vec[k]) < 0.35 for k in keep):
            continue
        keep[name] = out[name]
    return keep


def lookalike(name: str, among: list[str]) -> str:
    """The person of `among` whose face dlib puts nearest to `name`'s (never `name` under another
    name: SAME)."""
    enc = encodings()
    others = [o for o in among if SAME.get(o, o) != SAME.get(name, name)]
    return min(others, key=lambda o: float(np.linalg.norm(enc[name] - enc[o])))


def variety(photo: np.ndarray, k: int) -> np.ndarray:
    """The k-th synthetic variant of a photo (k = 0: the photo itself)."""
    if k == 0:
        return photo
    rng = np.random.default_rng(k)
    img = photo.astype(np.float32)
    if k % 2 == 1:
        img = img[:, ::-1]
    gain = rng.uniform(0.75, 1.25)
    cast = rng.uniform(0.9, 1.1, 3)
    gamma = rng.uniform(0.8, 1.25)
    img = 255 * ((np.clip(img * gain * cast, 0, 255) / 255) ** gamma)
    h, w = img.shape[:2]
    # a slight turn: one side squeezed
    squeeze = rng.uniform(0.0, 0.08)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[0, h * squeeze], [w, 0], [w, h], [0, h * (1 - squeeze)]])
    if k % 3 == 0:
        dst = np.float32([[0, 0], [w, h * squeeze], [w, h * (1 - squeeze)], [0, h]])
    img = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (w, h), borderMode=cv2.BORDER_REPLICATE)
    return np.clip(img, 0, 255).astype(np.uint8)


def photos_with_variety(clips: dict[str, int]) -> dict[str, list[np.ndarray]]:
    """Each person's photos, extended with synthetic variants up to their number of clips."""
    out = {}
    for name, n in clips.items():
        real = people()[name]
        out[name] = [real[k] if k < len(real) else variety(real[k % len(real)], k) for k in range(max(n, len(real)))]
    return out


def main() -> None:
    ps = people()
    enc = encodings()
    names = sorted(ps)
    print(f"{len(names)} people")
    for name in names:
        near = lookalike(name, names)
        print(f"  {name:28} {len(ps[name])} photo(s)  nearest {near} {np.linalg.norm(enc[name] - enc[near]):.3f}")
    sheet = [cv2.resize(ps[n][0], (96, 96)) for n in names]
    sheet += [np.zeros_like(sheet[0])] * (-len(sheet) % 10)
    rows = [np.hstack(sheet[i : i + 10]) for i in range(0, len(sheet), 10)]
    cv2.imwrite(str(PHOTOS / "people.png"), np.vstack(rows))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()


def shots(seed: int = 7) -> list[tuple[str, object]]:
    """(clip name, Shot) for the whole library: 1 to 7 clips a person, the same hard conditions as
    bench/identity.py (faces 45-120 px, JPEG 15-35, blur, noise, tilt, hands, phones, a second person
    who is often the nearest look-alike, portrait frames); deterministic."""
    from influx.demo.synth import Shot

    rng = np.random.default_rng(seed)
    names = sorted(people())
    frames = [(1280, 720), (640, 360), (720, 1280)]
    out = []
    for i, person in enumerate(names):
        n = int(rng.choice([1, 2, 3, 4, 5, 6, 7], p=[0.22, 0.2, 0.18, 0.14, 0.12, 0.08, 0.06]))
        for k in range(n):
            width, height = frames[(i + k) % 3]
            kw = dict(face=int(rng.integers(45, 121)), width=width, height=height,
                      jpeg_quality=int(rng.integers(15, 36)), blur=float(rng.choice([0.0, 0.6, 1.0, 1.4])),
                      noise=float(rng.choice([0.0, 4.0, 8.0])), tilt=float(rng.uniform(-15, 15)),
                      occluder=str(rng.choice(["", "", "hand", "phone"])))  # fmt: skip
            if rng.random() < 0.45:
                other = lookalike(person, names) if rng.random() < 0.6 else names[int(rng.integers(len(names)))]
                if other == person:
                    other = names[(i + 1) % len(names)]
                start = float(rng.uniform(0.05, 0.55))
                kw.update(second=other, second_photo=0, second_face=int(kw["face"] * rng.uniform(0.6, 1.0)),
                          second_from=start, second_until=start + float(rng.uniform(0.2, 0.4)))  # fmt: skip
            out.append((f"{person}-{k}", Shot(person, photo=k, seconds=7.0, fps=25, codec="h264",
                                              seed=5000 + len(out), **kw)))  # fmt: skip
    return out
