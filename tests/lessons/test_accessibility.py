"""axe-core on the static HTML export of every lesson (the JupyterLab side runs in test_browser.py).

No serious or critical WCAG 2 A/AA violation may sit anywhere on a page, in the
kit's own content (rendered Markdown and cell outputs) or in what the page
template adds around it (counted separately). Counts per page go to
test-artifacts/accessibility/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course import paths
from course.lessons import manifest as lessons

import labdriver

ARTIFACTS = paths.REPO_ROOT / "test-artifacts" / "accessibility"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser_page():
    if not Path(labdriver.CHROMIUM).exists():
        pytest.fail("chromium is not installed: run scripts/install-test-deps.sh (make test does)")
    from playwright.sync_api import sync_playwright

    labdriver.install_axe()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=labdriver.CHROMIUM, args=labdriver.CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def test_the_scan_tells_the_kits_content_from_the_page_around_it(browser_page, tmp_path):
    """Is an image without alt text inside an output reported as the kit's, and one outside it not?"""
    page = tmp_path / "probe.html"
    page.write_text('<!doctype html><html lang="en"><head><title>probe</title></head><body><main>'
                    '<div class="jp-OutputArea-output"><img src="data:," ></div><img src="data:," ></main></body></html>')
    browser_page.goto(page.as_uri())
    violations = [v for v in labdriver.run_axe(browser_page) if v["id"] == "image-alt"]
    assert sorted(v["kit"] for v in violations) == [False, True]


def test_static_export_of_every_lesson_has_no_serious_problem_anywhere_on_the_page(browser_page, tmp_path):
    """The static pages are what a student without a kernel reads, template and all: nbconvert's default page
    once carried 145 serious or critical nodes over the nine pages (prompts in #b0b0b0, links told by colour
    alone), none from the kit's content. Now none may be serious or critical, the template's included."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = lessons.export_html(tmp_path, progress=False)
    report, failures = {}, []
    for page in pages:
        browser_page.goto(page.as_uri())
        violations = labdriver.run_axe(browser_page)
        report[page.name] = labdriver.axe_counts(violations)
        failures += [f"{page.name}: {v['id']} ({v['impact']}) at {v['target']}" for v in violations
                     if v["impact"] in ("serious", "critical")]
    (ARTIFACTS / "static-export.json").write_text(json.dumps(report, indent=1))
    assert len(report) == len(lessons.lessons())
    assert not failures, "\n".join(failures[:10])
