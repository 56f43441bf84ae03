"""Show how a site's re-enrolment is going: dossiers per state, completeness, places per course."""

from collections import Counter

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from extranet.base.dates import short_datetime
from extranet.base.management.sites import add_site_argument, site_from_option
from reenrolment.management.base import get_season, window_of
from reenrolment.models import Reenrolment
from reenrolment.selectors import course_statuses, students_expected, window_phase

PHASES = {
    "open": gettext_lazy("période ouverte"),
    "upcoming": gettext_lazy("période à venir"),
    "closed": gettext_lazy("période close"),
    "none": gettext_lazy("aucune période"),
}


class Command(BaseCommand):
    help = (
        "Affiche l'avancement de la réinscription d'un site : dossiers par état, complets ou non, élèves "
        "sans demande envoyée, dossiers par pôle, et par cours les places, places prises, restantes et la "
        "liste d'attente. Ne modifie rien."
    )

    def add_arguments(self, parser):
        add_site_argument(parser)
        parser.add_argument(
            "--season",
            help=gettext("Saison de la période (défaut : la période ouverte, à venir ou la dernière)."),
        )

    def handle(self, *args, **options):
        site = site_from_option(options["site"])
        season = get_season(options["season"]) if options["season"] else None
        window = window_of(site, season)
        out = self.stdout.write
        out(
            gettext(
                "%(site)s – saison %(season)s : %(phase)s (du %(opens)s au %(closes)s, heure de Paris, "
                "maintenant %(now)s)."
            )
            % {
                "site": site.name,
                "season": window.season.label,
                "phase": PHASES[window_phase(window)],
                "opens": short_datetime(window.opens_at),
                "closes": short_datetime(window.closes_at),
                "now": short_datetime(timezone.now()),
            }
        )
        dossiers = list(
            Reenrolment.objects.filter(window=window).prefetch_related("choices__course__pole").order_by("pk")
        )
        by_state = Counter(d.state for d in dossiers)
        out(gettext("Dossiers : %(count)d") % {"count": len(dossiers)})
        for state, label in Reenrolment.State.choices:
            out("  " + gettext("%(state)s : %(count)d") % {"state": label, "count": by_state.get(state, 0)})
        sent = [d for d in dossiers if d.state in {"submitted", "validated", "waitlisted"}]
        complete = sum(1 for d in sent if d.complete_at is not None)
        out(
            gettext("Dossiers envoyés complets : %(complete)d · incomplets : %(incomplete)d")
            % {"complete": complete, "incomplete": len(sent) - complete}
        )
        with_dossier = {d.student_id for d in dossiers if d.state != Reenrolment.State.DRAFT}
        expected = students_expected(site).values_list("pk", flat=True)
        out(
            gettext("Élèves attendus sans demande envoyée : %(count)d")
            % {"count": sum(1 for pk in expected if pk not in with_dossier)}
        )

        out(gettext("Par pôle :"))
        per_pole: dict[str, Counter] = {}
        without_course = gettext("(sans cours)")
        for dossier in dossiers:
            poles = {choice.course.pole.name for choice in dossier.choices.all()} or {without_course}
            for pole in poles:
                per_pole.setdefault(pole, Counter())[dossier.get_state_display()] += 1
        if not per_pole:
            out("  " + gettext("aucun dossier"))
        for pole in sorted(per_pole):
            counts = per_pole[pole]
            total = sum(counts.values())
            out(
                "  "
                + gettext("%(pole)s : %(dossiers)s (%(detail)s)")
                % {
                    "pole": pole,
                    "dossiers": ngettext("%(count)d dossier", "%(count)d dossiers", total) % {"count": total},
                    "detail": ", ".join(f"{label} {n}" for label, n in sorted(counts.items())),
                }
            )

        out(gettext("Par cours (places · prises · restantes · liste d'attente · demandes à traiter) :"))
        statuses = course_statuses(window)
        if not statuses:
            out("  " + gettext("aucun cours pour cette saison"))
        for status in statuses:
            course = status.course
            out(
                "  "
                + gettext(
                    "%(pole)s · %(course)s : %(capacity)d · %(taken)d · %(left)d · %(waitlisted)d · %(pending)d"
                )
                % {
                    "pole": course.pole.name,
                    "course": course.name,
                    "capacity": course.capacity,
                    "taken": status.seats_taken,
                    "left": status.seats_left,
                    "waitlisted": status.waitlisted,
                    "pending": status.pending,
                }
            )
        full = sum(1 for s in statuses if s.seats_left == 0)
        out(
            gettext("Résumé : %(dossiers)s, %(courses)s dont %(full)s.")
            % {
                "dossiers": ngettext("%(count)d dossier", "%(count)d dossiers", len(dossiers))
                % {"count": len(dossiers)},
                "courses": ngettext("%(count)d cours", "%(count)d cours", len(statuses))
                % {"count": len(statuses)},
                "full": ngettext("%(count)d complet", "%(count)d complets", full) % {"count": full},
            }
        )
