"""1x1 convolutions and residual learning: channel mixing and reduction, F(x) + x, the degradation
problem (deeper plain networks have HIGHER training error: not overfitting), identity vs projection
shortcuts.

Concept questions from a bank of claims and choices (each with its source) plus a computed part: the
output shape or the parameter count of a 1x1 convolution (in hard variants a ResNet projection
shortcut with stride 2), through ``conv_output_size`` and ``conv_params``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnexam.model import Steps, AnswerBox, IntegerAnswer, Params, ShapeAnswer, Slot, Text
from cnnexam.solutions import conv_output_size, conv_params
from cnnexam.solutions.worked import conv_params_steps, output_size_steps
from cnnexam.templates._concept_quiz import (
    Belief, Choice, Claim, ConceptTemplate, Option, Part, decode, distinct, draw, draw_claims, entry, index,
    subset_order)

RES, GLN, VGG = "He et al. 2015", "Szegedy et al. 2014", "Simonyan & Zisserman 2014"

NOTHING = Belief("1x1-does-nothing", "thought a 1x1 convolution does nothing because it sees one pixel",
                 "It mixes the channels: each output is a weighted sum of the C_in input values at that position, "
                 "plus a bias.")
KEEPS = Belief("1x1-keeps-channels", "thought a 1x1 convolution keeps the number of channels",
               "A convolution has as many output channels as filters: C_out, chosen freely.")
GROWS = Belief("1x1-grows-receptive-field", "thought a 1x1 convolution enlarges the receptive field",
               "A 1x1 kernel adds k - 1 = 0 to the receptive field; VGG uses 1x1 layers to add nonlinearity without "
               "changing it.")
AS_3X3 = Belief("1x1-as-3x3", "treated the 1x1 kernel like a 3x3 one",
                "A 1x1 kernel has one tap per input channel and does not shrink the map.")
NO_CIN = Belief("ignored-input-channels", "counted one weight per filter, ignoring the input channels",
                "Each 1x1 filter has one weight per input channel: C_in*C_out weights, plus C_out biases.")
OVERFIT = Belief("degradation-is-overfitting", "took the degradation problem for overfitting",
                 "The deeper plain network has higher TRAINING error too (56 vs 20 layers on CIFAR-10): it is harder "
                 "to optimize, it does not overfit.")
VANISH = Belief("degradation-is-vanishing-gradients", "blamed the degradation on vanishing gradients",
                "The ResNet paper argues this is unlikely: the plain nets use batch normalization and their gradients "
                "have healthy norms; they are harder to optimize.")
MULTIPLIES = Belief("residual-multiplies", "thought the shortcut multiplies", "The shortcut is added: y = F(x) + x, "
                                                                              "element by element.")
CONCAT = Belief("residual-vs-dense", "confused ResNet's addition with DenseNet's concatenation",
                "ResNet adds F(x) + x (the shapes must match); DenseNet concatenates feature maps.")
IDENTITY = Belief("identity-has-weights", "thought an identity shortcut has parameters",
                  "An identity shortcut passes x unchanged: no parameters, no computation besides the addition.")
ALWAYS = Belief("always-project", "thought every shortcut needs a projection",
                "Projections (1x1 convolutions) are used only where the dimensions change; identity shortcuts "
                "elsewhere.")
COSTLIER = Belief("deeper-is-costlier", "assumed a deeper network always needs more computation",
                  "ResNet-152 needs 11.3 billion FLOPs, VGG-16 15.3 billion: depth is not cost.")

CLAIMS = index([
    Claim("mix", "A 1x1 convolution mixes channels: each output value is a weighted sum of the input channels at the "
                 "same position.", True,
          "A linear transformation of the input channels (followed by a "
          "nonlinearity).", f"{VGG}, Sect. 2.1; slide 001", NOTHING, ("mix",)),
    Claim("nothing", "A 1x1 convolution has no effect, because each filter sees only one pixel.", False,
          "It combines the C_in channel values at each pixel into C_out new "
          "ones.", f"{VGG}, Sect. 2.1; slide 001", NOTHING, ("mix",)),
    Claim("keeps-size", "A 1x1 convolution with stride 1 and no padding keeps the height and width of its input.", True,
          "floor((n - 1)/1) + 1 = n.", "slides 003-004 (output size (n + 2p - f)/s + 1)", AS_3X3, ("size",)),
    Claim("keeps-channels", "A 1x1 convolution always keeps the number of channels.", False,
          "It has as many output channels as filters; GoogLeNet uses it to reduce "
          "them.", f"{GLN}, Sect. 4; slide 001", KEEPS, ("channels",)),
    Claim("filters", "A 1x1 convolution can have fewer or more output channels than input channels: one per "
                     "filter.", True,
          "Reduction (GoogLeNet, bottleneck blocks) or expansion (the last 1x1 of a "
          "bottleneck).", f"{GLN}, Sect. 4; {RES}, Sect. 4.1",
          KEEPS, ("channels",)),
    Claim("googlenet-reduce", "GoogLeNet uses 1x1 convolutions to reduce the number of channels before its expensive "
                              "3x3 and 5x5 convolutions.", True,
          "Dimension reduction removes computational "
          "bottlenecks.", f"{GLN}, Sect. 4; slides 000, 001", None, ("googlenet",)),
    Claim("googlenet-relu", "GoogLeNet's 1x1 reduction layers are followed by ReLUs, so they also add "
                            "nonlinearity.", True,
          "The paper calls them dual-purpose.", f"{GLN}, Sect. 4", NOTHING, ("googlenet-relu",)),
    Claim("vgg-c", "VGG's configuration C uses 1x1 convolutions to add nonlinearity without changing the receptive "
                   "fields.", True,
          "A 1x1 layer adds k - 1 = 0 to the receptive field; the ReLU after it adds "
          "nonlinearity.", f"{VGG}, Sect. 2.3", GROWS, ("rf",)),
    Claim("grows", "A 1x1 convolution enlarges the receptive field as much as a 3x3 convolution does.", False,
          "It adds nothing to the receptive field; a 3x3 layer adds 2.", f"{VGG}, Sect. 2.3", GROWS, ("rf",)),
    Claim("params", "A 1x1 convolution from C_in to C_out channels has C_in*C_out weights plus C_out biases.", True,
          "(F*F*D)*K + K with F = 1.", "slide 003 (number of weights (F*F*D)*K + K)", NO_CIN, ("params",)),
    Claim("params-cout", "A 1x1 convolution from C_in to C_out channels has only C_out weights, one per filter.", False,
          "Each filter has one weight per input channel: C_in*C_out weights in all.", "slide 003 (number of weights)",
          NO_CIN, ("params",)),
    Claim("projection", "ResNet's projection shortcut is a 1x1 convolution that matches the number of channels, with "
                        "stride 2 where the map size halves.", True,
          "Option B: projections only where dimensions "
          "increase.", f"{RES}, Sect. 3.3; slide 001", None, ("projection",)),
    Claim("bottleneck", "ResNet-50/101/152 use bottleneck blocks: a 1x1 convolution reduces the channels, a 3x3 "
                        "convolution works on fewer channels, and a 1x1 convolution restores them.", True,
          "The 3x3 layer becomes a bottleneck with smaller input and output "
          "dimensions.", f"{RES}, Sect. 4.1; slide 001", None, ("bottleneck",)),
    Claim("mobilenet", "MobileNet's pointwise convolutions are 1x1 convolutions that combine the outputs of its "
                       "depthwise convolutions.", True,
          "Depthwise convolutions filter each channel; the 1x1 pointwise layer combines "
          "them.", "Howard et al. 2017, Sect. 3.1", None, ("mobilenet",)),
    Claim("residual", "A residual block outputs F(x) + x: its layers learn the residual F(x) = H(x) - x instead of "
                      "H(x).", True,
          "If the identity were optimal, it would be easier to push F(x) to zero than to fit an "
          "identity.", f"{RES}, Sect. 3.1; slide 000",
          MULTIPLIES, ("residual",)),
    Claim("multiplies", "A residual block multiplies its input x by the output F(x) of its layers.", False,
          "It adds them: y = F(x) + x.", f"{RES}, Sect. 3.2", MULTIPLIES, ("residual",)),
    Claim("concatenates", "A residual block concatenates x and F(x) along the channels.", False,
          "It adds them element by element; concatenation is "
          "DenseNet's.", f"{RES}, Sect. 3.2; Huang et al. 2017", CONCAT, ("residual",)),
    Claim("degradation", "The degradation problem: a deeper plain network can have higher training error than a "
                         "shallower one (56 vs 20 layers on CIFAR-10).", True,
          "Not overfitting: the training error itself is "
          "higher.", f"{RES}, Sect. 1 and Fig. 1; slides 001, 003", OVERFIT, ("degradation",)),
    Claim("overfitting", "The degradation problem is overfitting: the deeper plain network has lower training error "
                         "but higher test error.", False,
          "The deeper plain network has higher training error as well, hence higher test "
          "error.", f"{RES}, Sect. 1 and Fig. 1; slides 001, 003",
          OVERFIT, ("degradation",)),
    Claim("not-vanishing", "ResNet's authors argue that the degradation of plain networks is unlikely to be caused by "
                           "vanishing gradients.", True,
          "The plain nets are trained with batch normalization and their gradients have healthy norms (slide 000 "
          "instead says "
          "ResNet solves vanishing gradients; the paper argues "
          "otherwise).", f"{RES}, Sect. 4.1", VANISH, ("vanishing",)),
    Claim("vanishing", "According to the ResNet paper, deep plain networks train badly because their gradients "
                       "vanish.", False,
          "The paper argues this is unlikely (batch normalization, healthy gradient norms) and conjectures slow "
          "convergence.",
          f"{RES}, Sect. 4.1", VANISH, ("vanishing",)),
    Claim("identity-free", "Identity shortcuts add neither parameters nor computation, apart from an element-wise "
                           "addition.", True,
          "They pass x unchanged, so plain and residual nets can be compared "
          "fairly.", f"{RES}, Sects. 1 and 3.2; slide 003",
          IDENTITY, ("identity",)),
    Claim("identity-params", "An identity shortcut adds as many parameters as the layers it skips.", False,
          "It adds none.", f"{RES}, Sect. 3.2", IDENTITY, ("identity",)),
    Claim("only-when", "ResNet uses a projection shortcut W_s x only where x and F(x) differ in shape, and identity "
                       "shortcuts elsewhere.", True,
          "Identity mapping is sufficient for addressing degradation and is "
          "economical.", f"{RES}, Sect. 3.2", ALWAYS, ("use",)),
    Claim("every-block", "ResNet needs a projection shortcut in every block so that x and F(x) can be added.", False,
          "Only where the dimensions change; elsewhere x and F(x) already have the same "
          "shape.", f"{RES}, Sect. 3.2", ALWAYS, ("use",)),
    Claim("option-c", "In ResNet's comparison, projecting every shortcut (option C) was only marginally better than "
                      "projecting only where dimensions change (option B).", True,
          "So projections are not essential for addressing the degradation "
          "problem.", f"{RES}, Sect. 4.1 and Table 3", ALWAYS, ("options",)),
    Claim("option-a", "ResNet's zero-padding shortcuts (option A) need extra parameters to increase the number of "
                      "channels.", False,
          "Option A pads the extra channels with zeros and introduces no extra "
          "parameter.", f"{RES}, Sect. 3.3", None, ("options",)),
    Claim("zero-weights", "If an identity mapping were optimal, a residual block could reach it by driving its "
                          "weights towards zero.", True,
          "Then F(x) = 0 and the block outputs x.", f"{RES}, Sect. 3.1", None, ("zero",)),
    Claim("construction", "A deeper network could match a shallower one by copying its layers and making the extra "
                          "layers identity mappings.", True,
          "So a deeper model should have no higher training error; plain nets fail to find such "
          "solutions.", f"{RES}, Sect. 1; slide 003",
          OVERFIT, ("construction",)),
    Claim("34-18", "On ImageNet, the 34-layer ResNet has lower training error than the 18-layer ResNet, the reverse "
                   "of the plain networks.", True,
          "Residual learning turns extra depth into accuracy (25.03% vs 27.88% top-1 validation "
          "error).", f"{RES}, Sect. 4.1 and Table 2",
          None, ("34-18",)),
    Claim("flops-less", "ResNet-152 (11.3 billion FLOPs) needs less computation than VGG-16 (15.3 billion "
                        "FLOPs).", True,
          "Bottleneck blocks and no big fully connected layers.", f"{RES}, Sect. 4.1", COSTLIER, ("flops",)),
    Claim("flops-more", "ResNet-152 needs more computation (FLOPs) than VGG-16.", False,
          "11.3 billion FLOPs against 15.3 billion.", f"{RES}, Sect. 4.1", COSTLIER, ("flops",)),
    Claim("bottleneck-identity", "In a bottleneck block, replacing the identity shortcut by a projection would "
                                 "roughly double the block's time complexity and model size.", True,
          "The shortcut connects the two high-dimensional "
          "ends.", f"{RES}, Sect. 4.1", IDENTITY, ("bottleneck-identity",)),
])


def _choice(id, prompt, options, why, source, *groups):
    return Choice(id, prompt, tuple(Option(*o) if isinstance(o, tuple) else Option(o) for o in options), why, source, groups)


CHOICES = index([
    _choice("why-worse", "Why does a deeper plain network (without shortcuts) end up with higher error than a "
                         "shallower one?",
            ["it is harder to optimize: even its training error is higher", ("it overfits: its training error is "
                                                                             "lower but its test error "
                                                                             "higher", OVERFIT),
             ("its gradients vanish, despite batch normalization", VANISH), "it has too few parameters"],
            "The degradation problem is an optimization "
            "difficulty.", f"{RES}, Sects. 1 and 4.1; slides 001, 003", "degradation", "vanishing"),
    _choice("block-output", "What does a residual block with input x and residual branch F output (before its last "
                            "ReLU)?",
            ["F(x) + x", ("F(x) * x, element by element", MULTIPLIES),
             ("F(x)", Belief("forgot-shortcut", "left out the shortcut", "A residual block outputs F(x) + x, not "
                                                                         "F(x).")),
             ("x and F(x) concatenated along the channels", CONCAT)], "The shortcut adds x to the branch's output.",
            f"{RES}, Sect. 3.2; slide 000", "residual"),
    _choice("inception-1x1", "What are the 1x1 convolutions in GoogLeNet's Inception modules (with dimension "
                             "reductions) for?",
            ["reducing the number of channels before the 3x3 and 5x5 "
             "convolutions", ("enlarging the receptive field", GROWS),
             "halving the height and width", "replacing the fully connected layers"],
            "Dimension reduction keeps the computation low.", f"{GLN}, Sect. 4; slides 000, 001", "googlenet"),
    _choice("when-project", "Where does ResNet (option B) use projection shortcuts?",
            ["only where the number of channels and the map size change", ("in every residual block", ALWAYS),
             ("nowhere: all its shortcuts are identities", Belief(
                 "never-project", "thought ResNet never projects its shortcuts",
                 "Where the channels double and the map halves, x is projected by a 1x1 convolution with stride 2.")),
             "only in the first layer of the "
             "network"], "Elsewhere identity shortcuts suffice.", f"{RES}, Sects. 3.2-3.3", "use"),
    _choice("identity-cost", "How many parameters does an identity shortcut add?",
            ["no parameters at all", ("as many as the layers it skips", IDENTITY), "one per channel",
             "C x C, one per pair of channels"],
            "It passes x unchanged.", f"{RES}, Sect. 3.2", "identity"),
    _choice("1x1-computes", "What does a 1x1 convolution compute at each position?",
            ["a weighted sum of the input channels at that position, plus a bias", ("its input unchanged", NOTHING),
             "the average of the 3x3 neighbourhood", "the maximum over the channels"],
            "Channel mixing, one weight per input channel and filter.", f"{VGG}, Sect. 2.1; slide 001", "mix"),
    _choice("18-34", "What did the ResNet paper find for 18- and 34-layer networks on ImageNet?",
            ["the 34-layer plain net had higher training error than the 18-layer one, but the 34-layer ResNet had "
             "lower error than the 18-layer ResNet",
             ("the 34-layer plain net overfitted: lower training error, higher validation error", OVERFIT),
             "plain and residual nets of the same depth performed the "
             "same", "the 18-layer nets were best in both cases"],
            "Shortcuts remove the degradation.", f"{RES}, Sect. 4.1, Table 2 and Fig. 4", "34-18", "degradation"),
])


class OneByOne(Part):
    """The output shape (``what='shape'``) or the parameter count (``'params'``) of a 1x1 convolution."""

    def __init__(self, what: str, params: "OneByOneParams"):
        self.what, self.p = what, params
        self.size = tuple(params.input_size)

    def _shape(self, in_channels=None, kernel_size=1, stride=None) -> tuple[int, int, int]:
        p = self.p
        hw = conv_output_size(self.size, kernel_size, p.stride if stride is None else stride)
        return (p.out_channels if in_channels is None else in_channels, *hw)

    def slots(self, tag):
        if self.what == "shape":
            return [Slot(tag, ShapeAnswer(ndim=3), 1, "output shape")]
        return [Slot(tag, IntegerAnswer(), 1, "learnable parameters")]

    def keys(self, tag):
        p = self.p
        return {tag: self._shape() if self.what == "shape" else conv_params(p.in_channels, p.out_channels, 1, p.bias)}

    def question(self, tag):
        p, (h, w) = self.p, self.size
        if self.what == "shape":
            layer = (f"A 1x1 convolution with {p.out_channels} filters, stride 1 and no padding"
                     if p.stride == 1 else
                     f"A ResNet projection shortcut, a 1x1 convolution with {p.out_channels} filters, stride {p.stride} "
                     "and no padding,")
            ask = (f"{layer} is applied to a feature map of shape ({p.in_channels}, {h}, {w}) (channels, height, width). "
                   "What is the shape of its output?")
        elif p.bias:
            ask = (f"A 1x1 convolution (with bias) maps {p.in_channels} input channels to {p.out_channels} output channels. "
                   "How many learnable parameters does it have?")
        else:
            ask = (f"How many learnable parameters does this projection shortcut (a 1x1 convolution from {p.in_channels} "
                   f"to {p.out_channels} channels) have? It has no bias: batch normalization follows it, as in ResNet.")
        return [Text(f"({tag}) {ask}"), AnswerBox(tag)]

    def solution(self, tag):
        p = self.p
        if self.what == "params":
            steps = conv_params_steps(p.in_channels, p.out_channels, 1, p.bias)
            return [Text(f"({tag}) Each of the {p.out_channels} filters has one weight per input channel"
                         + (" and a bias:" if p.bias else ":")), Steps(steps.text())]
        steps = output_size_steps("conv", self.size, 1, p.stride)
        return [Text(f"({tag}) {self._shape()}: one output channel per filter, and per dimension:"),
                Steps("\n".join(step.text() for step in steps))]

    def beliefs(self, tag):
        p = self.p
        if self.what == "params":
            candidates = [
                (Belief("forgot-bias", "forgot the biases", f"Add one bias per filter: + {p.out_channels}.") if p.bias
                 else Belief("added-bias", "added biases the layer does not have", "This convolution has weights only."),
                 conv_params(p.in_channels, p.out_channels, 1, not p.bias)),
                (AS_3X3, conv_params(p.in_channels, p.out_channels, 3, p.bias)),
                (NO_CIN, conv_params(1, p.out_channels, 1, p.bias)),
            ]
        else:
            candidates = [(KEEPS, self._shape(in_channels=p.in_channels)), (AS_3X3, self._shape(kernel_size=3))]
            if p.stride > 1:
                candidates.append((Belief("ignored-stride", "ignored the stride",
                                          f"With stride {p.stride} the output keeps about 1/{p.stride} of the rows and "
                                          f"columns: floor((n - 1)/{p.stride}) + 1."), self._shape(stride=1)))
        return [(belief, {tag: answer}) for belief, answer in distinct(self.keys(tag)[tag], candidates)]


@dataclass(frozen=True)
class OneByOneParams(Params):
    questions: tuple[tuple, ...]   # concept entries (see _concept_quiz.entry) and ("shape",) / ("params",)
    in_channels: int               # the 1x1 convolution, named like torch.nn.Conv2d's arguments
    out_channels: int
    kernel_size: int
    stride: int
    bias: bool
    input_size: tuple[int, int]    # (H, W) of its input


class OneByOneAndResidual(ConceptTemplate):
    id = "one-by-one-and-residual"
    title = "1x1 convolutions and residual learning"
    version = 1
    answer_kinds = ("true-false", "single-choice", "multiple-choice", "shape", "integer")
    summary = ("1x1 convolutions (channel mixing, reduction, parameters), F(x) + x, degradation, identity vs projection "
               "shortcuts.")
    intro = "Questions about 1x1 convolutions and residual networks (ResNet)."

    def generate(self, rng, difficulty):
        taken: set[str] = set()
        claims, choices = list(CLAIMS.values()), list(CHOICES.values())
        if difficulty == "hard":  # a projection shortcut: channels double, the map halves (He et al. 2015, Sect. 3.3)
            c_in = int(rng.choice([64, 128, 256, 512]))
            conv = dict(in_channels=c_in, out_channels=2 * c_in, stride=2, bias=False,
                        size=int(rng.choice([7, 9, 14, 15, 28, 56])))
        else:
            c_in, c_out = (int(c) for c in rng.choice([16, 32, 48, 64, 96, 128, 192, 256, 480, 512], size=2, replace=False))
            size = int(rng.integers(5, 33))
            conv = dict(in_channels=c_in, out_channels=c_out, stride=1, bias=True, size=size)
        computed = {"easy": [("shape",)], "medium": [("params",)], "hard": [("shape",), ("params",)]}[difficulty]
        taken.update(("params", "channels", "size") if difficulty != "medium" else ("params",))
        if difficulty == "hard":
            questions = [entry("mc", "", tuple(c.id for c in draw_claims(rng, claims, 5, (2, 3), taken)))]
        else:
            n = 2 if difficulty == "easy" else 1
            questions = [entry("tf", c.id) for c in draw_claims(rng, claims, n, (n - 1, 1), taken)]
        for choice in draw(rng, choices, 1 if difficulty != "medium" else 2, taken):
            questions.append(entry("sc", choice.id, subset_order(rng, len(choice.options), len(choice.options))))
        size = conv.pop("size")
        return OneByOneParams(tuple(questions + computed), kernel_size=1, input_size=(size, size), **conv)

    def parts(self, params):
        return [OneByOne(q[0], params) if q[0] in ("shape", "params") else decode(q, CLAIMS, CHOICES)
                for q in params.questions]


TEMPLATE = OneByOneAndResidual()
