"""training-techniques: AlexNet's numbers checked by computation where possible, the choices, the variants."""

from cnnexam.solutions import conv_output_size, pool_output_size
from cnnexam.templates._concept_quiz import MultipleChoice, SingleChoice, TrueFalse
from cnnexam.templates.training_techniques import CHOICES, CLAIMS, GAINS, MULTIS, TEMPLATE


def test_overlapping_pooling_gives_output_of_equivalent_size():
    # Krizhevsky et al. 2012, Sect. 3.4: s = 2, z = 3 vs s = 2, z = 2 "produces output of equivalent dimensions".
    maps = conv_output_size(227, 11, 4)  # conv1: 96 kernels 11x11, stride 4 (slide 002's 227x227 input)
    assert maps == 55
    assert pool_output_size(maps, 3, 2) == pool_output_size(maps, 2, 2) == 27
    assert CLAIMS["overlap-size"].true


def test_augmentation_factor_is_the_papers_count():
    # 256 - 224 = 32 offsets per axis, times 2 for the reflections (the paper's 2048).
    assert (256 - 224) ** 2 * 2 == 2048
    choice = CHOICES["aug-factor"]
    assert choice.options[0].text == "2048"
    assert {o.text: o.belief.name for o in choice.options if o.belief} == {"1024": "forgot-reflections", "10": "test-patches"}


def test_error_reductions_are_told_apart():
    for asked, choice_id in (("pooling", "pooling-gain"), ("lrn", "lrn-gain")):
        choice = CHOICES[choice_id]
        assert choice.options[0].text == GAINS[asked][1]
        for option in choice.options[1:]:
            if option.belief:
                other = option.belief.name.split("-gain-for-")[0]
                assert option.text == GAINS[other][1] and other != asked
    assert GAINS["pooling"][1] == "0.4% and 0.3%" and GAINS["lrn"][1] == "1.4% and 1.2%"  # Sects. 3.4 and 3.3


def test_purpose_questions():
    assert {c.text for c in MULTIS["overfit"].options if c.true} == {"Data augmentation", "Dropout"}
    assert {c.id for c in MULTIS["faster"].options if c.true} == {"faster:relu", "faster:gpu"}
    dropout = next(c for c in MULTIS["faster"].options if c.id == "faster:dropout")
    assert not dropout.true and dropout.belief.name == "dropout-speeds-training"


def test_claim_pairs_contradict_each_other():
    for true_id, false_id in [("relu-6x", "tanh-6x"), ("dropout-fc", "dropout-conv"), ("dropout-test", "dropout-test-drop"),
                              ("dropout-doubles", "dropout-halves"), ("overlap-def", "overlap-none"),
                              ("lrn-channels", "lrn-spatial"), ("lrn-constants", "lrn-learned"), ("gpus", "gpus-ensemble")]:
        assert CLAIMS[true_id].true and not CLAIMS[false_id].true
        assert set(CLAIMS[true_id].groups) & set(CLAIMS[false_id].groups)  # never in one variant


def test_variants_by_difficulty():
    for seed in range(80):
        shapes = {d: [type(p) for p in TEMPLATE.parts(TEMPLATE.variant(seed, d).params)] for d in TEMPLATE.difficulties}
        assert shapes == {"easy": [TrueFalse] * 3 + [SingleChoice], "medium": [TrueFalse] * 2 + [SingleChoice] * 2,
                          "hard": [MultipleChoice, MultipleChoice, SingleChoice]}


def test_misconceptions_name_the_confusion():
    names = set()
    for seed in range(120):
        names |= {m.name for m in TEMPLATE.variant(seed, TEMPLATE.difficulties[seed % 3]).misconceptions}
    assert {"dropout-at-test", "tanh-faster", "lrn-spatial", "alexnet-non-overlapping-pooling"} <= names
    assert any(n.endswith("-gain-for-pooling") or n.endswith("-gain-for-lrn") for n in names)
