"""The size of a digit image, as MNIST stores it and the network reads it: 28x28 pixels.

This module imports nothing, so every part of ``nn`` (data, sketch, handwriting, the network) and
the app can share these numbers without depending on one another.
"""

IMAGE_SIDE = 28
"""Side of a digit image in pixels."""

IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE
"""Pixels of a digit image, 784: the length of one image row ``(n, 784)`` and the network's input
layer."""
