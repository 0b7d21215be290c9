"""The tests. NumPy gets one OpenBLAS thread, as in the app and the CLI, set before it loads."""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
