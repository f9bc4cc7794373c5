"""The screenshots of docs/screenshots/: the dashboard's main pages and the report, in Chinese, on
the bundled sample region, as a district analyst sees them (1366 × 900, Debian's chromium).

    .venv/bin/python docs/screenshots/take.py      # (make screenshots) rewrites the images

It builds a fresh sample store in a temporary folder, adds one analyst, serves the dashboard on
a free loopback port, and keeps the first screen of each page (JPEG, to keep the repository small).
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = [("overview", "/"), ("map", "/map#park-map"), ("clusters", "/clusters"), ("land-efficiency", "/land-efficiency"),
         ("firm-profile", None), ("portfolio", "/portfolio"), ("incentives", "/incentives"), ("chains", "/chains"), ("targets", "/targets")]
PASSWORD = "screenshots only"


def main() -> None:
    import httpx
    import uvicorn
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from clusteratlas.api.app import create_app
    from clusteratlas.cli import app as cli
    from clusteratlas.io.store import Store
    from clusteratlas.study.records import add_user

    work = Path(tempfile.mkdtemp())
    try:
        from typer.testing import CliRunner

        assert CliRunner().invoke(cli, ["demo", "--out", str(work)]).exit_code == 0
        db = work / "sample.duckdb"
        with Store(db) as s:
            add_user(s, "analyst", PASSWORD, "analyst", region_id="421003")
            firms = s.table("firms")
            firm = firms.loc[firms["name"] == "四机厂", "firm_id"].iloc[0]
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/api/regions", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
            page.goto(base + "/login?lang=zh")
            page.fill("#username", "analyst")
            page.fill("#password", PASSWORD)
            page.click("#login-button")
            page.wait_for_url(base + "/")
            for name, path in PAGES:
                page.goto(base + (path or f"/firms/{firm}"), timeout=300_000)
                page.wait_for_load_state("load")
                shot(page, HERE / f"{name}.jpg")
            page.goto((work / "report.html").as_uri())
            page.wait_for_load_state("load")
            shot(page, HERE / "report.jpg")
            browser.close()
        server.should_exit = True
    finally:
        shutil.rmtree(work, ignore_errors=True)


def shot(page, path: Path) -> None:
    from PIL import Image

    png = path.with_suffix(".png")
    page.screenshot(path=str(png))
    Image.open(png).convert("RGB").save(path, quality=80, optimize=True)
    png.unlink()
    print(path)


if __name__ == "__main__":
    main()
