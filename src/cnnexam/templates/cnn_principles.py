"""Why convolutions: parameter sharing, sparse connections, locality, translation equivariance and
invariance, and spatial hierarchies of features.

True/false statements and "tick every true statement" questions from a bank of claims, each with its
source. Wrong claims come with the belief behind them (a conv layer is "exactly translation invariant",
"the first layer learns whole objects" ...), so a wrong answer is named in the feedback.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnexam.model import Params
from cnnexam.templates._concept_quiz import (
    Belief, Claim, ConceptTemplate, Multi, decode, draw, draw_claims, entry, index)

S001 = "slide 001 (Invariance; Convolutions in CNNs)"
S002 = "slide 002 (Main ideas: locality, translation invariance, spatial hierarchies)"
S004 = "slide 004 (Why convolutions: parameter sharing, sparsity of connections)"
LECUN = "LeCun et al. 1998, Sect. II.A"
GBC = "Goodfellow, Bengio & Courville 2016, Sect. 9.2-9.3 (listed in slide 003's sources)"
VGG = "Simonyan & Zisserman 2014, Sect. 2.3"

NO_SHARING = Belief("no-parameter-sharing", "believed that a convolutional layer has separate weights for every "
                                            "position",
                    "A filter's weights are shared: the same kernel slides over every position (a layer with "
                    "separate weights per position is a locally connected layer, not a convolution).")
DENSE = Belief("conv-is-dense", "treated the convolutional layer as if it were fully connected",
               "Each output of a convolution depends only on the window under the kernel (sparse connections).")
SIZE = Belief("params-grow-with-image", "thought that a convolutional layer's parameter count grows with the image "
                                        "size",
              "A conv layer has kh*kw*C_in*C_out weights plus C_out biases, whatever the height and width of its "
              "input.")
SWAPPED = Belief("local-global-swapped", "swapped the roles of dense and convolution layers",
                 "Convolution layers learn local patterns in small windows; dense layers learn global patterns.")
INVARIANT = Belief("equivariance-vs-invariance", "confused translation equivariance with invariance",
                   "A convolution is equivariant: shift the input and its feature map shifts by the same amount. "
                   "Pooling adds approximate invariance to small shifts.")
FULL_INVARIANCE = Belief("pooling-full-invariance", "believed pooling makes the network invariant to any shift",
                         "Pooling gives approximate invariance to small shifts only, within its window.")
REVERSED = Belief("reversed-hierarchy", "reversed the spatial hierarchy of features",
                  "Early layers detect small local patterns such as edges; later layers combine them into larger "
                  "patterns.")
NO_GROWTH = Belief("receptive-field-does-not-grow", "thought stacking convolutions keeps the receptive field of one "
                                                    "layer",
                   "Each stride-1 k x k layer adds k - 1: two 3x3 layers see 5x5, three see 7x7.")
CHANNELS = Belief("filter-ignores-channels", "forgot that a filter spans all input channels",
                  "A k x k filter on a C-channel input has k*k*C weights, one k x k slice per channel.")
FLIP = Belief("cnn-flips-kernel", "assumed CNN layers flip the kernel as in the mathematical convolution",
              "CNN layers compute a cross-correlation: the kernel is used as it is, not flipped.")
ACROSS_FILTERS = Belief("sharing-across-filters", "thought parameter sharing means that all filters share weights",
                        "Sharing is across positions: each filter has its own weights, used at every position.")

CLAIMS = index([
    Claim("share-def", "Parameter sharing means that a filter's weights are used at every position of the input.", True,
          "One kernel slides over the whole input, so a feature detector useful in one part of the image is used "
          "everywhere.",
          f"{S004}; {LECUN}", NO_SHARING, ("sharing",)),
    Claim("share-separate", "A convolutional layer learns a separate set of filter weights for every position of its "
                            "input.", False,
          "The same filter weights are used at every position (parameter "
          "sharing).", f"{S004}; {LECUN}", NO_SHARING, ("sharing",)),
    Claim("share-filters", "Parameter sharing means that all filters of a convolutional layer have the same "
                           "weights.", False,
          "Each filter has its own weights; sharing means one filter's weights are reused at every position.",
          S004, ACROSS_FILTERS, ("sharing",)),
    Claim("sparse-def", "Sparsity of connections: each output value of a convolution depends only on a small number "
                        "of inputs.", True,
          "An output depends only on the window under the kernel, e.g. 3x3xC inputs for a 3x3 "
          "kernel.", S004, DENSE, ("sparse",)),
    Claim("sparse-dense", "Each output value of a convolutional layer depends on every pixel of its input, as in a "
                          "dense layer.", False,
          "Only the window under the kernel contributes (sparsity of connections).", S004, DENSE, ("sparse",)),
    Claim("size-independent", "A convolutional layer's parameter count does not depend on the height and width of its "
                              "input.", True,
          "Weights: kh*kw*C_in*C_out, biases: C_out; the image size does not "
          "appear.", f"{S004}; slide 003", SIZE, ("size",)),
    Claim("size-grows", "Applying the same 5x5 convolutional layer to a larger image requires more parameters.", False,
          "The same filters slide over any image size; only the output grows.", f"{S004}; slide 003", SIZE, ("size",)),
    Claim("dense-14m", "Connecting a 32x32x3 input to a 28x28x6 output with a dense layer takes 3072 x 4704, about 14 "
                       "million, weights.", True,
          "32*32*3 = 3072 inputs and 28*28*6 = 4704 outputs; six 5x5x3 filters need only 6*(75 + 1) = 456 parameters.",
          "slide 004 (Why convolutions)", None, ("dense-cost",)),
    Claim("dense-3b", "A dense layer with 1000 units on a 1000x1000x3 image has about 3 billion weights.", True,
          "1000*1000*3 = 3 million inputs times 1000 units = 3 billion.", "slide 004 (Deep learning on large images)",
          None, ("dense-cost",)),
    Claim("dense-3m", "A dense layer with 1000 units on a 1000x1000x3 image has about 3 million weights.", False,
          "3 million is the number of inputs; times 1000 units that is 3 billion weights.",
          "slide 004 (Deep learning on large images)", None, ("dense-cost",)),
    Claim("local-conv", "Convolution layers learn local patterns: each filter looks at a small 2-D window of its "
                        "input.", True,
          "Patterns in images are mostly much smaller than the image, so small windows suffice.", f"{S002}; slide 003",
          SWAPPED, ("locality",)),
    Claim("local-dense", "Dense layers learn global patterns of their input, convolution layers local ones.", True,
          "A dense unit sees every input feature; a convolution unit sees one window.", S002, SWAPPED, ("locality",)),
    Claim("local-swapped", "Dense layers learn local patterns, while convolution layers learn global patterns of the "
                           "whole input.", False,
          "It is the other way round: convolution layers learn local patterns, dense layers global "
          "ones.", S002, SWAPPED,
          ("locality",)),
    Claim("equivariant", "With stride 1, convolution is translation equivariant: shifting the input shifts the "
                         "feature map by the same amount (away from the borders).", True,
          "The same kernel is applied at every position, so a shifted pattern gives the same responses, shifted.",
          f"{LECUN}; {GBC}", INVARIANT, ("equivariance",)),
    Claim("invariant", "A convolutional layer on its own is exactly translation invariant: shifting the input leaves "
                       "its feature map unchanged.", False,
          "Convolution is equivariant, not invariant: the feature map shifts with the input.", f"{LECUN}; {GBC}",
          INVARIANT, ("equivariance",)),
    Claim("edge-anywhere", "A vertical-edge filter detects a vertical edge wherever it appears in the image, which is "
                           "why its weights can be shared.", True,
          "A feature detector useful in one part of the image is probably useful in another part.", S004, NO_SHARING,
          ("anywhere",)),
    Claim("waldo", "CNNs build in the assumption that what an object looks like does not depend on where it is in the "
                   "image.", True,
          "The 'Where's Waldo' argument: sweep the same detector over every patch.", S001, None, ("anywhere",)),
    Claim("pool-small-shifts", "Max pooling makes the output approximately invariant to small shifts of the "
                               "input.", True,
          "If a feature moves within a pooling window the maximum stays the same; sub-sampling reduces the "
          "sensitivity to shifts.",
          f"{GBC}; {LECUN}", None, ("pool-invariance",)),
    Claim("pool-any-shift", "Max pooling makes a CNN's output invariant to translations of any size.", False,
          "Only small shifts (within a pooling window) are absorbed; larger ones move the pooled map too.", GBC,
          FULL_INVARIANCE, ("pool-invariance",)),
    Claim("hierarchy", "A first convolution layer learns small local patterns such as edges; a second one learns "
                       "larger patterns made of the first layer's features.", True,
          "Spatial hierarchies of patterns: later layers combine the features of earlier ones.", f"{S002}; {LECUN}",
          REVERSED, ("hierarchy",)),
    Claim("hierarchy-reversed", "The first convolution layer of a CNN learns whole objects, and later layers learn "
                                "their edges.", False,
          "Early layers learn edges and other small patterns; later layers combine them into larger ones.", S002,
          REVERSED, ("hierarchy",)),
    Claim("alexnet-filters", "The filters learned by AlexNet's first layer resemble traditional edge and colour "
                             "filters.", True,
          "Representation learning: the lowest layer learns feature extractors like hand-designed filters.",
          "slide 001 (Representation Learning); Krizhevsky et al. 2012, Sect. 6.1", None, ("hierarchy",)),
    Claim("rf-5", "Two stacked 3x3 convolutions with stride 1 have a 5x5 receptive field.", True,
          "Each 3x3 layer adds 2 to the receptive field: 1 + 2 + 2 = 5.", f"{VGG}; slide 001", NO_GROWTH, ("rf",)),
    Claim("rf-3", "Two stacked 3x3 convolutions with stride 1 still have a 3x3 receptive field, the same as one "
                  "layer.", False,
          "The second layer sees 3x3 outputs of the first, each of which sees 3x3 inputs: 5x5 in "
          "all.", f"{VGG}; slide 001",
          NO_GROWTH, ("rf",)),
    Claim("rf-7-cheaper", "Three stacked 3x3 convolutions have the receptive field of one 7x7 convolution but fewer "
                          "weights: 27C^2 against 49C^2 for C channels in and out.", True,
          "3*(3*3*C*C) = 27C^2 < 7*7*C*C = 49C^2, and the stack has three nonlinearities instead of "
          "one.", f"{VGG}; slide 003",
          None, ("stack", "rf")),
    Claim("rf-7-costlier", "Three stacked 3x3 convolutions have more weights than one 7x7 convolution with the same "
                           "numbers of channels.", False,
          "27C^2 weights for the stack against 49C^2 for the 7x7 layer.", f"{VGG}; slide 003", None, ("stack", "rf")),
    Claim("filter-depth", "A 3x3 filter for a 6x6x3 RGB input has 3x3x3 = 27 weights.", True,
          "A filter spans every input channel: 3*3*3 = 27 numbers (plus a "
          "bias).", "slide 002 (Convolutions on RGB image)",
          CHANNELS, ("channels",)),
    Claim("filter-flat", "A 3x3 filter applied to an RGB image has 9 weights, shared by the three colour "
                         "channels.", False,
          "It has one 3x3 slice per channel: 27 "
          "weights.", "slide 002 (Convolutions on RGB image)", CHANNELS, ("channels",)),
    Claim("out-channels", "A convolutional layer has as many output channels as it has filters.", True,
          "Each filter produces one output channel (feature map).", "slide 000 (number of output channels); slide 004 "
                                                                    "(multiple filters)",
          None, ("out-channels",)),
    Claim("no-flip", "What a CNN's convolution layer computes (without flipping the kernel) is, strictly speaking, a "
                     "cross-correlation.", True,
          "The textbook convolution flips the kernel; CNN layers do "
          "not.", "slide 001 (Convolutions in CNNs); slide 004 (technical note)",
          FLIP, ("flip",)),
    Claim("flips", "A CNN's convolution layer flips its kernel before sliding it, as the mathematical convolution "
                   "does.", False,
          "CNN layers compute a cross-correlation: no flip.", "slide 001 (Convolutions in CNNs); slide 004 (technical "
                                                              "note)",
          FLIP, ("flip",)),
    Claim("pool-compute", "Pooling shrinks the feature maps and so reduces the computation of the layers after "
                          "it.", True,
          "Fewer positions downstream means fewer "
          "multiply-adds.", "slide 002 (Pooling); slide 003", None, ("pool-compute",)),
])

FEWER = Multi("why-fewer", "Which of these explain why a convolutional layer needs far fewer parameters than a dense "
                           "layer on the same image?", (
    Claim("why:sharing", "Parameter sharing: one filter's weights are used at every position", True,
          "The kernel is reused across the image instead of learning weights per position.", S004, NO_SHARING),
    Claim("why:sparse", "Sparse connections: each output depends on a small window only", True,
          "An output connects to kh*kw*C inputs, not to all of them.", S004, DENSE),
    Claim("why:relu", "The ReLU activation after each convolution", False,
          "An activation function has no parameters and does not change the count.", S004),
    Claim("why:padding", "Zero padding at the borders", False, "Padding changes the output size, not the number of "
                                                               "weights.", "slide 003"),
    Claim("why:flip", "The kernel is flipped before it is applied", False,
          "Flipping or not does not change how many weights there are.", "slide 004 (technical note)"),
))


@dataclass(frozen=True)
class CnnPrinciplesParams(Params):
    questions: tuple[tuple, ...]  # one entry per question: see _concept_quiz.entry


class CnnPrinciples(ConceptTemplate):
    id = "cnn-principles"
    title = "Why convolutions: sharing, sparsity, locality, invariance"
    version = 1
    answer_kinds = ("true-false", "multiple-choice")
    summary = "Parameter sharing, sparse connections, locality, translation equivariance vs invariance, spatial hierarchies."
    intro = "Questions about the principles behind convolutional layers."

    def generate(self, rng, difficulty):
        taken: set[str] = set()
        claims = list(CLAIMS.values())
        if difficulty == "easy":
            return CnnPrinciplesParams(tuple(entry("tf", c.id) for c in draw_claims(rng, claims, 4, (1, 3), taken)))
        if rng.random() < 0.3:  # the themed question uses the sharing and sparsity groups
            taken.update(("sharing", "sparse"))
            first = entry("mc", FEWER.id, tuple(c.id for c in draw_claims(rng, FEWER.options, 4, (1, 2), set())))
        else:
            first = entry("mc", "", tuple(c.id for c in draw_claims(rng, claims, 4, (1, 3), taken)))
        if difficulty == "medium":
            return CnnPrinciplesParams((*(entry("tf", c.id) for c in draw_claims(rng, claims, 2, (1, 1), taken)), first))
        second = entry("mc", "", tuple(c.id for c in draw_claims(rng, claims, 5, (2, 3), taken)))
        return CnnPrinciplesParams((first, second, entry("tf", draw(rng, claims, 1, taken)[0].id)))

    def parts(self, params):
        return [decode(q, CLAIMS, multis={FEWER.id: FEWER}) for q in params.questions]


TEMPLATE = CnnPrinciples()
