"""Export a run's best weights to ONNX plus the sidecar JSON the TypeScript runtime reads, then score it.

    /usr/bin/python3 training/export.py --run training/runs/<name> [--run ...] [--int8] [--model-dir assets/models --name emotion]

Writes <name>.onnx (opset 13, input "input" [N,C,S,S] float32, dynamic batch; output "logits" [N,7]),
<name>.json (pixel contract, labels, temperature fitted on PublicTest over the TTA-averaged logits, class offsets fitted
on PublicTest for macro-F1, crop framing, metrics, training facts), and through evaluate.py the model card <name>.md and <name>-confusion.svg.
"""
import argparse
import json
import os
import platform
import sys

import numpy as np
import onnx
import torch
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import evaluate  # noqa: E402
import quantize  # noqa: E402
from config import REPO_ROOT  # noqa: E402
from model import MeanEnsemble  # noqa: E402

MAX_BYTES = 20 * 1024 * 1024
SIDECAR_FORMAT = "visage-emotion/1"


def export_onnx(model: torch.nn.Module, size: int, channels: int, path: str) -> None:
    model.eval()
    dummy = torch.randn(2, channels, size, size)
    tmp = f"{path}.tmp"
    torch.onnx.export(
        model, dummy, tmp, opset_version=13, input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(tmp))
    size_bytes = os.path.getsize(tmp)
    if size_bytes > MAX_BYTES:
        os.remove(tmp)
        raise SystemExit(f"{path}: {size_bytes} bytes, over the {MAX_BYTES}-byte limit")
    os.replace(tmp, path)


def save_onnx(model, path: str) -> None:
    tmp = f"{path}.tmp"
    onnx.save(model, tmp)
    size_bytes = os.path.getsize(tmp)
    if size_bytes > MAX_BYTES:
        os.remove(tmp)
        raise SystemExit(f"{path}: {size_bytes} bytes, over the {MAX_BYTES}-byte limit")
    os.replace(tmp, path)


def hardware() -> str:
    name = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            name = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{name} CPU"


def build_sidecar(ckpts: list, lasts: list, temperature: float, class_bias: list, crop: dict, hflip: bool,
                  precision: str = "fp32") -> dict:
    ckpt, cfg = ckpts[0], ckpts[0]["config"]
    return {
        "format": SIDECAR_FORMAT,
        "input": {"name": "input", "size": cfg["size"], "channels": 1, "mean": [round(ckpt["mean"], 6)],
                  "std": [round(ckpt["std"], 6)]},
        "output": {"name": "logits"},
        "labels": list(data.LABELS),
        "temperature": round(temperature, 4),
        # Added to logits / temperature before the softmax, in label order (evaluate.fit_class_bias).
        "classBias": class_bias,
        "tta": {"hflip": hflip},
        # int8: convs in QDQ form, written by training/quantize.py; the metrics are the int8 model's.
        "precision": precision,
        "crop": crop,
        "metrics": {},
        "training": {
            "config": cfg,
            "seed": cfg["seed"],
            "epochs": lasts[0]["epoch"],
            "bestEpoch": ckpt["epoch"],
            "hardware": f"{hardware()}, {cfg['threads']} torch thread(s), bf16 autocast" if cfg["bf16"] else hardware(),
            "minutes": round(sum(last["elapsed_s"] for last in lasts) / 60, 1),
            # An ensemble averages the logits of these separately trained networks inside the one ONNX graph.
            "members": [{"arch": c["config"]["arch"], "width": c["config"]["width"], "seed": c["config"]["seed"],
                         "bestEpoch": c["epoch"], "epochs": last["epoch"], "minutes": round(last["elapsed_s"] / 60, 1)}
                        for c, last in zip(ckpts, lasts)],
        },
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, action="append",
                   help="run dir holding best.pt and last.pt; repeat it to export the runs' average as one model")
    p.add_argument("--model-dir", default=os.path.join(REPO_ROOT, "assets", "models"))
    p.add_argument("--name", default="emotion")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--crop-config", default="", help="recipe YAML whose crop_scale/crop_offset_y replace the run's "
                   "(framing is used only at inference, so a re-measured framing needs no retraining)")
    p.add_argument("--tta-hflip", choices=["on", "off"], default="",
                   help="mirror-image test-time augmentation at run time (default: the runs' tta_hflip); an ensemble "
                   "may spend the mirror pass's time on its second member instead")
    p.add_argument("--class-bias", choices=["on", "off"], default="on",
                   help="fit per-class offsets on PublicTest for macro-F1 (default on; off writes zeros)")
    p.add_argument("--int8", action="store_true",
                   help="ship the convolutions in int8 (training/quantize.py): about 3x faster per face on CPUs with VNNI")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.model_dir, exist_ok=True)

    model, ckpt, ckpts = evaluate.load_runs(a.run)
    lasts = [torch.load(os.path.join(r, "last.pt"), map_location="cpu") for r in a.run]
    cfg = ckpt["config"]
    hflip = bool(cfg["tta_hflip"]) if a.tta_hflip == "" else a.tta_hflip == "on"
    onnx_path = os.path.join(a.model_dir, f"{a.name}.onnx")
    if a.int8:
        networks = list(model.members) if isinstance(model, MeanEnsemble) else [model]
        int8, model = quantize.int8_from_networks(networks, cfg["size"], ckpt["mean"], ckpt["std"], cfg["data_dir"])
        save_onnx(int8, onnx_path)
    else:
        export_onnx(model, cfg["size"], 1, onnx_path)

    fer = data.load_fer(cfg["data_dir"])
    x, y = data.split(fer, "PublicTest")
    logits = evaluate.predict_logits(model, x, ckpt["mean"], ckpt["std"], cfg["size"], hflip)
    temperature = evaluate.fit_temperature(logits, torch.from_numpy(y))
    class_bias = (evaluate.fit_class_bias(logits, y, temperature) if a.class_bias == "on"
                  else [0.0] * len(data.LABELS))

    crop = {"scale": cfg["crop_scale"], "offsetY": cfg["crop_offset_y"]}
    if a.crop_config:
        with open(a.crop_config) as f:
            recipe = yaml.safe_load(f) or {}
        crop = {"scale": float(recipe["crop_scale"]), "offsetY": float(recipe["crop_offset_y"])}
    sidecar_path = os.path.join(a.model_dir, f"{a.name}.json")
    with open(f"{sidecar_path}.tmp", "w") as f:
        json.dump(build_sidecar(ckpts, lasts, temperature, class_bias, crop, hflip, "int8" if a.int8 else "fp32"), f, indent=2)
        f.write("\n")
    os.replace(f"{sidecar_path}.tmp", sidecar_path)
    scores = evaluate.write_reports(a.run, a.model_dir, a.name, a.crop_config)
    m = scores["PrivateTest"]
    print(f"{onnx_path}: {os.path.getsize(onnx_path)} bytes, temperature {temperature:.4f}, class offsets {class_bias}; "
          f"PrivateTest accuracy "
          f"{m['accuracy']:.4f} macro-F1 {m['macroF1']:.4f} ECE {m['eceUncalibrated']:.4f} -> {m['ece']:.4f}; "
          f"recall {np.round([c['recall'] for c in m['perClass'].values()], 3).tolist()}")


if __name__ == "__main__":
    main()
