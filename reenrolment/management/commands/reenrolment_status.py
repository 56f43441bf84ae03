"""Show how a site's re-enrolment is going: dossiers per state, completeness, places per course."""

from collections import Counter

from django.core.management.base import BaseCommand
from django.utils import timezone

from reenrolment.management.base import get_season, get_site, local, window_of
from reenrolment.models import Reenrolment
from reenrolment.selectors import course_statuses, students_expected, window_phase

PHASES = {"open": "ouverte", "upcoming": "à venir", "closed": "close", "none": "aucune"}


class Command(BaseCommand):
    help = (
        "Affiche l'avancement de la réinscription d'un site : dossiers par état, complets ou non, élèves "
        "sans demande envoyée, dossiers par pôle, et par cours les places, places prises, restantes et la "
        "liste d'attente. Ne modifie rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help="Identifiant court (slug) ou nom du site.")
        parser.add_argument(
            "--season", help="Saison de la période (défaut : la période ouverte, à venir ou la dernière)."
        )

    def handle(self, *args, **options):
        site = get_site(options["site"])
        season = get_season(options["season"]) if options["season"] else None
        window = window_of(site, season)
        out = self.stdout.write
        out(
            f"{site.name} – saison {window.season.label} : période {PHASES[window_phase(window)]} "
            f"(du {local(window.opens_at)} au {local(window.closes_at)}, heure de Paris, "
            f"maintenant {local(timezone.now())})."
        )
        dossiers = list(
            Reenrolment.objects.filter(window=window).prefetch_related("choices__course__pole").order_by("pk")
        )
        by_state = Counter(d.state for d in dossiers)
        out(f"Dossiers : {len(dossiers)}")
        for state, label in Reenrolment.State.choices:
            out(f"  {label} : {by_state.get(state, 0)}")
        sent = [d for d in dossiers if d.state in {"submitted", "validated", "waitlisted"}]
        complete = sum(1 for d in sent if d.complete_at is not None)
        out(f"Dossiers envoyés complets : {complete} · incomplets : {len(sent) - complete}")
        with_dossier = {d.student_id for d in dossiers if d.state != Reenrolment.State.DRAFT}
        expected = students_expected(site).values_list("pk", flat=True)
        out(f"Élèves attendus sans demande envoyée : {sum(1 for pk in expected if pk not in with_dossier)}")

        out("Par pôle :")
        per_pole: dict[str, Counter] = {}
        for dossier in dossiers:
            poles = {choice.course.pole.name for choice in dossier.choices.all()} or {"(sans cours)"}
            for pole in poles:
                per_pole.setdefault(pole, Counter())[dossier.get_state_display()] += 1
        if not per_pole:
            out("  aucun dossier")
        for pole in sorted(per_pole):
            counts = per_pole[pole]
            detail = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
            out(f"  {pole} : {sum(counts.values())} dossier(s) ({detail})")

        out("Par cours (places · prises · restantes · liste d'attente · demandes à traiter) :")
        statuses = course_statuses(window)
        if not statuses:
            out("  aucun cours pour cette saison")
        for status in statuses:
            course = status.course
            out(
                f"  {course.pole.name} · {course.name} : {course.capacity} · {status.seats_taken} · "
                f"{status.seats_left} · {status.waitlisted} · {status.pending}"
            )
        full = sum(1 for s in statuses if s.seats_left == 0)
        out(f"Résumé : {len(dossiers)} dossier(s), {len(statuses)} cours dont {full} complet(s).")
