"""Forms of the paying pages: the mandate (holder, IBAN, BIC when needed), revoke, pay online."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.payment_models import DebitReject
from extranet.base.forms import PortalFormMixin


class MandateForm(PortalFormMixin, forms.Form):
    """The account to debit. The checks (schwifty) run in the service, whose French message
    lands next to the field; the typed values stay in the form."""

    holder_name = forms.CharField(
        label=_("Titulaire du compte"),
        max_length=70,
        help_text=_("Nom et prénom tels qu'ils figurent sur votre RIB."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=50,
        help_text=_("Recopiez-le depuis votre RIB, par exemple FR76 3000 6000 0112 3456 7890 189."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
    )
    bic = forms.CharField(
        label=_("BIC"),
        max_length=11,
        required=False,
        help_text=_("Seulement si nous ne pouvons pas le déduire de l'IBAN : il figure sur votre RIB."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    accept = forms.BooleanField(
        label=_(
            "J'autorise le conservatoire à envoyer des instructions à ma banque pour débiter mon compte, "
            "conformément à l'échéancier de mes factures."
        ),
    )

    def __init__(self, *args, ask_bic: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.ask_bic = ask_bic
        if not ask_bic:
            self.fields["bic"].widget = forms.HiddenInput()
        self.mark_required()


class RevokeMandateForm(PortalFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("Je révoque ce mandat : plus aucune échéance ne sera prélevée avec lui."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mark_required()


class PayOnlineForm(PortalFormMixin, forms.Form):
    instalments = forms.MultipleChoiceField(
        label=_("Échéances à payer"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins une échéance à payer.")},
    )

    def __init__(self, *args, instalments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instalments"].choices = [
            (
                str(instalment.pk),
                _("Facture %(number)s, échéance %(rank)s du %(date)s : %(amount)s €")
                % {
                    "number": instalment.invoice.number,
                    "rank": instalment.rank,
                    "date": instalment.due_on.strftime("%d/%m/%Y"),
                    "amount": f"{instalment.outstanding:.2f}".replace(".", ","),
                },
            )
            for instalment in instalments
        ]
        self.mark_required()


class IbanRevealForm(forms.Form):
    """Admin: why a staff member needs to read a full IBAN."""

    reason = forms.CharField(
        label=_("Motif de la consultation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Enregistré avec votre nom et l'heure, consultable par la direction (RGPD)."),
    )


class RejectForm(forms.Form):
    """Admin: a returned debit's reason code."""

    reason = forms.ChoiceField(label=_("Code motif"))
    returned_on = forms.DateField(label=_("Retourné le"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Remarque"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = DebitReject.Reason.choices
