"""The review app end to end in a real browser (Debian's Chromium, driven by
Playwright): the real pipeline fills the ledger, the real `sop-ingest
review` command serves it, a reviewer corrects and approves a document.

Screenshots of the queue and the document view are written to docs/ when
SOP_REVIEW_SCREENSHOTS=1 (how the README's pictures are made).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from pipelines import ledger
from pipelines.review.models import AuditRow, Review
from tests.review_setup import REPO, add_user, free_port, ingest_into_ledger, start_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCAN = REPO / "samples/scan-pdf/sekretariat-evaluasi-kinerja-internal.pdf"
DIGITAL = REPO / "samples/born-digital/bkpsdm-kubar-evaluasi-akip.pdf"
PASSWORD = "kata-sandi-uji-1"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed (make setup)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    inbox, out = root / "inbox", root / "out"
    (inbox / "2021").mkdir(parents=True)
    shutil.copy(SCAN, inbox / "2021" / SCAN.name)
    shutil.copy(DIGITAL, inbox / "2021" / DIGITAL.name)
    url = ledger.default_url(out)
    ingest_into_ledger(sorted((inbox / "2021").iterdir()), inbox, out, url)
    add_user(url, "rina", PASSWORD)
    port = free_port()
    proc = start_server(url, out, inbox, port, root / "server.log")
    yield {"base": f"http://127.0.0.1:{port}", "url": url, "out": out, "root": root}
    proc.terminate()
    proc.wait(timeout=20)
    ledger.dispose_all()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def login(page, base: str, name: str = "rina", password: str = PASSWORD) -> None:
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")  # anonymous: sent to the login page
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def wait_until(check, seconds: float = 90) -> None:
    """Poll `check` (page.wait_for_function would need eval, which our CSP forbids)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


def shoot(page, name: str) -> None:
    if os.environ.get("SOP_REVIEW_SCREENSHOTS") == "1":
        (REPO / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(REPO / "docs" / name), full_page=False)


def test_review_correct_and_approve(site, browser):
    page = browser.new_page(viewport={"width": 1500, "height": 950})
    login(page, site["base"])
    assert page.url == site["base"] + "/"
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 2
    # lowest confidence first: the scanned PDF (OCR) before the born-digital one
    assert "sekretariat-evaluasi-kinerja-internal.pdf" in rows.nth(0).inner_text()
    assert "1.00" in rows.nth(1).inner_text()
    shoot(page, "review-queue.png")

    rows.nth(0).locator("a").click()
    page.wait_for_selector("svg.flowchart")
    # the flowchart is drawn from the JSON: 8 steps, one lane per role
    assert page.locator("svg.flowchart .node").count() == 8
    assert page.locator("svg.flowchart .lane").count() == 5
    # the page images load, and evidence boxes sit on them
    wait_until(lambda: page.locator(".page-img img").evaluate_all(
        "imgs => imgs.every(i => i.complete && i.naturalWidth > 0)"))
    assert page.locator(".page-img .box").count() > 20
    page.locator(".pages").evaluate("el => el.scrollTo(0, el.scrollHeight)")  # the procedure page
    shoot(page, "review-document.png")
    # focusing a field shows the crop of its cell beside it
    dur = page.locator("input[name='sops[0].steps[0].duration.text']")
    dur.focus()
    page.wait_for_selector(".field canvas.crop")
    crop = page.locator(".field canvas.crop")
    assert crop.evaluate("c => c.width > 20 && c.height > 10")
    shoot(page, "review-edit.png")

    role = page.locator("input[name='sops[0].roles[3]']")
    assert role.input_value() == "Staf Perencanaan dan pelaporan"
    role.fill("Staf Perencanaan dan Pelaporan")
    dur.fill("2 jam")
    page.click("button[value=approve] >> nth=0")
    page.wait_for_url(site["base"] + "/")
    assert "disetujui" in page.locator(".flash").first.inner_text().lower()

    written = json.loads((site["out"] / "2021/sekretariat-evaluasi-kinerja-internal.json")
                         .read_text("utf-8"))
    sop = written["sops"][0]
    assert written["schema_version"] == "1.1"
    assert sop["roles"][3] == "Staf Perencanaan dan Pelaporan"
    # the actors that pointed at the renamed column follow it
    assert all("Staf Perencanaan dan pelaporan" not in s["actors"] for s in sop["steps"])
    assert any("Staf Perencanaan dan Pelaporan" in s["actors"] for s in sop["steps"])
    assert sop["steps"][0]["duration"] == {"text": "2 jam", "min": 2, "max": 2, "unit": "hour"}
    review = written["review"]
    assert review["reviewer"] == "rina"
    assert review["fields_changed"][:2] == ["sops[0].roles[3]", "sops[0].steps[0].duration.text"]
    assert sop["evidence"]  # the boxes stay with the approved document

    with ledger.sessions(site["url"])() as s:
        audit = s.scalars(select(AuditRow).order_by(AuditRow.id)).all()
        by_path = {a.path: a for a in audit}
        assert json.loads(by_path["sops[0].roles[3]"].old) == "Staf Perencanaan dan pelaporan"
        assert json.loads(by_path["sops[0].roles[3]"].new) == "Staf Perencanaan dan Pelaporan"
        assert json.loads(by_path["sops[0].steps[0].duration.text"].old) == "1jam"
        assert json.loads(by_path["sops[0].steps[0].duration.text"].new) == "2 jam"
        assert audit[-1].action == "approve"
        assert all(a.user_id == audit[0].user_id for a in audit)
        states = {r.state for r in s.scalars(select(Review))}
    assert states == {"approved", "waiting"}
    # the queue now shows the other document only
    page.goto(site["base"] + "/")
    assert page.locator("table.queue tbody tr").count() == 1
    page.close()


def test_ocr_text_with_script_renders_inert(site, browser):
    """A document whose OCR text holds markup shows it as text; no script runs."""
    with ledger.sessions(site["url"]).begin() as s:
        review = s.scalars(select(Review).join(ledger.InputFile)
                           .where(ledger.InputFile.path.like("%bkpsdm%"))).one()
        doc = json.loads(review.draft)
        evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'
        doc["sops"][0]["identity"]["title"] = evil
        doc["sops"][0]["roles"][0] = evil
        doc["sops"][0]["steps"][0]["activity"] = evil
        review.draft = json.dumps(doc)
        review.title = evil
        doc_id = review.input_file_id
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, site["base"])
    page.goto(site["base"] + "/?state=all")
    assert evil in page.locator("table.queue").inner_text()  # shown as text
    page.goto(f"{site['base']}/doc/{doc_id}")
    page.wait_for_selector("svg.flowchart")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("script:not([src])").count() == 0
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("h1").inner_text() == evil
    assert dialogs == []
    page.close()


def test_wrong_password_then_rate_limit_in_the_browser(site, browser):
    page = browser.new_page()
    page.goto(site["base"] + "/login")
    for _ in range(5):
        page.fill("input[name=name]", "tamu")
        page.fill("input[name=password]", "salah-salah")
        page.click("button[type=submit]")
        assert "salah" in page.locator("[role=alert]").inner_text()
    page.fill("input[name=name]", "tamu")
    page.fill("input[name=password]", "salah-salah")
    page.click("button[type=submit]")
    assert "Terlalu banyak" in page.locator("[role=alert]").inner_text()
    page.close()


@pytest.fixture()
def other_site():
    """Another web site on this machine (another port of 127.0.0.1, so the
    same *site* to the browser: the SameSite=Strict cookie is still sent,
    and only the CSRF token stands between its forms and the review app)."""
    import http.server
    import threading

    pages: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path, "<!doctype html><title>kosong</title>").encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def test_a_form_on_another_site_cannot_change_a_document(site, browser, other_site):
    """A logged-in reviewer opens a page elsewhere that posts a changed title
    and an approval to the review app: refused (no CSRF token), nothing
    stored, nothing written; and that page cannot read a review page (to
    take its token from it) either."""
    other, pages = other_site
    page = browser.new_page()
    login(page, site["base"])  # the queue: review rows for what the ledger has read
    assert page.url == site["base"] + "/"
    with ledger.sessions(site["url"])() as s:
        review = s.scalars(select(Review).join(ledger.InputFile)
                           .where(ledger.InputFile.path.like("%bkpsdm%"))).one()
        doc_id, draft, state = review.input_file_id, review.draft, review.state
        audit = len(s.scalars(select(AuditRow)).all())
    output = site["out"] / "2021" / "bkpsdm-kubar-evaluasi-akip.json"
    written = output.read_bytes()
    target = f"{site['base']}/doc/{doc_id}"
    pages["/hadiah.html"] = f"""<!doctype html><title>Hadiah</title>
<form id="f" method="post" action="{target}">
<input name="sops[0].identity.title" value="DIBAJAK"><input name="op" value="approve">
<input name="csrf" value="tebakan"><input name="version" value="tebakan"></form>
<script>document.getElementById("f").submit()</script>"""
    page.goto(other + "/hadiah.html")
    page.wait_for_url(target)
    assert "Permintaan ditolak" in page.locator("h1").inner_text()
    # a script there cannot read the app's pages (the browser's same-origin rule)
    page.goto(other + "/")
    got = page.evaluate("""async (u) => {
        try { const r = await fetch(u, {credentials: "include"}); return "read: " + await r.text(); }
        catch (e) { return "blocked: " + e; } }""", target)
    assert got.startswith("blocked"), got[:200]
    # the reviewer's session is fine, and nothing changed
    page.goto(target)
    assert "DIBAJAK" not in page.content()
    with ledger.sessions(site["url"])() as s:
        review = s.get(Review, review.id)
        assert (review.draft, review.state) == (draft, state)
        assert len(s.scalars(select(AuditRow)).all()) == audit
    assert output.read_bytes() == written
    page.close()
