"""PublicTest and PrivateTest accuracy of several runs and of every ensemble of them (logits averaged, fp32, the runs'
mirror-image TTA), to choose what to export. Choose on PublicTest; PrivateTest is for the report.

    /usr/bin/python3 training/compare.py training/runs/vgg32-long-ft training/runs/vgg32-fp-ft [...]
"""
import argparse
import itertools
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import evaluate  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="run dirs (or files) holding best.pt")
    p.add_argument("--data_dir", default="")
    p.add_argument("--max-members", type=int, default=3)
    a = p.parse_args()
    torch.set_num_threads(1)
    fer = data.load_fer(a.data_dir)
    names = [os.path.basename(os.path.normpath(r)) for r in a.runs]
    models = [evaluate.load_model(os.path.join(r, "best.pt") if os.path.isdir(r) else r) for r in a.runs]
    scores = {}
    for split in ("PublicTest", "PrivateTest"):
        x, y = data.split(fer, split)
        y = torch.from_numpy(y)
        logits = [evaluate.predict_logits(m, x, c["mean"], c["std"], c["config"]["size"], bool(c["config"]["tta_hflip"]))
                  for m, c in models]
        for k in range(1, min(a.max_members, len(models)) + 1):
            for combo in itertools.combinations(range(len(models)), k):
                acc = (sum(logits[i] for i in combo).argmax(1) == y).float().mean().item()
                scores.setdefault(combo, {})[split] = acc
    print(f"{'runs':60} PublicTest PrivateTest")
    for combo, s in sorted(scores.items(), key=lambda kv: -kv[1]["PublicTest"]):
        print(f"{' + '.join(names[i] for i in combo):60} {s['PublicTest'] * 100:9.2f}% {s['PrivateTest'] * 100:10.2f}%")


if __name__ == "__main__":
    main()
