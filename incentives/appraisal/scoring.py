"""The arithmetic of an appraisal result, exact: integers and fractions, never floats.

A member's score of a household is the weighted sum of their 0-10 criterion scores, with weights
summing to 100, so it lies in 0..1000 tenths of a point, i.e. 0-100 points with one decimal.
The household's result is the trimmed mean of its members' scores: with at least
``TRIM_FROM`` members the single highest and single lowest score are dropped, so one member
who scores everyone 0 or 10 moves the result far less; with fewer members, the plain mean.
"""

from collections.abc import Sequence
from fractions import Fraction

MAX_SCORE = 10  # per criterion
TOTAL_WEIGHT = 100
TRIM_FROM = 5  # members needed before the highest and lowest are dropped

TRIMMED = "trimmed"
MEAN = "mean"


def weighted_tenths(weights: Sequence[int], scores: Sequence[int]) -> int:
    """A member's score of a household in tenths of a point (0..1000)."""
    return sum(w * s for w, s in zip(weights, scores, strict=True))


def robust_mean(values: Sequence[int]) -> tuple[Fraction, str]:
    """The trimmed mean (drop one highest, one lowest) from ``TRIM_FROM`` values on, else the
    plain mean; exact. Raises ValueError on no values."""
    if not values:
        raise ValueError("no scores")
    ordered = sorted(values)
    if len(ordered) >= TRIM_FROM:
        kept = ordered[1:-1]
        return Fraction(sum(kept), len(kept)), TRIMMED
    return Fraction(sum(ordered), len(ordered)), MEAN


def household_result(member_tenths: Sequence[int]) -> tuple[Fraction, str]:
    """The household's result on 0-100 points, from its members' scores in tenths."""
    mean, method = robust_mean(member_tenths)
    return mean / 10, method


def fixed_point(value: Fraction, places: int = 2) -> str:
    """``value`` as a decimal with ``places`` digits, rounded half up, exactly ("87.35")."""
    scale = 10**places
    negative = value < 0
    scaled = (abs(value) * scale * 2 + 1) // 2  # half up
    whole, frac = divmod(int(scaled), scale)
    text = f"{whole}.{frac:0{places}d}" if places else str(whole)
    return f"-{text}" if negative and scaled else text


def competition_ranks(values: Sequence[Fraction]) -> list[int]:
    """Ranks for values sorted best first: equal values share a rank ("1, 2, 2, 4")."""
    ranks = []
    for i, value in enumerate(values):
        ranks.append(ranks[-1] if i and value == values[i - 1] else i + 1)
    return ranks
