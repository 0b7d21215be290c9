"""``python -m nn``: the headless trainer (see :mod:`nn.cli`)."""

import os
import sys

# Decided by measurement (bench/epoch.py): one OpenBLAS thread is as fast for these small matrices
# and does not collapse when the other core is busy (see docs/performance.md). Must be set before
# NumPy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from nn.cli import main

if __name__ == "__main__":  # not in the processes that draw pen digits, which import this module
    sys.exit(main())
