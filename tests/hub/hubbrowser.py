"""Playwright steps on the course hub: logging in, Formgrader's pages under the hub's service URL.

The steps inside nbgrader's panels (Formgrader's buttons, the Assignment List) are tests/nbgrader_ui.py's,
shared with the `make lab` browser test; they are re-exported here.
"""

from __future__ import annotations

from nbgrader_ui import (  # noqa: F401 -- re-exported for the hub tests
    CHROMIUM,
    CHROMIUM_ARGS,
    LONG,
    assignment_item,
    formgrader_action,
    open_assignment_list,
    refresh_assignment_list,
)


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


def open_lab(page) -> None:
    """Wait until the user's JupyterLab (spawned on login) shows its file browser."""
    page.wait_for_url("**/lab/**", timeout=LONG)
    page.wait_for_selector(".jp-DirListing-item", timeout=LONG)


def run_all(page) -> None:
    """Run > Run All Cells in the open notebook."""
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click("li.lm-Menu-item[data-command='runmenu:run-all']")
