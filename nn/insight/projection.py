"""The map of a set of digits: each image placed in 2-D by what its last hidden layer holds.

The last hidden layer is the representation the output layer reads, so images the network finds
alike lie close together there. Its activations ``(n, h)`` are projected onto their two principal
components (PCA, in NumPy): the two directions along which the images vary most. The first
component is the map's x axis, the second its y axis; both are in units of activation.

A network without hidden layers (``[784, 10]``) has no hidden layer to look at; its output layer
reads the pixels, so the pixels take that place (``h = 784``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nn.digits import IMAGE_PIXELS
from nn.network import Network

EXACT_UNITS = 1000
"""Layers of at most this many units get the exact principal components, from ``np.linalg.eigh``
of the ``(h, h)`` covariance (0.01 s for 400 units, 0.08 s for 800, 0.6 s for 1,600: it grows
as h³). Wider layers get them by subspace iteration, whose cost grows as n·h."""

SUBSPACE = 10
"""Directions followed by the subspace iteration: the two wanted and eight more, so that the
second one converges even when the third has almost as much variance."""

ITERATIONS = 16
"""Rounds of subspace iteration: each one shrinks the part of the third and later components left
in the first two by the ratio of their variances."""

PIECE = 1000
"""Images sent through the network at once by :func:`last_hidden`: enough for fast matrix
products, few enough that the layers' activations stay small."""


@dataclass(frozen=True, eq=False)
class Projection:
    """The two principal components of a set of hidden activations, to place any image on the
    same map.

    ``mean`` ``(h,)`` float64 is the mean activation of the set the map was made from;
    ``components`` ``(2, h)`` float64 are unit rows, the first the direction of most variance.
    An eigenvector's sign is arbitrary, so each row is turned so that its entry of largest
    magnitude (the first such entry on a tie) is positive: the same activations always give
    the same map. ``variance`` ``(2,)`` is the variance of the set along each component and
    ``total_variance`` the sum over all ``h`` directions, so ``variance / total_variance`` is
    the share of the spread that each axis shows.
    """

    mean: np.ndarray
    components: np.ndarray
    variance: np.ndarray | None = None
    total_variance: float = float("nan")

    def __post_init__(self) -> None:
        h = self.mean.shape[0] if self.mean.ndim == 1 else -1
        if h < 1 or self.components.shape != (2, h):
            raise ValueError(
                f"a projection needs mean (h,) and components (2, h); got {self.mean.shape} "
                f"and {self.components.shape}"
            )

    @property
    def units(self) -> int:
        """``h``: the number of activations an image's place is computed from."""
        return self.mean.shape[0]

    def place(self, hidden: np.ndarray) -> np.ndarray:
        """Where activations ``(m, h)`` lie on the map, ``(m, 2)`` float64; ``(h,)`` gives
        ``(2,)``: each row minus the mean, onto the two components."""
        hidden = np.asarray(hidden)
        if hidden.ndim not in (1, 2) or hidden.shape[-1] != self.units:
            raise ValueError(
                f"expected activations of {self.units} units, (m, {self.units}) or "
                f"({self.units},); got shape {hidden.shape}"
            )
        return (hidden - self.mean) @ self.components.T


def outputs_and_last_hidden(network: Network, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One forward pass of ``images`` ``(m, 784)``: the output activations ``(m, 10)`` and the
    last hidden layer's ``(m, h)`` (the pixels for a network without hidden layers), both in the
    network's dtype and both transposed views of its column-form layers.

    The images are converted exactly as :meth:`Network.predict` converts them, so the outputs
    are the ones :meth:`Network.evaluate` scores.
    """
    with np.errstate(over="ignore"):  # a saturated sigmoid is exactly 0, which is right
        layers = network.forward(np.asarray(images, dtype=network.dtype).T)
    return layers[-1].T, layers[-2].T


def check_images(images: np.ndarray) -> np.ndarray:
    """``images`` as an array, or ValueError unless it is ``(n, 784)``."""
    images = np.asarray(images)
    if images.ndim != 2 or images.shape[1] != IMAGE_PIXELS:
        raise ValueError(f"images must be (n, {IMAGE_PIXELS}), got shape {images.shape}")
    return images


def last_hidden(network: Network, images: np.ndarray) -> np.ndarray:
    """The last hidden layer's activations ``(n, h)`` float32 for ``images`` ``(n, 784)`` in
    [0, 1], computed :data:`PIECE` images at a time."""
    images = check_images(images)
    hidden = np.empty((len(images), network.sizes[-2]), np.float32)
    for start in range(0, len(images), PIECE):
        hidden[start : start + PIECE] = outputs_and_last_hidden(
            network, images[start : start + PIECE]
        )[1]
    return hidden


def fit_projection(hidden: np.ndarray) -> Projection:
    """The principal components of activations ``(n, h)``, n ≥ 1 (see :class:`Projection`).

    The activations are centred in float32 (the mean itself is summed in float64).
    Up to :data:`EXACT_UNITS` units, the components are the top eigenvectors of the ``(h, h)``
    covariance; wider layers use subspace iteration on the centred activations, which never
    forms the covariance. A layer of one unit has a single direction: the second row is zeros.
    """
    hidden = np.asarray(hidden)
    if hidden.ndim != 2 or hidden.shape[0] < 1 or hidden.shape[1] < 1:
        raise ValueError(f"expected activations (n, h) with n, h ≥ 1; got shape {hidden.shape}")
    n, h = hidden.shape
    mean = hidden.mean(axis=0, dtype=np.float64)
    centred = np.subtract(hidden, mean.astype(np.float32), dtype=np.float32)
    total = float(np.einsum("ij,ij->", centred, centred, dtype=np.float64)) / n
    exact = h <= EXACT_UNITS
    vectors = _top_eigenvectors(centred) if exact else _subspace_iteration(centred)
    components = np.zeros((2, h))
    components[: vectors.shape[0]] = vectors
    components = _with_fixed_signs(components)
    along = centred @ components.T.astype(np.float32)
    variance = np.einsum("ij,ij->j", along, along, dtype=np.float64) / n
    return Projection(mean, components, variance, total)


def _top_eigenvectors(centred: np.ndarray) -> np.ndarray:
    """The (at most) two eigenvectors of ``centredᵀ centred`` of largest eigenvalue, as rows,
    largest first."""
    covariance = (centred.T @ centred).astype(np.float64)
    _, vectors = np.linalg.eigh(covariance)  # ascending eigenvalues
    return vectors[:, ::-1][:, :2].T


def _subspace_iteration(centred: np.ndarray) -> np.ndarray:
    """As :func:`_top_eigenvectors`, by :data:`ITERATIONS` rounds of ``Q ← orth(Xᵀ X Q)`` on
    :data:`SUBSPACE` directions from a seeded start, then the best two within them
    (Rayleigh-Ritz)."""
    h = centred.shape[1]
    start = np.random.default_rng(0).standard_normal((h, SUBSPACE)).astype(np.float32)
    basis, _ = np.linalg.qr(start)
    for _ in range(ITERATIONS):
        basis, _ = np.linalg.qr(centred.T @ (centred @ basis))
    inside = centred @ basis  # (n, SUBSPACE)
    _, small = np.linalg.eigh((inside.T @ inside).astype(np.float64))
    return (basis.astype(np.float64) @ small[:, ::-1][:, :2]).T


def _with_fixed_signs(components: np.ndarray) -> np.ndarray:
    """``components`` with each row's entry of largest magnitude made positive."""
    largest = np.abs(components).argmax(axis=1)
    signs = np.where(components[np.arange(len(components)), largest] < 0, -1.0, 1.0)
    return components * signs[:, None]


def place_image(network: Network, projection: Projection, image: np.ndarray) -> np.ndarray:
    """Where ``image`` lies on the map: ``(784,)`` in [0, 1] → ``(2,)``; images ``(m, 784)``
    → ``(m, 2)``. Give the image as the network reads it (for a sketch, the model's
    ``Answer.input``), so it lands where the test images it resembles lie."""
    image = np.asarray(image)
    if image.shape == (IMAGE_PIXELS,):
        return projection.place(outputs_and_last_hidden(network, image[None, :])[1][0])
    return projection.place(last_hidden(network, check_images(image)))
