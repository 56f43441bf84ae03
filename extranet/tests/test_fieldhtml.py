"""Form fields written in Python (extranet.base.fieldhtml): Django's markup, labels, errors, aria."""

import re

import pytest
from django import forms
from django.forms.boundfield import BoundField
from django.utils import translation
from django.utils.translation import gettext_lazy

from extranet.base.fieldhtml import BootstrapBoundField, choice_input, choice_options, choice_tag
from extranet.base.forms import FrozenChoices, MobileField, PortalFormMixin, set_reference_choices
from extranet.base.models import Civility

LEVELS = [("", "Choisissez"), ("Collège", [("6e", "6e"), ("5e", "5e <b>")]), ("adulte", "Adulte")]


class SampleForm(PortalFormMixin, forms.Form):
    bound_field_class = BootstrapBoundField

    version = forms.IntegerField(widget=forms.HiddenInput)
    city = forms.CharField(label="Ville", max_length=5)
    mobile = MobileField(label="Mobile", help_text="10 chiffres")
    level = forms.ChoiceField(label="Niveau", choices=LEVELS)
    levels = forms.MultipleChoiceField(label="Niveaux", choices=LEVELS[1:], required=False)
    born = forms.DateField(label="Né le", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    rights = forms.ChoiceField(
        label="Droit", choices=[("oui", "Oui"), ("non", "Non")], widget=forms.RadioSelect, help_text="Photos"
    )
    guardian = forms.BooleanField(label="Utiliser", required=False)
    information = forms.CharField(label="Information", widget=forms.Textarea, required=False)
    upload = forms.FileField(label="Fichier", required=False)
    photo = forms.FileField(label="Photo", widget=forms.FileInput(attrs={"accept": "image/*"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mark_required()


class DjangoForm(SampleForm):
    """The same form with Django's own BoundField (widgets through the template engine)."""

    bound_field_class = BoundField


TYPED = {
    "version": "2",
    "city": 'Paris <"x">',
    "mobile": "12",
    "level": "5e",
    "levels": ["6e", "5e"],
    "born": "2015-02-31",
    "rights": "peut-être",
    "guardian": "on",
    "information": "<script>",
}
CASES = [{}, TYPED, {**TYPED, "city": "Vanve", "mobile": "0612345678", "born": "2015-03-14", "rights": "oui"}]


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def _forms(data):
    if not data:
        initial = {"version": 3, "level": "adulte", "born": "2015-03-14", "guardian": True}
        return SampleForm(initial=initial), DjangoForm(initial=initial)
    ours, django = SampleForm(data), DjangoForm(data)
    ours.is_valid(), django.is_valid()
    return ours, django


def _lines(html) -> str:
    # Django's select_option.html ends with a newline: a blank line after each option, which
    # the browser ignores and the Python writer leaves out.
    return re.sub(r"\n+", "\n", str(html))


@pytest.mark.parametrize("data", CASES, ids=["unbound", "errors", "valid"])
def test_widgets_are_written_as_django_writes_them(data):
    ours, django = _forms(data)
    for name in ours.fields:
        for attrs in (None, {"class": "form-control is-invalid"}):
            assert _lines(ours[name].as_widget(attrs=attrs)) == _lines(django[name].as_widget(attrs=attrs)), (
                name
            )
        assert _lines(ours[name]) == _lines(django[name]), name


def test_a_typed_value_is_kept_escaped_with_its_error_next_to_the_field():
    form = SampleForm(TYPED)
    assert not form.is_valid()
    html = str(form["city"].as_bootstrap())
    assert 'value="Paris &lt;&quot;x&quot;&gt;"' in html
    assert re.search(r'class="mb-3 (required-field has-error|has-error required-field)"', html)
    assert (
        '<label for="id_city" class="form-label requiredField">Ville <span class="required-marker">(obligatoire)</span></label>'
        in html
    )
    assert (
        'class="form-control is-invalid" required aria-invalid="true" aria-describedby="id_city_error" id="id_city">'
        in html
    )
    assert (
        '<div id="id_city_error" class="invalid-feedback">\n<p id="error_1_id_city"><strong>Assurez-vous que '
        "cette valeur comporte au plus 5 caractères (actuellement 11).</strong></p>\n</div>"
    ) in html


def test_help_text_and_error_are_both_described():
    form = SampleForm(TYPED)
    form.is_valid()
    html = str(form["mobile"].as_bootstrap())
    assert 'aria-describedby="id_mobile_helptext id_mobile_error"' in html
    assert '<div id="id_mobile_helptext" class="form-text">10 chiffres</div>' in html
    assert "commence par 06 ou 07" in html


def test_a_select_keeps_the_typed_choice():
    form = SampleForm(TYPED)
    form.is_valid()
    assert str(form["level"].as_bootstrap()) == (
        '<div id="div_id_level" class="mb-3 required-field">\n\n'
        '<label for="id_level" class="form-label requiredField">Niveau <span class="required-marker">(obligatoire)</span></label>\n'
        '<select name="level" class="form-select" required id="id_level">\n'
        '  <option value="">Choisissez</option>\n'
        '  <optgroup label="Collège">\n'
        '  <option value="6e">6e</option>\n'
        '  <option value="5e" selected>5e &lt;b&gt;</option>\n'
        "  </optgroup>\n"
        '  <option value="adulte">Adulte</option>\n'
        "</select>\n\n\n\n\n</div>\n"
    )


def test_radios_are_a_fieldset_described_by_help_and_error_shown_after_the_last_choice():
    form = SampleForm(TYPED)
    form.is_valid()
    html = str(form["rights"].as_bootstrap())
    assert '<fieldset aria-describedby="id_rights_helptext id_rights_error">' in html
    assert (
        '<legend class="form-label requiredField fs-6">Droit <span class="required-marker">(obligatoire)</span></legend>'
        in html
    )
    assert html.index('id="id_rights_1"') < html.index('id="id_rights_error"')
    assert (
        'class="form-check-input is-invalid" name="rights" value="non" id="id_rights_1" required aria-invalid="true">'
        in html
    )
    assert '<label for="id_rights_1" class="form-check-label">Non</label>' in html


def test_a_checkbox_is_checked_as_typed():
    form = SampleForm(TYPED)
    form.is_valid()
    assert str(form["guardian"].as_bootstrap()) == (
        '<div class="mb-3">\n<div id="div_id_guardian" class="form-check">\n'
        '<input type="checkbox" name="guardian" class="form-check-input" id="id_guardian" checked>\n'
        '<label for="id_guardian" class="form-check-label">Utiliser</label>\n\n\n\n</div>\n</div>\n'
    )


def test_other_widgets_still_go_through_django():
    form = SampleForm(TYPED)
    form.is_valid()
    html = str(form["information"].as_bootstrap())
    assert (
        '<textarea name="information" cols="40" rows="10" class="form-control" id="id_information">\n&lt;script&gt;</textarea>'
        in html
    )


class ChoicesForm(forms.Form):
    courses = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[(1, "Piano"), (2, 'Chœur <"enfants">')],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    rights = forms.ChoiceField(choices=[("oui", "Oui"), ("<non>", "Non")], widget=forms.RadioSelect)


@pytest.mark.parametrize("data", [None, {"courses": ["2"], "rights": "<non>"}], ids=["unbound", "bound"])
def test_a_choice_checkbox_is_written_as_django_writes_it(data):
    form = ChoicesForm(data)
    for name in form.fields:
        for choice in form[name]:
            assert choice_tag(choice) == choice.tag()
    ticked = str(choice_tag(list(form["courses"])[1]))
    assert ticked.endswith(' id="id_courses_1" checked>') is bool(data)


@pytest.mark.parametrize(
    "data, auto_id, ticked",
    [
        (None, "id_%s", 0),
        ({"courses": ["1", "2"], "rights": "<non>"}, "id_%s", 2),
        ({"courses": ["3"], "rights": "peut-être"}, "id_%s", 0),  # invalid: aria-invalid on each
        ({"courses": ["2"]}, False, 1),
    ],
    ids=["unbound", "both ticked", "errors", "no ids"],
)
def test_choices_written_from_the_options_are_django_s_tags(data, auto_id, ticked):
    form = ChoicesForm(data, auto_id=auto_id)
    if data:
        form.is_valid()
    for name in form.fields:
        options = choice_options(form[name])
        assert [choice_input(form[name], value, attrs) for value, _label, attrs in options] == [
            choice.tag() for choice in form[name]
        ], name
        assert [attrs.get("id") for _value, _label, attrs in options] == [
            choice.id_for_label or None for choice in form[name]
        ], name
    courses = [
        str(choice_input(form["courses"], value, attrs))
        for value, _, attrs in choice_options(form["courses"])
    ]
    assert sum(tag.endswith(" checked>") for tag in courses) == ticked


class _DjangoRadioSelect(forms.RadioSelect):
    """A subclass: fieldhtml reads its options through Django's BoundField iteration."""


class RadiosForm(forms.Form):
    bound_field_class = BootstrapBoundField

    rights = forms.ChoiceField(
        label="Droit",
        choices=[("oui", "Oui"), ("<non>", "Non & co")],
        widget=forms.RadioSelect,
        help_text="x",
    )
    means = forms.TypedChoiceField(
        label="Moyen",
        coerce=int,
        choices=[(1, "Chèque"), (2, "Carte")],
        widget=forms.RadioSelect(attrs={"data-x": "1"}),
    )


class DjangoRadiosForm(RadiosForm):
    rights = forms.ChoiceField(
        label="Droit",
        choices=[("oui", "Oui"), ("<non>", "Non & co")],
        widget=_DjangoRadioSelect,
        help_text="x",
    )
    means = forms.TypedChoiceField(
        label="Moyen",
        coerce=int,
        choices=[(1, "Chèque"), (2, "Carte")],
        widget=_DjangoRadioSelect(attrs={"data-x": "1"}),
    )


@pytest.mark.parametrize(
    "data, auto_id",
    [
        (None, "id_%s"),
        ({"rights": "<non>", "means": "2"}, "id_%s"),
        ({"rights": "peut-être"}, "id_%s"),
        (None, False),
    ],
)
def test_radios_are_written_as_django_iterates_them(data, auto_id):
    ours, django = RadiosForm(data, auto_id=auto_id), DjangoRadiosForm(data, auto_id=auto_id)
    if data:
        ours.is_valid(), django.is_valid()
    for name in ours.fields:
        assert ours[name].as_bootstrap() == django[name].as_bootstrap(), name


class FrozenForm(SampleForm):
    """The same form with its choices built once (FrozenChoices), as the reference lists are."""

    level = forms.ChoiceField(label="Niveau", choices=FrozenChoices(LEVELS))
    levels = forms.MultipleChoiceField(label="Niveaux", choices=FrozenChoices(LEVELS[1:]), required=False)


@pytest.mark.parametrize("data", CASES, ids=["unbound", "errors", "valid"])
def test_frozen_choices_are_written_and_checked_as_a_list_of_choices(data):
    initial = {"version": 3, "level": "adulte", "born": "2015-03-14", "guardian": True}
    listed, frozen = (
        (SampleForm(data), FrozenForm(data))
        if data
        else (SampleForm(initial=initial), FrozenForm(initial=initial))
    )
    if data:
        assert listed.is_valid() == frozen.is_valid()
        assert listed.errors == frozen.errors
    for name in ("level", "levels"):
        assert frozen[name].as_bootstrap() == listed[name].as_bootstrap()
        assert str(frozen[name]) == str(listed[name])


def test_frozen_choices_are_shared_by_every_form_not_copied():
    first, second = FrozenForm(), FrozenForm()
    assert first.fields["level"] is not second.fields["level"]
    assert (
        first.fields["level"].choices
        is second.fields["level"].choices
        is FrozenForm.base_fields["level"].choices
    )
    assert first.fields["level"].widget.choices is FrozenForm.base_fields["level"].choices


def test_the_same_reference_rows_give_the_same_choices_and_new_rows_new_ones():
    first, second = (
        forms.ModelChoiceField(queryset=Civility.objects.none(), empty_label="Choisissez") for _ in "ab"
    )
    rows = [(1, "mme", "Madame"), (2, "m", "Monsieur")]
    set_reference_choices(first, rows)
    set_reference_choices(second, list(rows))
    assert first.choices is second.choices
    assert list(first.choices) == [("", "Choisissez"), (1, "Madame"), (2, "Monsieur")]
    set_reference_choices(second, [*rows, (3, "x", "Mx")])
    assert list(second.choices)[-1] == (3, "Mx") and first.choices is not second.choices


def test_frozen_options_are_written_once_per_language_and_value():
    class Situation(forms.Form):
        bound_field_class = BootstrapBoundField
        situation = forms.ChoiceField(
            label="Situation", choices=FrozenChoices([("", gettext_lazy("Non renseignée")), ("a", "A")])
        )

    french = Situation(initial={"situation": "a"})["situation"].as_bootstrap()
    assert '<option value="a" selected>A</option>' in french and "Non renseignée" in french
    assert Situation(initial={"situation": ""})["situation"].as_bootstrap() != french
    assert Situation(initial={"situation": "a"})["situation"].as_bootstrap() == french
    with translation.override("en"):
        english = Situation(initial={"situation": "a"})["situation"].as_bootstrap()
    assert "Non renseignée" not in english and "Not specified" in english
