"""The opening rush: families log in, look at their pages, hand in a document, re-enrol.

Run by bench/run.py (``locust --headless``); each simulated user is one seeded family, read
from the JSON file named by RUSH_FAMILIES ([{"identifier": …, "pupils": [ids]}, …]). A user
goes through the whole flow once (login, Accueil, Famille, Élèves, each pupil's Identité, one
upload, each pupil's Réinscription submitted), then keeps browsing until the run ends.
A refused form (an answer other than the redirect that follows a saved form) is a failure.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.portal import (  # noqa: E402
    CONTINUED_INPUT,
    CSRF_INPUT,
    OPTION,
    SELECT,
    VERSION_INPUT,
    multipart,
    photo_png,
)

FAMILIES = json.loads(Path(os.environ["RUSH_FAMILIES"]).read_text())
PASSWORD = os.environ.get("RUSH_PASSWORD", "Demo2026x")
PHOTO = photo_png()
_next_family = iter(range(len(FAMILIES)))


def csrf(body: str) -> str:
    match = CSRF_INPUT.search(body)
    return match.group(1) if match else ""


class Family(FastHttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        try:
            self.family = FAMILIES[next(_next_family)]
        except StopIteration:  # more users than families: this one only browses the login page
            self.family = None
            return
        page = self.client.get("/connexion/", name="connexion")
        logged_in = self.submit(
            "/connexion/",
            {
                "csrfmiddlewaretoken": csrf(page.text),
                "site": "malakoff",
                "username": self.family["identifier"],
                "password": PASSWORD,
            },
            "connexion (POST)",
        )
        if not logged_in:
            if logged_in is False:  # the login form came back: wrong identifier or password
                self.environment.events.request.fire(
                    request_type="POST",
                    name="connexion refusée",
                    response_time=0,
                    response_length=0,
                    exception=RuntimeError(f"login of {self.family['identifier']} refused"),
                )
            self.family = None
        self.flow_done = False

    def submit(self, path: str, data: list | dict, name: str, files: dict | None = None):
        if files:
            body, content_type = multipart(dict(data), files)
        else:
            body, content_type = urlencode(data, doseq=True).encode(), "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, "Referer": f"http://127.0.0.1{path}"}
        with self.client.post(
            path, data=body, headers=headers, allow_redirects=False, name=name, catch_response=True
        ) as answer:
            if answer.status_code == 302:
                answer.success()
                return True
            if answer.status_code == 200:
                answer.success()  # the form came back with a message: the caller decides
                return False
            answer.failure(f"{answer.status_code}")
            return None

    def reenrol(self, pupil: int):
        path = f"/eleves/{pupil}/reinscription/"
        for carry_on in (True, False):
            page = self.client.get(path, name="réinscription")
            version = VERSION_INPUT.search(page.text or "")
            if not version:
                return  # already sent (a retry of the flow)
            continued = CONTINUED_INPUT.findall(page.text) if carry_on else []
            data = [
                ("csrfmiddlewaretoken", csrf(page.text)),
                ("version", version.group(1)),
                ("information", "Créneau du mercredi de préférence."),
                ("accept_house_rules", "on"),
                ("action", "submit"),
            ] + [("continued", value) for value in continued]
            if not continued:
                data.append(("administrative", "on"))
            if self.submit(path, data, "réinscription (POST)") is not False:
                return

    def upload(self):
        page = self.client.get("/famille/documents/", name="documents")
        select = SELECT.search(page.text or "")
        options = OPTION.findall(select.group(1)) if select else []
        if not options:
            return
        chosen = next((value for value, label in options if "quotient" in label.lower()), options[0][0])
        self.submit(
            "/famille/documents/",
            {"csrfmiddlewaretoken": csrf(page.text), "document_type": chosen},
            "documents (POST, import)",
            files={"file": ("attestation.png", "image/png", PHOTO)},
        )

    @task
    def visit(self):
        if self.family is None:
            self.client.get("/connexion/", name="connexion")
            return
        pupils = self.family["pupils"]
        if not self.flow_done:
            self.flow_done = True
            self.client.get("/accueil/", name="accueil")
            self.client.get("/famille/", name="famille")
            self.client.get("/eleves/", name="élèves")
            for pupil in pupils:
                self.client.get(f"/eleves/{pupil}/", name="identité")
            self.upload()
            for pupil in pupils:
                self.reenrol(pupil)
            return
        pupil = random.choice(pupils)
        path = random.choice(
            ["/accueil/", "/famille/", f"/eleves/{pupil}/", f"/eleves/{pupil}/reinscription/"]
        )
        self.client.get(path, name="navigation")
