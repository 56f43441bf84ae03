"""The portal's template loader answers exactly what Django's cached loader answers, in French and English."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template import Context, Template, engines
from django.template.backends.django import DjangoTemplates
from django.templatetags.i18n import TranslateNode
from django.test import RequestFactory
from django.utils import translation

from extranet.base.emails import render_email
from extranet.base.template_loader import LanguageTemplate, TranslationNode

EMAIL_TEMPLATES = Path(django_settings.BASE_DIR) / "templates" / "emails"

LAYOUT = """{% load i18n static %}<title>{% block title %}{% translate "Portail des familles" %}{% endblock %}</title>
<a href="#contenu">{% translate "Aller au contenu" %}</a> <a href="{% url 'home' %}">{% translate 'Accueil' %}</a>
<link href="{% static 'css/tutti.css' %}">{% url 'accessibility' as accessibility_url %}<a href="{{ accessibility_url }}">x</a>
{% block content %}{% endblock %}
{% translate "Quitter" context "une action" %} {% translate "Menu principal" noop %}
"""

PAGE = """{% extends "layout.html" %}{% load i18n %}
{% block title %}{% translate "Accueil" %} – {{ block.super }}{% endblock %}
{% block content %}
<p>{% translate "Un <b>texte</b> & d'autres « choses » à 100 %" %}</p>
<p>{% translate "Quitter" as leave %}{{ leave }} {% translate name %} {% translate "Accueil"|upper %}</p>
<p>{% blocktranslate with who=name %}Bonjour {{ who }} & bienvenue{% endblocktranslate %}</p>
{% if show %}{% for item in items %}<i>{% translate "Menu principal" %} {{ item }}</i>{% empty %}{% translate "Quitter" %}{% endfor %}{% endif %}
{% include "part.html" %}
{% language "en" %}<p lang="en">{% translate "Accueil" %} {% include "part.html" %} {% url 'home' %}</p>{% endlanguage %}
<p>{% url 'students:identity' 12 %}</p>
{% autoescape off %}<pre>{% translate "Un <b>texte</b> & d'autres « choses » à 100 %" %} {{ name }}</pre>{% endautoescape %}
{% endblock %}
"""

PART = """{% load i18n %}<span>{% translate "Aller au contenu" %} {% translate "Portail des familles" context "date and time" %}</span>"""

PLAIN = """{% load i18n %}{% translate "Un <b>texte</b> & d'autres « choses »" %} {{ name }}"""


@pytest.fixture
def folder(tmp_path):
    for name, source in (
        ("layout.html", LAYOUT),
        ("page.html", PAGE),
        ("part.html", PART),
        ("plain.txt", PLAIN),
    ):
        (tmp_path / name).write_text(source, encoding="utf-8")
    return tmp_path


def engine(folder, loader: str) -> DjangoTemplates:
    return DjangoTemplates(
        {
            "NAME": loader,
            "DIRS": [folder],
            "APP_DIRS": False,
            "OPTIONS": {"loaders": [(loader, ["django.template.loaders.filesystem.Loader"])]},
        }
    )


@pytest.fixture
def both(folder, settings):
    return engine(folder, "django.template.loaders.cached.Loader"), engine(
        folder, "extranet.base.template_loader.Loader"
    )


CONTEXT = {"name": "Léo <Martin> & Cie", "show": True, "items": ["a", "<b>"]}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_page_renders_as_with_django_s_cached_loader(both, language):
    django, ours = both
    with translation.override(language):
        expected = django.get_template("page.html").render(CONTEXT)
        for _ in range(2):  # compiled, then from the cache
            assert ours.get_template("page.html").render(CONTEXT) == expected


def test_the_two_languages_differ_and_each_is_right(both):
    _django, ours = both
    with translation.override("fr"):
        french = ours.get_template("page.html").render(CONTEXT)
    with translation.override("en"):
        english = ours.get_template("page.html").render(CONTEXT)
    assert "<title>Accueil – Portail des familles</title>" in french
    assert "<title>Home – Family portal</title>" in english
    assert "Un <b>texte</b> & d'autres « choses » à 100 %" in french  # a literal is safe, as in Django
    assert "Log out" in english and "Quitter" in french
    # {% language "en" %} inside a French page: its nodes and its include are English.
    assert '<p lang="en">Home <span>Skip to content' in french
    # Variables are still escaped and blocktranslate untouched.
    assert "Bonjour Léo &lt;Martin&gt; &amp; Cie & bienvenue" in french
    assert "Hello" not in french


def test_a_template_fetched_in_french_and_rendered_in_english_is_english(both):
    django, ours = both
    with translation.override("fr"):
        ours_template = ours.get_template("page.html")
        django_template = django.get_template("page.html")
    with translation.override("en"):
        rendered = ours_template.render(CONTEXT)
        assert rendered == django_template.render(CONTEXT)
    assert "Home – Family portal" in rendered


def test_plain_text_without_autoescape_is_the_same(both):
    django, ours = both
    for language in ("fr", "en"):
        with translation.override(language):
            expected = django.get_template("plain.txt").template.render(Context(CONTEXT, autoescape=False))
            rendered = ours.get_template("plain.txt").template.render(Context(CONTEXT, autoescape=False))
        assert rendered == expected
    assert "Léo <Martin> & Cie" in rendered


def test_constant_translations_are_folded_and_the_others_left_to_django(both):
    _django, ours = both
    with translation.override("fr"):
        template = ours.get_template("page.html").template
    assert isinstance(template, LanguageTemplate)
    folded = template.folded_nodelist
    assert folded.get_nodes_by_type(TranslationNode)
    # "as leave", a variable, a filter and the one inside {% language %} stay Django's nodes.
    assert len(folded.get_nodes_by_type(TranslateNode)) == 4
    assert not template.django_nodelist.get_nodes_by_type(TranslationNode)


def test_the_loader_keeps_one_template_per_language(both):
    _django, ours = both
    with translation.override("fr"):
        french = ours.get_template("page.html").template
        assert ours.get_template("page.html").template is french
    with translation.override("en"):
        assert ours.get_template("page.html").template is not french


def test_urls_follow_the_script_prefix(both):
    django, ours = both
    from django.urls import set_script_prefix

    try:
        for prefix in ("/", "/tutti/", "/"):
            set_script_prefix(prefix)
            with translation.override("fr"):
                expected = django.get_template("layout.html").render({})
                assert ours.get_template("layout.html").render({}) == expected
                assert f'href="{prefix}accueil/"' in expected
    finally:
        set_script_prefix("/")


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("url", ["/connexion/", "/accessibilite/", "/mot-de-passe-perdu/"])
def test_the_portal_pages_are_the_same_with_django_s_loader(client, settings, language, url):
    client.cookies["django_language"] = language
    ours = _CSRF.sub("", client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    _with_django_s_loader(settings)
    django = _CSRF.sub("", client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    assert ours == django
    assert ("Portail des familles" in ours) == (language == "fr")


def _with_django_s_loader(settings) -> None:
    """The project's TEMPLATES with Django's cached loader around the same loaders."""
    templates = [dict(engine) for engine in settings.TEMPLATES]
    options = dict(templates[0]["OPTIONS"])
    options["loaders"] = [("django.template.loaders.cached.Loader", options["loaders"][0][1])]
    templates[0]["OPTIONS"] = options
    settings.TEMPLATES = templates


def _render_or_error(name: str, context: dict):
    try:
        return render_email(name, context)
    except Exception as error:  # a template that needs more context fails the same way with both
        return type(error).__name__


EMAILS = sorted(path.name.removesuffix("_subject.txt") for path in EMAIL_TEMPLATES.glob("*_subject.txt"))


@pytest.mark.django_db
def test_every_email_renders_in_french_as_with_django_s_loader(settings):
    context = {"name": "Léo & Cie", "url": "https://tutti.example/x?a=1&b=2"}
    with translation.override("en"):  # a request in English sends French emails
        ours = {name: _render_or_error(name, context) for name in EMAILS}
    _with_django_s_loader(settings)
    assert engines["django"].engine.template_loaders[0].__module__ == "django.template.loaders.cached"
    with translation.override("en"):
        django = {name: _render_or_error(name, context) for name in EMAILS}
    assert ours == django
    assert sum(isinstance(rendered, tuple) for rendered in ours.values()) > len(EMAILS) / 2


def test_a_request_context_renders_the_same(both, rf: RequestFactory):
    django, ours = both
    request = rf.get("/")
    with translation.override("fr"):
        assert ours.get_template("layout.html").render({}, request) == django.get_template(
            "layout.html"
        ).render({}, request)


def test_a_template_with_nothing_to_fold_stays_django_s(both, folder):
    (folder / "bare.html").write_text(
        "{% load i18n %}<p>{{ name }} {% translate name %}</p>", encoding="utf-8"
    )
    _django, ours = both
    with translation.override("fr"):
        template = ours.get_template("bare.html").template
        assert type(template) is Template
        assert ours.get_template("bare.html").template is template
        assert (
            template.render(Context(CONTEXT))
            == "<p>Léo &lt;Martin&gt; &amp; Cie Léo &lt;Martin&gt; &amp; Cie</p>"
        )
