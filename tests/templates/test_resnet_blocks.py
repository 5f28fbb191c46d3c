"""resnet-blocks: blocks of ResNet-18 and ResNet-50 as instances, keys against weight counting by hand,
shortcut rules, and the misconceptions."""

import pytest
from net_oracle import conv_weights, windows

from cnnexam.templates.resnet_blocks import TEMPLATE, ResNetBlockParams


@pytest.fixture(scope="module")
def many():
    return [TEMPLATE.variant(seed, d) for seed in range(100) for d in TEMPLATE.difficulties]


@pytest.mark.parametrize("params, key", [
    # ResNet-18/34 conv2_x: two 3x3 convolutions 64 -> 64, identity: 2*3*3*64*64 weights
    (ResNetBlockParams("basic", (64, 56, 56), 64, 1, "identity", False),
     {"shape": (64, 56, 56), "shortcut_params": 0, "total_params": 73728}),
    # ResNet-18 conv3_1 (torchvision layer2[0]) with batch norm: 73728+256 + 147456+256, shortcut 8192+256
    (ResNetBlockParams("basic", (64, 56, 56), 128, 2, "projection", True),
     {"shape": (128, 28, 28), "shortcut_params": 8448, "total_params": 230144}),
    # ResNet-50 conv2_1 (layer1[0]): 1x1 64->64, 3x3 64->64, 1x1 64->256, projection 64->256, batch norm
    (ResNetBlockParams("bottleneck", (64, 56, 56), 64, 1, "projection", True),
     {"shape": (256, 56, 56), "shortcut_params": 16384 + 512, "total_params": 75008}),
    # ResNet-50 conv3_1 (layer2[0]): 256 -> 128 -> 128 (stride 2) -> 512, projection 256 -> 512 stride 2
    (ResNetBlockParams("bottleneck", (256, 56, 56), 128, 2, "projection", True),
     {"shape": (512, 28, 28), "shortcut_params": 131072 + 1024, "total_params": 379392}),
])
def test_resnet_instances(params, key):
    # totals as torchvision's modules count them (sum of parameter sizes)
    assert TEMPLATE.solve(params) == key


def oracle(p):
    """Shape and parameters by counting each convolution's weights and batch norm's 2 per channel."""
    c_in, h, _ = p.input_shape
    out = p.planes * (4 if p.block == "bottleneck" else 1)
    if p.block == "basic":
        convs = [(c_in, p.planes, 3), (p.planes, p.planes, 3)]
    else:
        convs = [(c_in, p.planes, 1), (p.planes, p.planes, 3), (p.planes, out, 1)]
    bn = 2 if p.batch_norm else 0
    shortcut = conv_weights(c_in, out, 1) + bn * out if p.shortcut == "projection" else 0
    total = sum(conv_weights(a, b, k) + bn * b for a, b, k in convs) + shortcut
    size = windows(h, 3, p.stride, 1)
    return {"shape": (out, size, size), "shortcut_params": shortcut, "total_params": total}


def test_keys_against_counting(many):
    for v in many:
        assert v.answers == oracle(v.params), (v.seed, v.difficulty)


def test_projection_exactly_when_the_shape_changes(many):
    for v in many:
        p = v.params
        changes = p.stride != 1 or p.input_shape[0] != v.answers["shape"][0]
        assert (p.shortcut == "projection") == changes
        assert (v.answers["shortcut_params"] == 0) == (p.shortcut == "identity")
        assert v.answers["shape"][1] == (p.input_shape[1] - 1) // p.stride + 1


def test_batch_norm_is_stated_when_counted(many):
    for v in many:
        text = " ".join(b.text for b in v.question if hasattr(b, "text"))
        assert ("scale and shift" in text) == v.params.batch_norm
        assert "no bias" in text


def test_hard_bottlenecks_leave_the_expansion_to_the_student(many):
    for v in many:
        p = v.params
        bullets = next(b for b in v.question if hasattr(b, "items")).items
        shown = f"{p.planes * 4} filters" in " ".join(bullets)
        if p.block == "bottleneck":
            assert shown == (v.difficulty == "medium")


def test_misconception_answers():
    params = ResNetBlockParams("bottleneck", (256, 56, 56), 128, 2, "projection", False)
    key = TEMPLATE.solve(params)
    wrong = {m.name: m.answers for m in TEMPLATE.misconceptions(params, key)}
    assert wrong["forgot-projection-shortcut"] == {"shortcut_params": 0, "total_params": key["total_params"] - 131072}
    assert wrong["ignored-stride"] == {"shape": (512, 56, 56)}
    assert wrong["forgot-bottleneck-expansion"]["shape"] == (128, 28, 28)
    identity = ResNetBlockParams("basic", (64, 56, 56), 64, 1, "identity", False)
    wrong = {m.name: m.answers for m in TEMPLATE.misconceptions(identity, TEMPLATE.solve(identity))}
    assert wrong["identity-shortcut-with-parameters"] == {"shortcut_params": 4096, "total_params": 73728 + 4096}


@pytest.mark.parametrize("name", ["forgot-projection-shortcut", "identity-shortcut-with-parameters",
                                  "counted-conv-biases", "ignored-stride", "forgot-bottleneck-expansion",
                                  "batch-norm-running-statistics", "forgot-batch-norm"])
def test_misconception_appears(name, many):
    assert any(name in {m.name for m in v.misconceptions} for v in many)
