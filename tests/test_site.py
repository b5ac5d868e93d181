"""The built site, as a reader's browser sees it.

Builds the book strictly (Sphinx warnings are errors), serves it on localhost, opens every chapter
in headless Chromium (Debian's ``chromium``, driven by Playwright's Python client without a
browser download) and checks: no JavaScript errors of our own, every image decodes, the Colab
link is there, no live ipywidgets view is left as a dead control, each kernel-free explorer
changes its image when its slider moves, and each page with its images stays under the size limit. Screenshots land in the test's temporary folder.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import page_weight

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
# Errors that the book's theme raises on every page, whatever the content (sphinx-book-theme
# declares its Thebe constant in two inline scripts; pydata-sphinx-theme logs an empty theme mode
# before it falls back to "auto"). They are not ours and do not affect reading.
THEME_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared", "Got invalid theme mode")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    pytest.fail("Chromium is needed for the browser test: apt-get install chromium", pytrace=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the book strictly into a temporary folder and serve it on 127.0.0.1."""
    out = tmp_path_factory.mktemp("site")
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "--warningiserror",
                             "--nitpick", "--keep-going"], capture_output=True, text=True, timeout=600,
                             check=False)
    html = out / "_build" / "html"
    assert result.returncode == 0, f"strict build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_in_a_browser(site, browser, chapter, tmp_path):
    html_dir, base = site
    page_file = html_dir / "notebooks" / f"{chapter}.html"
    assert page_file.exists(), f"{chapter} was not built"
    html_mb, image_mb = page_weight.page_weight(html_dir, page_file)
    assert html_mb + image_mb < page_weight.LIMIT_MB, f"{chapter}: {html_mb:.2f} MB HTML + {image_mb:.2f} MB images"

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    base_host = base.split("//")[1]
    # Our own scripts are inline or served from this host; failures to fetch third-party files
    # (MathJax, widget managers from a CDN) are expected offline and are not our errors.
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}")
            if m.type == "error" and (base_host in (m.location or {}).get("url", "") or not m.location.get("url"))
            and "Failed to load resource" not in m.text else None)
    page.goto(f"{base}/notebooks/{chapter}.html", wait_until="load")
    page.wait_for_timeout(300)

    broken = page.evaluate("""() => Array.from(document.querySelectorAll('main img, article img'))
        .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src.slice(0, 80))""")
    assert not broken, f"images that do not decode: {broken}"
    n_images = page.evaluate("() => document.querySelectorAll('main img, article img').length")
    assert n_images > 0

    colab = page.locator('a[href*="colab.research.google.com/github/"]')
    assert colab.count() >= 1, "no Open-in-Colab link"
    href = colab.first.get_attribute("href")
    assert href.endswith(f"notebooks/{chapter}.ipynb"), href

    # A live ipywidgets view needs a kernel: on the site it would be a dead control (or nothing at
    # all, with the "Loading widget..." of a widget manager from a CDN). Only kernel-free explorers,
    # marked by the classes gm-explorer (genmodels.StaticExplorer) and gm-piles (emd.PileExplorer),
    # may put controls in a cell's output (the theme's copy buttons aside).
    # scripts/strip_live_widgets.py removes the live views.
    dead = page.evaluate("""() => {
        const views = Array.from(document.querySelectorAll(
            'script[type="application/vnd.jupyter.widget-view+json"], ' +
            'script[type="application/vnd.jupyter.widget-state+json"], .jupyter-widgets, .widget-area'))
            .map(el => (el.type || el.className) + ': ' + el.textContent.slice(0, 60));
        const controls = Array.from(document.querySelectorAll(
            '.cell_output input, .cell_output select, .cell_output textarea, .cell_output button'))
            .filter(el => !el.closest('.gm-explorer, .gm-piles') && !el.classList.contains('copybtn'))
            .map(el => el.outerHTML.slice(0, 80));
        return views.concat(controls);
    }""")
    assert not dead, f"live widget views on the static site (run scripts/strip_live_widgets.py): {dead}"

    explorers = page.locator(".gm-explorer")
    assert explorers.count() >= 1, "no kernel-free explorer on the page"
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        image = explorer.locator("img.gm-image")
        before = image.get_attribute("src")
        changed = False
        for j in range(explorer.locator("input.gm-axis").count()):
            slider = explorer.locator("input.gm-axis").nth(j)
            slider.evaluate("""s => { s.value = (parseInt(s.value) === parseInt(s.max)) ? s.min : s.max;
                                      s.dispatchEvent(new Event('input', {bubbles: true})); }""")
            changed = changed or image.get_attribute("src") != before
        assert changed, f"explorer {i} of {chapter}: moving its sliders does not change the image"

    # The exercises' answers are collapsed <details> blocks: closed at first, and one click on
    # "Answer" shows rendered Markdown (paragraphs, typeset math or code), not raw text.
    answers = page.locator("details:has(> summary:text-is('Answer'))")
    assert answers.count() >= 4, f"{chapter}: {answers.count()} answer blocks, expected one per exercise"
    first = answers.first
    assert first.evaluate("d => !d.open") and not first.locator("p").first.is_visible()
    first.locator("summary").click()
    assert first.evaluate("d => d.open")
    shown = first.evaluate("""d => ({paragraphs: d.querySelectorAll('p').length,
        raw: /<details>|```|\\$\\$/.test(d.innerText)})""")
    assert shown["paragraphs"] >= 1 and not shown["raw"], f"{chapter}: the answer renders as {shown}"
    assert first.locator("p").first.is_visible()

    page.screenshot(path=str(tmp_path / f"{chapter}.png"), full_page=False)
    if os.environ.get("GENMODELS_SCREENSHOTS"):
        shutil.copy(tmp_path / f"{chapter}.png", Path(os.environ["GENMODELS_SCREENSHOTS"]) / f"{chapter}.png")
    page.close()
    ours = [e for e in errors if not any(known in e for known in THEME_ERRORS)]
    assert not ours, ours


def test_book_pages_in_a_browser(site, browser):
    _, base = site
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)) if not any(k in str(e) for k in THEME_ERRORS) else None)
    for name in ("intro", "how_to_run", "notation", "exercises", "bibliography"):
        response = page.goto(f"{base}/book/{name}.html")
        assert response is not None and response.ok, name
    assert page.locator("text=Goodfellow").count() >= 1  # the bibliography rendered
    page.close()
    ours = [e for e in errors if not any(known in e for known in THEME_ERRORS)]
    assert not ours, ours
