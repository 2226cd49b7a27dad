"""int8 form of an exported emotion model: the convolutions in QDQ form, which onnxruntime fuses into QLinearConv
(uint8 activations x int8 weights, the VNNI kernels of x86 CPUs), and the same arithmetic in PyTorch so that the
training pipeline scores exactly what the runtime runs.

    /usr/bin/python3 training/quantize.py --model assets/models/emotion     # rewrites emotion.onnx in place

export.py calls it with --int8. Only the conv stack is quantised; the pooling to one vector and the dense head stay
float (they cost almost nothing).

- Input: the runtime feeds (p/255 - mean)/std for grey pixels p. It is quantised with scale 1/(255 std) and zero point
  round(255 mean), so every pixel keeps its own code; the dequantised input is off by the constant
  (round(255 mean) - 255 mean)/(255 std), which the first conv's bias absorbs (exact except where its kernel overlaps
  the zero padding).
- Activations: every conv is followed by ReLU, so its output is uint8 with zero point 0 (the QuantizeLinear saturates
  at 0: it is the ReLU itself) and a scale from the 99.99th percentile of that activation on Training faces.
- Weights: symmetric int8 per output channel; biases int32 with scale input scale x weight scale.
- MaxPool runs on the uint8 codes (max commutes with the monotone dequantisation).
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402

INT8_MAX = 127
CALIBRATION_FACES = 2048
PERCENTILE = 99.99


def _conv_stack(graph):
    """The graph as a list of ('conv', w, b, attrs) / ('pool', attrs) steps up to GlobalAveragePool, and the rest."""
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    steps, rest = [], []
    it = iter(graph.node)
    for node in it:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Conv":
            if attrs.get("group", 1) != 1 or len(node.input) < 3:
                raise ValueError(f"conv {node.name}: only plain convs with a bias can be quantised")
            steps.append(("conv", init[node.input[1]].astype(np.float64), init[node.input[2]].astype(np.float64), attrs))
        elif node.op_type == "Relu":
            if not steps or steps[-1][0] != "conv":
                raise ValueError(f"Relu {node.name} does not follow a conv")
        elif node.op_type == "MaxPool":
            steps.append(("pool", attrs))
        elif node.op_type == "GlobalAveragePool":
            rest = [node, *it]
            break
        else:
            raise ValueError(f"{node.op_type} {node.name} in the conv stack: not a model export.py writes")
    return steps, rest, init


class QuantisedNet(torch.nn.Module):
    """The int8 graph's arithmetic in float: fake-quantised codes, exact as long as the fp32 sums are."""

    def __init__(self, steps, head, in_scale, in_zero, act_scales):
        super().__init__()
        self.steps, self.head = steps, head
        self.in_scale, self.in_zero, self.act_scales = in_scale, in_zero, act_scales

    @torch.no_grad()
    def forward(self, x):
        q = torch.clamp(torch.round(x / self.in_scale) + self.in_zero, 0, 255)
        real = (q - self.in_zero) * self.in_scale
        i = 0
        for step in self.steps:
            if step[0] == "pool":
                a = step[1]
                real = F.max_pool2d(real, a["kernel_shape"], a["strides"], padding=a.get("pads", [0, 0, 0, 0])[:2])
                continue
            w, b, a, scale = step[1], step[2], step[3], self.act_scales[i]
            y = F.conv2d(real, w, b, stride=a.get("strides", [1, 1]), padding=a.get("pads", [0, 0, 0, 0])[:2])
            real = torch.clamp(torch.round(y / scale), 0, 255) * scale
            i += 1
        return self.head(real)


def _float_head(init, rest):
    """GlobalAveragePool -> Flatten -> Gemm -> Relu -> Gemm, from the ONNX nodes."""
    ops = []
    for node in rest:
        if node.op_type == "Gemm":
            w = torch.from_numpy(init[node.input[1]].astype(np.float32))
            b = torch.from_numpy(init[node.input[2]].astype(np.float32))
            ops.append(("gemm", w, b))
        elif node.op_type in ("Relu", "GlobalAveragePool", "Flatten"):
            ops.append((node.op_type.lower(),))
        else:
            raise ValueError(f"{node.op_type} in the head: not a model export.py writes")

    def head(x):
        for op in ops:
            if op[0] == "globalaveragepool":
                x = x.mean(dim=(2, 3), keepdim=True)
            elif op[0] == "flatten":
                x = x.flatten(1)
            elif op[0] == "relu":
                x = torch.relu(x)
            else:
                x = x @ op[1].T + op[2]
        return x

    return head


class MeanTwin(torch.nn.Module):
    def __init__(self, members):
        super().__init__()
        self.members = members

    @torch.no_grad()
    def forward(self, x):
        return torch.stack([m(x) for m in self.members]).mean(0)


def quantise_member(onnx_path: str, mean: float, std: float, calibration: torch.Tensor):
    """One fp32 network's int8 steps (weights, biases, scales) and its PyTorch twin."""
    model = onnx.load(onnx_path)
    steps, rest, init = _conv_stack(model.graph)
    in_scale = 1.0 / (255.0 * std)
    in_zero = float(round(255.0 * mean))
    offset = (in_zero - 255.0 * mean) * in_scale  # dequantised input = true input + offset

    # Per-channel int8 weights; the first conv's bias absorbs the input offset.
    qsteps, first = [], True
    for step in steps:
        if step[0] == "pool":
            qsteps.append(step)
            continue
        _, w, b, attrs = step
        if first:
            b = b - offset * w.sum(axis=(1, 2, 3))
            first = False
        w_max = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
        w_scale = np.where(w_max > 0, w_max / INT8_MAX, 1.0).astype(np.float32)
        w_q = np.clip(np.round(w / w_scale.astype(np.float64).reshape(-1, 1, 1, 1)), -INT8_MAX, INT8_MAX)
        qsteps.append(["conv", w_q, w_scale, b, attrs])

    # Activation scales, layer by layer on the already-quantised network (each layer sees what it will see).
    head = _float_head(init, rest)
    scales, x_scale = [], np.float32(in_scale)
    torch_steps = []
    with torch.no_grad():
        q = torch.clamp(torch.round(calibration / in_scale) + in_zero, 0, 255)
        real = (q - in_zero) * in_scale
        for step in qsteps:
            if step[0] == "pool":
                a = step[1]
                real = F.max_pool2d(real, a["kernel_shape"], a["strides"], padding=a.get("pads", [0, 0, 0, 0])[:2])
                torch_steps.append(step)
                continue
            _, w_q, w_scale, b, attrs = step
            b_scale = (x_scale * w_scale).astype(np.float32)
            b_q = np.round(b / b_scale.astype(np.float64)).astype(np.int32)
            step += [b_q, b_scale]
            w_t = torch.from_numpy((w_q * w_scale.reshape(-1, 1, 1, 1)).astype(np.float32))
            b_t = torch.from_numpy((b_q * b_scale).astype(np.float32))
            y = F.conv2d(real, w_t, b_t, stride=attrs.get("strides", [1, 1]), padding=attrs.get("pads", [0, 0, 0, 0])[:2])
            top = float(np.percentile(torch.relu(y).flatten().numpy(), PERCENTILE))
            scale = np.float32(max(top, 1e-6) / 255.0)
            scales.append(scale)
            real = torch.clamp(torch.round(y / float(scale)), 0, 255) * float(scale)
            torch_steps.append(("conv", w_t, b_t, attrs))
            x_scale = scale
    twin = QuantisedNet(torch_steps, head, in_scale, in_zero, [float(v) for v in scales]).eval()
    member = {"model": model, "steps": qsteps, "rest": rest, "in_scale": np.float32(in_scale),
              "in_zero": np.uint8(in_zero), "scales": scales}
    return member, twin


def quantise(onnx_paths: list, mean: float, std: float, calibration: torch.Tensor):
    """The int8 ONNX model of one or several fp32 networks (logits averaged) and its PyTorch twin."""
    members, twins = zip(*(quantise_member(path, mean, std, calibration) for path in onnx_paths))
    first = members[0]["model"]
    nodes, inits = [], []
    x_scale = "input.scale"
    inits += [numpy_helper.from_array(members[0]["in_scale"], x_scale),
              numpy_helper.from_array(members[0]["in_zero"], "input.zero_point")]
    # One QuantizeLinear for all members: they share the runtime's normalisation.
    nodes.append(helper.make_node("QuantizeLinear", ["input", x_scale, "input.zero_point"], ["input.q"], name="input.quantize"))
    outputs = []
    for i, m in enumerate(members):
        prefix = f"m{i}." if len(members) > 1 else ""
        out = "logits" if len(members) == 1 else f"{prefix}logits"
        _member_nodes(m, prefix, out, nodes, inits)
        outputs.append(out)
    if len(members) > 1:
        nodes.append(helper.make_node("Mean", outputs, ["logits"], name="ensemble.mean"))
    graph = helper.make_graph(nodes, "visage-emotion-int8", list(first.graph.input), list(first.graph.output), inits)
    model = helper.make_model(graph, opset_imports=list(first.opset_import), producer_name="visage training/quantize.py")
    onnx.checker.check_model(model)
    twin = twins[0] if len(twins) == 1 else MeanTwin(list(twins)).eval()
    return model, twin


def _member_nodes(m, prefix, output, nodes, inits):
    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), prefix + name))
        return prefix + name

    x, x_scale, x_zero = "input.q", "input.scale", "input.zero_point"
    conv_i = 0
    for k, step in enumerate(m["steps"]):
        if step[0] == "pool":
            a = step[1]
            y = f"{prefix}pool{k}.q"
            nodes.append(helper.make_node("MaxPool", [x], [y], name=f"{prefix}pool{k}", kernel_shape=a["kernel_shape"],
                                          strides=a["strides"], pads=a.get("pads", [0, 0, 0, 0])))
            x = y
            continue
        _, w_q, w_scale, _b, attrs, b_q, b_scale = step
        name = f"conv{conv_i}"
        out_ch = w_q.shape[0]
        dq_in = f"{prefix}{name}.input"
        # One DequantizeLinear per consumer, as onnxruntime's QDQ fusion expects.
        nodes.append(helper.make_node("DequantizeLinear", [x, x_scale, x_zero], [dq_in], name=f"{dq_in}.dq"))
        w = f"{name}.weight"
        nodes.append(helper.make_node("DequantizeLinear", [const(f"{w}.q", w_q.astype(np.int8)), const(f"{w}.scale", w_scale),
                                                          const(f"{w}.zero_point", np.zeros(out_ch, np.int8))],
                                      [prefix + w], name=f"{prefix}{w}.dq", axis=0))
        b = f"{name}.bias"
        nodes.append(helper.make_node("DequantizeLinear", [const(f"{b}.q", b_q), const(f"{b}.scale", b_scale),
                                                          const(f"{b}.zero_point", np.zeros(out_ch, np.int32))],
                                      [prefix + b], name=f"{prefix}{b}.dq", axis=0))
        conv_attrs = {k2: v for k2, v in attrs.items() if k2 in ("kernel_shape", "strides", "pads", "dilations", "group")}
        nodes.append(helper.make_node("Conv", [dq_in, prefix + w, prefix + b], [prefix + name], name=prefix + name, **conv_attrs))
        x = f"{prefix}{name}.q"
        x_scale, x_zero = const(f"{name}.q.scale", m["scales"][conv_i]), const(f"{name}.q.zero_point", np.uint8(0))
        nodes.append(helper.make_node("QuantizeLinear", [prefix + name, x_scale, x_zero], [x], name=f"{x}uantize"))
        conv_i += 1
    # The float head, renamed into this member's namespace.
    rest = m["rest"]
    init = {t.name: t for t in m["model"].graph.initializer}
    rename = {rest[0].input[0]: f"{prefix}features"}
    nodes.append(helper.make_node("DequantizeLinear", [x, x_scale, x_zero], [f"{prefix}features"], name=f"{prefix}features.dq"))
    for node in rest:
        new = onnx.NodeProto()
        new.CopyFrom(node)
        new.name = prefix + (node.name or node.op_type)
        for j, name in enumerate(node.input):
            if name in init:
                if prefix + name not in {t.name for t in inits}:
                    t = onnx.TensorProto()
                    t.CopyFrom(init[name])
                    t.name = prefix + name
                    inits.append(t)
                new.input[j] = prefix + name
            else:
                new.input[j] = rename.get(name, prefix + name)
        for j, name in enumerate(node.output):
            rename[name] = output if name == "logits" else prefix + name
            new.output[j] = rename[name]
        nodes.append(new)


def int8_from_networks(networks: list, size: int, mean: float, std: float, data_dir: str = ""):
    """int8 model and twin of trained PyTorch networks (each exported to fp32 ONNX first, as export.py does)."""
    import export  # here, not at the top: export imports this module
    calibration = calibration_faces(data_dir, mean, std, size)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, net in enumerate(networks):
            paths.append(os.path.join(tmp, f"m{i}.onnx"))
            export.export_onnx(net, size, 1, paths[-1])
        return quantise(paths, mean, std, calibration)


def calibration_faces(data_dir: str, mean: float, std: float, size: int) -> torch.Tensor:
    fer = data.load_fer(data_dir)
    train_x, _ = data.split(fer, "Training")
    pick = np.random.RandomState(0).permutation(len(train_x))[:CALIBRATION_FACES]
    return data.resize_to(data.normalise(torch.from_numpy(train_x[pick]), mean, std), size)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="path without extension: <model>.onnx (fp32) and <model>.json")
    p.add_argument("--out", default="", help="int8 ONNX file to write (default: replace <model>.onnx)")
    p.add_argument("--data_dir", default="")
    a = p.parse_args()
    torch.set_num_threads(1)
    with open(f"{a.model}.json") as f:
        sidecar = json.load(f)
    mean, std, size = sidecar["input"]["mean"][0], sidecar["input"]["std"][0], sidecar["input"]["size"]
    int8, _ = quantise([f"{a.model}.onnx"], mean, std, calibration_faces(a.data_dir, mean, std, size))
    out = a.out or f"{a.model}.onnx"
    onnx.save(int8, f"{out}.tmp")
    os.replace(f"{out}.tmp", out)
    print(f"{out}: int8, {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
