"""Execution time and peak memory of each lesson notebook (not a test).

Each lesson runs in a fresh process (nbclient, python3 kernel), so the
figures include kernel start-up. Peak memory is the largest resident set of
the kernel process (the child), read from getrusage after it exits.
Run: ``python bench/lessons.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys

RUNNER = r'''
import json, resource, sys, tempfile, time
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
with tempfile.TemporaryDirectory() as scratch:
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": scratch}}).execute()
seconds = time.perf_counter() - start
kernel_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "kernel_peak_mib": kernel_kib / 1024}))
'''


def main() -> None:
    from course.lessons import manifest as lessons

    print(f"{'lesson':<36} {'seconds':>8} {'kernel peak MiB':>16}")
    for item in lessons.lessons():
        result = subprocess.run([sys.executable, "-c", RUNNER, str(item.path)], capture_output=True, text=True, check=True)
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"{item.file:<36} {figures['seconds']:>8.1f} {figures['kernel_peak_mib']:>16.0f}")


if __name__ == "__main__":
    main()
