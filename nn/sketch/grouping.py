"""Which pieces of ink (strokes, blobs) make up one digit of a number written side by side.

A digit is read from left to right, so pieces are grouped by their horizontal extents alone: a
piece whose extent ``[x0, x1]`` overlaps the extent of a group (the union of its pieces' extents)
belongs to it. So the dot or short bar that overlaps a digit's extent joins that digit, while
digits written apart stay apart, whatever their heights and baselines. Pure Python, no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def group_spans(spans: Sequence[tuple[float, float]], *, tolerance: float = 0.0) -> list[list[int]]:
    """Group pieces by overlapping horizontal extents: indices into ``spans``, per group.

    ``spans`` holds one ``(x0, x1)`` per piece, in any unit (the canvas uses image pixels), the
    ends in either order. Two extents join when the gap between them is at most ``tolerance``
    (0: they touch or overlap; a positive tolerance also joins pieces that close). Joining is
    transitive: a wide piece bridges every piece it overlaps.

    Returns the groups ordered left to right (by their left edge), each a list of indices in
    ascending order; ``[]`` for no spans. Raises ``ValueError`` for an end that is not a finite
    number or a negative tolerance. O(n log n).
    """
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance must be a finite number ≥ 0, got {tolerance!r}")
    extents = [_checked_extent(index, span) for index, span in enumerate(spans)]
    order = sorted(range(len(extents)), key=lambda index: extents[index])
    groups: list[list[int]] = []
    group_right = -math.inf
    for index in order:
        left, right = extents[index]
        if groups and left - group_right <= tolerance:
            groups[-1].append(index)
            group_right = max(group_right, right)
        else:
            groups.append([index])
            group_right = right
    return [sorted(group) for group in groups]


def _checked_extent(index: int, span: tuple[float, float]) -> tuple[float, float]:
    """``(left, right)`` of one span, ends sorted; ``ValueError`` naming the piece if malformed."""
    try:
        first, second = (float(end) for end in span)
    except (TypeError, ValueError) as error:
        raise ValueError(f"span {index} is not a pair of numbers: {span!r}") from error
    if not (math.isfinite(first) and math.isfinite(second)):
        raise ValueError(f"span {index} has an end that is not a finite number: {span!r}")
    return (min(first, second), max(first, second))


GAP_FRACTION = 0.07
"""Pieces closer across than this fraction of the taller one's height belong to one digit: a 4 or
a 7 drawn in strokes that do not quite meet (in the pen-digit test file, such gaps reach 6 % of
the digit's height). Writers leave more between digits."""

STACKED_FRACTION = 0.5
"""Pieces whose heights overlap by less than this fraction of the shorter one's are stacked, not
side by side: parts of one digit (a 3 drawn as two slanted arcs), not two digits."""


SPECK_FRACTION = 0.25
"""A group no taller and no wider than this fraction of the tallest group's height is a speck (a
tap of the pen, a dot): it belongs to the nearer of its neighbours, never a digit of its own."""


def group_boxes(
    boxes: Sequence[tuple[float, float, float, float]],
    *,
    gap_fraction: float = GAP_FRACTION,
    stacked_fraction: float = STACKED_FRACTION,
    speck_fraction: float = SPECK_FRACTION,
) -> list[list[int]]:
    """Group pieces of ink into the digits of a number written side by side.

    ``boxes`` holds one ``(left, top, right, bottom)`` per piece (y down, any unit; the canvas
    uses image pixels, pen included). First :func:`group_spans` on the horizontal extents; then
    each group joins the one on its left when the gap between them is at most ``gap_fraction``
    of the taller one's height, or when their heights overlap by less than ``stacked_fraction``
    of the shorter one's; last, each speck (a group at most ``speck_fraction`` of the tallest
    group's height both wide and high) joins the nearer of its neighbours. Returns the groups
    left to right, indices ascending, as :func:`group_spans` does. ``ValueError`` for a
    malformed box or a fraction that is negative or not finite.
    """
    fractions = {
        "gap_fraction": gap_fraction,
        "stacked_fraction": stacked_fraction,
        "speck_fraction": speck_fraction,
    }
    for name, value in fractions.items():
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    extents = [_checked_extent(index, (box[0], box[2])) for index, box in enumerate(boxes)]
    heights = [_checked_extent(index, (box[1], box[3])) for index, box in enumerate(boxes)]
    groups = group_spans(extents)
    bounds = [  # left, top, right, bottom of each group
        [
            min(extents[i][0] for i in group),
            min(heights[i][0] for i in group),
            max(extents[i][1] for i in group),
            max(heights[i][1] for i in group),
        ]
        for group in groups
    ]
    while len(groups) > 1:  # merging grows a box, which may join it to another: until none does
        pair = _neighbours_to_join(bounds, gap_fraction, stacked_fraction, speck_fraction)
        if pair is None:
            break
        _merge(groups, bounds, *pair)
    return groups


def _neighbours_to_join(
    bounds: list[list[float]], gap_fraction: float, stacked_fraction: float, speck_fraction: float
) -> tuple[int, int] | None:
    """``(i, i + 1)``: the first two neighbouring groups that are one digit, else the first speck
    and its nearer neighbour; None when every group is a digit of its own."""
    for i in range(len(bounds) - 1):
        if _same_digit(bounds[i], bounds[i + 1], gap_fraction, stacked_fraction):
            return i, i + 1
    tallest = max(b[3] - b[1] for b in bounds)
    for i, b in enumerate(bounds):
        if b[3] - b[1] <= speck_fraction * tallest and b[2] - b[0] <= speck_fraction * tallest:
            gap_left = b[0] - bounds[i - 1][2] if i > 0 else math.inf
            gap_right = bounds[i + 1][0] - b[2] if i + 1 < len(bounds) else math.inf
            return (i - 1, i) if gap_left <= gap_right else (i, i + 1)
    return None


def _merge(groups: list[list[int]], bounds: list[list[float]], i: int, j: int) -> None:
    """Merge neighbouring groups ``i`` and ``j = i + 1`` into ``i``, in place."""
    groups[i] = sorted(groups[i] + groups.pop(j))
    a, b = bounds[i], bounds.pop(j)
    bounds[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]


def _same_digit(left: list[float], right: list[float], gap_fraction, stacked_fraction) -> bool:
    """Whether two neighbouring groups' boxes (left one first) are parts of one digit."""
    left_height, right_height = left[3] - left[1], right[3] - right[1]
    gap = right[0] - left[2]
    if gap <= gap_fraction * max(left_height, right_height):
        return True
    shared = min(left[3], right[3]) - max(left[1], right[1])
    return shared < stacked_fraction * min(left_height, right_height)
