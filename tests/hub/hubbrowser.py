"""Playwright steps on the course hub: logging in, Formgrader buttons, the Assignment List.

Selectors are nbgrader 0.9's own markup (Formgrader's manage-assignments table and modal dialogs,
the Assignment List panel in JupyterLab). Debian's Chromium, flags from the project's browser notes.
"""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LONG = 240_000  # ms: a server start or a Formgrader action on a busy 2-core machine


def login(browser, base: str, user: str, password: str):
    """A fresh browser context logged in to the hub as ``user`` through the PAM login form; returns its page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{base}/hub/login", timeout=LONG)
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_load_state()
    if "/hub/login" in page.url:
        raise AssertionError(f"{user} could not log in: {page.locator('.alert').all_inner_texts() or page.url}")
    return page


def manage_assignments(page, base: str, course_id: str) -> None:
    page.goto(f"{base}/services/{course_id}/formgrader/manage_assignments", timeout=LONG)
    page.wait_for_selector("td.name", timeout=LONG)


def formgrader_action(page, assignment: str, column: str) -> tuple[str, str]:
    """Click an assignment's button in Formgrader's table (``assign`` = Generate, ``release``, ``collect``,
    ``generate-feedback``, ``release-feedback``) and close the result dialog; return (title, text)."""
    row = page.locator(f"tr:has(td.name[data-order='{assignment}'])")
    row.locator(f"td.{column} a").click()
    dialog = page.locator(".modal-dialog")
    dialog.locator(".modal-title").wait_for(timeout=LONG)
    title, text = dialog.locator(".modal-title").inner_text(), dialog.locator(".modal-body").inner_text()
    dialog.locator(".modal-footer button").last.click()
    dialog.wait_for(state="hidden", timeout=LONG)
    return title.strip(), text


def open_lab(page) -> None:
    """Wait until the user's JupyterLab (spawned on login) shows its file browser."""
    page.wait_for_url("**/lab/**", timeout=LONG)
    page.wait_for_selector(".jp-DirListing-item", timeout=LONG)


def open_assignment_list(page) -> None:
    page.click("li.lm-MenuBar-item:has-text('Nbgrader')")
    page.click("li.lm-Menu-item[data-command='nbgrader:open-assignment-list']")
    page.wait_for_selector("#released_assignments_list", timeout=LONG)
    page.wait_for_selector("#released_assignments_list_loading", state="hidden", timeout=LONG)


def refresh_assignment_list(page) -> None:
    page.click("#refresh_assignments_list")
    page.wait_for_selector("#submitted_assignments_list_loading", state="hidden", timeout=LONG)


def assignment_item(page, section: str, assignment: str):
    """The Assignment List's row for ``assignment`` in ``released``, ``fetched`` or ``submitted``."""
    return page.locator(f"#{section}_assignments_list > .list_item:has(.item_name:has-text('{assignment}'))")


def run_all(page) -> None:
    """Run > Run All Cells in the open notebook."""
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click("li.lm-Menu-item[data-command='runmenu:run-all']")
