"""The admin's sidebar lists the models a staff member may open, marking the current one: the same
HTML as Django's own sidebar, though its list is rendered once and kept (templatetags.long_lists)."""

from pathlib import Path

import django.contrib.admin
import pytest
from django.contrib.auth.models import Permission
from django.template import Context, Template
from django.urls import reverse

from extranet.tests.admin_pages import staff_logged_in
from extranet.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

DJANGOS_SIDEBAR = Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "nav_sidebar.html"


def sidebar(page: str) -> str:
    start = page.index('<button class="sticky toggle-nav-sidebar"')
    return page[start : page.index("</nav>", start) + len("</nav>")]


def djangos_sidebar(response) -> str:
    context = Context(
        {"available_apps": response.context["available_apps"], "request": response.wsgi_request}
    )
    return Template(DJANGOS_SIDEBAR.read_text()).render(context).strip()


@pytest.mark.parametrize(
    "url",
    [
        "admin:families_family_changelist",
        "admin:students_student_changelist",
        "admin:extranet_season_changelist",
    ],
)
def test_the_sidebar_is_djangos_own_from_the_first_page_to_the_next(url):
    client = staff_logged_in(StaffUserFactory(is_superuser=True))

    first, again = client.get(reverse(url)), client.get(reverse(url))

    assert sidebar(first.content.decode()) == djangos_sidebar(first) == sidebar(again.content.decode())


def test_the_sidebar_marks_the_current_list_and_follows_each_staff_members_rights():
    everything = staff_logged_in(StaffUserFactory(is_superuser=True))
    families_only = StaffUserFactory()
    families_only.user_permissions.set(Permission.objects.filter(codename="view_family"))
    reader = staff_logged_in(families_only)

    on_families = sidebar(everything.get(reverse("admin:families_family_changelist")).content.decode())
    on_pupils = sidebar(everything.get(reverse("admin:students_student_changelist")).content.decode())
    read_only = reader.get(reverse("admin:families_family_changelist"))

    assert 'class="model-family current-model"' in on_families
    assert 'class="model-student current-model"' in on_pupils
    assert 'class="model-family current-model"' not in on_pupils
    assert sidebar(read_only.content.decode()) == djangos_sidebar(read_only)
    assert reverse("admin:students_student_changelist") not in sidebar(read_only.content.decode())
