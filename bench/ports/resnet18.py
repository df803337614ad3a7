"""ResNet-18 written by hand for MLX, the way an MLX port would be: channels-last (NHWC) from the stem to
the pooled features, nn.Conv2d/BatchNorm/MaxPool2d on NHWC directly, global average pooling as one
mx.mean, no helpers. Parameter names follow the translation's tree (torchvision's names, Sequential
children under `layers`), so both load the same converted weights."""
import mlx.core as mx
import mlx.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm(planes)
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm(planes))
        else:
            self.downsample = None

    def __call__(self, x):
        out = nn.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return nn.relu(out + shortcut)


class ResNet(nn.Module):
    def __init__(self, layers=(2, 2, 2, 2), num_classes=1000, width=64):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm(width)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        inplanes = width
        for i, blocks in enumerate(layers):
            planes = width * 2**i
            stage = [BasicBlock(inplanes, planes, 1 if i == 0 else 2)]
            stage += [BasicBlock(planes, planes) for _ in range(1, blocks)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*stage))
            inplanes = planes
        self.fc = nn.Linear(inplanes, num_classes)

    def __call__(self, x):
        # the caller hands torch's NCHW images (the same inputs as the translation): one transpose in
        x = x.transpose(0, 2, 3, 1)
        x = self.maxpool(nn.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(mx.mean(x, axis=(1, 2)))


def build(args):
    """`args` are the golden parity.json constructor arguments."""
    return ResNet(tuple(args.get("layers", (2, 2, 2, 2))), args.get("num_classes", 1000), args.get("width", 64))
