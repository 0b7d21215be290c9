"""A restricted unpickler for pickles of plain NumPy arrays (such as Nielsen's ``mnist.pkl.gz``).

Unpickling runs whatever callables the file names, so an ordinary ``pickle.load`` of a
downloaded file can run arbitrary code. :class:`SafeUnpickler` resolves only the few globals
that rebuild NumPy arrays and refuses every other one with :class:`DataError`, before anything
is called.
"""

from __future__ import annotations

import _codecs
import pickle
from typing import IO, Any

import numpy as np

from nn.data.idx import DataError

try:  # NumPy 2 names its core ``numpy._core``; NumPy 1.26 calls it ``numpy.core``.
    from numpy._core import multiarray as _multiarray
    from numpy._core import numeric as _numeric
except ImportError:  # pragma: no cover - NumPy 1.x only
    from numpy.core import multiarray as _multiarray
    from numpy.core import numeric as _numeric

# (module, name) as written in the pickle → the object it stands for. Both spellings of the
# NumPy core are mapped to the objects directly, so old pickles (Python 2, NumPy 1) load without
# importing the deprecated ``numpy.core`` alias.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _numeric._frombuffer,  # pickle protocol 5
    ("numpy._core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _codecs.encode,  # bytes pickled by Python 3 at protocol ≤ 2
}


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that builds only NumPy arrays, tuples, lists, dicts and plain values.

    ``name`` (the file's name) is used in error messages.
    """

    def __init__(self, file: IO[bytes], name: str, *, encoding: str = "ASCII") -> None:
        super().__init__(file, encoding=encoding)
        self.name = name

    def find_class(self, module: str, name: str) -> Any:
        """The allowed global ``module.name``; DataError for anything else."""
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise DataError(
                f"{self.name}: refused to unpickle the global {module}.{name} "
                "(only NumPy arrays are allowed)"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        """Persistent references are never needed for arrays: refuse them."""
        raise DataError(f"{self.name}: refused a persistent reference in the pickle")


def safe_load(file: IO[bytes], name: str, *, encoding: str = "ASCII") -> Any:
    """Unpickle ``file`` with :class:`SafeUnpickler`; every failure becomes a DataError.

    ``encoding="latin1"`` reads pickles written by Python 2 (their ``str`` holds array bytes).
    """
    try:
        return SafeUnpickler(file, name, encoding=encoding).load()
    except DataError:
        raise
    except (pickle.UnpicklingError, EOFError) as error:
        raise DataError(f"{name}: not a valid pickle ({error or 'truncated'})") from None
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        raise DataError(f"{name}: corrupt pickle ({type(error).__name__}: {error})") from None
