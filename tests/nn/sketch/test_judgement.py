"""The "not sure" rule: clear and close calls, odd activations, and the vectorised form."""

from __future__ import annotations

import numpy as np
import pytest

from nn.sketch.judgement import MIN_LEAD, MIN_TOP, judge, judge_many, shares


def outputs(**values: float) -> np.ndarray:
    """Ten activations, 0.001 each except the digits given, e.g. ``outputs(d4=0.5, d9=0.4)``."""
    a = np.full(10, 0.001)
    for name, value in values.items():
        a[int(name[1:])] = value
    return a


def test_a_clear_answer_is_sure():
    j = judge(outputs(d7=0.98, d1=0.01))
    assert (j.digit, j.runner_up, j.sure) == (7, 1, True)
    assert j.text() == "7"
    assert j.top_share == pytest.approx(0.98 / (0.99 + 8 * 0.001))


def test_two_close_digits_are_not_sure():
    j = judge(outputs(d4=0.5, d9=0.45))
    assert (j.digit, j.runner_up, j.sure) == (4, 9, False)
    assert j.text() == "not sure: 4 or 9?"


def test_a_weak_top_output_is_not_sure_even_with_a_clear_lead():
    weak = np.full(10, 0.0)
    weak[3] = MIN_TOP - 0.01  # the rest is shared by three digits, far behind
    weak[[0, 5, 8]] = (1 - weak[3]) / 3
    lead = weak[3] - weak[0]
    assert not judge(weak, min_top=MIN_TOP, min_lead=min(lead, MIN_LEAD)).sure
    assert judge(weak, min_top=MIN_TOP - 0.02, min_lead=min(lead, MIN_LEAD)).sure


def test_the_lead_threshold_is_where_the_rule_switches():
    top, second = max(MIN_TOP, MIN_LEAD + 0.1) + 1e-9, 0.1
    a = np.array([top, second] + [(1 - top - second) / 8] * 8)
    assert a[2] < second and judge(a).sure
    a[0] -= 0.2  # now the lead is 0.2 short, and the top share too
    a[2:] += 0.2 / 8
    assert not judge(a).sure
    assert judge(a, min_top=0.0, min_lead=0.0).sure


def test_unnormalised_sigmoid_outputs_are_judged_by_their_shares():
    sigmoid_like = outputs(d2=0.9, d8=0.9)  # two neurons fully on: not sure
    assert not judge(sigmoid_like).sure
    assert judge(outputs(d2=0.99)).sure
    np.testing.assert_allclose(shares(sigmoid_like).sum(), 1.0)


@pytest.mark.parametrize(
    "bad",
    [np.zeros(10), np.full(10, np.nan), np.full(10, -1.0), np.r_[np.inf, np.zeros(9)]],
    ids=["zeros", "nan", "negative", "inf"],
)
def test_odd_activations_are_not_sure_and_never_crash(bad):
    j = judge(bad)
    assert not j.sure
    assert 0 <= j.digit <= 9 and 0 <= j.runner_up <= 9 and j.digit != j.runner_up


def test_ties_go_to_the_lower_digit_like_argmax():
    j = judge(outputs(d6=0.4, d2=0.4))
    assert (j.digit, j.runner_up) == (2, 6)


def test_refuses_anything_but_ten_outputs():
    with pytest.raises(ValueError, match="10 output activations"):
        judge(np.ones(9))


def test_the_vectorised_rule_agrees_with_the_single_one():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (2000, 10))
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    sure = judge_many(softmax)
    assert sure.shape == (2000,) and 0.05 < sure.mean() < 0.95  # both kinds occur
    np.testing.assert_array_equal(sure, [judge(a).sure for a in softmax])
