"""A family's browser, in plain Python: log in, open pages, upload a document, re-enrol.

Used by the two-server test and by the benchmarks. Standard library only (plus Pillow for the
photo), one cookie jar per family, forms read from the HTML the portal serves (CSRF token,
dossier version, current courses), so it exercises exactly what a browser would.

A ``Portal`` holds several server addresses (``http://127.0.0.1:8101`` …) and sends each
request to the next one, as a load balancer would; a server that refuses the connection is
skipped and the request goes to another (what a load balancer does when one stops).
"""

from __future__ import annotations

import html
import http.client
import io
import itertools
import re
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STUDENT_LINK = re.compile(r'href="/eleves/(\d+)/"')
VERSION_INPUT = re.compile(r'name="version" value="(\d+)"')
CONTINUED_INPUT = re.compile(r'name="continued" value="(\d+)"')
SELECT = re.compile(r'<select name="document_type"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="(\d+)"[^>]*>([^<]*)</option>')


ERROR_TEXT = re.compile(r'class="(?:invalid-feedback|alert[^"]*)"[^>]*>(.*?)</', re.S)


def form_errors(body: str) -> str:
    return " | ".join(" ".join(html.unescape(text).split()) for text in ERROR_TEXT.findall(body))[:500]


class PortalError(Exception):
    """A page answered something a family would see as an error."""


@dataclass
class Answer:
    status: int
    location: str
    body: str
    seconds: float
    server: str


def photo_png() -> bytes:
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (120, 160), "navy").save(output, format="PNG")
    return output.getvalue()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content_type, content) in files.items():
        parts.append(
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Portal:
    """One family's session across the servers."""

    servers: list[str]
    timeout: float = 30.0
    retries_per_request: int = 20
    cookies: dict[str, str] = field(default_factory=dict)
    connections: dict[str, http.client.HTTPConnection] = field(default_factory=dict)
    failovers: int = 0

    def __post_init__(self):
        self._next = itertools.cycle(range(len(self.servers)))

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()

    def _connection(self, server: str) -> http.client.HTTPConnection:
        if server not in self.connections:
            parts = urlsplit(server)
            self.connections[server] = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=self.timeout
            )
        return self.connections[server]

    def request(self, method: str, path: str, *, body: bytes | None = None, content_type: str = "") -> Answer:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
            headers["Referer"] = "http://127.0.0.1" + path
        last_error: Exception | None = None
        for attempt in range(self.retries_per_request):
            server = self.servers[next(self._next)]
            connection = self._connection(server)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
            except (
                ConnectionRefusedError,
                ConnectionResetError,
                http.client.RemoteDisconnected,
                BrokenPipeError,
            ) as error:
                # The server is stopping or gone: the request never reached a view (a stopping
                # gunicorn finishes what it accepted), so sending it elsewhere is safe.
                connection.close()
                self.connections.pop(server, None)
                self.failovers += 1
                last_error = error
                time.sleep(0.05 * attempt)
                continue
            seconds = time.perf_counter() - started
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    cookie = SimpleCookie()
                    cookie.load(value)
                    for key, morsel in cookie.items():
                        self.cookies[key] = morsel.value
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                self.connections.pop(server, None)
            return Answer(
                response.status,
                response.getheader("Location", ""),
                content.decode("utf-8", "replace"),
                seconds,
                server,
            )
        raise PortalError(f"{method} {path}: no server answered ({last_error!r})")

    def get(self, path: str, *, expect: int = 200) -> Answer:
        answer = self.request("GET", path)
        if answer.status != expect:
            raise PortalError(f"GET {path}: {answer.status} {answer.location}")
        return answer

    def post(self, path: str, data: dict | list, *, files: dict | None = None) -> Answer:
        if files:
            body, content_type = multipart(dict(data), files)
        else:
            body, content_type = urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, content_type=content_type)

    @staticmethod
    def csrf(page: Answer) -> str:
        match = CSRF_INPUT.search(page.body)
        if not match:
            raise PortalError("no CSRF token on the page")
        return match.group(1)

    # --- What a family does ----------------------------------------------------------------

    def log_in(self, *, site: str, identifier: str, password: str) -> Answer:
        page = self.get("/connexion/")
        answer = self.post(
            "/connexion/",
            {
                "csrfmiddlewaretoken": self.csrf(page),
                "site": site,
                "username": identifier,
                "password": password,
            },
        )
        if answer.status != 302 or "/connexion/" in answer.location:
            raise PortalError(f"login of {identifier} refused ({answer.status})")
        return answer

    def student_ids(self) -> list[int]:
        return sorted({int(number) for number in STUDENT_LINK.findall(self.get("/eleves/").body)})

    def upload_family_document(self, *, type_label: str = "Quotient") -> Answer:
        """Hand in one document on Documents fournis (the first type whose label matches)."""
        page = self.get("/famille/documents/")
        select = SELECT.search(page.body)
        if not select:
            raise PortalError("no document type to choose on the documents page")
        options = [(value, html.unescape(label)) for value, label in OPTION.findall(select.group(1))]
        chosen = next(
            (value for value, label in options if type_label.lower() in label.lower()), options[0][0]
        )
        answer = self.post(
            "/famille/documents/",
            {"csrfmiddlewaretoken": self.csrf(page), "document_type": chosen},
            files={"file": ("attestation.png", "image/png", photo_png())},
        )
        if answer.status != 302:
            raise PortalError(f"upload refused ({answer.status})")
        return answer

    def submit_reenrolment(self, student_id: int) -> Answer:
        """Valider the Réinscription tab: carry on every current course; when the portal refuses
        one (the pupil outgrew it), send an administrative re-enrolment instead, as a family
        reading the message would."""
        path = f"/eleves/{student_id}/reinscription/"
        for carry_on in (True, False):
            page = self.get(path)
            version = VERSION_INPUT.search(page.body)
            if not version:
                raise PortalError(
                    f"no re-enrolment form for pupil {student_id} (window closed or already sent)"
                )
            continued = CONTINUED_INPUT.findall(page.body) if carry_on else []
            data = [
                ("csrfmiddlewaretoken", self.csrf(page)),
                ("version", version.group(1)),
                ("information", "Créneau du mercredi de préférence."),
                ("accept_house_rules", "on"),
                ("action", "submit"),
            ]
            data += [("continued", value) for value in continued]
            if not continued:
                data.append(("administrative", "on"))
            answer = self.post(path, data)
            if answer.status == 302:
                return answer
            if answer.status != 200 or not continued:
                break
        raise PortalError(
            f"re-enrolment of pupil {student_id} refused ({answer.status}): {form_errors(answer.body)}"
        )
