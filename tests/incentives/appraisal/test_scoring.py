"""The arithmetic: trimmed mean from five members, exact fractions, fixed-point display."""

from fractions import Fraction

from incentives.appraisal import scoring


def test_plain_mean_below_five_members_trimmed_from_five():
    assert scoring.robust_mean([700, 740, 760, 800]) == (Fraction(750), scoring.MEAN)
    assert scoring.robust_mean([0, 700, 740, 760, 800]) == (Fraction(2200, 3), scoring.TRIMMED)


def test_one_biased_member_moves_the_trimmed_result_less_than_the_plain_mean():
    honest = [700, 740, 760, 800]  # tenths: 70, 74, 76, 80 points; their mean is 75
    for biased in (0, 1000):
        trimmed, _ = scoring.household_result(honest + [biased])
        plain = Fraction(sum(honest) + biased, 5) / 10
        assert abs(trimmed - 75) < abs(plain - 75)
    assert scoring.household_result(honest + [0])[0] == Fraction(220, 3)  # 73.33, plain 60
    assert scoring.household_result(honest + [1000])[0] == Fraction(230, 3)  # 76.67, plain 80


def test_fixed_point_rounds_half_up_exactly():
    assert scoring.fixed_point(Fraction(220, 3)) == "73.33"
    assert scoring.fixed_point(Fraction(230, 3)) == "76.67"
    assert scoring.fixed_point(Fraction(1, 200)) == "0.01"
    assert scoring.fixed_point(Fraction(1, 201)) == "0.00"
    assert scoring.fixed_point(Fraction(100)) == "100.00"


def test_equal_results_share_a_rank():
    assert scoring.competition_ranks([Fraction(9), Fraction(8), Fraction(8), Fraction(7)]) == [1, 2, 2, 4]
