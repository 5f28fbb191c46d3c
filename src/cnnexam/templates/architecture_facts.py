"""Facts about the classic CNN architectures: years, ILSVRC results, depth, parameter counts, key ideas.

One table of facts, each with its source (the original paper; the slides in the course material where
they agree). False statements and distractors are other architectures' values for the same attribute,
so a wrong pick is recognised as "attributed GoogLeNet's ILSVRC result to VGG". Where slides and paper
disagree, the table follows the paper and says so in the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cnnexam.model import Params
from cnnexam.templates._concept_quiz import (
    Belief, Choice, Claim, ConceptTemplate, Multi, Option, Recall, decode, draw, draw_claims, entry, index,
    subset_order)

AK, VGG, GLN, RES = "Krizhevsky et al. 2012", "Simonyan & Zisserman 2014", "Szegedy et al. 2014", "He et al. 2015"

# (architecture, attribute, value, source). Values of one attribute are compared as text.
FACTS = (
    ("LeNet-5", "year", "1998", "LeCun et al. 1998 (Proc. IEEE 86(11)); slides 000, 002 (slide 001 dates the first "
                                "LeNet to 1995)"),
    ("AlexNet", "year", "2012", f"{AK} (NIPS 2012); slides 000, 001"),
    ("VGG", "year", "2014", f"{VGG} (arXiv:1409.1556, ILSVRC 2014); slide 000"),
    ("GoogLeNet", "year", "2014", f"{GLN} (arXiv:1409.4842, ILSVRC 2014); slide 000"),
    ("ResNet", "year", "2015", f"{RES} (arXiv:1512.03385, ILSVRC 2015); slide 000"),
    ("MobileNet", "year", "2017", "Howard et al. 2017 (arXiv:1704.04861); slide 000"),
    ("EfficientNet", "year", "2019", "Tan & Le 2019 (ICML 2019); slide 000"),
    # DenseNet has no year fact: arXiv 2016 (slide 000 says 2016), CVPR 2017 -- either answer is defensible.
    ("AlexNet", "result", "15.3%", f"{AK}, abstract (ILSVRC-2012; the runner-up had 26.2%)"),
    ("VGG", "result", "7.3%",
     f"{VGG}, Sect. 4.5 (ILSVRC-2014 submission, 7 nets; slide 001's table); {RES}, Table 5 (7.32%)"),
    ("GoogLeNet", "result", "6.67%", f"{GLN}, Sect. 7 (slide 001's table rounds it to 6.7%)"),
    ("ResNet", "result", "3.57%", f"{RES}, abstract (an ensemble; ILSVRC 2015)"),
    ("AlexNet", "place", "won the ILSVRC 2012 classification task", f"{AK}, abstract; slide 000"),
    ("VGG", "place", "came second in the ILSVRC 2014 classification task (and first in "
                     "localisation)", f"{VGG}, abstract"),
    ("GoogLeNet", "place", "won the ILSVRC 2014 classification task", f"{GLN}, abstract and Sect. 7"),
    ("ResNet", "place", "won the ILSVRC 2015 classification task", f"{RES}, abstract; slide 001"),
    ("LeNet-5", "params", "about 60 thousand", "LeCun et al. 1998, Sect. II.B (60,000 trainable parameters)"),
    ("AlexNet", "params", "about 60 million", f"{AK}, abstract; slides 001, 003"),
    ("VGG-16", "params", "about 138 million", f"{VGG}, Table 2 (configuration D); slide 003"),
    # Values name no other network: each is also a distractor in questions about the others.
    ("GoogLeNet", "params", "about 5 million", f"{GLN}, Sect. 1 (12 times fewer than AlexNet); slide 001's quiz "
                                               "says 4M"),
    ("LeNet-5", "depth", "7 layers, not counting the input", "LeCun et al. 1998, Sect. II.B"),
    ("AlexNet", "depth", "8 learned layers: 5 convolutional and 3 fully connected", f"{AK}, Sect. 3.5; slide 000"),
    ("VGG-19", "depth", "19 weight layers: 16 convolutional and 3 fully "
                        "connected", f"{VGG}, Sect. 2.2 (configuration E)"),
    ("GoogLeNet", "depth", "22 layers with parameters (27 counting pooling)", f"{GLN}, Sect. 5; slide 001"),
    ("ResNet-152", "depth", "152 layers", f"{RES}, abstract (8 times deeper than VGG nets)"),
    ("MobileNet", "depth", "28 layers", "Howard et al. 2017, Sect. 3.2 (counting depthwise and pointwise "
                                        "convolutions as separate layers)"),
    ("LeNet-5", "idea", "was designed to recognise handwritten characters such as the digits on bank "
                        "checks", "LeCun et al. 1998, abstract and Sect. II; slide 000"),
    ("AlexNet", "idea", "split each layer's kernels across two GPUs because one 3 GB GPU could not hold the "
                        "network", f"{AK}, Sect. 3.2; slide 001"),
    ("VGG", "idea", "is a plain stack of 3x3 convolutions (stride 1, padding 1), 16 to 19 weight layers "
                    "deep", f"{VGG}, Sect. 2.1-2.2; slides 000, 003"),
    ("GoogLeNet", "idea", "is built from Inception modules: parallel 1x1, 3x3 and 5x5 convolutions and 3x3 max "
                          "pooling, concatenated", f"{GLN}, Sect. 4; slides 000, 001"),
    ("ResNet", "idea", "adds shortcut connections so that a block outputs F(x) + x and its layers learn the residual "
                       "F(x)", f"{RES}, Sect. 3.1-3.2; slides 000, 001"),
    ("DenseNet", "idea", "feeds each layer of a dense block the concatenated feature maps of all preceding "
                         "layers", "Huang et al. 2017, abstract and Sect. 3; slide 000"),
    ("MobileNet", "idea", "is built from depthwise separable convolutions: a 3x3 convolution per channel, then a 1x1 "
                          "pointwise one", "Howard et al. 2017, Sect. 3.1; slide 000"),
    ("EfficientNet", "idea", "scales depth, width and input resolution together with one compound "
                             "coefficient", "Tan & Le 2019, Sect. 3.3; slide 000"),
)
# Swaps that would be (nearly) true: EfficientNet's blocks are MobileNet-style inverted residuals.
NOT_FALSE = {("EfficientNet", "MobileNet"), ("EfficientNet", "ResNet"), ("MobileNet", "EfficientNet")}

# attribute -> (noun, statement, "what is it for {arch}?", "which architecture has {value}?")
ATTRIBUTES = {
    "year": ("year", "{arch} was introduced in {value}.", "In which year was {arch} introduced?",
             "Which of these architectures was introduced in {value}?"),
    "result": ("ILSVRC top-5 test error", "{arch}'s ILSVRC entry had a top-5 test error of {value}.",
               "What top-5 test error did {arch}'s ILSVRC entry achieve?",
               "Whose ILSVRC entry achieved a top-5 test error of {value}?"),
    "place": ("ILSVRC result", "{arch} {value}.", "How did {arch} do in the ILSVRC?", "Which architecture {value}?"),
    "params": ("parameter count", "{arch} has {value} parameters.", "About how many parameters does {arch} have?",
               "Which architecture has {value} parameters?"),
    "depth": ("depth", "{arch} has {value}.", "How deep is {arch}?", "Which architecture has {value}?"),
    "idea": ("key idea", "{arch} {value}.", "", "Which architecture {value}?"),
}
NAMES = {  # accepted spellings in short answers (compared ignoring case, spaces and hyphens)
    "LeNet-5": ("LeNet-5", "LeNet5", "LeNet"), "AlexNet": ("AlexNet", "Alex Net"),
    "VGG": ("VGG", "VGGNet", "VGG net", "VGG-16", "VGG-19", "VGG16", "VGG19"),
    "GoogLeNet": ("GoogLeNet", "Inception", "Inception v1", "Inception network", "GoogleNet"),
    "ResNet": ("ResNet", "ResNets", "Res Net", "residual network", "residual networks", "deep residual network",
               "ResNet-152", "ResNet152", "ResNet-50", "ResNet50"),
    "DenseNet": ("DenseNet", "DenseNets", "Dense Net", "densely connected convolutional network",
                 "dense convolutional network"),
    "MobileNet": ("MobileNet", "MobileNets", "Mobile Net", "MobileNet v1", "MobileNetV1"),
    "EfficientNet": ("EfficientNet", "EfficientNets", "Efficient Net"),
}
CONFUSED = {"ResNet": "DenseNet", "DenseNet": "ResNet", "GoogLeNet": "VGG", "VGG": "GoogLeNet",
            "MobileNet": "EfficientNet", "EfficientNet": "MobileNet", "AlexNet": "LeNet-5", "LeNet-5": "AlexNet"}

# For comparisons: (millions of parameters, layers with weights, source).
SIZES = {
    "LeNet-5": (0.06, 7, "LeCun et al. 1998, Sect. II.B"),
    "AlexNet": (60, 8, f"{AK}, abstract and Sect. 3.5"),
    "VGG-16": (138, 16, f"{VGG}, Tables 1-2; slide 003"),
    "VGG-19": (144, 19, f"{VGG}, Tables 1-2; slide 003 (slide 001's quiz says 110M; the paper's Table 2 says 144M)"),
    "GoogLeNet": (5, 22, f"{GLN}, Sects. 1 and 5: 12 times fewer parameters than AlexNet (slide 001's quiz: 4M)"),
    "MobileNet": (4.2, 28, "Howard et al. 2017, Sect. 3.2 and Table 4"),
}
SHOWN = {"LeNet-5": "60 thousand parameters", "GoogLeNet": "about 5 million parameters (12 times fewer than AlexNet)"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_VALUE = {(a, attr): value for a, attr, value, _ in FACTS}


def _owners(attr: str, value: str) -> str:
    return " and ".join(a for a, t, v, _ in FACTS if t == attr and v == value)


def _statement(arch: str, attr: str, value: str) -> str:
    return ATTRIBUTES[attr][1].format(arch=arch, value=value)


def _belief(arch: str, attr: str, value: str) -> Belief:
    """Believing that ``arch`` has ``value``, which is another architecture's."""
    noun, owner = ATTRIBUTES[attr][0], _owners(attr, value)
    return Belief(f"{attr}-{slug(arch)}-like-{slug(owner)}", f"attributed {owner}'s {noun} to {arch}",
                  f"{_statement(arch, attr, _VALUE[arch, attr])} The other {noun} is {owner}'s.")


def _groups(attr: str, *archs: str) -> tuple[str, ...]:
    return tuple(f"{attr}:{a}" for a in archs)


def _claims():
    for arch, attr, value, source in FACTS:
        statement = _statement(arch, attr, value)
        yield Claim(f"{attr}:{arch}", statement, True, statement, source, groups=_groups(attr, arch))
        for other in sorted({v for a, t, v, _ in FACTS if t == attr and v != value}):
            owners = _owners(attr, other).split(" and ")
            if not any((arch, owner) in NOT_FALSE for owner in owners):
                # Also blocks questions about the owner's fact, which would give this one away.
                yield Claim(f"{attr}:{arch}:{slug(other)}", _statement(arch, attr, other), False,
                            f"{statement} The statement gives {' and '.join(owners)}'s {ATTRIBUTES[attr][0]}.",
                            source, _belief(arch, attr, other), _groups(attr, arch, *owners))


def _choices():
    for arch, attr, value, source in FACTS:
        noun, _, ask_value, ask_arch = ATTRIBUTES[attr]
        why = _statement(arch, attr, value)
        if ask_value:  # "what is the year of X?": the other values as distractors
            others = sorted({v for a, t, v, _ in FACTS if t == attr and v != value})
            yield Choice(f"value:{attr}:{arch}", ask_value.format(arch=arch),
                         (Option(value), *(Option(v, _belief(arch, attr, v)) for v in others)), why, source,
                         _groups(attr, arch))
        if _owners(attr, value) == arch:  # "which architecture has value v?": other architectures as distractors
            rivals = [a for a, t, v, _ in FACTS if t == attr and a != arch and (a, arch) not in NOT_FALSE]
            yield Choice(f"arch:{attr}:{arch}", ask_arch.format(value=value),
                         (Option(arch), *(Option(a, _belief(a, attr, value)) for a in rivals)), why, source,
                         _groups(attr, arch, *rivals))


DEEPER = Belief("more-layers-more-parameters", "assumed that a deeper network has more parameters",
                "Depth does not decide the parameter count: GoogLeNet (22 layers) and MobileNet (28) are deeper than "
                "AlexNet (8) and VGG (16-19) but much smaller (1x1 reductions, no huge fully connected layers).")


def _size(arch: str) -> str:
    return SHOWN.get(arch, f"{SIZES[arch][0]:g} million parameters")


def _comparisons():
    """Which has the fewest / most parameters: options a factor of 2 or more apart."""
    for most in (False, True):
        for big in ("VGG-16", "VGG-19"):
            for small in ("GoogLeNet", "MobileNet"):
                for lenet in ((), ("LeNet-5",)) if most else ((),):
                    names = sorted((*lenet, "AlexNet", big, small), key=lambda a: SIZES[a][0])
                    key = names[-1] if most else names[0]
                    by_depth = sorted(names, key=lambda a: SIZES[a][1])
                    tempting = by_depth[-1] if most else by_depth[0]
                    options = (key, *(a for a in names if a != key))
                    sizes = "; ".join(f"{a}: {_size(a)}, {SIZES[a][1]} layers" for a in names)
                    yield Choice(f"{'most' if most else 'fewest'}:{','.join(names)}",
                                 f"Which of these architectures has the {'most' if most else 'fewest'} parameters?",
                                 tuple(Option(f"{a} ({SIZES[a][1]} layers)", DEEPER if a == tempting != key else None)
                                       for a in options),
                                 f"{sizes}.", "; ".join(SIZES[a][2] for a in names), _groups("params", *names))


def _fewer_than():
    for ref in ("AlexNet", "VGG-16"):
        size, depth, _ = SIZES[ref]
        yield Multi(f"fewer:{ref}", f"Which of these architectures have fewer parameters than {ref} ({size:g} million)?",
                    tuple(Claim(f"fewer:{ref}:{a}", f"{a} ({d} layers)", p < size,
                                f"{a} has {_size(a)}.", source,
                                DEEPER if p < size and d > depth else None)
                          for a, (p, d, source) in SIZES.items() if a != ref),
                    _groups("params", *SIZES))


CLAIMS = index(list(_claims()))
CHOICES = index([*_choices(), *_comparisons()])
MULTIS = index(list(_fewer_than()))
RECALLS = index([Recall(f"recall:{arch}", f"Which architecture {value}?", arch, NAMES[arch], _statement(arch, "idea", value),
                        source, (Option(CONFUSED[arch], _belief(CONFUSED[arch], "idea", value)),), (f"idea:{arch}",))
                 for arch, attr, value, source in FACTS if attr == "idea"])


@dataclass(frozen=True)
class ArchitectureFactsParams(Params):
    questions: tuple[tuple, ...]  # one entry per question: see _concept_quiz.entry


class ArchitectureFacts(ConceptTemplate):
    id = "architecture-facts"
    title = "Classic CNN architectures: facts and history"
    version = 1
    answer_kinds = ("true-false", "single-choice", "multiple-choice", "short-text")
    summary = "LeNet-5 to EfficientNet: years, ILSVRC results, depth, parameter counts and key ideas."
    intro = ("Questions about classic CNN architectures (LeNet-5, AlexNet, VGG, GoogLeNet, ResNet, DenseNet, "
             "MobileNet, "
             "EfficientNet).")

    def generate(self, rng, difficulty):
        taken: set[str] = set()
        claims, choices = list(CLAIMS.values()), list(CHOICES.values())
        # The short answer is drawn first: a "which architecture ..." choice blocks a whole attribute.
        recall = [] if difficulty == "hard" else [entry("short", draw(rng, list(RECALLS.values()), 1, taken)[0].id)]
        value_qs = [c for c in choices if c.id.startswith("value:")]
        if difficulty == "easy":
            questions = [entry("tf", c.id) for c in draw_claims(rng, claims, 3, (1, 2), taken)]
        elif difficulty == "medium":
            arch_qs = [c for c in choices if c.id.startswith("arch:")]
            questions = [entry("sc", c.id, subset_order(rng, len(c.options), 4))
                         for c in (*draw(rng, value_qs, 1, taken), *draw(rng, arch_qs, 1, taken))]
            questions.append(entry("tf", draw(rng, claims, 1, taken)[0].id))
        else:
            if rng.random() < 0.5:
                (multi,) = draw(rng, list(MULTIS.values()), 1, taken)
                picked = draw_claims(rng, multi.options, 4, (1, 3), taken)
                questions = [entry("mc", multi.id, tuple(c.id for c in picked))]
            else:
                (compare,) = draw(rng, [c for c in choices if c.id.startswith(("most", "fewest"))], 1, taken)
                questions = [entry("sc", compare.id, subset_order(rng, len(compare.options), len(compare.options)))]
            statements = [c for c in claims if not c.id.startswith("params")]
            questions.insert(0, entry("mc", "", tuple(c.id for c in draw_claims(rng, statements, 5, (2, 3), taken))))
            (value,) = draw(rng, [c for c in value_qs if c.id.split(":")[1] in ("year", "result", "place")], 1, taken)
            questions.append(entry("sc", value.id, subset_order(rng, len(value.options), min(4, len(value.options)))))
        return ArchitectureFactsParams(tuple(questions + recall))

    def parts(self, params):
        return [decode(q, CLAIMS, CHOICES, MULTIS, RECALLS) for q in params.questions]


TEMPLATE = ArchitectureFacts()
