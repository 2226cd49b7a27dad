"""Train the Visage emotion model on FER2013.

    /usr/bin/python3 training/train.py --config training/configs/resnet18n.yaml --out training/runs/r18

Reads top to bottom: config, data, model, optimiser, resume, loop. Every epoch writes last.pt atomically
(model, optimiser, scheduler, epoch, best score, config); best.pt keeps the best PublicTest weights.
Running the same command again resumes from <out>/last.pt.
"""
import csv
import dataclasses
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from config import config_from_dict, load_config, save_config  # noqa: E402
import data  # noqa: E402
from model import ModelConfig, build_model  # noqa: E402

# ---------------------------------------------------------------- config
cfg = load_config()
if not cfg.out:
    raise SystemExit("--out <run dir> is required")
os.makedirs(cfg.out, exist_ok=True)
torch.set_num_threads(cfg.threads)
torch.manual_seed(cfg.seed)
np.random.seed(cfg.seed)
last_path = os.path.join(cfg.out, "last.pt")
resume = torch.load(last_path, map_location="cpu") if os.path.exists(last_path) else None
if resume is not None:
    saved = config_from_dict(resume["config"])
    ignore = {"threads", "out", "log_every", "data_dir", "extra"}
    diff = {k for k, v in dataclasses.asdict(cfg).items() if k not in ignore and getattr(saved, k) != v}
    if diff:
        raise SystemExit(f"{last_path} was written with a different config ({sorted(diff)}); use a new --out")
save_config(cfg, os.path.join(cfg.out, "args.yaml"))
with open(os.path.join(cfg.out, "command.txt"), "w") as f:
    f.write(shlex.join(["/usr/bin/python3", *sys.argv]) + "\n")


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


# ---------------------------------------------------------------- data
fer = data.load_fer(cfg.data_dir)
train_x, train_y = data.split(fer, "Training")
train_dist = None
if cfg.ferplus_weight > 0:
    if fer.votes is None:
        raise SystemExit("ferplus_weight > 0 needs the FER+ votes (fer2013new.csv) next to fer2013.csv")
    train_dist = data.ferplus_distribution(fer.votes[fer.usage == data.USAGES["Training"]])
if cfg.train_limit:
    keep = np.random.RandomState(cfg.seed).permutation(len(train_y))[: cfg.train_limit]
    train_x, train_y = train_x[keep], train_y[keep]
    train_dist = train_dist[keep] if train_dist is not None else None
n_fer = len(train_y)
for extra_dir in cfg.extra:
    extra = data.load_extra(extra_dir)
    log(f"extra training set {extra_dir}: {len(extra.labels)} rows, per class {np.bincount(extra.labels, minlength=7).tolist()}")
    train_x, train_y = np.concatenate([train_x, extra.pixels]), np.concatenate([train_y, extra.labels])
    if train_dist is not None:
        train_dist = np.concatenate([train_dist, np.zeros((len(extra.labels), 7), np.float32)])
val_x, val_y = data.split(fer, "PublicTest")
if cfg.eval_limit:
    val_x, val_y = val_x[: cfg.eval_limit], val_y[: cfg.eval_limit]
mean, std = float(train_x.mean() / 255.0), float(train_x.std() / 255.0)
counts = np.bincount(train_y, minlength=7)
log(f"train {len(train_y)} faces (FER2013 {n_fer}, extra {len(train_y) - n_fer}), per class {counts.tolist()}; "
    f"PublicTest {len(val_y)}; mean {mean:.4f} std {std:.4f}")
# Targets: the FER2013 label, or with ferplus_weight a mix of it and the FER+ vote share (a soft label).
train_target = None
if train_dist is not None:
    train_target = torch.from_numpy(data.soft_targets(train_y, train_dist, cfg.ferplus_weight))
    agree = (train_dist.argmax(1) == train_y)[train_dist.sum(1) > 0].mean()
    log(f"FER+ soft labels, weight {cfg.ferplus_weight}: {int((train_dist.sum(1) > 0).sum())} rows with votes; "
        f"FER+ majority agrees with the FER2013 label on {agree:.1%} of them")
train_x, train_y = torch.from_numpy(train_x), torch.from_numpy(train_y)
val_input = data.resize_to(data.normalise(torch.from_numpy(val_x), mean, std), cfg.size)
val_y = torch.from_numpy(val_y)

# Mild class weights: rare classes (disgust) count more, without the full inverse-frequency swing.
class_weights = torch.ones(7)
if cfg.class_weight_power > 0:
    class_weights = torch.from_numpy((counts.mean() / np.maximum(counts, 1)) ** cfg.class_weight_power).float()
    class_weights = class_weights / (class_weights * torch.from_numpy(counts).float()).sum() * counts.sum()
log(f"class weights {[round(w, 3) for w in class_weights.tolist()]}")

# ---------------------------------------------------------------- model
model_cfg = ModelConfig(arch=cfg.arch, width=cfg.width, dropout=cfg.dropout)
model = build_model(model_cfg)
memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
model = model.to(memory_format=memory_format)
log(f"{cfg.arch} width {cfg.width}: {sum(p.numel() for p in model.parameters()) / 1e6:.3f}M parameters")

steps_per_epoch = len(train_y) // cfg.batch_size
decay, no_decay = [], []
for name, p in model.named_parameters():
    (no_decay if p.ndim <= 1 else decay).append(p)
optimizer = torch.optim.SGD(
    [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
    lr=cfg.lr, momentum=cfg.momentum, nesterov=True,
)
# One-cycle (warm-up, then cosine down to ~0) sized to the planned number of epochs.
scheduler = torch.optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=cfg.lr, total_steps=cfg.epochs * steps_per_epoch, pct_start=cfg.warmup_frac,
    div_factor=20, final_div_factor=200,
)
start_epoch, best_acc, best_epoch, elapsed = 0, -1.0, -1, 0.0
if cfg.init and resume is None:
    init_path = os.path.join(cfg.init, "best.pt") if os.path.isdir(cfg.init) else cfg.init
    start = torch.load(init_path, map_location="cpu")
    if start["model_config"] != dataclasses.asdict(model_cfg):
        raise SystemExit(f"{init_path} holds {start['model_config']}, not {dataclasses.asdict(model_cfg)}")
    model.load_state_dict(start["model"])
    log(f"weights from {init_path} (epoch {start['epoch']}, PublicTest {start['public_acc']:.4f})")
if resume is not None:
    model.load_state_dict(resume["model"])
    optimizer.load_state_dict(resume["optimizer"])
    scheduler.load_state_dict(resume["scheduler"])
    start_epoch, best_acc, best_epoch = resume["epoch"], resume["best_acc"], resume["best_epoch"]
    elapsed = resume["elapsed_s"]
    log(f"resumed from {last_path}: {start_epoch} epochs done, best PublicTest {best_acc:.4f} (epoch {best_epoch})")


def autocast():
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16)


@torch.no_grad()
def evaluate(x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(y), 256):
        xb = x[i : i + 256].contiguous(memory_format=memory_format)
        with autocast():
            logits = model(xb).float()
            if cfg.tta_hflip:
                logits = (logits + model(torch.flip(xb, dims=[3])).float()) / 2
        correct += (logits.argmax(1) == y[i : i + 256]).sum().item()
    return correct / len(y)


def save_atomic(obj: dict, path: str) -> None:
    tmp = f"{path}.tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


# ---------------------------------------------------------------- loop
summary_path = os.path.join(cfg.out, "summary.csv")
if start_epoch == 0 and os.path.exists(summary_path):
    os.remove(summary_path)
for epoch in range(start_epoch, cfg.epochs):
    t0 = time.time()
    model.train()
    gen = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)  # per epoch, so a resumed run repeats exactly
    order = torch.randperm(len(train_y), generator=gen)
    loss_sum, correct, seen = 0.0, 0, 0
    for step in range(steps_per_epoch):
        idx = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
        xb = data.resize_to(data.augment(data.normalise(train_x[idx], mean, std), cfg, gen), cfg.size)
        xb, yb = xb.contiguous(memory_format=memory_format), train_y[idx]
        with autocast():
            logits = model(xb)
        target = yb if train_target is None else train_target[idx]
        loss = F.cross_entropy(logits.float(), target, weight=class_weights, label_smoothing=cfg.label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        loss_sum += loss.item() * len(yb)
        correct += (logits.argmax(1) == yb).sum().item()
        seen += len(yb)
        if cfg.log_every and (step + 1) % cfg.log_every == 0:
            rate = seen / (time.time() - t0)
            log(f"epoch {epoch + 1} step {step + 1}/{steps_per_epoch} loss {loss_sum / seen:.4f} {rate:.0f} img/s")
    train_s = time.time() - t0
    val_acc = evaluate(val_input, val_y)
    epoch_s = time.time() - t0
    elapsed += epoch_s
    if val_acc > best_acc:
        best_acc, best_epoch = val_acc, epoch + 1
        save_atomic({"model": model.state_dict(), "model_config": dataclasses.asdict(model_cfg),
                     "config": dataclasses.asdict(cfg), "epoch": epoch + 1, "public_acc": val_acc,
                     "mean": mean, "std": std}, os.path.join(cfg.out, "best.pt"))
    save_atomic({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                 "epoch": epoch + 1, "best_acc": best_acc, "best_epoch": best_epoch, "elapsed_s": elapsed,
                 "config": dataclasses.asdict(cfg), "model_config": dataclasses.asdict(model_cfg),
                 "mean": mean, "std": std}, last_path)
    row = {"epoch": epoch + 1, "train_loss": round(loss_sum / seen, 5), "train_acc": round(correct / seen, 5),
           "public_acc": round(val_acc, 5), "lr": round(scheduler.get_last_lr()[0], 6),
           "train_s": round(train_s, 1), "epoch_s": round(epoch_s, 1), "elapsed_min": round(elapsed / 60, 2)}
    new_file = not os.path.exists(summary_path)
    with open(summary_path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        if new_file:
            writer.writeheader()
        writer.writerow(row)
    log(f"epoch {epoch + 1}/{cfg.epochs} loss {row['train_loss']:.4f} train acc {row['train_acc']:.4f} "
        f"PublicTest acc {val_acc:.4f} (best {best_acc:.4f} @ {best_epoch}) {epoch_s:.0f}s ({len(train_y) / train_s:.0f} img/s)")

log(f"done: {cfg.epochs} epochs in {elapsed / 60:.1f} min, best PublicTest {best_acc:.4f} at epoch {best_epoch}; "
    f"weights {os.path.join(cfg.out, 'best.pt')}")
