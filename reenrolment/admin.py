"""The secretariat's side of re-enrolment: windows, dossiers and their decisions, places per course."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from extranet.base.admin import (
    ChangeRecordInline,
    LongListAdminMixin,
    ReadOnlyAdminMixin,
    ServiceAdminMixin,
    SiteScopedAdminMixin,
    run_bulk_action,
)
from extranet.base.dates import short_datetime
from extranet.base.errors import show_domain_error
from extranet.base.exports import export_csv_action
from extranet.base.models import Pole, Season
from extranet.base.scoping import scope_to_staff
from extranet.base.search import search_by_field
from reenrolment import selectors, services
from reenrolment.forms import DecisionReasonForm
from reenrolment.models import (
    NextSeasonCourse,
    Reenrolment,
    ReenrolmentChoice,
    ReenrolmentStateChange,
    ReenrolmentWindow,
)
from students.models import Course, Enrolment

QUEUE_ORDER = selectors.queue_order()


class ReenrolmentWindowForm(forms.ModelForm):
    """The window's page refuses what open_window / close_window would, next to the field."""

    class Meta:
        model = ReenrolmentWindow
        fields = ["site", "season", "opens_at", "closes_at"]

    def clean(self):
        cleaned = super().clean()
        site, season = cleaned.get("site"), cleaned.get("season")
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        try:
            if self.instance.pk is None and site and season and opens_at and closes_at:
                services.check_new_window(site=site, season=season, opens_at=opens_at, closes_at=closes_at)
            elif self.instance.pk is not None and closes_at and "closes_at" in self.changed_data:
                services.check_closing(window=self.instance, closes_at=closes_at)
        except services.WindowError as error:
            show_domain_error(error, form=self)
        return cleaned


@admin.register(ReenrolmentWindow)
class ReenrolmentWindowAdmin(ServiceAdminMixin, SiteScopedAdminMixin, admin.ModelAdmin):
    """Opening a window is open_window, moving its closing is close_window: the same locks and
    checks as the ops commands, and a change record naming the staff member."""

    form = ReenrolmentWindowForm
    list_display = ["site", "season", "opens_at", "closes_at", "is_open_now"]
    list_filter = ["site", "season"]
    inlines = [ChangeRecordInline]

    def get_readonly_fields(self, request, obj=None):
        # Once created, a window only moves its closing (close_window); its dossiers stay on it.
        return ["site", "season", "opens_at"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            if "closes_at" in form.changed_data:
                services.close_window(window=obj, at=obj.closes_at, actor=request.user)
            return
        window = services.open_window(
            site=obj.site,
            season=obj.season,
            opens_at=obj.opens_at,
            closes_at=obj.closes_at,
            actor=request.user,
        )
        obj.pk = window.pk
        obj._state.adding = False

    @admin.display(boolean=True, description=gettext_lazy("ouverte"))
    def is_open_now(self, window):
        return window.is_open()


class ChoiceInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = ReenrolmentChoice
    extra = 0
    fields = ["course", "pole", "kind", "state", "waitlist_position", "from_enrolment"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("course__pole", "from_enrolment__course")

    @admin.display(description=gettext_lazy("pôle"))
    def pole(self, choice):
        return choice.course.pole


class HistoryInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = ReenrolmentStateChange
    extra = 0
    fields = ["at", "change", "actor", "reason"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("historique (qui, quand, pourquoi)")

    @admin.display(description=gettext_lazy("changement"))
    def change(self, obj):
        # "brouillon → en attente de validation": the states as the secretariat says them.
        states = dict(Reenrolment.State.choices)
        return (
            f"{states.get(obj.old_state, obj.old_state or '—')} → {states.get(obj.new_state, obj.new_state)}"
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class CompletenessFilter(admin.SimpleListFilter):
    title = gettext_lazy("dossier complet")
    parameter_name = "complet"

    def lookups(self, request, model_admin):
        return [("oui", _("complet")), ("non", _("incomplet"))]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(complete_at__isnull=False)
        if self.value() == "non":
            return queryset.filter(complete_at__isnull=True)
        return queryset


class PoleFilter(admin.SimpleListFilter):
    title = gettext_lazy("pôle")
    parameter_name = "pole"

    def lookups(self, request, model_admin):
        poles = scope_to_staff(Pole.objects.select_related("site"), request.user)
        return [(pole.pk, f"{pole.site.name} – {pole.name}") for pole in poles]

    def queryset(self, request, queryset):
        if self.value():
            # A semi-join, not a DISTINCT over the whole list joined to its choices.
            asked = ReenrolmentChoice.objects.filter(reenrolment=OuterRef("pk"), course__pole_id=self.value())
            return queryset.filter(Exists(asked))
        return queryset


class CourseFilter(admin.SimpleListFilter):
    title = gettext_lazy("cours demandé")
    parameter_name = "cours"

    def lookups(self, request, model_admin):
        # The courses some dossier asks for, each looked up in the choices' course index: a
        # DISTINCT over the join sorted every choice of the rush (2 s at 38,000 dossiers).
        asked = ReenrolmentChoice.objects.filter(course=OuterRef("pk"))
        courses = scope_to_staff(Course.objects.filter(Exists(asked)).with_names(), request.user)
        return [
            (course.pk, f"{course.name} ({course.pole.name}, {course.season.label})") for course in courses
        ]

    def queryset(self, request, queryset):
        if self.value():
            asked = ReenrolmentChoice.objects.filter(reenrolment=OuterRef("pk"), course_id=self.value())
            return queryset.filter(Exists(asked))
        return queryset


DECISIONS = {
    "validate": pgettext_lazy("staff decision", "Valider"),
    "waitlist": gettext_lazy("Mettre en liste d'attente"),
    "refuse": gettext_lazy("Refuser"),
    "withdraw": gettext_lazy("Retirer (à la demande de la famille)"),
}


def _courses_asked(dossier) -> list[str]:
    return [choice.course.name for choice in dossier.choices.all()]


def _waitlist_positions(dossier) -> list[str]:
    return [
        f"{choice.course.name} ({_('attente n° %(rank)s') % {'rank': choice.waitlist_position}})"
        for choice in dossier.choices.all()
        if choice.state == ReenrolmentChoice.State.WAITLISTED and choice.waitlist_position is not None
    ]


export_reenrolments = export_csv_action(
    [
        "student",
        "student__family",
        "window__site",
        "window__season",
        "state",
        "administrative",
        "submitted_at",
        "complete_at",
        (gettext_lazy("cours demandés"), _courses_asked),
        (gettext_lazy("rang en liste d'attente"), _waitlist_positions),
        "information",
        "house_rules_version",
    ],
    filename="reinscriptions",
    prefetch_related=["choices__course"],
)


@admin.register(Reenrolment)
class ReenrolmentAdmin(LongListAdminMixin, SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "student_name",
        "family_name",
        "site_name",
        "poles",
        "courses",
        "state",
        "is_complete",
        "complete_at",
        "submitted_at",
    ]
    list_filter = [
        "window__site",
        PoleFilter,
        CourseFilter,
        "state",
        CompletenessFilter,
        "administrative",
        "window__season",
    ]
    search_fields = [
        "student__last_name",
        "student__first_name",
        "student__family__name",
        "student__family__guardians__last_name",
        "student__family__guardians__first_name",
    ]
    list_select_related = ["student__family", "window__site", "window__season"]
    date_hierarchy = "submitted_at"
    actions = ["validate_selected", "waitlist_selected", "refuse_selected", export_reenrolments]
    inlines = [ChoiceInline, HistoryInline]
    change_form_template = "admin/reenrolment/reenrolment/change_form.html"
    readonly_fields = [
        "student",
        "window",
        "state",
        "administrative",
        "information",
        "house_rules_version",
        "house_rules_accepted_at",
        "submitted_at",
        "submitted_by",
        "complete_at",
        "decided_at",
        "refusal_reason",
    ]
    # The dossier's version (optimistic locking) is internal: never shown.
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("choices__course__pole").order_by(*QUEUE_ORDER)

    def get_ordering(self, request):
        return QUEUE_ORDER

    def get_search_results(self, request, queryset, search_term):
        # One indexed query per field, ids put together (extranet.base.search): no DISTINCT over
        # the joins to the guardians.
        return search_by_field(queryset, search_term, self.get_search_fields(request)), False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("élève"), ordering="student__last_name")
    def student_name(self, dossier):
        return str(dossier.student)

    @admin.display(description=gettext_lazy("famille"), ordering="student__family__name")
    def family_name(self, dossier):
        return dossier.student.family.name

    @admin.display(description=gettext_lazy("site"), ordering="window__site__name")
    def site_name(self, dossier):
        return dossier.window.site.name

    @admin.display(description=gettext_lazy("pôle"))
    def poles(self, dossier):
        return ", ".join(sorted({choice.course.pole.name for choice in dossier.choices.all()})) or "—"

    @admin.display(description=gettext_lazy("cours demandés"))
    def courses(self, dossier):
        items = []
        for choice in dossier.choices.all():
            if choice.state == ReenrolmentChoice.State.WAITLISTED:
                status = _("attente n° %(rank)s") % {"rank": choice.waitlist_position}
            else:
                status = choice.get_state_display()
            items.append((choice.course.name, status))
        if not items:
            return _("aucun (administrative)") if dossier.administrative else "—"
        return format_html_join(mark_safe("<br>"), "{} ({})", items)  # noqa: S308

    @admin.display(boolean=True, description=gettext_lazy("complet"), ordering="complete_at")
    def is_complete(self, dossier):
        return dossier.complete_at is not None

    # ----------------------------------------------------------------- decisions

    def get_urls(self):
        urls = super().get_urls()
        custom = [
            path(
                "<int:object_id>/decision/<str:decision>/",
                self.admin_site.admin_view(self.decision_view),
                name="reenrolment_reenrolment_decision",
            ),
        ]
        return custom + urls

    def _apply(self, request, dossiers, decision: str, reason: str = "") -> None:
        """Apply one decision to dossiers in queue order; report what was done and what was refused."""
        writes = {
            "validate": lambda dossier: services.validate_reenrolment(
                reenrolment=dossier, actor=request.user
            ),
            "waitlist": lambda dossier: services.waitlist_reenrolment(
                reenrolment=dossier, actor=request.user, reason=reason
            ),
            "refuse": lambda dossier: services.refuse_reenrolment(
                reenrolment=dossier, actor=request.user, reason=reason
            ),
            "withdraw": lambda dossier: services.withdraw_reenrolment(
                reenrolment=dossier, actor=request.user, by_family=False, reason=reason
            ),
        }
        run_bulk_action(
            request,
            dossiers,
            writes[decision],
            name=lambda dossier: str(dossier.student),
            done_message=lambda done: (
                ngettext(
                    "%(decision)s : %(count)s dossier traité, famille prévenue par e-mail.",
                    "%(decision)s : %(count)s dossiers traités, familles prévenues par e-mail.",
                    done,
                )
                % {"decision": DECISIONS[decision], "count": done}
            ),
        )

    def _queue(self, queryset):
        return list(queryset.order_by(*QUEUE_ORDER).select_related("student"))

    @admin.action(description=gettext_lazy("Valider les dossiers sélectionnés"), permissions=["change"])
    def validate_selected(self, request, queryset):
        self._apply(request, self._queue(queryset), "validate")

    @admin.action(description=gettext_lazy("Mettre en liste d'attente"), permissions=["change"])
    def waitlist_selected(self, request, queryset):
        self._apply(request, self._queue(queryset), "waitlist")

    @admin.action(description=gettext_lazy("Refuser (avec un motif)"), permissions=["change"])
    def refuse_selected(self, request, queryset):
        form = DecisionReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._apply(request, self._queue(queryset), "refuse", form.cleaned_data["reason"])
            return None
        return self._decision_page(
            request, dossiers=self._queue(queryset), decision="refuse", form=form, bulk=True
        )

    def _decision_page(self, request, *, dossiers, decision, form, bulk):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("%(decision)s : confirmation") % {"decision": DECISIONS[decision]},
            "dossiers": dossiers,
            "decision": decision,
            "decision_label": DECISIONS[decision],
            "form": form,
            "bulk": bulk,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": reverse("admin:reenrolment_reenrolment_changelist"),
        }
        return TemplateResponse(request, "admin/reenrolment/decision.html", context)

    def decision_view(self, request, object_id, decision):
        if decision not in DECISIONS:
            raise PermissionDenied
        dossier = get_object_or_404(self.get_queryset(request).select_related("student"), pk=object_id)
        if not self.has_change_permission(request, dossier):
            raise PermissionDenied
        needs_reason = decision in {"refuse", "withdraw", "waitlist"}
        form = None
        if needs_reason:
            form = DecisionReasonForm(
                request.POST if request.method == "POST" else None, required=decision == "refuse"
            )
        if request.method == "POST" and (form is None or form.is_valid()):
            reason = form.cleaned_data["reason"] if form else ""
            self._apply(request, [dossier], decision, reason)
            return HttpResponseRedirect(reverse("admin:reenrolment_reenrolment_change", args=[dossier.pk]))
        return self._decision_page(request, dossiers=[dossier], decision=decision, form=form, bulk=False)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        # A dossier changes only through decisions (with history and emails), never by editing.
        extra_context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        extra_context["decisions"] = [
            (key, label, reverse("admin:reenrolment_reenrolment_decision", args=[object_id, key]))
            for key, label in DECISIONS.items()
        ]
        return super().change_view(request, object_id, form_url, extra_context)


# --------------------------------------------------------------------------- places per course


class WaitingListInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    """The course's waiting list, in the order in which dossiers became complete, then were sent."""

    model = ReenrolmentChoice
    fk_name = "course"
    extra = 0
    verbose_name = gettext_lazy("demande en liste d'attente")
    verbose_name_plural = gettext_lazy("liste d'attente (ordre des dossiers complets, puis d'envoi)")
    fields = ["waitlist_position", "dossier", "family", "complete_at", "submitted_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(state=ReenrolmentChoice.State.WAITLISTED)
            .select_related("reenrolment__student__family")
            .order_by("waitlist_position")
        )

    @admin.display(description=gettext_lazy("dossier"))
    def dossier(self, choice):
        url = reverse("admin:reenrolment_reenrolment_change", args=[choice.reenrolment_id])
        return format_html('<a href="{}">{}</a>', url, choice.reenrolment.student)

    @admin.display(description=gettext_lazy("famille"))
    def family(self, choice):
        return choice.reenrolment.student.family.name

    @admin.display(description=gettext_lazy("dossier complet le"))
    def complete_at(self, choice):
        value = choice.reenrolment.complete_at
        return short_datetime(value, seconds=True) if value else _("incomplet")

    @admin.display(description=gettext_lazy("envoyé le"))
    def submitted_at(self, choice):
        value = choice.reenrolment.submitted_at
        return short_datetime(value, seconds=True) if value else "—"


class SeatInline(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = Enrolment
    fk_name = "course"
    extra = 0
    verbose_name = gettext_lazy("place attribuée")
    verbose_name_plural = gettext_lazy("places attribuées")
    fields = ["student", "status", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status=Enrolment.Status.ACTIVE)
            .select_related("student")
            .order_by("created_at", "pk")
        )


@admin.register(NextSeasonCourse)
class NextSeasonCourseAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "pole",
        "category",
        "season",
        "capacity",
        "seats_taken_display",
        "seats_left_display",
        "waitlisted_display",
    ]
    list_filter = [
        ("season", admin.RelatedOnlyFieldListFilter),
        "pole__site",
        ("pole", admin.RelatedOnlyFieldListFilter),
        "category",
    ]
    ordering = ["season", "pole__name", "name"]
    search_fields = ["name", "discipline__name", "teacher_name"]
    list_select_related = ["pole", "season"]
    actions = ["offer_freed_seats"]
    inlines = [WaitingListInline, SeatInline]
    fields = [
        "name",
        "season",
        "pole",
        "discipline",
        "category",
        "continues",
        "capacity",
        "seats_taken_display",
        "seats_left_display",
        "waitlisted_display",
    ]
    readonly_fields = [
        "name",
        "season",
        "pole",
        "discipline",
        "category",
        "continues",
        "seats_taken_display",
        "seats_left_display",
        "waitlisted_display",
    ]

    def get_queryset(self, request):
        seasons = Season.objects.filter(Q(is_next=True) | Q(reenrolment_windows__isnull=False))
        return (
            super()
            .get_queryset(request)
            .filter(season__in=seasons)
            .annotate(
                seats_taken=selectors.seats_taken_subquery(),
                waitlisted=selectors.waitlisted_subquery(),
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("places prises"), ordering="seats_taken")
    def seats_taken_display(self, course):
        return course.seats_taken

    @admin.display(description=gettext_lazy("places libres"))
    def seats_left_display(self, course):
        return max(course.capacity - course.seats_taken, 0)

    @admin.display(description=gettext_lazy("en liste d'attente"), ordering="waitlisted")
    def waitlisted_display(self, course):
        return course.waitlisted

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "capacity" in form.changed_data:
            promoted = services.offer_free_seats(course=obj, actor=request.user)
            if promoted:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)s place libérée proposée à la liste d'attente ; famille prévenue.",
                        "%(count)s places libérées proposées à la liste d'attente ; familles prévenues.",
                        len(promoted),
                    )
                    % {"count": len(promoted)},
                    messages.SUCCESS,
                )

    @admin.action(description=gettext_lazy("Proposer les places libérées"), permissions=["change"])
    def offer_freed_seats(self, request, queryset):
        total = 0
        for course in queryset.order_by("pk"):
            total += len(services.offer_free_seats(course=course, actor=request.user))
        self.message_user(
            request,
            ngettext(
                "%(count)s place attribuée à un élève en liste d'attente ; famille prévenue par e-mail.",
                "%(count)s places attribuées à des élèves en liste d'attente ; familles prévenues par e-mail.",
                total,
            )
            % {"count": total},
            messages.SUCCESS,
        )
