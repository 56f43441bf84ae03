"""DomainError and the helpers that show it: next to the field, in the messages, in a bulk action."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from extranet.base.admin import run_bulk_action
from extranet.base.editing import StaleEditError
from extranet.base.errors import DomainError, show_domain_error


class CityForm(forms.Form):
    city = forms.CharField()


def request_with_messages():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def shown(request) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(request)]


def test_an_error_on_a_known_field_is_shown_next_to_it():
    form = CityForm({"city": "Vanves"})
    form.is_valid()

    show_domain_error(DomainError("Cette ville n'est pas desservie.", field="city"), form=form)

    assert form.errors["city"] == ["Cette ville n'est pas desservie."]


def test_an_error_on_an_unknown_field_goes_to_the_top_of_the_form():
    form = CityForm({"city": "Vanves"})
    form.is_valid()

    show_domain_error(DomainError("Le dossier est clos.", field="reason"), form=form)

    assert form.non_field_errors() == ["Le dossier est clos."]


def test_several_refusals_at_once_each_go_to_their_field():
    form = CityForm({"city": "Vanves"})
    form.is_valid()
    error = DomainError(
        errors={"city": ["Trop loin.", "Hors du département."], None: ["Rien n'est enregistré."]}
    )

    show_domain_error(error, form=form)

    assert form.errors["city"] == ["Trop loin.", "Hors du département."]
    assert form.non_field_errors() == ["Rien n'est enregistré."]
    assert error.message == "Trop loin. Hors du département. Rien n'est enregistré."


def test_without_a_form_the_error_is_a_message():
    request = request_with_messages()

    show_domain_error(StaleEditError(), request=request)

    [(level, text)] = shown(request)
    assert level == "error" and text.startswith("Un autre responsable de la famille ou le secrétariat")


def test_a_bulk_action_counts_what_was_done_and_names_each_refusal():
    request = request_with_messages()

    def write(name):
        if name == "Léo":
            raise DomainError("le dossier est déjà validé.")

    done = run_bulk_action(
        request,
        ["Emma", "Léo", "Jeanne"],
        write,
        done_message=lambda count: f"{count} dossiers traités.",
    )

    assert done == 2
    assert shown(request) == [
        ("success", "2 dossiers traités."),
        ("warning", "Léo : le dossier est déjà validé."),
    ]
