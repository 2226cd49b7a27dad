#!/usr/bin/python3
"""Convert face-api's SSD-MobileNetV1 face detector (tfjs uint8-quantised weights) to ONNX.

Reads node_modules/@vladmandic/face-api/model/ssd_mobilenetv1_model-weights_manifest.json and its .bin,
dequantises every weight (value = q * scale + min, as tfjs does), builds the same network with onnx.helper
(NCHW inside, TF 'SAME' padding as ONNX SAME_UPPER) and writes:

  assets/models/face-detector.onnx   opset 13, dynamic batch
  assets/models/face-detector.json   sidecar read by src/models/face-detector.ts

The graph takes uint8 RGB images [N,H,W,3] (NHWC, exactly what a raw image buffer holds; H and W dynamic,
multiples of 32, 512x512 is the size face-api uses), normalises them to -1..1 inside, builds the anchors for the
actual feature-map sizes (keeping the pixel sizes learned at 512) and decodes the box regressions against them, so
the outputs are boxes [N,K,4] as (x1, y1, x2, y2) in 0..1 of the input, and face scores [N,K] after the sigmoid
(K = 5118 at 512x512). Non-maximum suppression is left to the caller.

Precision (--precision): int8 (default, the shipped model) writes every ReLU6 conv of the backbone and the extra
layers in QDQ form, which onnxruntime fuses into QLinearConv (uint8 activations x int8 weights, about 4x faster
than float on one thread): activations are uint8 over 0..6 (scale 6/255, zero point 0: the ReLU6 fixes the range,
so there is no calibration), the input image is read as (x - 128) / 127.5, weights are symmetric int8 per output
channel, biases int32. The box and class heads, the anchors and the box decoding stay float. fp32 writes the exact
float port, used by the parity test against face-api.

Run: /usr/bin/python3 tools/convert-face-detector.py [--precision int8|fp32] [--out-dir DIR]
     (same inputs give a byte-identical file)
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG_DIR = os.path.join(ROOT, 'node_modules', '@vladmandic', 'face-api')
MODEL_DIR = os.path.join(PKG_DIR, 'model')
MANIFEST = 'ssd_mobilenetv1_model-weights_manifest.json'
OUT_DIR = os.path.join(ROOT, 'assets', 'models')
OUT_NAME = 'face-detector'

INPUT_SIZE = 512  # training size; the anchors' pixel sizes come from it
SIZE_MULTIPLE = 32  # total stride of the backbone: inputs whose sides are multiples of it keep anchors on cell centres
BN_EPSILON = 0.0010000000474974513  # face-api's depthwise batch-norm epsilon
# Box-coder scales of the TF object-detection API model: y, x by 10, h, w by 5.
CENTER_SCALE = 10.0
SIZE_SCALE = 5.0
# Output stride of the feature map each box predictor reads, in the order the anchors are stored.
PREDICTOR_GRIDS = [32, 16, 8, 4, 2, 1]
FACE_CLASS = 1  # classes per anchor: background, face, unused
CLASSES_PER_ANCHOR = 3
DEPTHWISE_STRIDE2 = {2, 4, 6, 12}
# Defaults measured on the dev photos (see face-detector.md); the pipeline can override them.
SCORE_THRESHOLD = 0.5
NMS_IOU = 0.3
# int8 variant: ReLU6 outputs are uint8 over 0..6 (the range is fixed by the ReLU6, no calibration needed); the input
# stays the uint8 image, read as (x - 128) / 127.5; weights are symmetric int8 per output channel.
RELU6_SCALE = 6.0 / 255.0
INPUT_SCALE = 1.0 / 127.5
INPUT_ZERO_POINT = 128
INT8_MAX = 127


def read_weights():
    """Return {name: float32/int array} dequantised exactly like tfjs' decodeWeights."""
    with open(os.path.join(MODEL_DIR, MANIFEST)) as f:
        manifest = json.load(f)
    weights = {}
    for group in manifest:
        data = b''.join(open(os.path.join(MODEL_DIR, p), 'rb').read() for p in group['paths'])
        offset = 0
        for entry in group['weights']:
            count = int(np.prod(entry['shape'])) if entry['shape'] else 1
            quant = entry.get('quantization')
            if quant:
                if quant['dtype'] != 'uint8':
                    raise ValueError(f"unsupported quantisation {quant['dtype']} for {entry['name']}")
                q = np.frombuffer(data, dtype=np.uint8, count=count, offset=offset)
                offset += count
                # tfjs computes q*scale+min in double precision and stores float32.
                value = (q.astype(np.float64) * quant['scale'] + quant['min']).astype(np.float32)
            else:
                if entry['dtype'] != 'float32':
                    raise ValueError(f"unsupported dtype {entry['dtype']} for {entry['name']}")
                value = np.frombuffer(data, dtype='<f4', count=count, offset=offset).astype(np.float32)
                offset += count * 4
            weights[entry['name']] = value.reshape(entry['shape'])
        if offset != len(data):
            raise ValueError(f'manifest describes {offset} bytes but the .bin has {len(data)}')
    return weights


class Act:
    """A tensor between layers: float (scale None) or uint8 with its quantisation (real = scale * (q - zero_point))."""

    def __init__(self, name, scale=None, zero_point=None):
        self.name, self.scale, self.zero_point = name, scale, zero_point


class GraphBuilder:
    """Collects ONNX nodes and initialisers with predictable names.

    With int8=True every ReLU6 conv is written in QDQ form (DequantizeLinear on its uint8 input, int8 weights and
    int32 bias, QuantizeLinear on its output) so onnxruntime fuses it into one QLinearConv; other convs stay float."""

    def __init__(self, int8=False):
        self.nodes = []
        self.inits = []
        self.int8 = int8
        self.names = set()

    def const(self, name, array):
        # np.ascontiguousarray would turn a 0-d scalar into shape [1]; keep scalars scalar.
        array = np.asarray(array) if np.ndim(array) == 0 else np.ascontiguousarray(array)
        self.inits.append(numpy_helper.from_array(array, name))
        self.names.add(name)
        return name

    def shared_const(self, name, array):
        return name if name in self.names else self.const(name, array)

    def op(self, op_type, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    def conv(self, x, weight_hwio, bias, stride, name, group=1, clip6=True):
        """Conv with TF-layout weights [kh, kw, in, out] (or [kh, kw, in, 1] depthwise) on Act x; returns an Act.

        SAME_UPPER is TF's 'SAME': the odd padding pixel goes at the bottom/right, for any input size."""
        kernel = weight_hwio.shape[0]
        w = weight_hwio.transpose(3, 2, 0, 1) if group == 1 else weight_hwio.transpose(2, 3, 0, 1)
        attrs = dict(kernel_shape=[kernel, kernel], strides=[stride, stride], auto_pad='SAME_UPPER', group=group)
        if not self.int8 or not clip6:
            x_float = self.dequantize(x, f'{name}.input')
            inputs = [x_float, self.const(f'{name}.weight', w.astype(np.float32)), self.const(f'{name}.bias', bias.astype(np.float32))]
            y = self.op('Conv', inputs, name, **attrs)
            if clip6:
                y = self.op('Clip', [y, 'relu6.min', 'relu6.max'], f'{name}.relu6')
            return Act(y)
        return self.qdq_conv(x, np.asarray(w, np.float64), np.asarray(bias, np.float64), name, attrs)

    def dequantize(self, x, name):
        if x.scale is None:
            return x.name
        # One DequantizeLinear per consumer, as onnxruntime's QDQ fusion expects.
        return self.op('DequantizeLinear', [x.name, self.act_scale(x), self.act_zero_point(x)], f'{name}.dq')

    def act_scale(self, x):
        return self.shared_const(f'{x.name}.scale', np.array(x.scale, np.float32))

    def act_zero_point(self, x):
        return self.shared_const(f'{x.name}.zero_point', np.array(x.zero_point, np.uint8))

    def qdq_conv(self, x, w, bias, name, attrs):
        """ReLU6 conv as DQ(x), DQ(int8 w), DQ(int32 bias) -> Conv -> Q(uint8, 0..6).

        Weights: symmetric int8 per output channel. The QuantizeLinear with scale 6/255 and zero point 0 saturates at
        0 and 6, so it is the ReLU6 itself and no Clip is written."""
        out_ch = w.shape[0]
        w_max = np.abs(w.reshape(out_ch, -1)).max(axis=1)
        w_scale = np.where(w_max > 0, w_max / INT8_MAX, 1.0).astype(np.float32)
        w_q = np.clip(np.round(w / w_scale.astype(np.float64).reshape(-1, 1, 1, 1)), -INT8_MAX, INT8_MAX).astype(np.int8)
        b_scale = (np.float32(x.scale) * w_scale).astype(np.float32)
        b_q = np.round(bias / b_scale.astype(np.float64)).astype(np.int32)
        wq = self.op('DequantizeLinear', [self.const(f'{name}.weight.q', w_q), self.const(f'{name}.weight.scale', w_scale),
                                          self.const(f'{name}.weight.zero_point', np.zeros(out_ch, np.int8))],
                     f'{name}.weight', axis=0)
        bq = self.op('DequantizeLinear', [self.const(f'{name}.bias.q', b_q), self.const(f'{name}.bias.scale', b_scale),
                                          self.const(f'{name}.bias.zero_point', np.zeros(out_ch, np.int32))],
                     f'{name}.bias', axis=0)
        y = self.op('Conv', [self.dequantize(x, f'{name}.input'), wq, bq], name, **attrs)
        out = Act(f'{name}.q', RELU6_SCALE, 0)
        self.op('QuantizeLinear', [y, self.act_scale(out), self.act_zero_point(out)], out.name)
        return out


def pointwise(g, w, prefix, idx, x, stride, name, input_offset=0.0):
    weight = w[f'{prefix}/Conv2d_{idx}_pointwise/weights']
    bias = w[f'{prefix}/Conv2d_{idx}_pointwise/convolution_bn_offset']
    if input_offset:
        # conv(w, x + c) = conv(w, x) + c * sum(w) wherever the kernel sees no padding.
        bias = bias.astype(np.float64) + input_offset * weight.astype(np.float64).sum(axis=(0, 1, 2))
    return g.conv(x, weight, bias, stride, name)


def depthwise(g, w, idx, x, stride):
    p = f'MobilenetV1/Conv2d_{idx}_depthwise'
    # Fold batch norm into the depthwise filter, in float64 so folding adds no rounding of its own.
    gamma = w[f'{p}/BatchNorm/gamma'].astype(np.float64)
    beta = w[f'{p}/BatchNorm/beta'].astype(np.float64)
    mean = w[f'{p}/BatchNorm/moving_mean'].astype(np.float64)
    var = w[f'{p}/BatchNorm/moving_variance'].astype(np.float64)
    factor = gamma / np.sqrt(var + BN_EPSILON)
    weight = w[f'{p}/depthwise_weights'].astype(np.float64) * factor.reshape(1, 1, -1, 1)
    bias = beta - mean * factor
    return g.conv(x, weight, bias, stride, f'backbone.{idx}.depthwise', group=weight.shape[2])


def box_predictor(g, w, idx, x, name_prefix):
    """Returns (encodings [N,H*W*A,4], face logits [N,H*W*A], raw box conv) in TF's (h, w, anchor) order."""
    p = f'Prediction/BoxPredictor_{idx}'
    raw = g.conv(x, w[f'{p}/BoxEncodingPredictor/weights'], w[f'{p}/BoxEncodingPredictor/biases'], 1,
                 f'{name_prefix}.box', clip6=False).name
    # Keep only the face channel of each anchor's (background, face, unused) triple.
    cls_w = w[f'{p}/ClassPredictor/weights'][..., FACE_CLASS::CLASSES_PER_ANCHOR]
    cls_b = w[f'{p}/ClassPredictor/biases'][FACE_CLASS::CLASSES_PER_ANCHOR]
    cls = g.conv(x, cls_w, cls_b, 1, f'{name_prefix}.face', clip6=False).name
    enc = g.op('Transpose', [raw], f'{name_prefix}.box.nhwc', perm=[0, 2, 3, 1])
    enc = g.op('Reshape', [enc, 'shape.boxes'], f'{name_prefix}.box.flat')
    cls = g.op('Transpose', [cls], f'{name_prefix}.face.nhwc', perm=[0, 2, 3, 1])
    cls = g.op('Reshape', [cls, 'shape.scores'], f'{name_prefix}.face.flat')
    return enc, cls, raw


def anchor_pixel_sizes(anchors):
    """Per predictor level, the (w, h) of each anchor in pixels of the 512 input the model was trained at.

    TF's grid anchor generator puts anchor (i, j) of a g x g grid at centre ((i + 0.5) / g, (j + 0.5) / g) with
    sizes that do not depend on the cell; read the sizes from the first cell of each level and check the rule."""
    levels, start = [], 0
    for level, grid in enumerate(PREDICTOR_GRIDS):
        per_cell = 3 if level == 0 else 6
        count = grid * grid * per_cell
        block = anchors[start:start + count].reshape(grid, grid, per_cell, 4)
        wh = np.stack([block[0, 0, :, 3] - block[0, 0, :, 1], block[0, 0, :, 2] - block[0, 0, :, 0]], axis=1) * INPUT_SIZE
        centre = (np.arange(grid) + 0.5) / grid
        rebuilt = np.empty_like(block)
        rebuilt[..., 0] = centre[:, None, None] - wh[None, None, :, 1] / INPUT_SIZE / 2
        rebuilt[..., 1] = centre[None, :, None] - wh[None, None, :, 0] / INPUT_SIZE / 2
        rebuilt[..., 2] = centre[:, None, None] + wh[None, None, :, 1] / INPUT_SIZE / 2
        rebuilt[..., 3] = centre[None, :, None] + wh[None, None, :, 0] / INPUT_SIZE / 2
        err = np.abs(rebuilt - block).max()
        if err > 1e-5:
            raise ValueError(f'anchors of level {level} do not follow the grid rule (max error {err})')
        levels.append(wh)
        start += count
    if start != anchors.shape[0]:
        raise ValueError(f'unexpected anchor count {anchors.shape[0]}')
    return levels


def anchor_level(g, level, raw_box, sizes_wh, image_hw):
    """Anchors [H*W*A, 4] as (cx, cy, w, h) normalised to the input, for the grid of `raw_box`."""
    n = f'anchors.{level}'
    shape = g.op('Shape', [raw_box], f'{n}.shape')
    gh = g.op('Gather', [shape, 'index.2'], f'{n}.gh')
    gw = g.op('Gather', [shape, 'index.3'], f'{n}.gw')

    def centres(count, axis):
        r = g.op('Range', ['int.0', count, 'int.1'], f'{n}.{axis}.range')
        r = g.op('Cast', [r], f'{n}.{axis}.float', to=TensorProto.FLOAT)
        r = g.op('Add', [r, 'float.half'], f'{n}.{axis}.mid')
        return g.op('Div', [r, g.op('Cast', [count], f'{n}.{axis}.count', to=TensorProto.FLOAT)], f'{n}.{axis}.centre')

    per_cell = sizes_wh.shape[0]
    grid_shape = g.op('Concat', [g.op('Unsqueeze', [gh, 'axes.0'], f'{n}.gh1'), g.op('Unsqueeze', [gw, 'axes.0'], f'{n}.gw1'),
                                 g.const(f'{n}.per.cell', np.array([per_cell], np.int64))], f'{n}.grid.shape', axis=0)
    cy = g.op('Reshape', [centres(gh, 'y'), g.const(f'{n}.y.shape', np.array([-1, 1, 1], np.int64))], f'{n}.cy')
    cx = g.op('Reshape', [centres(gw, 'x'), g.const(f'{n}.x.shape', np.array([1, -1, 1], np.int64))], f'{n}.cx')
    # Pixel sizes learned at 512 stay pixel sizes at any input size: divide by the input's own height/width.
    aw = g.op('Div', [g.const(f'{n}.w.px', sizes_wh[:, 0].astype(np.float32)), image_hw[1]], f'{n}.aw')
    ah = g.op('Div', [g.const(f'{n}.h.px', sizes_wh[:, 1].astype(np.float32)), image_hw[0]], f'{n}.ah')
    parts = [g.op('Unsqueeze', [g.op('Expand', [v, grid_shape], f'{n}.{k}.grid'), 'axes.3'], f'{n}.{k}.col')
             for k, v in (('cx', cx), ('cy', cy), ('aw', aw), ('ah', ah))]
    stacked = g.op('Concat', parts, f'{n}.stacked', axis=3)
    return g.op('Reshape', [stacked, 'shape.anchors'], n)


def build_graph(w, int8=False):
    g = GraphBuilder(int8)
    if not int8:
        g.const('relu6.min', np.array(0, np.float32))
        g.const('relu6.max', np.array(6, np.float32))
    g.const('shape.boxes', np.array([0, -1, 4], np.int64))
    g.const('shape.scores', np.array([0, -1], np.int64))
    g.const('shape.anchors', np.array([-1, 4], np.int64))
    g.const('index.1', np.array(1, np.int64))
    g.const('index.2', np.array(2, np.int64))
    g.const('index.3', np.array(3, np.int64))
    g.const('int.0', np.array(0, np.int64))
    g.const('int.1', np.array(1, np.int64))
    g.const('float.half', np.array(0.5, np.float32))
    g.const('axes.0', np.array([0], np.int64))
    g.const('axes.3', np.array([3], np.int64))

    if int8:
        # The uint8 image is already a quantised tensor: (x - 128) / 127.5. face-api uses (x - 127.5) / 127.5; the
        # first conv's bias takes the 0.5 / 127.5 difference (exact except on the padded bottom/right border).
        image_shape = g.op('Shape', ['image'], 'input.shape')
        x = Act(g.op('Transpose', ['image'], 'input.nchw', perm=[0, 3, 1, 2]), INPUT_SCALE, INPUT_ZERO_POINT)
    else:
        # uint8 NHWC -> float NCHW in -1..1 (face-api: x / 127.5 - 1).
        x = g.op('Cast', ['image'], 'input.float', to=TensorProto.FLOAT)
        image_shape = g.op('Shape', [x], 'input.shape')
    image_hw = [g.op('Cast', [g.op('Gather', [image_shape, f'index.{i}'], f'input.{k}.int')], f'input.{k}', to=TensorProto.FLOAT)
                for i, k in ((1, 'height'), (2, 'width'))]
    if not int8:
        x = g.op('Transpose', [x], 'input.nchw', perm=[0, 3, 1, 2])
        x = g.op('Div', [x, g.const('norm.div', np.array(127.5, np.float32))], 'input.scaled')
        x = Act(g.op('Sub', [x, g.const('norm.sub', np.array(1.0, np.float32))], 'input.normalised'))

    x = pointwise(g, w, 'MobilenetV1', 0, x, 2, 'backbone.0.pointwise',
                  input_offset=(0.5 / 127.5) if int8 else 0.0)
    conv11 = None
    for idx in range(1, 14):
        x = depthwise(g, w, idx, x, 2 if idx in DEPTHWISE_STRIDE2 else 1)
        x = pointwise(g, w, 'MobilenetV1', idx, x, 1, f'backbone.{idx}.pointwise')
        if idx == 11:
            conv11 = x
    features = [conv11, x]  # Acts
    extra = x
    for idx in range(8):
        extra = pointwise(g, w, 'Prediction', idx, extra, 2 if idx % 2 else 1, f'extra.{idx}')
        if idx % 2:
            features.append(extra)

    stored = w['Output/extra_dim'].reshape(-1, 4).astype(np.float64)
    sizes = anchor_pixel_sizes(stored)
    encodings, logits, anchors = [], [], []
    for idx, feat in enumerate(features):
        enc, cls, raw = box_predictor(g, w, idx, feat, f'head.{idx}')
        encodings.append(enc)
        logits.append(cls)
        anchors.append(anchor_level(g, idx, raw, sizes[idx], image_hw))
    enc = g.op('Concat', encodings, 'encodings', axis=1)
    logit = g.op('Concat', logits, 'face.logits', axis=1)
    g.op('Sigmoid', [logit], 'scores')
    anchor = g.op('Concat', anchors, 'anchors', axis=0)

    # Box coder: encodings are (ty, tx, th, tw); swap to (tx, ty) and (tw, th) to match (cx, cy, w, h) anchors.
    def cols(t, begin, name):
        sl = g.op('Slice', [t, g.const(f'{name}.begin', np.array([begin], np.int64)),
                            g.const(f'{name}.end', np.array([begin + 2], np.int64)), 'axes.last'], f'{name}.slice')
        return sl

    g.const('axes.last', np.array([-1], np.int64))
    swap = g.const('swap.index', np.array([1, 0], np.int64))
    enc_xy = g.op('Gather', [cols(enc, 0, 'enc.center'), swap], 'enc.center.xy', axis=2)
    enc_wh = g.op('Gather', [cols(enc, 2, 'enc.size'), swap], 'enc.size.wh', axis=2)
    a_center = cols(anchor, 0, 'anchor.center')
    a_size = cols(anchor, 2, 'anchor.size')
    center = g.op('Div', [enc_xy, g.const('center.scale', np.array(CENTER_SCALE, np.float32))], 'center.rel')
    center = g.op('Add', [g.op('Mul', [center, a_size], 'center.offset'), a_center], 'center')
    half = g.op('Exp', [g.op('Div', [enc_wh, g.const('size.scale', np.array(SIZE_SCALE, np.float32))], 'size.log')], 'size.factor')
    half = g.op('Mul', [g.op('Mul', [half, a_size], 'size'), 'float.half'], 'half.size')
    top_left = g.op('Sub', [center, half], 'top.left')
    bottom_right = g.op('Add', [center, half], 'bottom.right')
    g.op('Concat', [top_left, bottom_right], 'boxes', axis=2)

    graph = helper.make_graph(
        g.nodes, 'face-detector',
        [helper.make_tensor_value_info('image', TensorProto.UINT8, ['batch', 'height', 'width', 3])],
        [helper.make_tensor_value_info('boxes', TensorProto.FLOAT, ['batch', 'anchors', 4]),
         helper.make_tensor_value_info('scores', TensorProto.FLOAT, ['batch', 'anchors'])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='visage')
    model.ir_version = 7
    onnx.checker.check_model(model, full_check=True)
    return model, stored.shape[0]


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_atomic(path, data):
    tmp = f'{path}.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def parse_args(argv):
    parser = argparse.ArgumentParser(description='Convert face-api SSD-MobileNetV1 to ONNX.')
    parser.add_argument('--precision', choices=['int8', 'fp32'], default='int8',
                        help='int8 (QDQ, the shipped model) or fp32 (the exact float port, for parity checks)')
    parser.add_argument('--out-dir', default=OUT_DIR, help='folder for face-detector.onnx and .json')
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    with open(os.path.join(PKG_DIR, 'package.json')) as f:
        pkg = json.load(f)
    weights = read_weights()
    int8 = args.precision == 'int8'
    model, anchor_count = build_graph(weights, int8=int8)
    out_dir = os.path.abspath(args.out_dir)
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, f'{OUT_NAME}.onnx')
    write_atomic(onnx_path, model.SerializeToString())
    sidecar = {
        'name': 'face-detector',
        'architecture': 'SSD-MobileNetV1 (TF object-detection API), WIDER FACE',
        'input': {
            'name': 'image',
            'dims': [None, None, None, 3],
            'dtype': 'uint8',
            'layout': 'NHWC',
            'channels': 'RGB',
            'trainedSize': INPUT_SIZE,
            'sizeMultiple': SIZE_MULTIPLE,
            'normalisation': ('inside the graph: read as uint8 (x - 128) / 127.5, the half-step offset from face-api\'s '
                              'x / 127.5 - 1 folded into the first bias') if int8 else 'inside the graph: x / 127.5 - 1',
        },
        'outputs': {
            'boxes': {'name': 'boxes', 'dims': [None, None, 4],
                      'format': 'x1,y1,x2,y2 normalised to 0..1 of the input (may fall outside)'},
            'scores': {'name': 'scores', 'dims': [None, None], 'format': 'face probability (sigmoid)'},
        },
        'anchors': (f'decoded inside the graph (centre/10, size/5 box coder); anchors keep their pixel size from the '
                    f'{INPUT_SIZE}x{INPUT_SIZE} training input, so any height and width (multiples of {SIZE_MULTIPLE}) work; '
                    f'{anchor_count} anchors at {INPUT_SIZE}x{INPUT_SIZE}'),
        'precision': ('int8: ReLU6 convs in QDQ form (uint8 activations 0..6 with scale 6/255, symmetric int8 weights '
                      'per output channel, int32 biases), fused by onnxruntime into QLinearConv; heads, anchors and box '
                      'decoding in float') if int8 else 'fp32',
        'defaults': {'scoreThreshold': SCORE_THRESHOLD, 'nmsIou': NMS_IOU},
        'source': {
            'package': pkg['name'],
            'version': pkg['version'],
            'files': {name: sha256(os.path.join(MODEL_DIR, name)) for name in [MANIFEST, 'ssd_mobilenetv1_model.bin']},
        },
        'license': 'MIT',
        'onnxSha256': sha256(onnx_path),
    }
    write_atomic(os.path.join(out_dir, f'{OUT_NAME}.json'), (json.dumps(sidecar, indent=2) + '\n').encode())
    print(f'wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes, {len(model.graph.node)} nodes), sha256 {sidecar["onnxSha256"]}')


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
