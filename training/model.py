"""Emotion networks for 48x48 grayscale faces. Only the networks and their config live here."""
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class ModelConfig:
    arch: str = "resnet18n"  # resnet18n | vgg | mini_xception
    width: int = 32  # channels of the first stage; later stages double
    in_channels: int = 1
    num_classes: int = 7
    dropout: float = 0.2


def conv_bn(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            conv_bn(cin, cout, stride),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
        )
        self.skip = nn.Identity()
        if stride != 1 or cin != cout:
            self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(self.body(x) + self.skip(x))


class ResNet18N(nn.Module):
    """ResNet-18 layout (2-2-2-2 basic blocks) with a 3x3 stride-1 stem and no max-pool: 48 -> 48/24/12/6."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        w = [c.width, c.width * 2, c.width * 4, c.width * 8]
        layers = [conv_bn(c.in_channels, w[0])]
        cin = w[0]
        for i, cout in enumerate(w):
            for j in range(2):
                layers.append(BasicBlock(cin, cout, 2 if (i > 0 and j == 0) else 1))
                cin = cout
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(c.dropout), nn.Linear(cin, c.num_classes))

    def forward(self, x):
        return self.head(self.features(x))


class VGG(nn.Module):
    """Four double-conv blocks with max-pool (48 -> 24 -> 12 -> 6 -> 3), then global pooling and a small FC head."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        layers, cin = [], c.in_channels
        for i in range(4):
            cout = c.width * 2**i
            layers += [conv_bn(cin, cout), conv_bn(cout, cout), nn.MaxPool2d(2)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(c.dropout),
            nn.Linear(cin, 256), nn.ReLU(inplace=True), nn.Dropout(c.dropout), nn.Linear(256, c.num_classes),
        )

    def forward(self, x):
        return self.head(self.features(x))


class SeparableConv(nn.Sequential):
    def __init__(self, cin: int, cout: int):
        super().__init__(nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1, bias=False))


class XceptionModule(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.body = nn.Sequential(
            SeparableConv(cin, cout), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            SeparableConv(cout, cout), nn.BatchNorm2d(cout),
            nn.MaxPool2d(3, 2, 1),
        )
        self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, 2, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.body(x) + self.skip(x)


class MiniXception(nn.Module):
    """mini-Xception (Arriaga et al. 2017): two plain convs, four residual separable modules, global pooling."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        w = c.width
        mods = [conv_bn(c.in_channels, w), conv_bn(w, w)]
        cin = w
        for i in range(4):
            mods.append(XceptionModule(cin, w * 2 ** (i + 1)))
            cin = w * 2 ** (i + 1)
        self.features = nn.Sequential(*mods)
        self.head = nn.Sequential(nn.Dropout(c.dropout), nn.Conv2d(cin, c.num_classes, 3, 1, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        return self.head(self.features(x))


ARCHS = {"resnet18n": ResNet18N, "vgg": VGG, "mini_xception": MiniXception}


class MeanEnsemble(nn.Module):
    """Averages the logits of separately trained networks: one ONNX graph, one runtime call per batch."""

    def __init__(self, members: list):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x):
        return torch.stack([m(x) for m in self.members]).mean(0)


def build_model(c: ModelConfig) -> nn.Module:
    if c.arch not in ARCHS:
        raise ValueError(f"arch must be one of {sorted(ARCHS)}, got {c.arch!r}")
    return ARCHS[c.arch](c)
