"""The columns of the old software's CSV export, written once: the import reads them, its
command's help lists them, its tests and its bench write them. No Django import, so that the
bench (a plain script) can read them too."""

from __future__ import annotations

# (columns, what goes in them): the text of ``manage.py import_families --help``.
COLUMN_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("reference_famille",), "référence de la famille dans l'ancien logiciel"),
    (("nom_famille",), "nom du foyer (par défaut : nom du payeur en majuscules)"),
    (("type",), "responsable ou eleve"),
    (("civilite",), "Mme, M., Mlle (ou Madame, Monsieur, Mademoiselle)"),
    (("nom", "prenom"), ""),
    (("date_naissance",), "JJ/MM/AAAA, obligatoire pour un élève"),
    (("lieu_naissance",), "élèves"),
    (("email",), "un responsable sans e-mail ne reçoit pas ses accès"),
    (
        ("telephone_domicile", "telephone_portable", "telephone_professionnel"),
        "10 chiffres (espaces, points, +33 acceptés) ; le portable d'un\nresponsable sert aux SMS : 06 ou 07",
    ),
    (("adresse", "code_postal", "ville"), "code postal à 5 chiffres"),
    (
        ("profession", "categorie_socioprofessionnelle"),
        "responsables ; catégorie : code INSEE (34) ou libellé",
    ),
    (("lien",), "responsables : mère, père, tuteur, élève majeur, autre"),
    (
        ("payeur",),
        "responsables : oui ou non ; un seul payeur par famille (à défaut, le\npayeur déjà enregistré, "
        "ou le premier responsable d'une nouvelle famille)",
    ),
    (
        ("identifiant",),
        "responsables : identifiant de connexion ; vide, il est créé sous la\nforme prenom.nom "
        "(minuscules sans accents, suivi de 2, 3… s'il existe)",
    ),
    (
        ("mode_paiement",),
        "famille : code ou libellé (direct_debit, cheque, holiday_vouchers,\npass_culture, card, "
        "ou Prélèvement bancaire, Chèque…)",
    ),
    (("echeances",), "famille : 1, 3 ou 8"),
)
COLUMNS = tuple(name for names, _help in COLUMN_GROUPS for name in names)
REQUIRED_COLUMNS = ("reference_famille", "type", "nom", "prenom")

_HELP_COLUMN_WIDTH = 22


def columns_help() -> str:
    """One entry per group: the columns (* required), then what goes in them, aligned."""
    lines = []
    for names, text in COLUMN_GROUPS:
        title = ", ".join(f"{name} *" if name in REQUIRED_COLUMNS else name for name in names)
        help_lines = text.split("\n") if text else []
        if help_lines and len(title) < _HELP_COLUMN_WIDTH:
            lines.append(f"  {title.ljust(_HELP_COLUMN_WIDTH)}{help_lines.pop(0)}".rstrip())
        else:
            lines.append(f"  {title}")
        lines.extend(" " * (_HELP_COLUMN_WIDTH + 2) + line for line in help_lines)
    return "\n".join(lines)
