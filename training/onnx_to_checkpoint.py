"""Turn an exported single-network model (ONNX + sidecar) back into a training checkpoint, so a later stage can start
from the shipped weights (`init:` in a recipe) without its run directory.

    /usr/bin/python3 training/onnx_to_checkpoint.py --model assets/models/emotion --out training/runs/emotion-v2.pt

The export folds each BatchNorm into the convolution before it (conv weight W', bias b'). The checkpoint gets W' as
the conv weight and a BatchNorm re-fitted to that conv's output on Training faces: running mean m and variance v
measured, gamma = sqrt(v + eps) and beta = m + b'. In eval mode that reproduces the ONNX graph exactly, and in
training mode (batch statistics close to m and v) it starts from the same function instead of a rescaled one.
An int8 export is read through its DequantizeLinear weights; the network then computes in float, so its PublicTest
score may differ a little from the int8 score the sidecar records.
"""
import argparse
import dataclasses
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import evaluate  # noqa: E402
from model import ModelConfig, build_model  # noqa: E402

CALIBRATION_FACES = 4096


def onnx_layers(path: str):
    """Conv (weight, bias) and Gemm (weight, bias) initialisers in graph order."""
    graph = onnx.load(path).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    # An int8 export (training/quantize.py) stores conv weights and biases as DequantizeLinear of constant codes:
    # their float values are (code - zero point) * scale, per output channel.
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and all(name in init for name in node.input):
            q, scale, zero = (init[name].astype(np.float64) for name in node.input)
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            shape = [1] * q.ndim
            if scale.ndim == 1:
                shape[axis] = -1  # per-channel scales and zero points lie along `axis`
            init[node.output[0]] = ((q - zero.reshape(shape if zero.ndim else [])) * scale.reshape(shape if scale.ndim else [])).astype(np.float32)
    convs, gemms = [], []
    for node in graph.node:
        if node.op_type in ("Conv", "Gemm"):
            if len(node.input) < 3 or not all(name in init for name in node.input[1:3]):
                raise ValueError(f"{path}: {node.op_type} {node.name} has no stored weight and bias; "
                                 "only a plain conv-BatchNorm network exported by training/export.py can be turned back")
            w, b = (torch.from_numpy(init[name].copy()) for name in node.input[1:3])
            (convs if node.op_type == "Conv" else gemms).append((w, b))
    return convs, gemms


def network_from_onnx(onnx_path: str, model_cfg: ModelConfig, calibration: torch.Tensor) -> torch.nn.Module:
    """The network of `model_cfg` with the ONNX file's weights and BatchNorms re-fitted on `calibration` inputs."""
    model = build_model(model_cfg).eval()
    convs, gemms = onnx_layers(onnx_path)
    conv_mods = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    bn_mods = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    fc_mods = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if not (len(convs) == len(conv_mods) == len(bn_mods) and len(gemms) == len(fc_mods)):
        raise ValueError(f"{onnx_path} has {len(convs)} convs and {len(gemms)} dense layers; "
                         f"{model_cfg.arch} width {model_cfg.width} has {len(conv_mods)} and {len(fc_mods)}")

    folded_bias = []
    with torch.no_grad():
        for conv, bn, (w, b) in zip(conv_mods, bn_mods, convs):
            conv.weight.copy_(w)
            # identity BatchNorm plus the folded bias: eval output is exactly the ONNX conv's output
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
            bn.weight.fill_(1.0)
            bn.bias.copy_(b)
            folded_bias.append(b)
        for fc, (w, b) in zip(fc_mods, gemms):
            fc.weight.copy_(w)
            fc.bias.copy_(b)

    # Measure each BatchNorm's input (one pass: re-fitting a layer leaves its output unchanged).
    stats = {}
    hooks = [bn.register_forward_hook(lambda mod, inp, out, i=i: stats.setdefault(i, []).append(inp[0].detach()))
             for i, bn in enumerate(bn_mods)]
    with torch.no_grad():
        for i in range(0, len(calibration), 256):
            model(calibration[i : i + 256])
    for h in hooks:
        h.remove()
    with torch.no_grad():
        for i, bn in enumerate(bn_mods):
            z = torch.cat(stats[i]).transpose(0, 1).flatten(1)  # [C, N*H*W]
            m, v = z.mean(1), z.var(1, unbiased=False)
            bn.running_mean.copy_(m)
            bn.running_var.copy_(v)
            bn.weight.copy_(torch.sqrt(v + bn.eps))
            bn.bias.copy_(m + folded_bias[i])
    return model


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="path without extension: <model>.onnx and <model>.json")
    p.add_argument("--out", required=True, help="checkpoint file to write (best.pt layout)")
    p.add_argument("--data_dir", default="")
    a = p.parse_args()
    torch.set_num_threads(1)

    with open(f"{a.model}.json") as f:
        sidecar = json.load(f)
    training = sidecar["training"]
    if len(training.get("members", [])) > 1:
        raise SystemExit(f"{a.model}.json describes an ensemble; only a single network can be turned back")
    cfg = training["config"]
    model_cfg = ModelConfig(arch=cfg["arch"], width=cfg["width"], dropout=cfg["dropout"])
    fer = data.load_fer(a.data_dir)
    train_x, _ = data.split(fer, "Training")
    pick = np.random.RandomState(0).permutation(len(train_x))[:CALIBRATION_FACES]
    mean, std = sidecar["input"]["mean"][0], sidecar["input"]["std"][0]
    calibration = data.resize_to(data.normalise(torch.from_numpy(train_x[pick]), mean, std), cfg["size"])
    try:
        model = network_from_onnx(f"{a.model}.onnx", model_cfg, calibration)
    except ValueError as e:
        raise SystemExit(str(e))

    # The turned-back network must score what the sidecar says it scored.
    val_x, val_y = data.split(fer, "PublicTest")
    logits = evaluate.predict_logits(model, val_x, mean, std, cfg["size"], bool(cfg["tta_hflip"]))
    acc = float((logits.argmax(1).numpy() == val_y).mean())
    recorded = sidecar["metrics"]["publicTest"]["accuracy"]
    # An int8 model's recorded score is its int8 activations'; the turned-back network computes in float.
    tolerance = 0.006 if sidecar.get("precision") == "int8" else 0.001
    if abs(acc - recorded) > tolerance:
        raise SystemExit(f"turned-back network scores {acc:.4f} on PublicTest, the sidecar says {recorded:.4f}")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    ckpt = {"model": model.state_dict(), "model_config": dataclasses.asdict(model_cfg), "config": cfg,
            "epoch": training["bestEpoch"], "public_acc": acc, "mean": mean, "std": std}
    torch.save(ckpt, f"{a.out}.tmp")
    os.replace(f"{a.out}.tmp", a.out)
    print(f"{a.out}: {cfg['arch']} width {cfg['width']}, PublicTest {acc:.4f} (sidecar {recorded:.4f})")


if __name__ == "__main__":
    main()
