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
    settings_root = Path((env or {}).get("JUPYTERLAB_SETTINGS_DIR") or root / ".settings")  # a workspace's own, if it has one
    settings = settings_root / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True, exist_ok=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    (settings / "notebook-extension").mkdir(parents=True, exist_ok=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = free_port(), "course-kit-test"
    env = dict(os.environ if env is None else env, JUPYTERLAB_SETTINGS_DIR=str(settings_root), JUPYTER_RUNTIME_DIR=str(root / ".runtime"))
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


@contextmanager
def student_lab(folder: Path, viewport: dict):
    """JupyterLab on a fresh student workspace in ``folder`` (as ``course start`` makes it) and one Chromium page
    of ``viewport``: yields {"server", "page", "root"}. Raises FileNotFoundError when chromium is missing."""
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError("chromium is not installed: run scripts/install-test-deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    from course.lessons import workspace

    ws = workspace.create(folder / "my-work")
    with jupyterlab(ws.root, env=workspace.lab_environment(ws)) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport)
        try:
            yield {"server": server, "page": page, "root": ws.root}
        finally:
            browser.close()


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


AXE_DIR = Path(__file__).with_name("axe")
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
#: What counts as the kit's own content on a page: rendered Markdown and cell outputs.
KIT_CONTENT = ".jp-RenderedHTMLCommon, .jp-OutputArea-output"


def install_axe() -> Path:
    """Run tests/lessons/install-axe.sh (npm) and return axe.min.js."""
    subprocess.run(["bash", str(Path(__file__).with_name("install-axe.sh"))], check=True)
    return AXE_SCRIPT


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2 A/AA violations on the page, one entry per node: id, impact, target, and whether it is the kit's content."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(
        """async (kitSelector) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
            const out = [];
            for (const v of result.violations) {
                for (const node of v.nodes) {
                    let el = null;
                    try { el = document.querySelector(node.target[0]); } catch (e) {}
                    out.push({id: v.id, impact: node.impact || v.impact, target: node.target.join(' '),
                              html: node.html.slice(0, 200), kit: !!(el && el.closest(kitSelector))});
                }
            }
            return out;
        }""",
        KIT_CONTENT,
    )


def axe_counts(violations: list[dict]) -> dict:
    """{"kit": {impact: n}, "jupyterlab": {impact: n}} from run_axe's list."""
    counts: dict = {"kit": {}, "jupyterlab": {}}
    for v in violations:
        side = counts["kit" if v["kit"] else "jupyterlab"]
        side[v["impact"]] = side.get(v["impact"], 0) + 1
    return counts


#: The text a student can see within one screen's height of an element (not what a closed <details> folds
#: away): one unit per cell output or Markdown cell, what of it is on such a screen, on one line
#: (a card that names an item in one row and its finding in the next shows both); the element's own text, code
#: editors and model answers below the element (opened only after the student has passed it) left out.
SCREEN_TEXT_JS = """([selector, index, height]) => {
    const target = document.querySelectorAll(selector)[index];
    const box = target.getBoundingClientRect();
    const lowest = box.bottom - height, highest = box.top + height;   // every screen that shows the whole element
    const units = new Map();
    // Chromium lays out the body of a closed <details> (content-visibility: hidden) but does not draw it.
    const folded = (el) => { const d = el.closest('details:not([open])'); return !!d && !el.closest('details:not([open]) > summary'); };
    const walker = document.createTreeWalker(document.querySelector('.jp-Notebook'), NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.textContent.trim() || !el || el.closest('.course-practice-question, .jp-InputArea-editor, style') || folded(el)) continue;
        // A model answer below the question is opened after it: the student has passed the question by then.
        if (el.closest('.course-model-view') && (target.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const seen = [...range.getClientRects()].some(r => r.height > 0 && r.bottom > lowest && r.top < highest);
        if (!seen) continue;
        const unit = el.closest('.jp-OutputArea-output, .jp-MarkdownOutput') || el;
        units.set(unit, (units.get(unit) || '') + ' ' + node.textContent.replace(/\\s+/g, ' '));
    }
    for (const img of document.querySelectorAll('.jp-Notebook img[alt]')) {
        const r = img.getBoundingClientRect();
        if (r.height > 0 && r.bottom > lowest && r.top < highest && !folded(img)) units.set(img, img.alt);
    }
    return [...units.values()];
}"""


def screen_texts(page, selector: str, index: int, height: int) -> list[str]:
    """What a student sees on any ``height``-px screen that shows the ``index``-th element matching ``selector``."""
    return page.evaluate(SCREEN_TEXT_JS, [selector, index, height])


def reveal_model_answers(page) -> int:
    """Write something in every exercise box and open its model answer, as a student may before reading on."""
    boxes = page.locator(".course-exercise")
    for index in range(boxes.count()):
        box = boxes.nth(index)
        box.scroll_into_view_if_needed()
        box.locator("textarea").fill("My own answer first.")
        box.locator("button.course-model-button").click()
        box.locator(".course-model-answer").wait_for(state="visible")
    return boxes.count()
