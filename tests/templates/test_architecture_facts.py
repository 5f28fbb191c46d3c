"""architecture-facts: the fact table against the papers, swapped statements, comparisons, short answers."""

import pytest

from cnnexam.model.answers import ShortTextAnswer
from cnnexam.templates._concept_quiz import MultipleChoice, ShortAnswer, SingleChoice, TrueFalse
from cnnexam.templates.architecture_facts import CHOICES, CLAIMS, MULTIS, RECALLS, TEMPLATE

# Written from the papers independently of the template's table: statement -> truth.
PAPERS = {
    "AlexNet won the ILSVRC 2012 classification task.": True,          # Krizhevsky et al. 2012, abstract
    "GoogLeNet won the ILSVRC 2014 classification task.": True,        # Szegedy et al. 2014, Sect. 7
    "VGG won the ILSVRC 2014 classification task.": False,             # second; Simonyan & Zisserman 2014, abstract
    "ResNet won the ILSVRC 2015 classification task.": True,           # He et al. 2015, abstract
    "ResNet's ILSVRC entry had a top-5 test error of 3.57%.": True,
    "AlexNet's ILSVRC entry had a top-5 test error of 15.3%.": True,
    "GoogLeNet's ILSVRC entry had a top-5 test error of 6.67%.": True,
    "VGG's ILSVRC entry had a top-5 test error of 6.67%.": False,
    "AlexNet has about 60 million parameters.": True,
    "VGG-16 has about 138 million parameters.": True,
    "LeNet-5 has about 60 thousand parameters.": True,
    "GoogLeNet has about 60 million parameters.": False,
    "AlexNet was introduced in 2012.": True,
    "ResNet was introduced in 2014.": False,
    "LeNet-5 was introduced in 1998.": True,
    "GoogLeNet has 22 layers with parameters (27 counting pooling).": True,
    "ResNet-152 has 152 layers.": True,
    "AlexNet has 8 learned layers: 5 convolutional and 3 fully connected.": True,
    "VGG-19 has 19 weight layers: 16 convolutional and 3 fully connected.": True,
}


def test_statements_agree_with_the_papers():
    by_text = {c.text: c for c in CLAIMS.values()}
    for text, truth in PAPERS.items():
        assert by_text[text].true is truth, text


def test_false_statements_are_other_architectures_values():
    for claim in CLAIMS.values():
        attr, arch = claim.id.split(":")[:2]
        assert claim.true == (claim.id.count(":") == 1)
        if not claim.true:
            assert claim.belief and claim.belief.name.startswith(f"{attr}-")
            assert arch in claim.text


def test_near_true_swaps_are_never_marked_false():
    # EfficientNet's MBConv blocks are depthwise separable and have skip connections (Tan & Le 2019).
    texts = {c.text for c in CLAIMS.values() if not c.true}
    assert not any(t.startswith("EfficientNet is built from depthwise separable") for t in texts)
    assert not any(t.startswith("EfficientNet adds shortcut connections") for t in texts)


# Parameter counts in millions, from the papers (AlexNet abstract; VGG Table 2; GoogLeNet Sect. 1: 12x fewer
# than AlexNet; MobileNet Table 4; LeNet-5 Sect. II.B).
MILLIONS = {"LeNet-5": 0.06, "AlexNet": 60, "VGG-16": 138, "VGG-19": 144, "GoogLeNet": 60 / 12, "MobileNet": 4.2}


def test_comparisons_pick_the_extreme_and_options_are_far_apart():
    compared = [c for c in CHOICES.values() if c.id.startswith(("most", "fewest"))]
    assert compared
    for choice in compared:
        names = [o.text.split(" (")[0] for o in choice.options]
        sizes = [MILLIONS[n] for n in names]
        expected = max(sizes) if choice.id.startswith("most") else min(sizes)
        assert sizes[0] == expected, choice.id
        ordered = sorted(sizes)
        assert all(b / a >= 2 for a, b in zip(ordered, ordered[1:])), choice.id


def test_the_slides_quiz_fewest_parameters_is_googlenet():
    # Slide 001's quiz: AlexNet (8 layers), VGGNet (19 layers), GoogLeNet (22 layers) -> GoogLeNet.
    choice = CHOICES["fewest:GoogLeNet,AlexNet,VGG-19"]
    part = SingleChoice(choice, (1, 2, 0))
    key = part.keys("a")["a"]
    assert part.shown[key].text == "GoogLeNet (22 layers)"
    beliefs = {b.name: part.shown[a["a"]].text for b, a in part.beliefs("a")}
    assert beliefs == {"more-layers-more-parameters": "AlexNet (8 layers)"}


def test_fewer_than_questions_match_the_numbers():
    for multi in MULTIS.values():
        ref = multi.id.split(":")[1]
        for claim in multi.options:
            name = claim.text.split(" (")[0]
            assert claim.true == (MILLIONS[name] < MILLIONS[ref]), claim.id


@pytest.mark.parametrize("answer,arch", [("resnet", "ResNet"), ("Residual Networks", "ResNet"), ("residual network", "ResNet"),
                                         ("ResNet-50", "ResNet"), ("inception", "GoogLeNet"), ("googlenet", "GoogLeNet"),
                                         ("vgg16", "VGG"), ("VGG-19", "VGG"), ("MobileNets", "MobileNet"),
                                         ("densely connected convolutional network", "DenseNet"), ("lenet5", "LeNet-5")])
def test_short_answers_accept_synonyms(answer, arch):
    recall = RECALLS[f"recall:{arch}"]
    slot = ShortTextAnswer(recall.accepted)
    assert slot.check(slot.parse(answer), recall.answer).score == 1


def test_short_answer_confusions_are_wrong_and_named():
    for recall in RECALLS.values():
        slot = ShortTextAnswer(recall.accepted)
        for option in recall.confusions:
            assert slot.check(slot.parse(option.text), recall.answer).score == 0
            assert option.belief is not None


def test_difficulty_shapes():
    kinds = {d: set() for d in TEMPLATE.difficulties}
    for seed in range(60):
        for difficulty in TEMPLATE.difficulties:
            parts = TEMPLATE.parts(TEMPLATE.variant(seed, difficulty).params)
            kinds[difficulty].add(tuple(type(p).__name__ for p in parts))
    assert kinds["easy"] == {("TrueFalse", "TrueFalse", "TrueFalse", "ShortAnswer")}
    assert kinds["medium"] == {("SingleChoice", "SingleChoice", "TrueFalse", "ShortAnswer")}
    assert all(k[0] == "MultipleChoice" and k[-1] == "SingleChoice" for k in kinds["hard"])


def test_keys_follow_the_claims():
    for seed in range(40):
        variant = TEMPLATE.variant(seed, TEMPLATE.difficulties[seed % 3])
        for part, slot in zip(TEMPLATE.parts(variant.params), variant.slots):
            if isinstance(part, TrueFalse):
                assert variant.answers[slot.id] is part.claim.true
            elif isinstance(part, MultipleChoice):
                assert variant.answers[slot.id] == {i for i, c in enumerate(part.claims) if c.true}
            elif isinstance(part, ShortAnswer):
                assert variant.answers[slot.id] == part.recall.answer
            else:
                assert part.shown[variant.answers[slot.id]] == part.choice.options[0]


def test_misconceptions_are_named_after_the_confusion():
    names = set()
    for seed in range(100):
        names |= {m.name for m in TEMPLATE.variant(seed, TEMPLATE.difficulties[seed % 3]).misconceptions}
    assert "place-vgg-like-googlenet" in names or "place-googlenet-like-vgg" in names
    assert "more-layers-more-parameters" in names
    assert any(n.startswith("idea-") for n in names)
