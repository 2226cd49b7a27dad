"""Model card (markdown) and confusion-matrix picture (hand-written SVG: Debian's python3 has no matplotlib here)."""
import os
from xml.sax.saxutils import escape


def write_confusion_svg(confusion, labels, path: str, title: str) -> None:
    """Row-normalised confusion matrix; each cell shows the share of the true class and the count."""
    k, cell, left, top = len(labels), 64, 90, 60
    width, height = left + k * cell + 20, top + k * cell + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    for i, row in enumerate(confusion):
        total = max(sum(row), 1)
        for j, count in enumerate(row):
            share = count / total
            shade = int(255 - share * 200)
            x, y = left + j * cell, top + i * cell
            ink = "white" if share > 0.55 else "black"
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="rgb({shade},{shade},255)" stroke="#ccc"/>')
            parts.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 - 2}" text-anchor="middle" fill="{ink}">{share:.2f}</text>')
            parts.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 + 13}" text-anchor="middle" fill="{ink}" font-size="10">{count}</text>')
        parts.append(f'<text x="{left - 6}" y="{top + i * cell + cell / 2 + 4}" text-anchor="end">{escape(labels[i])}</text>')
    for j, name in enumerate(labels):
        parts.append(f'<text x="{left + j * cell + cell / 2}" y="{top - 8}" text-anchor="middle">{escape(name)}</text>')
    parts.append(f'<text x="{left + k * cell / 2}" y="{top + k * cell + 30}" text-anchor="middle">predicted</text>')
    parts.append(f'<text x="20" y="{top + k * cell / 2}" text-anchor="middle" transform="rotate(-90 20 {top + k * cell / 2})">true</text>')
    parts.append("</svg>\n")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def _pct(v: float) -> str:
    return f"{100 * v:.2f}%"


def _command(run_dir: str) -> str:
    path = os.path.join(run_dir, "command.txt")
    return open(path).read().strip() if os.path.exists(path) else "(not recorded)"


def quantize_settings():
    import quantize
    return quantize.PERCENTILE, quantize.CALIBRATION_FACES


def _init_dir(cfg: dict):
    """The run dir a later-stage run started from, when it was a run dir (not a converted checkpoint file)."""
    init = cfg.get("init") or ""
    return init if init and os.path.isdir(init) else None


def _earlier_stages(ckpts: list) -> list:
    """(run dir, its last.pt or None) of every earlier stage the members grew from, earliest first, each once."""
    seen = {}

    def visit(cfg: dict) -> None:
        d = _init_dir(cfg)
        if d is None or d in seen:
            return
        try:
            import torch  # only here: the card's other parts need no torch
            last = torch.load(os.path.join(d, "last.pt"), map_location="cpu")
        except OSError:
            last = None
        if last is not None:
            visit(last["config"])
        seen[d] = last

    for c in ckpts:
        visit(c["config"])
    return list(seen.items())


def _stage_line(ckpt: dict, run_dir: str) -> str:
    """A later-stage run starts from the weights of an earlier one; name them and that run's recipe."""
    cfg = ckpt["config"]
    line = f"- `{os.path.relpath(run_dir)}` is a later stage: it starts from the weights in `{cfg['init']}`"
    path = os.path.join(cfg["init"], "best.pt") if os.path.isdir(cfg["init"]) else cfg["init"]
    try:
        import torch
        first = torch.load(path, map_location="cpu")
        c = first["config"]
        soft = f", FER+ soft labels weight {c['ferplus_weight']}" if c.get("ferplus_weight") else ""
        earlier = f", itself started from `{c['init']}`" if c.get("init") else ""
        line += (f" ({c['arch']} width {c['width']}, {c['epochs']} epochs to lr {c['lr']}, seed {c['seed']}, "
                 f"random erasing p={c['erase_prob']}{soft}{earlier}; its epoch {first['epoch']}, PublicTest {_pct(first['public_acc'])})")
    except (OSError, KeyError):
        pass
    return line


def write_card(path: str, run_dirs: list, sidecar: dict, scores: dict, ckpts: list, svg_name: str, crop_config: str = "") -> None:
    ckpt = ckpts[0]
    cfg, tr = ckpt["config"], sidecar["training"]
    members = ", ".join(f"{c['config']['arch']} width {c['config']['width']} seed {c['config']['seed']}" for c in ckpts)
    title = (f"ensemble of {len(ckpts)} ({members}; logits averaged)" if len(ckpts) > 1
             else f"{cfg['arch']} (width {cfg['width']})")
    pub, priv = scores["PublicTest"], scores["PrivateTest"]
    labels = sidecar["labels"]
    earlier = _earlier_stages(ckpts)
    first_minutes = sum(last["elapsed_s"] / 60 for _, last in earlier if last is not None)
    first_commands = [_command(d) for d, _ in earlier]  # before the later stages that start from them
    ort_ms = f"{scores['msPerFaceOnnxruntime']:.3f}" if scores.get("msPerFaceOnnxruntime") is not None else "(not measured)"
    lines = [
        f"# Emotion model: {title}",
        "",
        "Classifies a grey face crop into angry, disgust, fear, happy, sad, surprise, neutral (FER2013 order).",
        "Files: `emotion.onnx` (opset 13, input `input` [N,1,S,S] float32, output `logits` [N,7]) and the sidecar `emotion.json`.",
        "",
        "## Data",
        "FER2013 (35,887 grey 48x48 faces; Training 28,709 / PublicTest 3,589 / PrivateTest 3,589), FER+ votes for one extra score.",
        f"Extra training data: {', '.join(cfg['extra']) if cfg['extra'] else 'none'}.",
        f"Training used {'a random ' + str(cfg['train_limit']) + ' of the' if cfg['train_limit'] else 'all'} Training rows; "
        "PublicTest chose the epoch, the temperature and the class offsets; PrivateTest was used for nothing but the numbers below.",
        "",
        "## Recipe",
        f"- {cfg['arch']}, width {cfg['width']}, dropout {cfg['dropout']}, input {sidecar['input']['size']}x{sidecar['input']['size']} grey, "
        f"mean {sidecar['input']['mean'][0]:.4f}, std {sidecar['input']['std'][0]:.4f}",
        f"- SGD (Nesterov, momentum {cfg['momentum']}, weight decay {cfg['weight_decay']}), one-cycle to lr {cfg['lr']}, "
        f"{cfg['epochs']} epochs, batch {cfg['batch_size']}, bf16 autocast, channels_last",
        f"- Cross-entropy, label smoothing {cfg['label_smoothing']}, class weights (mean count / count)^{cfg['class_weight_power']}"
        + (f", FER+ soft labels weight {cfg['ferplus_weight']}" if cfg.get("ferplus_weight") else ""),
        f"- Augmentation: flip {cfg['hflip']}, rotation ±{cfg['rotate_deg']}°, scale ±{100 * cfg['scale_jitter']:.0f}%, "
        f"shift ±{100 * cfg['shift_jitter']:.0f}%, random erasing p={cfg['erase_prob']}",
        f"- Seed {', '.join(str(c['config']['seed']) for c in ckpts)}; weights from epoch "
        f"{', '.join(str(c['epoch']) for c in ckpts)} (best PublicTest of each run)"
        + (f"; the {len(ckpts)} networks' logits are averaged inside the one ONNX graph" if len(ckpts) > 1 else ""),
        *[_stage_line(c, r) for c, r in zip(ckpts, run_dirs) if c["config"].get("init")],
        f"- Runtime: TTA horizontal flip {sidecar['tta']['hflip']} (logits averaged), temperature {sidecar['temperature']:.4f} "
        f"(NLL on PublicTest); crop scale {sidecar['crop']['scale']}, offsetY {sidecar['crop']['offsetY']}",
        f"- Class offsets added to logits / T (macro-F1 on PublicTest, so that rarer and under-called classes are named "
        f"as often as they are right): "
        + ", ".join(f"{name} {v:+.2f}" for name, v in zip(sidecar["labels"], sidecar.get("classBias") or [0.0] * len(sidecar["labels"]))),
        *([f"- int8 (training/quantize.py): convolutions in QDQ form, uint8 activations with scales from the "
           f"{quantize_settings()[0]}th percentile on {quantize_settings()[1]:,} Training faces, int8 weights per output channel; "
           "every score below is the int8 model's (its PyTorch twin, which onnxruntime matches)"]
          if sidecar.get("precision") == "int8" else []),
        "",
        "## Results",
        "| split | accuracy | macro-F1 | without the class offsets: accuracy, macro-F1 | ECE (15 bins) before T | ECE after T and offsets |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, m in (("PublicTest", pub), ("PrivateTest", priv)):
        raw = m["withoutClassBias"]
        lines.append(f"| {name} | {_pct(m['accuracy'])} | {m['macroF1']:.4f} | {_pct(raw['accuracy'])}, {raw['macroF1']:.4f} | "
                     f"{m['eceUncalibrated']:.4f} | {m['ece']:.4f} |")
    lines += ["", "Per class on PrivateTest:", "", "| class | precision | recall | F1 | support |", "| --- | --- | --- | --- | --- |"]
    for name in labels:
        c = priv["perClass"][name]
        lines.append(f"| {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |")
    fp = scores.get("ferPlusPrivateTest")
    if fp:
        lines += ["", f"FER+ majority-vote accuracy on PrivateTest (FER+ test set, {fp['rows']} rows whose majority is one of the "
                  f"seven emotions): {_pct(fp['accuracy'])}."]
    lines += [
        "",
        f"Confusion matrix (PrivateTest, rows = true class in FER order): ![confusion]({svg_name})",
        "",
        "| true \\ predicted | " + " | ".join(labels) + " |",
        "| --- |" + " --- |" * len(labels),
    ]
    for name, row in zip(labels, priv["confusion"]):
        lines.append(f"| {name} | " + " | ".join(str(v) for v in row) + " |")
    lines += [
        "",
        "## Speed and training cost",
        f"- {ort_ms} ms per face through onnxruntime-node, {scores['msPerFace']:.3f} ms through PyTorch fp32 "
        f"(1 thread, one run per face{' with its mirror image in the same batch' if sidecar['tta']['hflip'] else ''}; "
        "fastest of 10 blocks on a shared machine)",
        f"- Training: {tr['minutes']:.1f} minutes for "
        + (f"{len(ckpts)} runs of {tr['epochs']} epochs" if len(ckpts) > 1 else f"{tr['epochs']} epochs")
        + (f", plus {first_minutes:.1f} minutes of the {len(earlier)} earlier stages they start from" if first_minutes else "")
        + f", on {tr['hardware']}",
        "",
        "## Reproduce",
        "```sh",
        *first_commands,
        *[_command(r) for r in run_dirs],
        "/usr/bin/python3 training/export.py "
        + " ".join(f"--run {os.path.relpath(r) if not os.path.isabs(r) else r}" for r in run_dirs)
        + (f" --crop-config {crop_config}" if crop_config else "")
        + (" --int8" if sidecar.get("precision") == "int8" else "")
        + ("" if sidecar["tta"]["hflip"] == cfg["tta_hflip"] else f" --tta-hflip {'on' if sidecar['tta']['hflip'] else 'off'}"),
        "```",
        "",
        "FER2013 images were gathered by web image search and carry research-use terms; they are not shipped with Visage.",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
