"""AlexNet's training techniques: ReLU vs tanh, dropout, data augmentation, overlapping pooling, local
response normalization and two GPUs (with a few later contrasts from VGG and ResNet).

Every fact is from Krizhevsky et al. 2012 (section numbers below) unless its source says otherwise;
the slides (001: Implementation Details) agree with the paper where they overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnexam.model import Params
from cnnexam.templates._concept_quiz import (
    Belief, Choice, Claim, ConceptTemplate, Multi, Option, decode, draw, draw_claims, entry, index, subset_order)

AK = "Krizhevsky et al. 2012"

TANH = Belief("tanh-faster", "believed tanh units train faster than ReLUs",
              "In AlexNet's Figure 1 the ReLU network reached 25% training error on CIFAR-10 six times faster than "
              "the tanh one.")
SATURATES = Belief("relu-saturates", "thought ReLU saturates like tanh",
                   "ReLU, max(0, x), is non-saturating: for positive inputs its gradient is 1, whatever their size.")
NEEDS_NORM = Belief("relu-needs-normalization", "thought ReLUs need normalized inputs to avoid saturating",
                    "ReLUs do not saturate for positive inputs; AlexNet adds LRN only because it aids generalization.")
AT_TEST = Belief("dropout-at-test", "thought dropout keeps dropping neurons at test time",
                 "At test time AlexNet uses all neurons and multiplies their outputs by 0.5, their expected value in "
                 "training.")
IN_CONV = Belief("dropout-in-conv", "assumed AlexNet used dropout in its convolutional layers",
                 "AlexNet uses dropout only in its first two fully connected layers.")
DROP_SPEED = Belief("dropout-speeds-training", "thought dropout speeds up training",
                    "Dropout roughly doubles the iterations AlexNet needs to converge; it is there to reduce "
                    "overfitting.")
AUG_SPEED = Belief("augmentation-speeds-training", "thought data augmentation is there to speed up training",
                   "AlexNet uses data augmentation (and dropout) to reduce overfitting, not to train faster.")
RELU_REG = Belief("relu-regularizes", "took ReLU for a regularizer",
                  "ReLU makes training faster; AlexNet's tools against overfitting are data augmentation and dropout.")
NON_OVERLAP = Belief("alexnet-non-overlapping-pooling", "thought AlexNet pools with non-overlapping 2x2 windows",
                     "AlexNet pools 3x3 windows with stride 2, so neighbouring windows overlap.")
SHRINKS = Belief("overlap-shrinks-more", "thought 3x3 stride-2 pooling shrinks the maps more than 2x2 stride-2 pooling",
                 "Both give output of equivalent size, e.g. 27x27 from AlexNet's 55x55 maps: floor((55-3)/2)+1 = "
                 "floor((55-2)/2)+1 = 27.")
LRN_SPATIAL = Belief("lrn-spatial", "thought LRN normalizes over a spatial neighbourhood",
                     "AlexNet's LRN sums squared activities over n = 5 adjacent channels (kernel maps) at the same "
                     "position.")
LRN_LEARNED = Belief("lrn-learned", "thought LRN's constants are learned",
                     "k, n, alpha and beta are hyperparameters, chosen with a validation set.")
ENSEMBLE = Belief("gpus-ensemble", "thought AlexNet's two GPUs trained two separate networks",
                  "AlexNet puts half of each layer's kernels on each GPU; the GPUs communicate in certain layers.")
NO_FLIPS = Belief("forgot-reflections", "counted the crop positions but not their horizontal reflections",
                  "32 x 32 crop offsets times 2 (each crop and its mirror image) gives the paper's factor 2048.")
TEST_PATCHES = Belief("test-patches", "confused the training augmentation with the ten patches used at test time",
                      "Ten patches (four corners, centre and their reflections) are averaged at test time; training "
                      "uses random crops.")


def _gain(asked: str, other: str) -> Belief:
    return Belief(f"{other}-gain-for-{asked}", f"gave the error reduction of {GAINS[other][0]} for {GAINS[asked][0]}",
                  f"{GAINS[asked][0].capitalize()}: {GAINS[asked][1]}; {GAINS[other][0]}: {GAINS[other][1]} ({AK}).")


GAINS = {"pooling": ("overlapping pooling", "0.4% and 0.3%", "Sect. 3.4"),
         "lrn": ("local response normalization", "1.4% and 1.2%", "Sect. 3.3"),
         "gpus": ("the two-GPU scheme", "1.7% and 1.2%", "Sect. 3.2")}

CLAIMS = index([
    Claim("relu-6x", "In AlexNet's experiment a four-layer CNN with ReLUs reached 25% training error on CIFAR-10 six "
                     "times faster than the same network with tanh units.", True,
          "Figure 1 of the paper: ReLU (solid line) vs tanh (dashed "
          "line).", f"{AK}, Sect. 3.1 and Fig. 1; slide 001", TANH, ("relu-speed",)),
    Claim("tanh-6x", "In AlexNet's experiment a CNN with tanh units reached 25% training error on CIFAR-10 six times "
                     "faster than the same network with ReLUs.", False,
          "It is the ReLU network that was six times "
          "faster.", f"{AK}, Sect. 3.1 and Fig. 1; slide 001", TANH, ("relu-speed",)),
    Claim("relu-nonsat", "AlexNet calls ReLU a non-saturating nonlinearity, unlike tanh.", True,
          "max(0, x) does not flatten out for large positive inputs; tanh "
          "does.", f"{AK}, Sect. 3.1", SATURATES, ("relu-sat",)),
    Claim("relu-sat", "ReLU is a saturating nonlinearity, like tanh and the logistic sigmoid.", False,
          "ReLU is non-saturating: its gradient is 1 for every positive "
          "input.", f"{AK}, Sect. 3.1", SATURATES, ("relu-sat",)),
    Claim("relu-no-norm", "ReLUs do not need their inputs normalized to keep them from saturating.", True,
          "As long as some inputs are positive, learning happens; LRN is added because it aids generalization.",
          f"{AK}, Sect. 3.3", NEEDS_NORM, ("relu-norm",)),
    Claim("dropout-fc", "AlexNet uses dropout in its first two fully connected layers.", True,
          "Without dropout the network overfits "
          "substantially.", f"{AK}, Sect. 4.2; slide 001", IN_CONV, ("dropout-where",)),
    Claim("dropout-conv", "AlexNet applies dropout to its convolutional layers.", False,
          "Dropout is used only in the first two fully connected "
          "layers.", f"{AK}, Sect. 4.2", IN_CONV, ("dropout-where",)),
    Claim("dropout-p", "During training AlexNet's dropout sets the output of each hidden neuron of its first two "
                       "fully connected layers to zero with probability 0.5.", True,
          "Dropped neurons take no part in the forward pass or in backpropagation.", f"{AK}, Sect. 4.2", None,
          ("dropout-p", "dropout-where")),
    Claim("dropout-test", "At test time AlexNet uses all neurons and multiplies their outputs by 0.5.", True,
          "This approximates the geometric mean of the predictions of the many dropout networks.", f"{AK}, Sect. 4.2",
          AT_TEST, ("dropout-test",)),
    Claim("dropout-test-drop", "At test time AlexNet still drops half of its neurons at random.", False,
          "At test time all neurons are used and their outputs are multiplied by "
          "0.5.", f"{AK}, Sect. 4.2", AT_TEST, ("dropout-test",)),
    Claim("dropout-doubles", "Dropout roughly doubles the number of iterations AlexNet needs to converge.", True,
          "Dropout slows convergence; it is used to reduce overfitting.", f"{AK}, Sect. 4.2", DROP_SPEED, ("purpose",)),
    Claim("dropout-halves", "Dropout lets AlexNet converge in about half as many iterations.", False,
          "It roughly doubles the iterations needed.", f"{AK}, Sect. 4.2", DROP_SPEED, ("purpose",)),
    Claim("dropout-coadapt", "Dropout reduces co-adaptation: a neuron cannot rely on the presence of particular other "
                             "neurons.", True,
          "So it must learn features that are useful with many random subsets of the other "
          "neurons.", f"{AK}, Sect. 4.2",
          None, ("dropout-why",)),
    Claim("crops", "AlexNet trains on random 224x224 patches of the 256x256 images and on their horizontal "
                   "reflections.", True,
          "Image translations and horizontal reflections: the first form of data "
          "augmentation.", f"{AK}, Sect. 4.1; slide 001",
          None, ("crops",)),
    Claim("crops-2048", "According to the AlexNet paper, random crops and reflections enlarge the training set by a "
                        "factor of 2048.", True,
          "32 x 32 crop offsets times 2 reflections, though the resulting examples are highly "
          "interdependent.", f"{AK}, Sect. 4.1",
          NO_FLIPS, ("aug-factor",)),
    Claim("pca", "AlexNet alters the intensities of the RGB channels along their principal components, which reduces "
                 "top-1 error by over 1%.", True,
          "PCA colour augmentation: object identity does not change with the intensity and colour of the illumination.",
          f"{AK}, Sect. 4.1; slide 001", None, ("pca",)),
    Claim("ten-patches", "At test time AlexNet averages its softmax predictions over ten patches: four corners, the "
                         "centre and their horizontal reflections.", True,
          "Five 224x224 patches and their reflections.", f"{AK}, Sect. 4.1", TEST_PATCHES, ("aug-test",)),
    Claim("aug-speed", "AlexNet uses data augmentation mainly to make training faster.", False,
          "It is one of AlexNet's two ways of reducing overfitting (with "
          "dropout).", f"{AK}, Sect. 4; slide 001", AUG_SPEED, ("purpose",)),
    Claim("aug-rotations", "AlexNet's data augmentation consists of random rotations and vertical flips.", False,
          "It uses random crops with horizontal reflections, and PCA colour "
          "alteration.", f"{AK}, Sect. 4.1", None, ("crops",)),
    Claim("overlap-gain", "Overlapping pooling (3x3 windows, stride 2) reduced AlexNet's top-1 and top-5 error rates "
                          "by 0.4% and 0.3% compared with 2x2 windows at stride 2.", True,
          "Both schemes give output of equivalent "
          "dimensions.", f"{AK}, Sect. 3.4", _gain("pooling", "lrn"), ("gains",)),
    Claim("overlap-def", "AlexNet's pooling windows overlap because their stride (2) is smaller than their size "
                         "(3x3).", True,
          "Pooling with window z and stride s overlaps when s < "
          "z.", f"{AK}, Sect. 3.4; slide 001", NON_OVERLAP, ("pool-config",)),
    Claim("overlap-none", "AlexNet pools with 2x2 windows at stride 2, so its pooling windows do not overlap.", False,
          "AlexNet pools 3x3 windows with stride 2.", f"{AK}, Sect. 3.4; slide 001", NON_OVERLAP, ("pool-config",)),
    Claim("overlap-size", "On AlexNet's 55x55 first-layer maps, 3x3 pooling with stride 2 gives the same 27x27 output "
                          "as 2x2 pooling with stride 2.", True,
          "floor((55 - 3)/2) + 1 = 27 and floor((55 - 2)/2) + 1 = 27: output of equivalent dimensions.",
          f"{AK}, Sect. 3.4 and Fig. 2", SHRINKS, ("pool-size",)),
    Claim("overlap-overfit", "AlexNet's authors found models with overlapping pooling slightly harder to "
                             "overfit.", True,
          "An observation made during training.", f"{AK}, Sect. 3.4", None, ("pool-overfit",)),
    Claim("lrn-gain", "Local response normalization reduced AlexNet's top-1 and top-5 error rates by 1.4% and "
                      "1.2%.", True,
          "It also cut the test error of a four-layer CIFAR-10 network from 13% to "
          "11%.", f"{AK}, Sect. 3.3", _gain("lrn", "pooling"), ("gains",)),
    Claim("lrn-channels", "LRN divides each activity by a term summed over n adjacent channels (kernel maps) at the "
                          "same position.", True,
          "A form of lateral inhibition: big activities in neighbouring kernel maps damp each "
          "other.", f"{AK}, Sect. 3.3; slide 001",
          LRN_SPATIAL, ("lrn-over",)),
    Claim("lrn-spatial", "LRN normalizes each activity over a spatial neighbourhood within its own channel.", False,
          "The sum runs over n adjacent channels at the same spatial "
          "position.", f"{AK}, Sect. 3.3; slide 001", LRN_SPATIAL, ("lrn-over",)),
    Claim("lrn-constants", "AlexNet's LRN uses k = 2, n = 5, alpha = 0.0001 and beta = 0.75, chosen with a validation "
                           "set.", True,
          "They are hyperparameters, not learned weights.", f"{AK}, Sect. 3.3", LRN_LEARNED, ("lrn-constants",)),
    Claim("lrn-learned", "The constants k, n, alpha and beta of AlexNet's LRN are learned by backpropagation.", False,
          "They are hyperparameters chosen with a validation set (k = 2, n = 5, alpha = 0.0001, beta = "
          "0.75).", f"{AK}, Sect. 3.3",
          LRN_LEARNED, ("lrn-constants",)),
    Claim("lrn-vgg", "VGG found that LRN does not improve accuracy on ILSVRC but costs memory and computation "
                     "time.", True,
          "Its A-LRN network did no better than A without "
          "normalization.", "Simonyan & Zisserman 2014, Sects. 2.1 and 4.1",
          None, ("lrn-vgg",)),
    Claim("gpus", "AlexNet puts half of the kernels of each layer on each of two GPUs, which communicate only in "
                  "certain layers.", True,
          "One GTX 580 with 3 GB of memory could not hold the "
          "network.", f"{AK}, Sect. 3.2; slide 001", ENSEMBLE, ("gpus",)),
    Claim("gpus-ensemble", "AlexNet's two GPUs trained two independent networks whose predictions were "
                           "averaged.", False,
          "The GPUs hold halves of one network and communicate in certain "
          "layers.", f"{AK}, Sect. 3.2", ENSEMBLE, ("gpus",)),
    Claim("days", "Training AlexNet took five to six days on two GTX 580 "
                  "GPUs.", True, "About 90 passes through 1.2 million images.",
          f"{AK}, Sect. 5", None, ("days",)),
    Claim("sgd", "AlexNet was trained with stochastic gradient descent: batch size 128, momentum 0.9, weight decay "
                 "0.0005.", True,
          "The learning rate started at 0.01 and was divided by 10 three times.", f"{AK}, Sect. 5", None, ("sgd",)),
    Claim("resnet-bn", "ResNet uses batch normalization after each convolution, before the activation, and no "
                       "dropout.", True,
          "Following the batch normalization paper.", "He et al. 2015, Sect. 3.4", None, ("resnet-bn",)),
    Claim("vgg-dropout", "VGG also uses dropout (ratio 0.5) in its first two fully connected layers.", True,
          "Its training follows AlexNet's.", "Simonyan & Zisserman 2014, Sect. 3.1", None, ("vgg-dropout",)),
])


def _choice(id, prompt, options, why, source, *groups):
    return Choice(id, prompt, tuple(Option(*o) if isinstance(o, tuple) else Option(o) for o in options), why, source, groups)


CHOICES = index([
    _choice("relu-speed", "In AlexNet's CIFAR-10 experiment, how much faster did a four-layer CNN with ReLUs reach "
                          "25% training error than the same network with tanh units?",
            ["about 6 times faster", "about 2 times faster", "about 60 times faster", ("it was 6 times slower", TANH)],
            "ReLUs are non-saturating, so gradient descent makes progress much "
            "faster.", f"{AK}, Sect. 3.1 and Fig. 1", "relu-speed"),
    _choice("dropout-p", "With what probability does AlexNet's dropout set a hidden neuron's output to zero during "
                         "training?",
            ["0.5", "0.1", "0.25", "0.9"], "Each hidden neuron of the first two fully connected layers is dropped "
                                           "with probability 0.5.",
            f"{AK}, Sect. 4.2", "dropout-p"),
    _choice("dropout-test", "What does AlexNet do with its dropout layers at test time?",
            ["uses all neurons and multiplies their outputs by "
             "0.5", ("keeps dropping half of the neurons at random", AT_TEST),
             ("uses all neurons and multiplies their outputs by 2", Belief(
                 "dropout-scale-inverted", "scaled the outputs by 1/p instead of p at test time",
                 "AlexNet multiplies by 0.5 at test time (inverted dropout instead divides by 0.5 during training).")),
             "removes the layers that used dropout"],
            "Multiplying by 0.5 gives each neuron its expected output during "
            "training.", f"{AK}, Sect. 4.2", "dropout-test"),
    _choice("dropout-where", "In which layers does AlexNet use dropout?",
            ["the first two fully connected "
             "layers", ("all five convolutional layers", IN_CONV), "the softmax output layer only",
             "the input layer"], "Without dropout the fully connected layers overfit "
                                 "substantially.", f"{AK}, Sect. 4.2", "dropout-where"),
    _choice("aug-factor", "According to the AlexNet paper, by what factor do random crops and horizontal reflections "
                          "enlarge the training set?",
            ["2048", ("1024", NO_FLIPS), ("10", TEST_PATCHES), "32"], "32 x 32 crop offsets times 2 reflections.",
            f"{AK}, Sect. 4.1", "aug-factor", "aug-test"),
    _choice("pooling-gain", "By how much did overlapping pooling reduce AlexNet's top-1 and top-5 error rates?",
            ["0.4% and 0.3%", ("1.4% and 1.2%", _gain("pooling", "lrn")), ("1.7% and 1.2%", _gain("pooling", "gpus")),
             "4% and 3%"], "Compared with 2x2 windows at stride 2, which give output of equivalent size.",
            f"{AK}, Sect. 3.4", "gains"),
    _choice("lrn-gain", "By how much did local response normalization reduce AlexNet's top-1 and top-5 error rates?",
            ["1.4% and 1.2%", ("0.4% and 0.3%", _gain("lrn", "pooling")), ("1.7% and 1.2%", _gain("lrn", "gpus")),
             "14% and 12%"], "Response normalization aids generalization.", f"{AK}, Sect. 3.3", "gains"),
    _choice("pool-config", "How does AlexNet pool?",
            ["3x3 windows with stride 2 (overlapping)", ("2x2 windows with stride 2 (non-overlapping)", NON_OVERLAP),
             "3x3 windows with stride 3", "global average pooling before the classifier"],
            "With stride 2 < window 3 neighbouring windows overlap by one "
            "pixel.", f"{AK}, Sect. 3.4; slide 001", "pool-config"),
    _choice("lrn-over", "Over what does AlexNet's local response normalization sum the squared activities?",
            ["n = 5 adjacent channels at the same position", ("a 5x5 spatial neighbourhood in the same "
                                                              "channel", LRN_SPATIAL),
             ("all examples of the mini-batch", Belief("lrn-is-batchnorm", "confused LRN with batch normalization",
                                                     "LRN works within one example, across adjacent channels; batch "
                                                     "normalization (later) uses mini-batch statistics.")),
             "all positions of the feature map"], "Lateral inhibition between neighbouring kernel maps.",
            f"{AK}, Sect. 3.3; slide 001", "lrn-over"),
    _choice("gpus-why", "Why was AlexNet trained on two GPUs?",
            ["one GTX 580 GPU with 3 GB of memory could not hold the "
             "network", ("to train two networks and average them", ENSEMBLE),
             "because dropout needs a second GPU", "to use a different learning rate on each GPU"],
            "Half of the kernels of each layer sit on each GPU.", f"{AK}, Sect. 3.2; slide 001", "gpus"),
])

MULTIS = index([
    Multi("overfit", "Which of these did AlexNet use to reduce overfitting?", (
        Claim("overfit:aug", "Data augmentation", True, "Random crops, reflections and PCA colour "
                                                        "changes.", f"{AK}, Sect. 4.1"),
        Claim("overfit:dropout", "Dropout", True, "In the first two fully connected "
                                                  "layers.", f"{AK}, Sect. 4.2", DROP_SPEED),
        Claim("overfit:relu", "ReLU activations", False, "ReLUs make training faster.", f"{AK}, Sect. 3.1", RELU_REG),
        Claim("overfit:gpus", "Training on two GPUs", False, "The GPUs were needed for memory and "
                                                             "speed.", f"{AK}, Sect. 3.2"),
        Claim("overfit:sgd", "Stochastic gradient descent with "
                             "momentum", False, "That is how the network is trained.", f"{AK}, Sect. 5"),
    ), ("purpose",)),
    Multi("faster", "Which of these did AlexNet use to make training faster?", (
        Claim("faster:relu", "ReLU activations (non-saturating "
                             "neurons)", True, "Six times faster than tanh on CIFAR-10.",
              f"{AK}, abstract and Sect. 3.1", TANH),
        Claim("faster:gpu", "An efficient GPU implementation of convolution, on two "
                            "GPUs", True, "Named in the abstract.",
              f"{AK}, abstract and Sect. 3.2"),
        Claim("faster:dropout", "Dropout", False, "Dropout roughly doubles the iterations "
                                                  "needed.", f"{AK}, Sect. 4.2", DROP_SPEED),
        Claim("faster:aug", "Data augmentation", False, "It reduces overfitting.", f"{AK}, Sect. 4.1", AUG_SPEED),
        Claim("faster:lrn", "Local response normalization", False, "It aids generalization.", f"{AK}, Sect. 3.3"),
    ), ("purpose", "relu-speed")),
])


@dataclass(frozen=True)
class TrainingTechniquesParams(Params):
    questions: tuple[tuple, ...]  # one entry per question: see _concept_quiz.entry


class TrainingTechniques(ConceptTemplate):
    id = "training-techniques"
    title = "Training techniques from AlexNet"
    version = 1
    answer_kinds = ("true-false", "single-choice", "multiple-choice")
    summary = "ReLU vs tanh, dropout, data augmentation, overlapping pooling, local response normalization, two GPUs."
    intro = "Questions about how AlexNet (Krizhevsky, Sutskever and Hinton, 2012) and its successors were trained."

    def generate(self, rng, difficulty):
        taken: set[str] = set()
        claims, choices = list(CLAIMS.values()), list(CHOICES.values())
        questions = []
        if difficulty == "hard":
            (multi,) = draw(rng, list(MULTIS.values()), 1, taken)
            picked = draw_claims(rng, multi.options, 4, (1, 2), set())
            questions.append(entry("mc", multi.id, tuple(c.id for c in picked)))
            questions.append(entry("mc", "", tuple(c.id for c in draw_claims(rng, claims, 5, (2, 3), taken))))
        else:
            n = 3 if difficulty == "easy" else 2
            questions += [entry("tf", c.id) for c in draw_claims(rng, claims, n, (1, n - 1), taken)]
        for choice in draw(rng, choices, 2 if difficulty == "medium" else 1, taken):
            questions.append(entry("sc", choice.id, subset_order(rng, len(choice.options), len(choice.options))))
        return TrainingTechniquesParams(tuple(questions))

    def parts(self, params):
        return [decode(q, CLAIMS, CHOICES, MULTIS) for q in params.questions]


TEMPLATE = TrainingTechniques()
