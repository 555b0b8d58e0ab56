"""Playwright steps in nbgrader's panels, wherever JupyterLab runs (`make lab` or a hub user's server).

Selectors are nbgrader 0.9's own markup: Formgrader's manage-assignments table, its modal dialogs and
its grading page, and the Assignment List panel in JupyterLab. Debian's Chromium, flags from the
project's browser notes. Used by tests/grading/test_lab.py and (through tests/hub/hubbrowser.py) the
hub round trip.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LONG = 240_000  # ms: a server start or a Formgrader action on a busy 2-core machine


def quiet_lab_settings(settings_dir: Path) -> Path:
    """JupyterLab user settings (for JUPYTERLAB_SETTINGS_DIR) without the news pop-up; returns the folder."""
    folder = Path(settings_dir) / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return Path(settings_dir)


def formgrader_action(page, assignment: str, column: str, timeout: float = LONG,
                      screenshot: Path | None = None) -> tuple[str, str]:
    """Click an assignment's button in Formgrader's table (``assign`` = Generate, ``release``, ``collect``,
    ``generate-feedback``, ``release-feedback``) and close the result dialog; return (title, text).
    ``screenshot``: a file to save the page in, with the result dialog open."""
    row = page.locator(f"tr:has(td.name[data-order='{assignment}'])")
    row.locator(f"td.{column} a").click()
    dialog = page.locator(".modal-dialog")
    dialog.locator(".modal-title").wait_for(timeout=timeout)
    title, text = dialog.locator(".modal-title").inner_text(), dialog.locator(".modal-body").inner_text()
    if screenshot is not None:  # once the dialog has faded in
        page.wait_for_function("() => getComputedStyle(document.querySelector('.modal')).opacity === '1'", timeout=timeout)
        page.screenshot(path=str(screenshot))
    dialog.locator(".modal-footer button").last.click()
    dialog.wait_for(state="hidden", timeout=timeout)
    page.locator(".modal-backdrop").wait_for(state="detached", timeout=timeout)  # the grey overlay fades out
    return title.strip(), text


def open_assignment_list(page, timeout: float = LONG) -> None:
    """Nbgrader > Assignment List in JupyterLab; wait until the released assignments have loaded."""
    page.click("li.lm-MenuBar-item:has-text('Nbgrader')")
    page.click("li.lm-Menu-item[data-command='nbgrader:open-assignment-list']")
    page.wait_for_selector("#released_assignments_list", timeout=timeout)
    page.wait_for_selector("#released_assignments_list_loading", state="hidden", timeout=timeout)


def refresh_assignment_list(page, timeout: float = LONG) -> None:
    page.click("#refresh_assignments_list")
    page.wait_for_selector("#submitted_assignments_list_loading", state="hidden", timeout=timeout)


def assignment_item(page, section: str, assignment: str):
    """The Assignment List's row for ``assignment`` in ``released``, ``fetched`` or ``submitted``."""
    return page.locator(f"#{section}_assignments_list > .list_item:has(.item_name:has-text('{assignment}'))")
