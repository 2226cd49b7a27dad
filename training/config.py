"""Training configuration: dataclass defaults, then a YAML file (--config), then command-line flags.

Unknown keys in the YAML file or on the command line are rejected, so a typo never silently falls back to a default.
The resolved configuration is written to <out>/args.yaml and stored in every checkpoint.
"""
import argparse
import dataclasses
import os
from dataclasses import dataclass, field
from typing import List, Optional

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class TrainConfig:
    # data
    data_dir: str = ""  # empty: $VISAGE_FER_DIR, else <repo>/../shared/data/fer2013
    extra: List[str] = field(default_factory=list)  # extra training sets in FER2013's CSV layout (Usage=Training rows)
    train_limit: int = 0  # 0: all training rows; else a fixed random slice (smoke runs)
    eval_limit: int = 0  # 0: all PublicTest rows for the per-epoch score
    # model
    arch: str = "resnet18n"
    width: int = 32
    dropout: float = 0.2
    size: int = 48
    init: str = ""  # a checkpoint (.pt) or run dir whose best.pt weights start this run (a second, fine-tuning stage)
    # optimisation
    epochs: int = 40
    batch_size: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_frac: float = 0.15  # share of the one-cycle schedule spent warming up
    label_smoothing: float = 0.1
    # FER+ soft labels: the target is (1 - w) * the FER2013 label + w * the share of each emotion in the ten FER+
    # votes for that face (Training rows without emotion votes, and extra sets, keep the FER2013 label). 0 disables.
    ferplus_weight: float = 0.0
    class_weight_power: float = 0.5  # loss weight per class = (mean count / count) ** power; 0 disables
    # augmentation (applied per batch on the fly)
    hflip: bool = True
    rotate_deg: float = 10.0
    scale_jitter: float = 0.15  # +-15%: detector framing jitter (tools/measure-crop-framing.ts: p10-p90 of FER side/box is 0.70-1.21)
    shift_jitter: float = 0.08  # +-8% of the side
    erase_prob: float = 0.5
    # runtime
    seed: int = 0
    threads: int = 1
    bf16: bool = True
    channels_last: bool = True
    tta_hflip: bool = True
    log_every: int = 100  # steps between progress lines inside an epoch
    # how the runtime cuts a face out of a detector box (copied into the sidecar). Measured by
    # tools/measure-crop-framing.ts on 600 FER2013 training faces: a FER face spans 0.92-0.94 of the detector box's
    # longer side (median), centred 0.03 box heights above the box centre.
    crop_scale: float = 0.93
    crop_offset_y: float = -0.03
    out: str = ""


def _str2bool(v: str) -> bool:
    if v.lower() in ("1", "true", "yes", "on"):
        return True
    if v.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected a boolean, got {v!r}")


def _fields():
    return {f.name: f for f in dataclasses.fields(TrainConfig)}


def check_keys(d: dict, source: str) -> None:
    unknown = sorted(set(d) - set(_fields()))
    if unknown:
        raise SystemExit(f"{source}: unknown config key(s) {unknown}; valid keys: {sorted(_fields())}")


def load_config(argv: Optional[List[str]] = None) -> TrainConfig:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config", default="")
    known, _ = pre.parse_known_args(argv)

    defaults = dataclasses.asdict(TrainConfig())
    if known.config:
        with open(known.config) as f:
            from_file = yaml.safe_load(f) or {}
        check_keys(from_file, known.config)
        defaults.update(from_file)

    parser = argparse.ArgumentParser(description="Train the Visage emotion model on FER2013.")
    parser.add_argument("--config", default="", help="YAML file whose keys set the defaults")
    for name, f in _fields().items():
        default = defaults[name]
        if f.type in (bool, "bool"):
            parser.add_argument(f"--{name}", type=_str2bool, default=default)
        elif name == "extra":
            parser.add_argument("--extra", action="append", default=None, help="extra training dir (repeatable)")
        else:
            typ = {"int": int, "float": float, "str": str}.get(f.type if isinstance(f.type, str) else f.type.__name__)
            parser.add_argument(f"--{name}", type=typ, default=default)
    args = parser.parse_args(argv)  # argparse rejects unknown flags
    values = {k: v for k, v in vars(args).items() if k != "config"}
    values["extra"] = list(defaults["extra"]) + list(args.extra or [])
    return TrainConfig(**values)


def save_config(cfg: TrainConfig, path: str) -> None:
    with open(path, "w") as f:
        yaml.safe_dump(dataclasses.asdict(cfg), f, sort_keys=False)


def config_from_dict(d: dict) -> TrainConfig:
    check_keys(d, "checkpoint config")
    return TrainConfig(**d)
