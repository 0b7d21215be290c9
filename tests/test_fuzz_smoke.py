"""The file-loader fuzz benchmark runs end to end on a few dozen files (its findings are its own
business: the full run is ``bench/fuzz_files.py`` by hand)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_fuzz_files_runs_and_reports(tmp_path: Path) -> None:
    keep = tmp_path / "files"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fuzz_files.py"), "--weights", "40", "--data",
         "20", "--seed", "3", "--keep", str(keep)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    lines = done.stdout.strip().splitlines()
    counts = r"\d+ crashes, \d+ hangs, \d+ wrong accepts, \d+ code executed, slowest [\d.]+ s"
    assert re.match(rf"weights: 40 files, {counts}, peak \d+ MB", lines[-2]), lines[-2]
    assert re.match(rf"data: 20 files, {counts}, peak \d+ MB", lines[-1]), lines[-1]
    results = (keep / "results.tsv").read_text().splitlines()
    assert len(results) == 1 + 60
    statuses = {line.split("\t")[3] for line in results[1:]}
    assert statuses <= {"accepted", "refused", "crash", "memory", "died", "hang"}
    valid = [line.split("\t") for line in results[1:] if line.split("\t")[2] == "load"]
    assert valid and all(fields[3] == "accepted" for fields in valid), valid
    assert not any((keep / "markers").iterdir())
