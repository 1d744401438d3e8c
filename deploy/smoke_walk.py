"""The HTTP half of deploy/smoke.sh: walks the demo through nginx like a person would.

Main pages, then one flow per plugin: answer a poll by its personal link, sign up for an
event, give MKB-toets feedback by the personal link the worker mailed, and add a masterplan
wish as a signed-in board member. Forms are read from the pages (their CSRF tokens and
fields), never built by hand. Exits non-zero with a message at the first thing that is off.

Only the standard library and ``requests`` (installed with the app), so it runs from the
app's virtualenv with nothing added.
"""

from __future__ import annotations

import argparse
import mailbox
import re
import sys
import time
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

DEMO_PASSWORD = "kringwerk-demo"


class SmokeFailure(Exception):
    """Something a visitor would notice; the message says what."""


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    # name -> the values a <select> or radio group offers
    options: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""

    def value(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


class _Forms(HTMLParser):
    """Every <form> of a page, with the values its fields would send as they are."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._textarea_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page_url, a["href"]))
        if tag == "form":
            self._form = Form(
                urljoin(self.page_url, a.get("action") or self.page_url), a.get("method", "get").lower()
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "image", "button"}:
                form.buttons.append((name, a.get("value", "")))
            elif kind in {"checkbox", "radio"}:
                form.options.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind != "file":
                form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name:
            form.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            form.options.setdefault(self._select, []).append(value)
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                form.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and self._form is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._textarea_text).lstrip("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._textarea_text.append(data)
        if self._form is not None:
            self._form.text += data


class Visitor:
    """One browser: a cookie jar, every request through nginx, each answer checked."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "nl"
        self.requests = 0

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def get(self, path: str, expect: int = 200, **kwargs) -> requests.Response:
        return self._check(self.http.get(self.url(path), timeout=30, **kwargs), expect)

    def post(self, path: str, data, expect: int = 200, **kwargs) -> requests.Response:
        return self._check(self.http.post(self.url(path), data=data, timeout=30, **kwargs), expect)

    def _check(self, response: requests.Response, expect: int) -> requests.Response:
        self.requests += 1
        if response.status_code != expect:
            raise SmokeFailure(
                f"{response.request.method} {response.url}: {response.status_code}, expected {expect}\n"
                f"{_page_text(response.text)[:600]}"
            )
        if response.headers.get("Server", "").startswith("gunicorn"):
            raise SmokeFailure(f"{response.url} was not answered through nginx")
        return response

    def forms(self, response: requests.Response) -> list[Form]:
        parser = _Forms(response.url)
        parser.feed(response.text)
        return parser.forms

    def links(self, response: requests.Response) -> list[str]:
        parser = _Forms(response.url)
        parser.feed(response.text)
        return parser.links

    def form(self, response: requests.Response, action: str | re.Pattern, method: str = "post") -> Form:
        """The page's form whose action (path) matches; fails when there is none."""
        for form in self.forms(response):
            path = urlsplit(form.action).path
            matches = action.search(path) if isinstance(action, re.Pattern) else path == action
            if matches and form.method == method:
                return form
        actions = [f"{f.method} {urlsplit(f.action).path}" for f in self.forms(response)]
        raise SmokeFailure(f"{response.url}: no form to {action} (forms: {actions})")

    def submit(
        self, form: Form, changes: dict[str, str | list[str]] | None = None, expect: int = 200
    ) -> requests.Response:
        """Sends the form as a browser would, with ``changes`` replacing fields' values."""
        changes = changes or {}
        for name, value in form.fields:
            if name.endswith("csrf_token") and not value:
                raise SmokeFailure(f"the form to {form.action} carries an empty CSRF token")
        data = [(k, v) for k, v in form.fields if k not in changes]
        for name, value in changes.items():
            for one in value if isinstance(value, list) else [value]:
                data.append((name, one))
        if form.method == "get":
            return self.get(form.action, expect=expect, params=data)
        return self.post(form.action, data, expect=expect)

    def sign_in(self, email: str) -> None:
        page = self.get("/account/login")
        form = self.form(page, "/account/login")
        home = self.submit(form, {"email": email, "password": DEMO_PASSWORD})
        if urlsplit(home.url).path == "/account/login":
            raise SmokeFailure(f"signing in as {email} failed: {_page_text(home.text)[:300]}")


def _page_text(html: str) -> str:
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def expect_text(response: requests.Response, *needles: str) -> None:
    text = _page_text(response.text)
    for needle in needles:
        if needle not in text:
            raise SmokeFailure(f"{response.url}: expected “{needle}” on the page\n{text[:600]}")


def demo_links(demo_log: Path) -> dict[str, str]:
    """``label: url`` lines that ``kringwerk demo`` printed."""
    links = {}
    for line in demo_log.read_text().splitlines():
        label, sep, url = line.rpartition(": ")
        if sep and url.startswith("http"):
            links[label.strip()] = url.strip()
    return links


def wait_for_mail(maildir: Path, to: str, subject_part: str, timeout: float = 60) -> str:
    """The body of the first mail to ``to`` whose subject holds ``subject_part``, once the
    worker has delivered it to the SMTP sink."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (maildir / "new").is_dir():
            for message in mailbox.Maildir(maildir, create=False):
                subject = " ".join(str(make_header(decode_header(str(message["Subject"] or "")))).split())
                if to in str(message["To"]) and subject_part in subject:
                    return _body(message)
        time.sleep(0.5)
    raise SmokeFailure(f"no mail to {to} about “{subject_part}” arrived within {timeout:.0f} s")


def _body(message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    for part in parts:
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="nginx's address, e.g. http://127.0.0.1:8080")
    parser.add_argument("--maildir", type=Path, required=True, help="the SMTP sink's Maildir")
    parser.add_argument("--demo-log", type=Path, required=True, help="what `kringwerk demo` printed")
    parser.add_argument("--static", type=Path, required=True, help="the core's static folder")
    args = parser.parse_args()
    started = time.monotonic()
    steps = build_steps(args)
    try:
        for name, step in steps:
            t = time.monotonic()
            step()
            print(f"[walk] ok  {name} ({time.monotonic() - t:.1f} s)", file=sys.stderr)
    except (SmokeFailure, requests.RequestException) as failure:
        print(f"[walk] FAIL {name}: {failure}", file=sys.stderr)
        return 1
    print(f"[walk] all {len(steps)} steps passed in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


# Links a page walk skips: downloads (rendered on request, slow and not pages), signing out,
# and personal files.
_SKIP = re.compile(r"\.(pdf|docx|ics|csv|xlsx)$|/export|/logout|/files/|/language")


def walk_links(visitor: Visitor, start: str, prefix: str, limit: int = 30) -> int:
    """Opens ``start`` and every page it links to under ``prefix``: all must answer 200."""
    page = visitor.get(start)
    host = urlsplit(visitor.base).netloc
    seen = {urlsplit(page.url).path}
    for link in visitor.links(page):
        parts = urlsplit(link)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.netloc != host or not parts.path.startswith(prefix) or _SKIP.search(parts.path):
            continue
        if target in seen or len(seen) > limit:
            continue
        seen.add(target)
        visitor.get(target)
    if len(seen) < 3:
        raise SmokeFailure(f"{start} links to almost nothing under {prefix}: {sorted(seen)}")
    return len(seen)


def flash_or_alert(response: requests.Response) -> str:
    return " ".join(
        _page_text(m) for m in re.findall(r'(?s)role="(?:status|alert)"[^>]*>(.*?)</', response.text)
    )


def build_steps(args):
    base = args.base.rstrip("/")
    links = demo_links(args.demo_log)
    state: dict[str, str] = {}

    def infrastructure():
        visitor = Visitor(base)
        health = visitor.get("/healthz")
        if health.headers.get("Server") != "nginx":
            raise SmokeFailure(f"/healthz answered by {health.headers.get('Server')!r}, not nginx")
        css = visitor.get("/static/css/kringwerk.css")
        if css.content != (args.static / "css" / "kringwerk.css").read_bytes():
            raise SmokeFailure("nginx served a different kringwerk.css than the checkout's")
        cache = css.headers.get("Cache-Control", "")
        if "public" not in cache or "max-age=86400" not in cache or not css.headers.get("ETag"):
            raise SmokeFailure(f"static files lack their cache headers: {dict(css.headers)}")
        visitor.get("/static/css/kringwerk.css", expect=304, headers={"If-None-Match": css.headers["ETag"]})
        visitor.get("/static/vendor/htmx/htmx.min.js")
        visitor.get("/static/no-such-file.css", expect=404)
        # Pages link the static files with their content hash; nginx keeps those a year.
        linked = re.findall(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]+)"', visitor.get("/").text)
        if len(linked) < 3:
            raise SmokeFailure(f"the landing page links no versioned static files: {linked}")
        for path, version in linked:
            versioned = visitor.get(f"{path}?v={version}")
            if versioned.content != (args.static / path.removeprefix("/static/")).read_bytes():
                raise SmokeFailure(f"nginx served a different {path} than the checkout's")
            if versioned.headers.get("Cache-Control") != "public, max-age=31536000, immutable":
                raise SmokeFailure(f"{path}?v={version} is not kept a year: {dict(versioned.headers)}")
        stale = visitor.get(f"{linked[0][0]}?v=000000000000")
        if "immutable" in stale.headers.get("Cache-Control", ""):
            raise SmokeFailure(f"a hash other than the file's is kept a year: {dict(stale.headers)}")
        # nginx refuses a body past client_max_body_size before gunicorn reads any of it.
        visitor.post("/account/login", b"x" * (12 * 1024 * 1024), expect=413)
        missing = visitor.get("/no-such-tenant/", expect=404)
        if "script-src 'self'" not in missing.headers.get("Content-Security-Policy", ""):
            raise SmokeFailure("the app's security headers did not come through nginx")

    def public_pages():
        visitor = Visitor(base)
        for path in ("/", "/account/login", "/account/magic", "/mkb-lv/events/", "/ikl/"):
            visitor.get(path)

    def signed_in_pages(email: str, start: str):
        def step():
            visitor = Visitor(base)
            visitor.sign_in(email)
            count = walk_links(visitor, start, start)
            state[f"pages:{email}"] = str(count)

        return step

    def poll_by_link():
        link = next((url for url in links.values() if re.search(r"/polls/\d+/a/", url)), None)
        if link is None:
            raise SmokeFailure("kringwerk demo printed no personal poll link")
        visitor = Visitor(base)
        page = visitor.get(link)
        form = visitor.form(page, urlsplit(link).path)
        answers: dict[str, str | list[str]] = {"submit": "1"}
        for name, options in form.options.items():
            real = [o for o in options if o]
            if re.fullmatch(r"q\d+_o\d+", name) and real == ["1", "2", "3"][: len(real)]:
                continue  # a ranking, filled below
            if real:
                answers[name] = real[-1] if re.fullmatch(r"q\d+_o\d+", name) else real[0]
        ranks = sorted(
            n for n, o in form.options.items() if re.fullmatch(r"q\d+_o\d+", n) and "1" in o and "" in o
        )
        for place, name in enumerate(ranks, start=1):
            answers[name] = str(place)
        for name, value in form.fields:
            if re.fullmatch(r"q\d+", name) and name not in form.options and not value:
                answers[name] = "Rooktest: Jan de Vries"  # an open question
        done = visitor.submit(form, answers)
        again = visitor.get(link)
        if any(urlsplit(f.action).path == urlsplit(link).path for f in visitor.forms(again)):
            raise SmokeFailure(
                f"the poll still offers its form after answering: {flash_or_alert(done)} {_page_text(done.text)[:400]}"
            )

    def event_signup():
        visitor = Visitor(base)
        calendar = visitor.get("/mkb-lv/events/")
        event = next((u for u in visitor.links(calendar) if re.search(r"/mkb-lv/events/\d+$", u)), None)
        if event is None:
            raise SmokeFailure("the demo's events calendar of mkb-lv lists no event")
        page = visitor.get(event)
        free = re.search(r"(\d+) van de (\d+)", _page_text(page.text))
        signup = visitor.form(page, urlsplit(event).path + "/signup")
        email = "rooktest.gast@kringwerk.example"
        visitor.submit(signup, {"name": "Rooktest Gast", "email": email, "company": "Rooktest BV"})
        body = wait_for_mail(args.maildir, email, "Bevestig uw aanmelding")
        confirm_link = _link_in(body, r"/mkb-lv/events/confirm/")
        confirm_page = visitor.get(confirm_link)
        confirmed = visitor.submit(visitor.form(confirm_page, urlsplit(confirm_link).path))
        after = visitor.get(event)
        now = re.search(r"(\d+) van de (\d+)", _page_text(after.text))
        if free is None or now is None:
            raise SmokeFailure(f"{event} shows no free seats (“… van de … plaatsen vrij”)")
        if int(now.group(1)) != int(free.group(1)) - 1:
            raise SmokeFailure(
                f"confirming took no seat: {free.group(0)} before, {now.group(0)} after; {flash_or_alert(confirmed)}"
            )

    def mkb_toets_feedback():
        board = Visitor(base)
        board.sign_in("bestuur.mkblv@kringwerk.demo")
        overview = board.get("/mkb-lv/mkb-toets/")
        dossiers = sorted({u for u in board.links(overview) if re.search(r"/mkb-toets/\d+$", u)})
        for dossier in dossiers:
            page = board.get(dossier)
            offer = [
                f
                for f in board.forms(page)
                if f.value("source") == "companies" and f.options.get("company_id")
            ]
            if offer:
                break
        else:
            raise SmokeFailure("no open MKB-toets dossier offers companies for its panel")
        title = _page_text(page.text).split(" · ", 1)[0]
        added = board.submit(offer[0], {"company_id": offer[0].options["company_id"][0]})
        if "toegevoegd" not in flash_or_alert(added):
            raise SmokeFailure(f"adding a company to the panel: {flash_or_alert(added)}")
        body = wait_for_mail(args.maildir, "", f"conceptbeleid: {title}")
        link = _link_in(body, r"/mkb-lv/mkb-toets/feedback/")
        member = Visitor(base)  # the entrepreneur: no account, only the link
        feedback = member.get(link)
        section = member.form(feedback, re.compile(r"/feedback/[^/]+/section/\d+$"))
        member.submit(
            section,
            {
                "verdict": "with_changes",
                "hours_yearly": "12",
                "business_kinds": ["retail"],
                "comment": "Rooktest: graag tot 12.00 uur.",
            },
        )
        again = member.get(link)
        if "Rooktest: graag tot 12.00 uur." not in again.text:
            raise SmokeFailure("the panel member's feedback was not kept")

    def masterplan_wish():
        visitor = Visitor(base)
        visitor.sign_in("bestuur.assen@kringwerk.demo")
        overview = visitor.get("/ondernemend-assen/masterplan/")
        plan = next((u for u in visitor.links(overview) if re.search(r"/masterplan/\d+/$", u)), None)
        if plan is None:
            raise SmokeFailure("ondernemend-assen has no masterplan")
        plan_page = visitor.get(plan)
        theme = next((u for u in visitor.links(plan_page) if re.search(r"/themes/\d+$", u)), None)
        page = visitor.get(theme)
        form = visitor.form(page, re.compile(r"/themes/\d+/items$"))
        kind = next(name for name in form.options if name.endswith("kind"))
        text = next(name for name, _ in form.fields if name.endswith("-text"))
        wish = f"Rooktest: een deelfietsstation ({int(time.time())})"
        visitor.submit(form, {kind: "wish", text: wish})
        if wish not in visitor.get(theme).text:
            raise SmokeFailure("the wish is not on the theme page after adding it")

    def sign_out():
        visitor = Visitor(base)
        visitor.sign_in("bestuur@kringwerk.demo")
        home = visitor.get("/ikl/")
        visitor.submit(visitor.form(home, "/account/logout"))
        after = visitor.get("/ikl/members/", expect=200)
        if urlsplit(after.url).path != "/account/login":
            raise SmokeFailure(f"after signing out /ikl/members/ went to {after.url}, not the sign-in page")

    return [
        ("nginx, static files and health check", infrastructure),
        ("public pages", public_pages),
        ("operator console", signed_in_pages("operator@kringwerk.demo", "/operator/")),
        ("board of ikl: pages linked from its home", signed_in_pages("bestuur@kringwerk.demo", "/ikl/")),
        (
            "board of mkb-lv: pages linked from its home",
            signed_in_pages("bestuur.mkblv@kringwerk.demo", "/mkb-lv/"),
        ),
        ("polls: answer by personal link", poll_by_link),
        ("events: guest sign-up confirmed by the mailed link", event_signup),
        ("mkb-toets: panel member mailed, feedback by link", mkb_toets_feedback),
        ("masterplan: board member adds a wish", masterplan_wish),
        ("signing out", sign_out),
    ]


def _link_in(body: str, path_part: str) -> str:
    match = re.search(r"https?://\S*" + path_part + r"\S+", body)
    if match is None:
        raise SmokeFailure(f"no link with {path_part} in the mail:\n{body[:500]}")
    return match.group(0)


if __name__ == "__main__":
    sys.exit(main())
