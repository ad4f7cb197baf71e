"""The `influx review` web app (Flask, served by waitress on 127.0.0.1): the page over review.py.

Safe on a shared machine: a random token per run, given in the printed URL and then kept in a
cookie, is required on every request and in every form; the Host header must name this server
(DNS rebinding) and a POST's Origin this page (other sites posting to localhost); names and URLs
are escaped by Jinja, only http(s) URLs become links, and the Content-Security-Policy allows no
inline script.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

import duckdb
from flask import Flask, Response, abort, flash, redirect, render_template, request, url_for

from influx import store
from influx.identity import corrections
from influx.review import pages as R

FILES = Path(__file__).resolve().parent / "files"
CSP = ("default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self';"
       " base-uri 'none'; frame-ancestors 'none'")  # fmt: skip
TABS = ("check", "merges", "people", "corrections")
CACHE_FACES = 4000  # crops kept in memory: a page's images are read with the page, not one open each


def create_app(db_path: str | Path, port: int, token: str | None = None) -> Flask:
    """The app for one database file and one port (the port is part of the allowed Host and Origin)."""
    app = Flask(__name__, template_folder=str(FILES), static_folder=str(FILES), static_url_path="/static")
    app.secret_key = secrets.token_bytes(32)
    app.config.update(
        TOKEN=token or secrets.token_urlsafe(24),
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME=f"influx_review_{port}_messages",
        MAX_CONTENT_LENGTH=64_000,  # a form holds a name and a few ids
    )
    path = Path(db_path)
    hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
    origins = {f"http://{h}" for h in hosts}
    cookie = f"influx_review_{port}"
    faces: dict[int, bytes] = {}

    @app.before_request
    def guard():
        if request.host not in hosts:
            abort(403, "this page answers only at 127.0.0.1 or localhost")
        want = app.config["TOKEN"]
        given = request.args.get("token")
        if given is not None and hmac.compare_digest(given, want) and request.method == "GET":
            # the token leaves the URL (history, screen) for a cookie only this site gets
            args = {k: v for k, v in request.args.items() if k != "token"}
            reply = redirect(url_for(request.endpoint, **(request.view_args or {}), **args))
            reply.set_cookie(cookie, want, httponly=True, samesite="Strict")
            return reply
        if not hmac.compare_digest(request.cookies.get(cookie, ""), want):
            abort(403, "open the URL that `influx review` printed (it holds this run's token)")
        if request.method == "POST":
            if request.headers.get("Origin") not in origins:
                abort(403, "a change must come from this page")
            if not hmac.compare_digest(request.form.get("token", ""), want):
                abort(403, "a change must come from this page (token missing)")

    @app.after_request
    def headers(reply: Response):
        reply.headers["Content-Security-Policy"] = CSP
        reply.headers["X-Content-Type-Options"] = "nosniff"
        reply.headers["X-Frame-Options"] = "DENY"
        reply.headers["Referrer-Policy"] = "same-origin"  # no-referrer would make Chromium send `Origin: null`
        if reply.mimetype == "text/html":
            reply.headers["Cache-Control"] = "no-store"
        return reply

    @app.errorhandler(403)
    def refused(e):
        return Response(f"refused: {e.description}\n", 403, mimetype="text/plain")

    def render(tab: str, page: int, person: int | None = None):
        try:
            with R.reading(path) as con:
                data = R.overview(con)
                if tab == "check":
                    data["check"] = R.videos_by_doubt(con, page)
                    shown = [v["face_id"] for v in data["check"]["videos"]]
                elif tab == "merges":
                    data["merges"] = R.merges_page(con, page)
                    shown = [p["face_id"] for a, b, _ in data["merges"]["pairs"] for p in (a, b)]
                elif tab == "people":
                    data["people"] = R.people_page(con, page, person)
                    shown = [v["face_id"] for p in data["people"]["people"] for v in p["videos"]]
                    shown += [p["face_id"] for p in data["people"]["people"]]
                else:
                    data["corrections"] = R.corrections(con)
                    shown = []
                if len(faces) > CACHE_FACES:
                    faces.clear()
                faces.update(R.crops(con, [f for f in shown if f is not None and f not in faces]))
        except (store.DatabaseInUse, duckdb.IOException) as e:
            return _problem(f"the database is busy: another influx command is writing to it ({store.first_line(e)})."
                            " Try again in a moment: reload this page.", 503)  # fmt: skip
        except (FileNotFoundError, store.BadDatabase) as e:
            return _problem(str(e), 409)
        except duckdb.Error as e:  # a file that passed the checks yet fails a query: one line, not a traceback
            return _problem(f"database error: {store.first_line(e)}", 500)
        return render_template("page.html", tab=tab, person=person, token=app.config["TOKEN"], db_name=path.name,
                               **data)  # fmt: skip

    def _problem(message: str, status: int):
        return render_template("page.html", tab=None, problem=message, token=app.config["TOKEN"],
                               db_name=path.name), status  # fmt: skip

    def page_arg() -> int:
        value = request.args.get("page", "0")
        return int(value) if value.isdigit() and len(value) < 7 else 0

    @app.get("/")
    def index():
        tab = request.args.get("tab", "check")
        return render(tab if tab in TABS else "check", page_arg())

    @app.get("/person/<int:person>")
    def person_page(person: int):
        return render("people", 0, person)

    @app.get("/face/<int:face_id>.jpg")
    def face(face_id: int):
        if face_id not in faces:
            try:
                with R.reading(path) as con:
                    faces.update(R.crops(con, [face_id]))
            except (store.DatabaseInUse, duckdb.IOException, FileNotFoundError, store.BadDatabase):
                abort(503)
        if face_id not in faces:
            abort(404)
        reply = Response(faces[face_id], mimetype="image/jpeg")
        reply.headers["Cache-Control"] = "private, max-age=600"
        return reply

    @app.post("/act/<action>")
    def act(action: str):
        back = request.form.get("back", "/")
        back = back if back.startswith("/") and not back.startswith("//") else "/"
        try:
            with R.writing(path) as con:
                flash(R.act(con, action, request.form), "done")
        except (corrections.PeopleError, R.ReviewError, FileNotFoundError, store.BadDatabase) as e:
            flash(str(e), "error")
        except (store.DatabaseInUse, duckdb.IOException) as e:
            flash(f"not saved: the database is busy (another influx command is using it): {store.first_line(e)};"
                  " try again in a moment", "error")  # fmt: skip
        except duckdb.Error as e:
            flash(f"not saved: database error: {store.first_line(e)}", "error")
        return redirect(back, 303)

    return app


def serve(db_path: str | Path, port: int = 0, on_ready=None) -> None:
    """Serve the app on 127.0.0.1 until interrupted; `on_ready(url)` is called with the tokened URL."""
    from waitress import create_server

    holder = {}
    server = create_server(lambda env, start: holder["app"](env, start), host="127.0.0.1", port=port, threads=4)
    actual = server.effective_port
    app = create_app(db_path, actual)
    holder["app"] = app.wsgi_app
    if on_ready:
        on_ready(f"http://127.0.0.1:{actual}/?token={app.config['TOKEN']}")
    try:
        server.run()
    finally:
        server.close()
