"""The review app over HTTP (Starlette's TestClient, the real app and a real
ledger filled by the real pipeline): login, sessions, CSRF, file serving,
rate limit, editing and approval, `users add` and `golden add`."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from ingest import evaluate
from ingest.model import SopDocument
from ingest.pipeline import ingest_file
from pipelines import golden, ledger
from pipelines.review import auth, commands
from pipelines.review.app import create_app
from pipelines.review.models import AuditRow, LoginAttempt, User
from tests.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.review_setup import REPO, ingest_into_ledger

DIGITAL = REPO / "samples/born-digital/bkpsdm-kubar-evaluasi-akip.pdf"
PASSWORD = "kata-sandi-uji-1"


@pytest.fixture()
def site(tmp_path):
    yield from make_site(tmp_path, None)


@pytest.fixture()
def pg_site(tmp_path, postgres_url):  # noqa: F811
    yield from make_site(tmp_path, postgres_url)


def make_site(tmp_path, url):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    (inbox / "arsip").mkdir(parents=True)
    shutil.copy(DIGITAL, inbox / "arsip" / DIGITAL.name)
    url = url or ledger.default_url(out)
    ingest_into_ledger([inbox / "arsip" / DIGITAL.name], inbox, out, url)
    with ledger.sessions(url).begin() as s:
        auth.add_user(s, "rina", PASSWORD, "reviewer")
    app = create_app(url, out, inbox=inbox)
    with TestClient(app, base_url="https://testserver") as client:
        yield {"client": client, "url": url, "out": out, "inbox": inbox, "tmp": tmp_path}
    ledger.dispose_all()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def login(client, name="rina", password=PASSWORD, follow=True):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "name": name, "password": password,
                                       "next": "/"}, follow_redirects=follow)


def post_doc(client, i: int, data: dict, follow=True):
    """Post the document form as the page would: with its CSRF token and the
    version of the draft it was drawn from."""
    html = client.get(f"/doc/{i}").text
    version = re.search(r'name="version" value="([^"]+)"', html)[1]
    return client.post(f"/doc/{i}", data={"csrf": csrf_of(html), "version": version, **data},
                       follow_redirects=follow)


def doc_id(site) -> int:
    with ledger.sessions(site["url"])() as s:
        return s.scalars(select(ledger.InputFile.id)).one()


# -- anonymous visitors, sessions ---------------------------------------------

@pytest.mark.parametrize("path", ["/", "/doc/1", "/doc/1/page/1", "/?state=all"])
def test_anonymous_visitor_is_sent_to_login(site, path):
    r = site["client"].get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


def test_login_sets_a_hardened_session_cookie_and_renews_it(site):
    client = site["client"]
    client.get("/login")
    before = client.cookies.get("sop_review")
    r = login(client, follow=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert client.cookies.get("sop_review") != before  # no fixation across login
    page = client.get("/")
    assert page.status_code == 200 and "Antrean pemeriksaan" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_login_refuses_a_wrong_password_and_an_offsite_next(site):
    client = site["client"]
    r = login(client, password="salah-sekali")
    assert r.status_code == 401 and "salah" in r.text
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"csrf": token, "name": "rina", "password": PASSWORD,
                                    "next": "//evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_login_is_rate_limited_per_account(site):
    client = site["client"]
    for _ in range(auth.LOGIN_LIMIT):
        assert login(client, password="salah-sekali").status_code == 401
    # the right password is refused too while the account is locked out
    r = login(client)
    assert r.status_code == 429 and "Terlalu banyak" in r.text
    with ledger.sessions(site["url"])() as s:
        assert s.scalar(select(LoginAttempt).where(LoginAttempt.ok.is_(True))) is None


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
@pytest.mark.parametrize("who", ["one account", "one address"])
def test_a_burst_of_logins_at_once_is_held_to_the_limit(tmp_path, request, db, who):
    """30 wrong logins sent at the same moment to the real server (uvicorn,
    its thread pool): at most the limit get their password checked. When the
    count was read before and the attempt recorded after the check, 19 of
    30 were checked against one account."""
    import threading

    import httpx

    from tests.review_setup import free_port, start_server

    url = ledger.default_url(tmp_path / "out") if db == "sqlite" else request.getfixturevalue("postgres_url")
    (tmp_path / "out").mkdir()
    ledger.upgrade(url)
    with ledger.sessions(url).begin() as s:
        auth.add_user(s, "rina", PASSWORD, "reviewer")
    port = free_port()
    server = start_server(url, tmp_path / "out", tmp_path, port, tmp_path / "server.log")
    base = f"http://127.0.0.1:{port}"
    try:
        def fresh_session() -> tuple[str, str]:
            r = httpx.get(base + "/login", timeout=30)
            return r.headers["set-cookie"].split(";")[0], csrf_of(r.text)

        n = 30
        names = ["rina"] * n if who == "one account" else [f"tamu{i}" for i in range(n)]
        forms = [fresh_session() for _ in range(n)]
        codes: list[int] = []
        start = threading.Barrier(n)

        def attempt(i: int) -> None:
            cookie, token = forms[i]
            start.wait()
            r = httpx.post(base + "/login", headers={"cookie": cookie}, timeout=120, data={
                "csrf": token, "name": names[i], "password": "salah-sekali", "next": "/"})
            codes.append(r.status_code)

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        limit = auth.LOGIN_LIMIT if who == "one account" else auth.ADDRESS_LIMIT
        checked = codes.count(401)
        assert len(codes) == n and codes.count(429) == n - checked, codes
        assert 1 <= checked <= limit, f"{checked} passwords checked in a burst of {n}"
        with ledger.sessions(url)() as s:  # refused attempts leave no row
            assert len(s.scalars(select(LoginAttempt)).all()) == checked
        if who == "one account":
            def login_as(password: str) -> int:
                cookie, token = fresh_session()
                return httpx.post(base + "/login", headers={"cookie": cookie}, timeout=60, data={
                    "csrf": token, "name": "rina", "password": password, "next": "/"}).status_code

            # attempts that came together may refuse each other early: the
            # rest of the limit is still there, and no more
            assert [login_as("salah-sekali") for _ in range(limit - checked)] == [401] * (limit - checked)
            assert login_as(PASSWORD) == 429  # locked: the right password is refused too
    finally:
        server.terminate()
        server.wait(timeout=20)
        ledger.dispose_all()


def test_logout_ends_the_session(site):
    client = site["client"]
    login(client)
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


# -- CSRF ---------------------------------------------------------------------

def test_post_without_or_with_a_wrong_csrf_token_is_refused(site):
    client = site["client"]
    login(client)
    i = doc_id(site)
    form = {"sops[0].identity.title": "Diubah tanpa token", "op": "save"}
    for data in (form, dict(form, csrf="palsu")):
        r = client.post(f"/doc/{i}", data=data, follow_redirects=False)
        assert r.status_code == 403
    with ledger.sessions(site["url"])() as s:
        assert s.scalars(select(AuditRow)).all() == []
    # the login form needs it too
    r = client.post("/login", data={"name": "rina", "password": PASSWORD})
    assert r.status_code == 403


# -- files ----------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/doc/1/page/../../../../etc/passwd",
    "/doc/1/page/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/doc/1/page//etc/passwd",
    "/doc/1/page/0",
    "/doc/1/page/99",
    "/doc/999/page/1",
    "/static/../../ledger.py",
    "/static/%2e%2e/app.py",
    "/static//etc/passwd",
])
def test_files_are_served_only_by_document_and_page_number(site, path):
    client = site["client"]
    login(client)
    r = client.get(path)
    assert r.status_code == 404
    assert "root:" not in r.text and "import" not in r.text


def test_page_image_is_the_rendered_source_page(site):
    client = site["client"]
    login(client)
    r = client.get(f"/doc/{doc_id(site)}/page/1")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    from PIL import Image
    img = Image.open(io.BytesIO(r.content))
    assert img.width > 500 and img.height > 500
    # cached under the out dir (a `_` folder, the tool's own)
    assert list((site["out"] / "_review" / "pages").rglob("1.png"))


def test_page_image_refuses_a_changed_source(site):
    client = site["client"]
    login(client)
    src = site["inbox"] / "arsip" / DIGITAL.name
    src.write_bytes(src.read_bytes() + b"%changed")
    r = client.get(f"/doc/{doc_id(site)}/page/2")
    assert r.status_code == 404 and "berubah" in r.text


# -- editing and approving ----------------------------------------------------------

def test_edit_step_structure_and_approve(site):
    client = site["client"]
    login(client)
    i = doc_id(site)
    original = json.loads((site["out"] / "arsip/bkpsdm-kubar-evaluasi-akip.json").read_text())
    n_steps = len(original["sops"][0]["steps"])
    # add a step after step 2: later steps move down one number
    r = post_doc(client, i, {"op": "add-step:0:1"})
    assert r.status_code == 200
    r = post_doc(client, i, {
        "op": "save",
        "sops[0].steps[2].activity": "Memeriksa kelengkapan berkas",
        "sops[0].steps[2].actors": ["", "1"],
        "sops[0].steps[2].next": "4",
        "sops[0].steps[1].next": "3",
        "sops[0].identity.created": "10 Juli 2023",
    })
    assert "disimpan" in r.text
    # delete the last step: arrows into it are dropped with it
    r = post_doc(client, i, {"op": f"delete-step:0:{n_steps}"})
    r = post_doc(client, i, {"op": "approve"}, follow=False)
    assert r.status_code == 303
    written = json.loads((site["out"] / "arsip/bkpsdm-kubar-evaluasi-akip.json").read_text())
    SopDocument.model_validate(written)
    steps = written["sops"][0]["steps"]
    assert len(steps) == n_steps
    assert [s["no"] for s in steps] == list(range(1, n_steps + 1))
    assert steps[2]["activity"] == "Memeriksa kelengkapan berkas"
    assert steps[2]["actors"] == [written["sops"][0]["roles"][1]]
    assert steps[1]["next"] == [3] and steps[2]["next"] == [4]
    assert steps[3]["activity"] == original["sops"][0]["steps"][2]["activity"]
    assert written["sops"][0]["identity"]["created_iso"] == "2023-07-10"
    assert written["review"]["fields_changed"] == [
        "sops[0].steps[2]", "sops[0].identity.created", "sops[0].steps[1].next",
        "sops[0].steps[2].activity", "sops[0].steps[2].actors", "sops[0].steps[2].next",
        f"sops[0].steps[{n_steps}]"]
    # evidence moved with its step
    ev = written["sops"][0]["evidence"]
    assert ev["steps[3].activity"] == original["sops"][0]["evidence"]["steps[2].activity"]
    assert "steps[2].activity" not in ev


def test_a_form_drawn_from_an_older_draft_is_refused(site):
    client = site["client"]
    login(client)
    i = doc_id(site)
    stale = client.get(f"/doc/{i}").text
    post_doc(client, i, {"op": "save", "sops[0].identity.unit": "Sekretariat"})
    r = client.post(f"/doc/{i}", data={
        "csrf": csrf_of(stale), "op": "save", "sops[0].identity.unit": "Bidang Lain",
        "version": re.search(r'name="version" value="([^"]+)"', stale)[1]})
    assert r.status_code == 400 and "diubah oleh orang lain" in r.text
    with ledger.sessions(site["url"])() as s:
        assert [json.loads(a.new) for a in s.scalars(select(AuditRow))] == ["Sekretariat"]


def test_only_an_admin_changes_an_approved_document(site):
    client = site["client"]
    login(client)
    i = doc_id(site)
    post_doc(client, i, {"op": "approve"})
    page = client.get(f"/doc/{i}").text
    assert "Hanya admin" in page and "<fieldset class=\"plain\" disabled>" in page
    r = post_doc(client, i, {"op": "save", "sops[0].identity.unit": "Bidang Lain"})
    assert r.status_code == 400 and "hanya admin" in r.text
    with ledger.sessions(site["url"]).begin() as s:
        auth.add_user(s, "admin1", PASSWORD, "admin")
    token = csrf_of(client.get("/").text)
    client.post("/logout", data={"csrf": token})
    login(client, name="admin1")
    r = post_doc(client, i, {"op": "save", "sops[0].identity.unit": "Bidang Lain"})
    assert "1 perubahan disimpan" in r.text
    assert "Menunggu" in r.text  # changed after approval: waits for a new approval


def test_review_and_approve_on_postgresql(pg_site):
    """The same ledger on a real PostgreSQL server: queue, filters, edit, approve."""
    client = pg_site["client"]
    login(client)
    assert "bkpsdm-kubar" in client.get("/?q=AKIP&since=2000-01-01").text
    i = doc_id(pg_site)
    r = post_doc(client, i, {"op": "approve", "sops[0].roles[0]": "Kepala Badan Kepegawaian"})
    assert "disetujui" in r.text
    written = json.loads((pg_site["out"] / "arsip/bkpsdm-kubar-evaluasi-akip.json").read_text())
    assert written["review"]["fields_changed"][0] == "sops[0].roles[0]"
    assert "bkpsdm-kubar" in client.get("/?state=approved").text


def test_invalid_edits_are_refused_with_a_plain_reason(site):
    client = site["client"]
    login(client)
    i = doc_id(site)
    for field, value, words in [
        ("sops[0].steps[0].next", "99", "tidak ada langkah nomor 99"),
        ("sops[0].steps[0].next", "dua", "bukan nomor langkah"),
        ("sops[0].steps[0].activity", "  ", "tidak boleh kosong"),
        ("sops[0].roles[0]", "", "tidak boleh kosong"),
        ("sops[0].steps[0].symbol", "hexagon", "tidak dikenal"),
    ]:
        r = post_doc(client, i, {"op": "save", field: value})
        assert r.status_code == 400 and words in r.text, field
    with ledger.sessions(site["url"])() as s:
        assert s.scalars(select(AuditRow)).all() == []


def test_queue_filters(site):
    client = site["client"]
    login(client)
    assert "bkpsdm-kubar" in client.get("/").text
    assert "bkpsdm-kubar" not in client.get("/?state=approved").text
    assert "bkpsdm-kubar" in client.get("/?agency=BADAN+KEPEGAWAIAN+DAN+PENGEMBANGAN+SUMBER"
                                        "+DAYA+MANUSIA+KABUPATEN+KUTAI+BARAT").text
    assert "bkpsdm-kubar" not in client.get("/?agency=Dinas+Lain").text
    assert "bkpsdm-kubar" not in client.get("/?since=2000-01-01&until=2000-12-31").text
    assert "bkpsdm-kubar" in client.get("/?since=2000-01-01").text
    assert "bkpsdm-kubar" not in client.get("/?q=tidak-ada-judul-begini").text


# -- commands ---------------------------------------------------------------------

def test_users_add_reads_the_password_from_stdin(tmp_path):
    url = ledger.default_url(tmp_path)
    run = lambda *a, pw: subprocess.run(
        [sys.executable, "-m", "ingest.cli", "users", "add", *a, "--db", url],
        input=pw + "\n", text=True, capture_output=True, cwd=REPO, check=False)
    ok = run("budi", "--role", "admin", pw="rahasia-budi-1")
    assert ok.returncode == 0 and "budi" in ok.stdout
    again = run("budi", "--role", "admin", pw="rahasia-budi-1")
    assert again.returncode == 2 and "already exists" in again.stderr
    short = run("sari", "--role", "reviewer", pw="pendek")
    assert short.returncode == 2 and "too short" in short.stderr
    bad_role = run("sari", "--role", "boss", pw="rahasia-sari-1")
    assert bad_role.returncode == 2
    with ledger.sessions(url)() as s:
        user = s.scalars(select(User)).one()
        assert user.role == "admin" and user.password_hash.startswith("$argon2id$")
        assert auth.authenticate(s, "budi", "rahasia-budi-1") is not None
        assert auth.authenticate(s, "budi", "salah") is None
    ledger.dispose_all()


def _on_a_terminal(args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run the command on a real pseudo-terminal (its controlling terminal,
    as in a shell), type each answer after the prompt before it; returns the
    exit status and all that the terminal showed."""
    import os
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its stdin, stdout, stderr and /dev/tty
        os.chdir(REPO)
        os.execv(sys.executable, [sys.executable, "-m", "ingest.cli", *args])
    shown = b""
    answered = 0  # how much had been shown when the last answer was typed
    deadline = time.monotonic() + 60
    todo = list(answers)
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if todo and shown[answered:].rstrip().endswith(b":"):  # a new prompt
                os.write(fd, todo.pop(0).encode() + b"\r")
                answered = len(shown)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_users_add_prompts_for_the_password_on_a_terminal(tmp_path):
    url = ledger.default_url(tmp_path)
    code, shown = _on_a_terminal(["users", "add", "tina", "--role", "reviewer", "--db", url],
                                 ["rahasia-tina-1", "rahasia-tina-1"])
    assert code == 0, shown
    assert "Password:" in shown and "Password again:" in shown and "created" in shown
    assert "rahasia-tina-1" not in shown  # typed without echo
    code, shown = _on_a_terminal(["users", "add", "tono", "--role", "admin", "--db", url],
                                 ["rahasia-tono-1", "lain-sekali-1"])
    assert code == 2 and "the two passwords differ" in shown, shown
    with ledger.sessions(url)() as s:
        assert [u.name for u in s.scalars(select(User))] == ["tina"]
        assert auth.authenticate(s, "tina", "rahasia-tina-1") is not None
    ledger.dispose_all()


def test_read_password_takes_the_first_line_of_a_pipe():
    assert commands.read_password(io.StringIO("s3cret pass\nignored\n")) == "s3cret pass"


def test_golden_add_makes_a_regression_case(site):
    client = site["client"]
    login(client)
    i = doc_id(site)
    samples, gold = site["tmp"] / "samples", site["tmp"] / "golden"
    with pytest.raises(golden.GoldenError, match="not approved"):
        golden.add(site["url"], site["out"], str(i), site["inbox"], samples, gold, "reviewed")
    post_doc(client, i, {"op": "approve"})
    lines = golden.add(site["url"], site["out"], "arsip/bkpsdm-kubar-evaluasi-akip.pdf",
                       site["inbox"], samples, gold, "reviewed")
    assert len(lines) == 2
    sample = samples / "reviewed" / DIGITAL.name
    assert sample.read_bytes() == DIGITAL.read_bytes()
    pairs = evaluate.find_samples(samples, gold)
    assert [(p, v) for p, v, _ in pairs] == [(sample, "reviewed")]
    g = evaluate.load_golden(pairs[0][2])
    assert g.schema_version == "1.0" and g.review is None
    assert all(s.evidence is None for s in g.sops)
    # the approved answer scores 1.0 against the pipeline's reading of it
    report = evaluate.evaluate(pairs, ingest_file)
    assert report.rows()[0].overall == pytest.approx(1.0)
    with pytest.raises(golden.GoldenError, match="already exists"):
        golden.add(site["url"], site["out"], str(i), site["inbox"], samples, gold, "reviewed")


def test_review_command_names_a_bad_database_or_folder(tmp_path):
    def run(*a):
        return subprocess.run([sys.executable, "-m", "ingest.cli", "review", *a], text=True,
                              capture_output=True, cwd=REPO, check=False, timeout=60)

    bad_url = run("--db", "nonsense://x", "--out", str(tmp_path))
    assert bad_url.returncode == 2 and "not a database URL" in bad_url.stderr
    no_out = run("--out", str(tmp_path / "nope"))
    assert no_out.returncode == 2 and "no such output folder" in no_out.stderr
