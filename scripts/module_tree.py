"""Kept for habit: the module tree is now one step of the build.

Run: python -m course build module-tree     (rewrite the block in docs/architecture.md)
     python -m course build --check         (is it, and every other generated file, up to date?)
"""
import subprocess
import sys
from pathlib import Path

if __name__ == "__main__":
    command = [sys.executable, "-m", "course", "build", "module-tree"] + (["--check"] if "--write" not in sys.argv else [])
    raise SystemExit(subprocess.call(command, cwd=Path(__file__).resolve().parents[1]))
