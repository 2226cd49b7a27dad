"""FER2013 (+ FER+ votes) loading, caching and batch augmentation.

The CSV is parsed once and cached as .npy arrays under training/runs/cache, keyed by the source file's
path, size and modification time, so later runs start in a second.
"""
import csv
import gzip
import hashlib
import io
import math
import os
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from config import REPO_ROOT

LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
USAGES = {"Training": 0, "PublicTest": 1, "PrivateTest": 2}
CACHE_DIR = os.path.join(REPO_ROOT, "training", "runs", "cache")
# FER+ vote columns, in the order of fer2013new.csv
FERPLUS_COLUMNS = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF"]
# FER+ column index -> FER2013 label index (contempt, unknown, NF have none)
FERPLUS_TO_FER = {0: 6, 1: 3, 2: 5, 3: 4, 4: 0, 5: 1, 6: 2}


@dataclass
class FerArrays:
    pixels: np.ndarray  # uint8 [N, 48, 48]
    labels: np.ndarray  # int64 [N]
    usage: np.ndarray  # int8 [N]: 0 Training, 1 PublicTest, 2 PrivateTest
    votes: Optional[np.ndarray] = None  # uint8 [N, 10] FER+ votes, row-aligned by position


def resolve_data_dir(data_dir: str = "") -> str:
    if data_dir:
        return data_dir
    env = os.environ.get("VISAGE_FER_DIR")
    if env:
        return env
    return os.path.join(REPO_ROOT, "..", "shared", "data", "fer2013")


def find_csv(directory: str) -> str:
    for name in ("fer2013.csv", "fer2013.csv.gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"no fer2013.csv or fer2013.csv.gz in {directory}")


def _open_text(path: str):
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), newline="")
    return open(path, newline="")


def parse_fer_csv(path: str) -> FerArrays:
    pixels, labels, usage = [], [], []
    with _open_text(path) as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[:3] != ["emotion", "pixels", "Usage"]:
            raise ValueError(f"{path}: expected header emotion,pixels,Usage, got {header}")
        for lineno, (emo, pix, use) in enumerate(reader, start=2):
            row = np.array(pix.split(" "), dtype=np.int16)
            if row.size != 48 * 48 or row.min() < 0 or row.max() > 255:
                raise ValueError(f"{path}:{lineno}: pixels must be 2304 values in 0..255")
            if use not in USAGES:
                raise ValueError(f"{path}:{lineno}: unknown Usage {use!r}")
            label = int(emo)
            if not 0 <= label < len(LABELS):
                raise ValueError(f"{path}:{lineno}: emotion must be 0..6, got {emo!r}")
            pixels.append(row.astype(np.uint8).reshape(48, 48))
            labels.append(label)
            usage.append(USAGES[use])
    return FerArrays(
        pixels=np.stack(pixels) if pixels else np.zeros((0, 48, 48), np.uint8),
        labels=np.array(labels, dtype=np.int64),
        usage=np.array(usage, dtype=np.int8),
    )


def parse_ferplus_votes(path: str) -> np.ndarray:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if rows[0][2:] != FERPLUS_COLUMNS:
        raise ValueError(f"{path}: unexpected FER+ header {rows[0]}")
    return np.array([[int(v) for v in r[2:]] for r in rows[1:]], dtype=np.uint8)


def _cache_key(path: str) -> str:
    st = os.stat(path)
    raw = f"{os.path.abspath(path)}|{st.st_size}|{int(st.st_mtime)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def load_cached(path: str, parse, names: List[str]) -> Dict[str, np.ndarray]:
    """Parse `path` with `parse` (returning arrays by name) once; later calls read the .npy cache."""
    key = _cache_key(path)
    files = {n: os.path.join(CACHE_DIR, f"{key}-{n}.npy") for n in names}
    if all(os.path.exists(p) for p in files.values()):
        return {n: np.load(p) for n, p in files.items()}
    arrays = parse(path)
    os.makedirs(CACHE_DIR, exist_ok=True)
    for n, p in files.items():
        tmp = f"{p}.tmp.{os.getpid()}.npy"
        np.save(tmp, arrays[n])
        os.replace(tmp, p)
    return arrays


def _fer_dict(path: str) -> Dict[str, np.ndarray]:
    a = parse_fer_csv(path)
    return {"pixels": a.pixels, "labels": a.labels, "usage": a.usage}


def load_fer(data_dir: str = "") -> FerArrays:
    directory = resolve_data_dir(data_dir)
    d = load_cached(find_csv(directory), _fer_dict, ["pixels", "labels", "usage"])
    arrays = FerArrays(d["pixels"], d["labels"], d["usage"])
    votes_path = os.path.join(directory, "fer2013new.csv")
    if os.path.exists(votes_path):
        votes = load_cached(votes_path, lambda p: {"votes": parse_ferplus_votes(p)}, ["votes"])["votes"]
        if len(votes) != len(arrays.labels):
            raise ValueError(f"{votes_path}: {len(votes)} rows, fer2013 has {len(arrays.labels)}")
        arrays.votes = votes
    return arrays


def load_extra(directory: str) -> FerArrays:
    """An extra training set in FER2013's CSV layout; only its Usage=Training rows are used."""
    a = FerArrays(**load_cached(find_csv(directory), _fer_dict, ["pixels", "labels", "usage"]))
    keep = a.usage == USAGES["Training"]
    return FerArrays(a.pixels[keep], a.labels[keep], a.usage[keep])


def split(a: FerArrays, usage: str):
    keep = a.usage == USAGES[usage]
    return a.pixels[keep], a.labels[keep]


def ferplus_majority(votes: np.ndarray) -> np.ndarray:
    """FER2013 label of the FER+ majority vote, or -1 where it is contempt, unknown, not-a-face or there are no votes."""
    top = votes.argmax(axis=1)
    out = np.full(len(votes), -1, dtype=np.int64)
    for col, fer in FERPLUS_TO_FER.items():
        out[top == col] = fer
    out[votes.sum(axis=1) == 0] = -1
    return out


def ferplus_distribution(votes: np.ndarray) -> np.ndarray:
    """FER+ votes -> float32 [N, 7] share of each FER2013 emotion among the votes for the seven emotions
    (contempt, unknown and not-a-face votes dropped). Rows without such votes are all zero."""
    out = np.zeros((len(votes), len(LABELS)), dtype=np.float32)
    for col, fer in FERPLUS_TO_FER.items():
        out[:, fer] = votes[:, col]
    total = out.sum(axis=1, keepdims=True)
    return np.divide(out, total, out=np.zeros_like(out), where=total > 0)


def soft_targets(labels: np.ndarray, distribution: np.ndarray, weight: float) -> np.ndarray:
    """(1 - weight) * one-hot FER2013 label + weight * FER+ vote share; rows without FER+ votes keep the one-hot."""
    onehot = np.eye(len(LABELS), dtype=np.float32)[labels]
    has_votes = distribution.sum(axis=1, keepdims=True) > 0
    return np.where(has_votes, (1 - weight) * onehot + weight * distribution, onehot).astype(np.float32)


def normalise(pixels_u8: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 [N,H,W] -> float [N,1,H,W], x = (p/255 - mean) / std (the runtime's pixel contract)."""
    return ((pixels_u8.float() / 255.0 - mean) / std).unsqueeze(1)


def resize_to(x: torch.Tensor, size: int) -> torch.Tensor:
    if x.shape[-1] == size:
        return x
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)


def augment(x: torch.Tensor, cfg, gen: torch.Generator) -> torch.Tensor:
    """Random flip, rotation, scale and shift (one affine warp, mimicking detector framing jitter), then erasing."""
    n = x.shape[0]

    def uniform(lo, hi):
        return torch.rand(n, generator=gen) * (hi - lo) + lo

    angle = uniform(-cfg.rotate_deg, cfg.rotate_deg) * math.pi / 180
    scale = uniform(1 - cfg.scale_jitter, 1 + cfg.scale_jitter)  # >1 zooms out (face looks smaller)
    tx = uniform(-cfg.shift_jitter, cfg.shift_jitter) * 2  # affine_grid coordinates span 2 per side
    ty = uniform(-cfg.shift_jitter, cfg.shift_jitter) * 2
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0) if cfg.hflip else torch.ones(n)
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    if cfg.erase_prob > 0:
        x = random_erase(x, cfg.erase_prob, gen)
    return x


def random_erase(x: torch.Tensor, prob: float, gen: torch.Generator) -> torch.Tensor:
    """Erase one rectangle (2-33% of the area, aspect 0.3-3.3) with noise, per image with probability `prob`."""
    n, _, h, w = x.shape
    area = (torch.rand(n, generator=gen) * 0.31 + 0.02) * h * w
    log_r = torch.rand(n, generator=gen) * (math.log(3.3) - math.log(0.3)) + math.log(0.3)
    ratio = torch.exp(log_r)
    eh = torch.sqrt(area * ratio).clamp(1, h).long()
    ew = torch.sqrt(area / ratio).clamp(1, w).long()
    top = (torch.rand(n, generator=gen) * (h - eh + 1).float()).long()
    left = (torch.rand(n, generator=gen) * (w - ew + 1).float()).long()
    rows = torch.arange(h).view(1, h, 1)
    cols = torch.arange(w).view(1, 1, w)
    in_rows = (rows >= top.view(n, 1, 1)) & (rows < (top + eh).view(n, 1, 1))
    in_cols = (cols >= left.view(n, 1, 1)) & (cols < (left + ew).view(n, 1, 1))
    mask = in_rows & in_cols & (torch.rand(n, generator=gen) < prob).view(n, 1, 1)
    noise = torch.randn(x.shape, generator=gen)
    return torch.where(mask.unsqueeze(1), noise, x)
