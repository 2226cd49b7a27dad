#!/usr/bin/python3
"""Convert face-api's SSD-MobileNetV1 face detector (tfjs uint8-quantised weights) to ONNX.

Reads node_modules/@vladmandic/face-api/model/ssd_mobilenetv1_model-weights_manifest.json and its .bin,
dequantises every weight (value = q * scale + min, as tfjs does), builds the same network with onnx.helper
(NCHW inside, TF 'SAME' padding written as explicit asymmetric pads) and writes:

  assets/models/face-detector.onnx   opset 13, dynamic batch
  assets/models/face-detector.json   sidecar read by src/models/face-detector.ts

The graph takes uint8 RGB tiles [N,512,512,3] (NHWC, exactly what a raw image buffer holds), normalises them to
-1..1 inside, and decodes the box regressions against the model's own anchors inside, so the outputs are
boxes [N,5118,4] as (x1, y1, x2, y2) in 0..1 of the tile, and face scores [N,5118] after the sigmoid.
Non-maximum suppression is left to the caller.

Run: /usr/bin/python3 tools/convert-face-detector.py   (same inputs give a byte-identical file)
"""
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

INPUT_SIZE = 512
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


class GraphBuilder:
    """Collects ONNX nodes and initialisers with predictable names."""

    def __init__(self):
        self.nodes = []
        self.inits = []
        self.count = 0

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attrs))
        return name

    def same_pads(self, size, kernel, stride):
        """TF 'SAME' padding: the odd pixel goes at the end (bottom/right)."""
        out = -(-size // stride)
        total = max((out - 1) * stride + kernel - size, 0)
        return total // 2, total - total // 2, out

    def conv(self, x, size, weight_hwio, bias, stride, name, group=1, clip6=True):
        """Conv with TF-layout weights [kh, kw, in, out] (or [kh, kw, in, 1] depthwise)."""
        kernel = weight_hwio.shape[0]
        begin, end, out_size = self.same_pads(size, kernel, stride)
        if group == 1:
            w = weight_hwio.transpose(3, 2, 0, 1)
        else:
            w = weight_hwio.transpose(2, 3, 0, 1)
        inputs = [x, self.const(f'{name}.weight', w.astype(np.float32)), self.const(f'{name}.bias', bias.astype(np.float32))]
        y = self.op('Conv', inputs, name, kernel_shape=[kernel, kernel], strides=[stride, stride],
                    pads=[begin, begin, end, end], group=group)
        if clip6:
            y = self.op('Clip', [y, 'relu6.min', 'relu6.max'], f'{name}.relu6')
        return y, out_size


def pointwise(g, w, prefix, idx, x, size, stride, name):
    weight = w[f'{prefix}/Conv2d_{idx}_pointwise/weights']
    bias = w[f'{prefix}/Conv2d_{idx}_pointwise/convolution_bn_offset']
    return g.conv(x, size, weight, bias, stride, name)


def depthwise(g, w, idx, x, size, stride):
    p = f'MobilenetV1/Conv2d_{idx}_depthwise'
    # Fold batch norm into the depthwise filter, in float64 so folding adds no rounding of its own.
    gamma = w[f'{p}/BatchNorm/gamma'].astype(np.float64)
    beta = w[f'{p}/BatchNorm/beta'].astype(np.float64)
    mean = w[f'{p}/BatchNorm/moving_mean'].astype(np.float64)
    var = w[f'{p}/BatchNorm/moving_variance'].astype(np.float64)
    factor = gamma / np.sqrt(var + BN_EPSILON)
    weight = w[f'{p}/depthwise_weights'].astype(np.float64) * factor.reshape(1, 1, -1, 1)
    bias = beta - mean * factor
    return g.conv(x, size, weight, bias, stride, f'backbone.{idx}.depthwise', group=weight.shape[2])


def box_predictor(g, w, idx, x, name_prefix):
    """Returns (encodings [N,A*H*W,4], face logits [N,A*H*W]) in TF's (h, w, anchor) order."""
    p = f'Prediction/BoxPredictor_{idx}'
    enc, _ = g.conv(x, 1, w[f'{p}/BoxEncodingPredictor/weights'], w[f'{p}/BoxEncodingPredictor/biases'], 1,
                    f'{name_prefix}.box', clip6=False)
    # Keep only the face channel of each anchor's (background, face, unused) triple.
    cls_w = w[f'{p}/ClassPredictor/weights'][..., FACE_CLASS::CLASSES_PER_ANCHOR]
    cls_b = w[f'{p}/ClassPredictor/biases'][FACE_CLASS::CLASSES_PER_ANCHOR]
    cls, _ = g.conv(x, 1, cls_w, cls_b, 1, f'{name_prefix}.face', clip6=False)
    enc = g.op('Transpose', [enc], f'{name_prefix}.box.nhwc', perm=[0, 2, 3, 1])
    enc = g.op('Reshape', [enc, 'shape.boxes'], f'{name_prefix}.box.flat')
    cls = g.op('Transpose', [cls], f'{name_prefix}.face.nhwc', perm=[0, 2, 3, 1])
    cls = g.op('Reshape', [cls, 'shape.scores'], f'{name_prefix}.face.flat')
    return enc, cls


def build_graph(w):
    g = GraphBuilder()
    g.const('relu6.min', np.array(0, np.float32))
    g.const('relu6.max', np.array(6, np.float32))
    g.const('shape.boxes', np.array([0, -1, 4], np.int64))
    g.const('shape.scores', np.array([0, -1], np.int64))

    # uint8 NHWC -> float NCHW in -1..1 (face-api: x / 127.5 - 1).
    x = g.op('Cast', ['image'], 'input.float', to=TensorProto.FLOAT)
    x = g.op('Transpose', [x], 'input.nchw', perm=[0, 3, 1, 2])
    x = g.op('Div', [x, g.const('norm.div', np.array(127.5, np.float32))], 'input.scaled')
    x = g.op('Sub', [x, g.const('norm.sub', np.array(1.0, np.float32))], 'input.normalised')

    size = INPUT_SIZE
    x, size = pointwise(g, w, 'MobilenetV1', 0, x, size, 2, 'backbone.0.pointwise')
    conv11 = None
    for idx in range(1, 14):
        x, size = depthwise(g, w, idx, x, size, 2 if idx in DEPTHWISE_STRIDE2 else 1)
        x, size = pointwise(g, w, 'MobilenetV1', idx, x, size, 1, f'backbone.{idx}.pointwise')
        if idx == 11:
            conv11 = x
    features = [conv11, x]
    extra = x
    for idx in range(8):
        extra, size = pointwise(g, w, 'Prediction', idx, extra, size, 2 if idx % 2 else 1, f'extra.{idx}')
        if idx % 2:
            features.append(extra)

    encodings, logits = [], []
    for idx, feat in enumerate(features):
        enc, cls = box_predictor(g, w, idx, feat, f'head.{idx}')
        encodings.append(enc)
        logits.append(cls)
    enc = g.op('Concat', encodings, 'encodings', axis=1)
    logit = g.op('Concat', logits, 'face.logits', axis=1)
    g.op('Sigmoid', [logit], 'scores')

    # Decode against the anchors (stored as y1, x1, y2, x2) straight into x1, y1, x2, y2.
    anchors = w['Output/extra_dim'].reshape(-1, 4).astype(np.float64)
    if anchors.shape[0] != sum(3 * 32 * 32 if i == 0 else 6 * s * s for i, s in enumerate(PREDICTOR_GRIDS)):
        raise ValueError(f'unexpected anchor count {anchors.shape[0]}')
    a_size = np.stack([anchors[:, 3] - anchors[:, 1], anchors[:, 2] - anchors[:, 0]], axis=1)  # w, h
    a_center = np.stack([anchors[:, 1], anchors[:, 0]], axis=1) + a_size / 2  # cx, cy
    enc_yx = g.op('Slice', [enc, g.const('slice.c.begin', np.array([0], np.int64)),
                            g.const('slice.c.end', np.array([2], np.int64)),
                            g.const('slice.axis', np.array([2], np.int64))], 'enc.center.yx')
    enc_hw = g.op('Slice', [enc, g.const('slice.s.begin', np.array([2], np.int64)),
                            g.const('slice.s.end', np.array([4], np.int64)), 'slice.axis'], 'enc.size.hw')
    # Swap (y, x) -> (x, y) and (h, w) -> (w, h) with a tiny gather.
    swap = g.const('swap.index', np.array([1, 0], np.int64))
    enc_xy = g.op('Gather', [enc_yx, swap], 'enc.center.xy', axis=2)
    enc_wh = g.op('Gather', [enc_hw, swap], 'enc.size.wh', axis=2)
    center = g.op('Mul', [enc_xy, g.const('anchor.size.over.center', (a_size / CENTER_SCALE).astype(np.float32))], 'center.offset')
    center = g.op('Add', [center, g.const('anchor.center', a_center.astype(np.float32))], 'center')
    half = g.op('Div', [enc_wh, g.const('size.scale', np.array(SIZE_SCALE, np.float32))], 'size.log')
    half = g.op('Exp', [half], 'size.factor')
    half = g.op('Mul', [half, g.const('anchor.half.size', (a_size / 2).astype(np.float32))], 'half.size')
    top_left = g.op('Sub', [center, half], 'top.left')
    bottom_right = g.op('Add', [center, half], 'bottom.right')
    g.op('Concat', [top_left, bottom_right], 'boxes', axis=2)

    anchor_count = anchors.shape[0]
    graph = helper.make_graph(
        g.nodes, 'face-detector',
        [helper.make_tensor_value_info('image', TensorProto.UINT8, ['batch', INPUT_SIZE, INPUT_SIZE, 3])],
        [helper.make_tensor_value_info('boxes', TensorProto.FLOAT, ['batch', anchor_count, 4]),
         helper.make_tensor_value_info('scores', TensorProto.FLOAT, ['batch', anchor_count])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='visage')
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model, anchor_count


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_atomic(path, data):
    tmp = f'{path}.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    with open(os.path.join(PKG_DIR, 'package.json')) as f:
        pkg = json.load(f)
    weights = read_weights()
    model, anchor_count = build_graph(weights)
    os.makedirs(OUT_DIR, exist_ok=True)
    onnx_path = os.path.join(OUT_DIR, f'{OUT_NAME}.onnx')
    write_atomic(onnx_path, model.SerializeToString())
    sidecar = {
        'name': 'face-detector',
        'architecture': 'SSD-MobileNetV1 (TF object-detection API), WIDER FACE',
        'input': {
            'name': 'image',
            'dims': [None, INPUT_SIZE, INPUT_SIZE, 3],
            'dtype': 'uint8',
            'layout': 'NHWC',
            'channels': 'RGB',
            'size': INPUT_SIZE,
            'normalisation': 'inside the graph: x / 127.5 - 1',
        },
        'outputs': {
            'boxes': {'name': 'boxes', 'dims': [None, anchor_count, 4],
                      'format': 'x1,y1,x2,y2 normalised to 0..1 of the input tile (may fall outside)'},
            'scores': {'name': 'scores', 'dims': [None, anchor_count], 'format': 'face probability (sigmoid)'},
        },
        'anchors': f'{anchor_count} anchors decoded inside the graph (centre/10, size/5 box coder)',
        'defaults': {'scoreThreshold': SCORE_THRESHOLD, 'nmsIou': NMS_IOU},
        'source': {
            'package': pkg['name'],
            'version': pkg['version'],
            'files': {name: sha256(os.path.join(MODEL_DIR, name)) for name in [MANIFEST, 'ssd_mobilenetv1_model.bin']},
        },
        'license': 'MIT',
        'onnxSha256': sha256(onnx_path),
    }
    write_atomic(os.path.join(OUT_DIR, f'{OUT_NAME}.json'), (json.dumps(sidecar, indent=2) + '\n').encode())
    print(f'wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes, {len(model.graph.node)} nodes), sha256 {sidecar["onnxSha256"]}')


if __name__ == '__main__':
    sys.exit(main())
