"""The Réinscription page of the demo's pupil, measured on a 360 px phone.

Before the wishes were cut to the courses the rules allow the pupil (issue 13), Emma DEMO (13
years old) was offered all 16 courses of the catalogue and the page was 4,200 px tall. Now the
others wait behind one closed "Autres cours" control: the page must stay under 2,500 px.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from extranet.shell.demo import DEMO_PASSWORD, build_demo
from students.models import Student
from tests.browser import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = (360, 740)
BEFORE = 4200
BOUND = 2500


def test_the_demo_pupil_s_reenrolment_page_is_far_shorter_on_a_phone(live_server):
    build_demo()
    emma = Student.objects.get(first_name="Emma", family__name="DEMO")
    url = live_server.url + reverse("reenrolment:student", args=[emma.pk])

    with chromium_page(*PHONE) as page:
        page.goto(live_server.url + "/")
        page.get_by_label("Site").select_option("malakoff")
        page.get_by_label("Identifiant").fill("famille.demo")
        page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name="Accueil", level=1)).to_be_visible()
        page.goto(url)
        expect(page.get_by_role("button", name="Valider")).to_be_visible()
        others = page.locator("details.tutti-more", has=page.locator("summary", has_text="Autres cours"))
        expect(others).not_to_have_attribute("open", "")
        height = page.evaluate("document.documentElement.scrollHeight")
        width = page.evaluate("document.documentElement.scrollWidth")

    print(f"\nRéinscription d'Emma DEMO à 360 px : {height} px de haut (avant : {BEFORE} px)")
    assert width <= PHONE[0]
    assert height < BOUND, f"{height} px"
