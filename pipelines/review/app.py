"""The review web app (Starlette + Jinja2), over the ledger database.

    create_app(db_url, out_dir, inbox=None) -> ASGI app; `sop-ingest review` serves it.

Security, in one place:
- every page but /login and /static needs a logged-in user; anonymous
  visitors are sent to /login;
- sessions are itsdangerous-signed cookies (HttpOnly, SameSite=Strict,
  Secure unless turned off for plain-http use); the session is renewed at
  login;
- every POST carries the session's CSRF token, checked before anything else;
- templates autoescape everything (OCR text is untrusted), and a strict
  Content-Security-Policy allows only our own script and style files;
- images are looked up by document id and page number in the database;
  no route takes a file path;
- login attempts are rate-limited (auth.LOGIN_LIMIT per LOGIN_WINDOW).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from pipelines import ledger

from . import auth, document, flowsvg, pages, store
from .models import APPROVED, WAITING, User
from .views import SYMBOL_CHOICES, sop_view

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SESSION_HOURS = 10
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


class SecurityHeaders:
    """Adds the headers every response carries (pure ASGI middleware)."""

    HEADERS = ((b"content-security-policy", CSP.encode()),
               (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin"),
               (b"x-frame-options", b"DENY"),
               (b"cache-control", b"no-store"))

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                names = {k.lower() for k, _ in message["headers"]}
                message["headers"] += [(k, v) for k, v in self.HEADERS if k not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ReviewApp:
    def __init__(self, db_url: str, out_dir: Path, inbox: Path | None, threshold: float):
        self.out_dir = Path(out_dir)
        self.inbox = Path(inbox) if inbox else None
        self.threshold = threshold
        ledger.upgrade(db_url)
        self.Session: sessionmaker = ledger.sessions(db_url)
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                 autoescape=True, undefined=jinja2.StrictUndefined)
        env.globals["symbol_choices"] = SYMBOL_CHOICES
        self.templates = Jinja2Templates(env=env)

    def secret(self) -> str:
        with self.Session.begin() as s:
            return auth.secret_key(s)

    # -- helpers -------------------------------------------------------------

    def render(self, request: Request, template: str, status: int = 200, **ctx: Any) -> Response:
        session = request.session
        if "csrf" not in session:
            session["csrf"] = auth.new_csrf_token()
        ctx.setdefault("user", getattr(request.state, "user", None))
        ctx["csrf"] = session["csrf"]
        ctx["flashes"] = session.pop("flash", [])
        return self.templates.TemplateResponse(request, template, ctx, status_code=status)

    @staticmethod
    def flash(request: Request, kind: str, text: str) -> None:
        request.session.setdefault("flash", []).append([kind, text])

    def guarded(self, handler: Callable) -> Callable:
        """A route for logged-in users only; POSTs must carry the CSRF token.
        The handler runs in a thread with a database session."""

        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            form = None
            if request.method == "POST":
                form = await request.form()
                if not auth.csrf_ok(request.session.get("csrf"), form.get("csrf")):
                    return self.refused(request)
            uid = request.session.get("uid")

            def run() -> Response:
                with self.Session() as db:
                    user = db.get(User, uid) if isinstance(uid, int) else None
                    if user is None or not user.active:
                        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
                    request.state.user = user
                    response = handler(request, db, user, form)
                    db.commit()
                    return response

            return await run_in_threadpool(run)

        return endpoint

    def refused(self, request: Request) -> Response:
        return self.render(request, "error.html", status=403, title="Permintaan ditolak",
                           message="Formulir ini kedaluwarsa atau tidak berasal dari aplikasi ini. "
                                   "Muat ulang halaman lalu coba lagi.")

    # -- login ---------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        if request.method == "GET":
            return self.render(request, "login.html", next=_safe_next(request.query_params.get("next")))
        form = await request.form()
        if not auth.csrf_ok(request.session.get("csrf"), form.get("csrf")):
            return self.refused(request)
        name = str(form.get("name") or "").strip()
        password = str(form.get("password") or "")
        address = request.client.host if request.client else "unknown"
        nxt = _safe_next(form.get("next"))

        result, uid = await run_in_threadpool(auth.attempt_login, self.Session, name, address,
                                              password)
        if result == "blocked":
            return self.render(request, "login.html", status=429, next=nxt, name=name,
                               error="Terlalu banyak percobaan masuk yang gagal. "
                                     "Tunggu 15 menit, lalu coba lagi.")
        if result == "bad":
            return self.render(request, "login.html", status=401, next=nxt, name=name,
                               error="Nama pengguna atau kata sandi salah.")
        request.session.clear()  # a fresh session: no fixation across the login
        request.session.update({"uid": uid, "csrf": auth.new_csrf_token()})
        return RedirectResponse(nxt, status_code=303)

    async def logout(self, request: Request) -> Response:
        form = await request.form()
        if not auth.csrf_ok(request.session.get("csrf"), form.get("csrf")):
            return self.refused(request)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # -- queue ---------------------------------------------------------------

    def queue(self, request: Request, db: Session, user: User, form: FormData | None) -> Response:
        qp = request.query_params
        f = store.QueueFilter(agency=qp.get("agency") or None,
                              state=qp.get("state") if qp.get("state") in (WAITING, APPROVED, "all")
                              else WAITING,
                              since=_date(qp.get("since")), until=_date(qp.get("until")),
                              text=(qp.get("q") or "").strip() or None)
        problems = store.sync(db, self.out_dir)
        rows = store.queue(db, f)
        return self.render(request, "queue.html", rows=rows, f=f, agencies=store.agencies(db),
                           problems=problems, threshold=self.threshold)

    # -- one document ----------------------------------------------------------

    def _load(self, db: Session, doc_id: int):
        try:
            return store.load(db, doc_id)
        except store.NotFound:
            raise HTTPException(404) from None

    def view(self, request: Request, db: Session, user: User, form: FormData | None,
             error: str | None = None, doc: dict | None = None) -> Response:
        row, review = self._load(db, request.path_params["doc_id"])
        doc = doc or json.loads(review.draft)
        sops = [sop_view(s, i, self.threshold) for i, s in enumerate(doc.get("sops") or [])]
        flows = [flowsvg.layout(s, self.threshold) for s in doc.get("sops") or []]
        n_pages = int(doc.get("source", {}).get("pages") or 0)
        locked = review.state == APPROVED and user.role != "admin"
        return self.render(request, "document.html", status=400 if error else 200,
                           row=row, review=review, doc=doc, sops=sops, flows=flows,
                           version=store.version(review), locked=locked,
                           pages=list(range(1, n_pages + 1)), error=error,
                           history=store.history(db, row.id), threshold=self.threshold)

    def change(self, request: Request, db: Session, user: User, form: FormData) -> Response:
        """Save the form; then add or delete a step, or approve (the `op` button)."""
        row, review = self._load(db, request.path_params["doc_id"])
        op = str(form.get("op") or "save")
        if review.state == APPROVED and user.role != "admin":
            return self.view(request, db, user, None, error="Dokumen ini sudah disetujui; "
                             "hanya admin yang bisa mengubahnya lagi.")
        if form.get("version") != store.version(review):
            # The form was drawn from an older draft: saving it would undo
            # what someone else changed since.
            return self.view(request, db, user, None, error="Dokumen ini baru saja diubah oleh "
                             "orang lain. Perubahan Anda belum disimpan; periksa lagi lalu ulangi.")
        current = json.loads(review.draft)
        try:
            doc, changes = document.apply_form(current, document.Form(
                (k, v) for k, v in form.multi_items() if isinstance(v, str)))
            if op.startswith(("add-step:", "delete-step:")):
                kind, sop_i, step_i = op.split(":")
                fn = document.add_step if kind == "add-step" else document.delete_step
                doc, structural = fn(doc, int(sop_i), int(step_i))
                changes.append(structural)
        except (document.EditError, ValueError) as exc:
            return self.view(request, db, user, None, error=str(exc))
        store.save(db, row, review, user, doc, changes)
        if op == "approve":
            db.flush()
            result = store.approve(db, row, review, user, self.out_dir)
            msg = f"Dokumen disetujui dan disimpan ke {row.output_path}."
            if result.learned:
                msg += " Kosakata belajar: " + "; ".join(result.learned) + "."
            self.flash(request, "ok", msg)
            if result.feedback_note:
                self.flash(request, "note", result.feedback_note)
            return RedirectResponse("/", status_code=303)
        self.flash(request, "ok", f"{len(changes)} perubahan disimpan." if changes
                   else "Tidak ada perubahan.")
        anchor = "#langkah" if op.startswith(("add-step:", "delete-step:")) else ""
        return RedirectResponse(f"/doc/{row.id}{anchor}", status_code=303)

    def page_image(self, request: Request, db: Session, user: User, form: FormData | None) -> Response:
        row, review = self._load(db, request.path_params["doc_id"])
        ref = store.source_ref(row, json.loads(review.draft), self.inbox)
        try:
            path = pages.cached_page(self.out_dir, ref, request.path_params["page"])
        except pages.PageUnavailable as exc:
            return Response(str(exc), status_code=404, media_type="text/plain; charset=utf-8")
        # the cache file is keyed by the source's sha256: safe to keep a while
        return FileResponse(path, media_type="image/png",
                            headers={"cache-control": "private, max-age=3600"})

    # -- the app -----------------------------------------------------------------

    def routes(self) -> list:
        g = self.guarded
        return [
            Route("/login", self.login_page, methods=["GET", "POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/", g(self.queue)),
            Route("/doc/{doc_id:int}", g(self.view), methods=["GET"]),
            Route("/doc/{doc_id:int}", g(self.change), methods=["POST"]),
            Route("/doc/{doc_id:int}/page/{page:int}", g(self.page_image)),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]


def _safe_next(value) -> str:
    """Only a path on this site (no //host, no scheme) after login."""
    value = str(value or "/")
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def create_app(db_url: str, out_dir: Path, inbox: Path | None = None, threshold: float = 0.9,
               secure_cookies: bool = True) -> Starlette:
    review = ReviewApp(db_url, out_dir, inbox, threshold)

    async def not_found(request: Request, exc: HTTPException) -> Response:
        text = "Halaman tidak ditemukan." if exc.status_code == 404 else "Permintaan tidak bisa dilayani."
        return HTMLResponse(f"<!doctype html><title>{exc.status_code}</title><p>{text}</p>"
                            '<p><a href="/">Kembali ke antrean</a></p>', status_code=exc.status_code)

    app = Starlette(
        routes=review.routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(SessionMiddleware, secret_key=review.secret(), session_cookie="sop_review",
                       max_age=SESSION_HOURS * 3600, same_site="strict", https_only=secure_cookies),
        ],
        exception_handlers={HTTPException: not_found},
    )
    app.state.review = review
    return app
