"""Digits from photos and scans, without Qt: an image → clean ink → one sketch per digit.

``read_photo_digits(source)`` takes a path, encoded bytes or a Pillow image and returns a
:class:`PhotoDigits` (the cleaned ink for display, one white-on-black sketch per digit left to
right, and their boxes in the original image); :meth:`nn.model.Model.read` reads each sketch.
Anything that cannot be read raises :class:`ImageReadError` with a one-line message.
"""

from nn.images.digits import PhotoDigits, read_photo_digits
from nn.images.reading import ImageReadError

__all__ = ["ImageReadError", "PhotoDigits", "read_photo_digits"]
