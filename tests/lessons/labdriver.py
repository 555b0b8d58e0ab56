"""Drive JupyterLab in headless Chromium: one server, many lessons (used by test_browser.py and bench scripts).

Reliability notes from the project's measurements (docs: /work/shared/notes/browser-testing.md):
wait for the status bar's "| Idle" before Run All, confirm execution started
and retry once, and wait for every cell to finish (no "[*]" prompt left).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def jupyterlab(root: Path, *, timeout: float = 120, extra_args: tuple[str, ...] = (), env: dict | None = None):
    """A JupyterLab server on 127.0.0.1 serving ``root``; yields {"base", "token", "root"}.

    The news pop-up is off, and notebooks render every cell (windowing off) so
    that what the tests read is the whole lesson, not the cells near the viewport.
    """
    root = Path(root)
    settings = root / ".settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True, exist_ok=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    (settings / "notebook-extension").mkdir(parents=True, exist_ok=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = free_port(), "course-kit-test"
    env = dict(os.environ if env is None else env, JUPYTERLAB_SETTINGS_DIR=str(root / ".settings"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"))
    log_path = root / ".jupyterlab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root", *extra_args],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("JupyterLab did not start:\n" + log_path.read_text()[-3000:]) from None
                    time.sleep(0.5)
            yield {"base": base, "token": token, "root": root, "log": log_path}
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def _run_all(page) -> None:
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click("li.lm-Menu-item[data-command='runmenu:run-all']")


def open_and_run(page, server: dict, relpath: str, timeout_ms: int = 180_000) -> None:
    """Open a notebook, run all cells and wait until every code cell has finished."""
    page.goto(f"{server['base']}/lab/tree/{relpath}?token={server['token']}&reset", timeout=timeout_ms)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    page.wait_for_selector(".jp-StatusBar-TextItem:has-text('| Idle')", timeout=timeout_ms)
    _run_all(page)
    try:
        page.wait_for_selector(".jp-InputArea-prompt:has-text('[1]')", timeout=20_000)
    except Exception:  # Run All occasionally does nothing right after load: retry once
        _run_all(page)
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_selector(".jp-StatusBar-TextItem:has-text('| Idle')", timeout=timeout_ms)
    page.wait_for_timeout(500)  # widget views render just after the kernel goes idle


def screenshot_outputs(page, folder: Path, prefix: str) -> list[Path]:
    """Screenshot each code cell's output area that shows something; returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    for index in range(cells.count()):
        output = cells.nth(index).locator(".jp-OutputArea")
        if not output.count() or not output.first.inner_text().strip() and not output.first.locator("img").count():
            continue
        output.first.scroll_into_view_if_needed()
        path = folder / f"{prefix}-cell{index:02d}.png"
        output.first.screenshot(path=str(path))
        written.append(path)
    return written
