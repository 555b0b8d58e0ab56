"""How long ``python -m course --help`` takes, against a bare ``python -c pass``.

Prints the median of several runs of each and their ratio. Not a test: the
issue's goal (well under 0.5 s on the project's 2-core machines) is read here.
Run: ``make bench`` or ``python bench/startup.py [runs]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def median_seconds(command: list[str], runs: int) -> float:
    subprocess.run(command, capture_output=True, check=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int = 15) -> None:
    bare = median_seconds([sys.executable, "-c", "pass"], runs)
    cli = median_seconds([sys.executable, "-m", "course", "--help"], runs)
    document = median_seconds([sys.executable, "-m", "course", "document"], runs)
    print(f"python -c pass                 median {bare:.3f} s")
    print(f"python -m course --help        median {cli:.3f} s   ratio to bare python {cli / bare:.2f}")
    print(f"python -m course document      median {document:.3f} s   ratio to bare python {document / bare:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
