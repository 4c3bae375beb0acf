"""Re-take the README screenshots from a folder of real reports.

    .venv/bin/callqa score sample_calls/audio --out /tmp/shots --format json,html
    .venv/bin/callqa summary /tmp/shots --metadata docs/sample_agents.csv
    .venv/bin/python docs/screenshots.py /tmp/shots fr_bank

Writes docs/call_page.png (the top of the call page) and docs/batch_overview.png (the whole
overview), using Debian's Chromium, headless.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update"]
CALL_PAGE_HEIGHT = 1480     # header, player, timeline, feedback and the first criteria


def main(reports: Path, call_id: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": CALL_PAGE_HEIGHT})
        page.goto((reports / f"{call_id}.html").as_uri())
        page.wait_for_function("document.getElementById('player').readyState > 0")
        page.screenshot(path=DOCS / "call_page.png")
        page.goto((reports / "summary.html").as_uri())
        page.screenshot(path=DOCS / "batch_overview.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "fr_bank")
