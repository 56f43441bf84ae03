"""Shared by the browser tests: Debian's Chromium through Playwright, and a guardian's log-in.

Never downloads a browser: it launches /usr/bin/chromium (`.ci/run` installs the package).
"""

import re
from contextlib import contextmanager

from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium_page(width, height):
    """A French Chromium page of the given size.

    Playwright starts inside each test, once its data is in the database, and nothing in the
    ``with`` block touches the database: Playwright's event loop gives the block another
    context, where Django would open another database connection.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def log_in(page, base_url, identifier):
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/connexion/$"))
    expect(page.get_by_role("heading", name="Accès usager")).to_be_visible()
    expect(page.get_by_role("link", name="Mot de passe perdu")).to_be_visible()
    page.get_by_label("Site").select_option("malakoff")
    page.get_by_label("Identifiant").fill(identifier)
    page.get_by_label("Mot de passe").fill("Motdepasse1")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Accueil", level=1)).to_be_visible()


def open_main_menu(page):
    """On a phone the main tabs sit behind the Menu button: open it (nothing to do on a desk)."""
    menu = page.get_by_role("navigation", name="Menu principal")
    toggle = menu.get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        # Bootstrap animates the opening: wait until the list stands still.
        expect(menu.locator("#tutti-tabs")).to_have_class(re.compile(r"\bshow\b"))
        expect(menu.locator("#tutti-tabs")).not_to_have_class(re.compile(r"\bcollapsing\b"))
    return menu
