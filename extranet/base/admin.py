"""The secretariat's admin for the portal's shell: sites, seasons, news, logins, outbox, audit."""

from __future__ import annotations

import datetime

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin import utils as admin_utils
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Max, Min, Q
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from extranet.base import admin_icons
from extranet.base.audit import display_value, field_label
from extranet.base.editing import StaleEditError
from extranet.base.emails import resend as resend_emails
from extranet.base.errors import DomainError, show_domain_error
from extranet.base.models import (
    ChangeRecord,
    Civility,
    News,
    OutboundEmail,
    PaymentMeans,
    Pole,
    SchoolLevel,
    Season,
    Site,
    SocioProfessionalCategory,
    User,
)
from extranet.base.scoping import scope_to_staff, site_path, visible_site_ids


class ReadOnlyAdminMixin:
    """For records written by the application only: staff read them, nobody edits them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names the chosen object only when it is among the allowed choices.

    Django's widget prints the object for any id (``?instalment=N`` would show another site's
    invoice number); this one looks it up in the form field's queryset, already cut to the staff
    member's sites.
    """

    queryset = None

    def label_and_url_for_value(self, value):
        if self.queryset is not None:
            key = self.rel.get_related_field().name
            try:
                allowed = self.queryset.filter(**{key: value}).exists()
            except (ValueError, TypeError, ValidationError):
                allowed = False
            if not allowed:
                return "", ""
        return super().label_and_url_for_value(value)


class TolerantListFiltersMixin:
    """A custom list filter given a value it does not offer (``?pole=abc``) filters nothing.

    The admin lets an exception of a ``SimpleListFilter`` through as a 500; here a value outside
    the filter's own choices, or one its query cannot use, leaves the list unfiltered.
    """

    def get_list_filter(self, request):
        return [_tolerant(entry) for entry in super().get_list_filter(request)]


_TOLERANT_FILTERS: dict[type, type] = {}


def _tolerant(entry):
    if not (isinstance(entry, type) and issubclass(entry, admin.SimpleListFilter)):
        return entry
    if getattr(entry, "tolerates_bad_values", False):
        return entry
    if entry not in _TOLERANT_FILTERS:

        def queryset(self, request, queryset):
            value = self.value()
            offered = {str(lookup) for lookup, _title in self.lookup_choices}
            if value not in (None, "") and str(value) not in offered:
                return queryset
            try:
                return super(tolerant, self).queryset(request, queryset)
            except (ValueError, TypeError, ValidationError):
                return queryset

        tolerant = type(entry.__name__, (entry,), {"queryset": queryset, "tolerates_bad_values": True})
        tolerant.__module__ = entry.__module__
        _TOLERANT_FILTERS[entry] = tolerant
    return _TOLERANT_FILTERS[entry]


class SiteScopedAdminMixin(TolerantListFiltersMixin):
    """Staff see and pick only the objects of the sites they manage (``extranet.base.scoping``).

    Lists, change pages (another site's id answers "does not exist"), autocompletes, foreign
    key choices (select, raw id and autocomplete alike, checked again on POST since the form
    field's queryset is the scoped one), the prefill of an add page (``?instalment=N``) and the
    list filters on a site, pôle or family all go through it.
    """

    def get_queryset(self, request):
        return scope_to_staff(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.raw_id_fields:
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and getattr(formfield, "queryset", None) is not None:
            formfield.queryset = scope_to_staff(formfield.queryset, request.user)
            widget = getattr(formfield.widget, "widget", formfield.widget)
            if isinstance(widget, ScopedRawIdWidget):
                widget.queryset = formfield.queryset
        return formfield

    def get_changeform_initial_data(self, request):
        """Prefilled choices (``?family=12``) are kept only when they are among the allowed ones."""
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not (field.is_relation and field.related_model is not None and field.concrete):
                continue
            allowed = scope_to_staff(field.related_model._default_manager.all(), request.user)
            key = field.target_field.name if not field.many_to_many else "pk"
            values = value if isinstance(value, list) else [value]
            try:
                kept = {
                    str(pk) for pk in allowed.filter(**{f"{key}__in": values}).values_list(key, flat=True)
                }
            except (ValueError, TypeError, ValidationError):
                kept = set()
            if field.many_to_many:
                initial[name] = [v for v in values if str(v) in kept]
            elif str(value) not in kept:
                del initial[name]
        return initial

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if formfield is not None and getattr(formfield, "queryset", None) is not None:
            formfield.queryset = scope_to_staff(formfield.queryset, request.user)
        return formfield

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)  # already tolerant of bad values
        if visible_site_ids(request.user) is None:
            return filters
        # A filter on a site (or a pôle, a family…) offers only the values staff may see.
        return [self._scoped_filter(entry) for entry in filters]

    def _scoped_filter(self, entry):
        if isinstance(entry, tuple) and entry[1] is admin.RelatedFieldListFilter:
            path = entry[0]
        elif isinstance(entry, str):
            path = entry
        else:
            return entry
        try:
            field = get_fields_from_path(self.model, path)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return entry
        if field.is_relation and field.related_model is not None and site_path(field.related_model):
            return (path, admin.RelatedOnlyFieldListFilter)
        return entry


class ChangeRecordInline(ReadOnlyAdminMixin, GenericTabularInline):
    """Who changed what on this object, newest first (families' edits from the portal)."""

    model = ChangeRecord
    ct_field = "content_type"
    ct_fk_field = "object_id"
    fields = ("at", "actor", "field_label", "old_value", "new_value")
    readonly_fields = fields
    extra = 0
    max_num = 0
    verbose_name = _("modification")
    verbose_name_plural = _("historique des modifications (qui, quand, avant, après)")
    classes = ("collapse",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor__site").order_by("-at", "-id")


# --- Long lists: thousands of families, guardians, pupils, dossiers ------------------------------


def _period_start(moment: datetime.datetime, kind: str) -> datetime.datetime:
    """The local midnight that starts the day, month or year of ``moment`` (already local)."""
    day = moment.date()
    if kind == "year":
        day = day.replace(month=1, day=1)
    elif kind == "month":
        day = day.replace(day=1)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=moment.tzinfo)


def _next_period(start: datetime.datetime, kind: str) -> datetime.datetime:
    day = start.date()
    if kind == "year":
        day = day.replace(year=day.year + 1)
    elif kind == "month":
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    else:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(), tzinfo=start.tzinfo)


class SkipScanDatesQuerySetMixin:
    """``datetimes(field, kind)`` for the date hierarchy, read through the field's index.

    Django's own answer is ``SELECT DISTINCT DATE_TRUNC(kind, field)`` over every row of the
    list: a scan and a sort of the whole table on each page view (25 ms and more at 20,000
    families). Here the first and last dates come from the index (MIN/MAX), then each next
    period is one ``ORDER BY field LIMIT 1`` probe from the start of the period after the last
    one found: a few indexed lookups, however many rows. Same values as Django's (local
    midnights, in order); beyond ``MAX_PROBES`` periods, Django's query takes over.
    """

    MAX_PROBES = 32  # a month's days

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if kind not in ("year", "month", "day") or order != "ASC":
            return super().datetimes(field_name, kind, order, tzinfo)
        zone = tzinfo or timezone.get_current_timezone()
        values = self.order_by().values_list(field_name, flat=True)
        bounds = values.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        last = bounds["last"]
        found = [_period_start(timezone.localtime(bounds["first"], zone), kind)]
        while True:
            after = _next_period(found[-1], kind)
            if after > last:
                return found
            if len(found) >= self.MAX_PROBES:
                return super().datetimes(field_name, kind, order, tzinfo)
            moment = values.filter(**{f"{field_name}__gte": after}).order_by(field_name).first()
            if moment is None:  # deleted meanwhile
                return found
            found.append(_period_start(timezone.localtime(moment, zone), kind))


_SKIP_SCAN_QUERYSETS: dict[type, type] = {}


def with_skip_scan_dates(queryset):
    """``queryset``, and the querysets made from it, answering ``datetimes()`` by index probes."""
    cls = type(queryset)
    if issubclass(cls, SkipScanDatesQuerySetMixin):
        return queryset
    if cls not in _SKIP_SCAN_QUERYSETS:
        _SKIP_SCAN_QUERYSETS[cls] = type(
            f"SkipScanDates{cls.__name__}", (SkipScanDatesQuerySetMixin, cls), {}
        )
    clone = queryset._chain()
    clone.__class__ = _SKIP_SCAN_QUERYSETS[cls]
    return clone


# --- Long lists' rows: Django's cells, worked out once per column --------------------------------


class _Column:
    """One column of a long list's page: what Django's ``items_for_result`` decides for each of
    the page's cells (the field or callable, the empty value, the classes, the link) decided once,
    so a cell costs its value and its escaping. The HTML is Django's, character for character."""

    def __init__(self, changelist, index, name, *, link: bool, tag: str, empty):
        self.changelist, self.name, self.link, self.tag = changelist, name, link, tag
        self.model_admin = changelist.model_admin
        self.css = f"field-{admin_list._coerce_field_name(name, index)}"
        self.empty = empty  # the admin's empty value, for a value that cannot be looked up
        self.field = self.attr = None
        self.kind = "lookup"  # anything else: django.contrib.admin.utils.lookup_field, per cell
        try:
            self.field = admin_utils._get_non_gfk_field(changelist.lookup_opts, name)
        except (FieldDoesNotExist, admin_utils.FieldIsAForeignKeyColumnName):
            if callable(name):
                self.kind, self.attr = "callable", name
            elif hasattr(self.model_admin, name) and name != "__str__":
                self.kind, self.attr = "callable", getattr(self.model_admin, name)
        else:
            self.kind = "value" if self.field.auto_created else "field"
        if self.kind == "callable":
            self._value_options(self.attr)
        elif self.kind == "field":
            self._field_options(self.field)
        else:
            self._value_options(None)

    def _value_options(self, attr):
        self.value_empty, self.boolean = _display_options(attr, self.empty)
        self.value_css = "action-checkbox" if self.name == "action_checkbox" else self.css

    def _field_options(self, field):
        self.related = isinstance(field.remote_field, models.ManyToOneRel)
        self.choices = None
        if getattr(field, "flatchoices", None):
            try:
                # The labels translated once for the page (each is a lazy text, cast at each row).
                self.choices = {key: _once(label) for key, label in field.flatchoices}
            except TypeError:  # list-like choices: Django's own display, per cell
                self.choices = None
        # Dates and times shown as formats.localize does, the format looked up once for the page.
        self.dates = isinstance(field, models.DateField | models.TimeField) and not getattr(
            field, "flatchoices", None
        )
        self.aware = isinstance(field, models.DateTimeField)
        nowrap = isinstance(field, models.DateField | models.TimeField | models.ForeignKey)
        self.field_class = f' class="{self.css} nowrap"' if nowrap else f' class="{self.css}"'

    def cell(self, result, formats: _PageFormats) -> str:
        try:
            content, css = self._content(result, formats)
        except ObjectDoesNotExist:
            content, css = self.empty, f' class="{self.css}"'
        if self.link:
            content = self.changelist.row_link(result, content)
        return f"<{self.tag}{css}>{conditional_escape(content)}</{self.tag}>"  # format_html's

    def _content(self, result, formats):
        if self.kind == "field":
            value = getattr(result, self.name)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            return self._field_display(value, formats), self.field_class
        if self.kind == "callable":
            value, empty, boolean = self.attr(result), self.value_empty, self.boolean
        elif self.kind == "value":
            value, empty, boolean = getattr(result, self.name), self.value_empty, False
        else:
            field, attr, value = admin_utils.lookup_field(self.name, result, self.model_admin)
            empty, boolean = _display_options(attr, self.empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if isinstance(value, datetime.date | datetime.time) and not boolean:
            content = formats.localize(timezone.template_localtime(value))  # a no-op but on datetimes
        else:
            content = admin_utils.display_for_value(value, empty, boolean)
        nowrap = isinstance(value, datetime.date | datetime.time)
        return content, f' class="{self.value_css} nowrap"' if nowrap else f' class="{self.value_css}"'

    def _field_display(self, value, formats):
        if self.related:
            return self.empty if value is None else value
        if self.choices is not None:
            return self.choices.get(value, self.empty)
        if self.dates and value not in self.field.empty_values:
            return formats.localize(timezone.template_localtime(value) if self.aware else value)
        return admin_utils.display_for_field(value, self.field, self.empty, avoid_link=self.link)


def _display_options(attr, empty) -> tuple:
    """A callable or attribute column's empty value and whether it shows a yes/no icon, read as
    ``items_for_result`` reads them (a property's ``boolean`` is on its getter)."""
    boolean = getattr(attr, "boolean", False)
    if isinstance(attr, property) and hasattr(attr, "fget"):
        boolean = getattr(attr.fget, "boolean", False)
    return getattr(attr, "empty_value_display", empty), boolean


def _once(label):
    """A lazy text as the page shows it: its translation (escaped the same by the cell)."""
    return label if isinstance(label, str) or hasattr(label, "__html__") else str(label)


class _PageFormats:
    """``formats.localize`` of dates and times, with the active language's formats looked up once
    for the page (``localize`` looks them up again for each date of each row)."""

    def __init__(self):
        self.formats = {name: get_format(name) for name in ("DATETIME_FORMAT", "DATE_FORMAT", "TIME_FORMAT")}

    def localize(self, value: datetime.date | datetime.time) -> str:
        if isinstance(value, datetime.datetime):
            return dateformat.format(value, self.formats["DATETIME_FORMAT"])
        if isinstance(value, datetime.date):
            return dateformat.format(value, self.formats["DATE_FORMAT"])
        return dateformat.time_format(value, self.formats["TIME_FORMAT"])


class LongListChangeList(ChangeList):
    """A list whose date hierarchy reads the dates through their index (no search: the searched
    rows are few, Django's DISTINCT over them is cheap and the probes would each repeat the search),
    and whose rows' links are one URL reversed once, not once per row.

    Django adds the list's filters to each row's link (``add_preserved_filters``), resolving the
    row's URL against the whole URL configuration to do so: a millisecond a row once a search or
    a filter is on. Here the link carries them already, the same ``?_changelist_filters=…``, and
    the rows are given no filters to add.

    The rows themselves are written by ``result_rows`` (``{% long_result_list %}`` in
    templates/admin/change_list.html): Django's ``items_for_result`` looks up each cell's field,
    empty value, classes and date format again for each of the page's 100 rows (a third of the
    page's time); a ``_Column`` does it once for the page.
    """

    _PK = "~pk~"  # kept as is by reverse(): "~" is a safe character in a path

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_filters, self.preserved_filters = self.preserved_filters, ""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if self.date_hierarchy and not self.query:
            return with_skip_scan_dates(queryset)
        return queryset

    def url_for_result(self, result):
        pk = getattr(result, self.pk_attname)
        if isinstance(pk, int):
            if not hasattr(self, "_change_url"):
                self._change_url = reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                    args=(self._PK,),
                    current_app=self.model_admin.admin_site.name,
                )
            url = self._change_url.replace(self._PK, str(pk))
        else:
            url = super().url_for_result(result)
        return f"{url}?{self.row_filters}" if self.row_filters else url

    def result_rows(self) -> list[admin_list.ResultList] | None:
        """The page's rows for ``{% long_result_list %}`` (extranet.base.templatetags.long_lists):
        each row one string, the cells Django's ``items_for_result`` writes (``_Column``). None
        for a list whose rows are forms (``list_editable``): Django's tag renders those."""
        if self.formset is not None:
            return None
        columns, first = [], True
        empty = self.model_admin.get_empty_value_display()
        for index, name in enumerate(self.list_display):
            if self.list_display_links is None:
                link = False
            else:
                link = (first and not self.list_display_links) or name in self.list_display_links
            tag = "th" if link and first else "td"
            first = first and not link
            columns.append(_Column(self, index, name, link=link, tag=tag, empty=empty))
        formats = _PageFormats()
        return [
            admin_list.ResultList(
                None, [SafeString("".join(column.cell(result, formats) for column in columns))]
            )
            for result in self.result_list
        ]

    def row_link(self, result, content) -> SafeString:
        """The row's link around ``content``, as Django's ``items_for_result`` writes it."""
        try:
            url = self.url_for_result(result)
        except NoReverseMatch:
            return content
        path, has_query, query = url.partition("?")
        if has_query:  # Django's add_preserved_filters, the same for every row: worked out once
            queries = self.__dict__.setdefault("_row_queries", {})
            if query not in queries:
                context = {"preserved_filters": self.preserved_filters, "opts": self.opts}
                queries[query] = add_preserved_filters(context, f"?{query}")
            url = path + queries[query]
        popup = ""
        if self.is_popup:
            value = result.serializable_value(str(self.to_field) if self.to_field else self.pk_attname)
            popup = format_html(' data-popup-opener="{}"', value)
        return format_html('<a href="{}"{}>{}</a>', url, popup, content)


class LongListAdminMixin:
    """Lists of tens of thousands of rows, kept under 100 ms at 20,000 families.

    - No second count of the whole table for "(N résultats)": the filtered count only, with
      Django's "Tout afficher" link.
    - The date hierarchy reads its dates through the field's index (``LongListChangeList``);
      the field wants a plain index.
    - The action checkbox of each row written directly: Django renders a form widget through
      the template engine for each of the 100 rows (a fifth of the page's time). Same HTML.
    """

    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return LongListChangeList

    # Django's own words for the checkbox, translated by Django's catalogue (not ours: kept out of
    # makemessages' sight, it is not a text of Tutti's).
    ACTION_CHECKBOX_LABEL = "Select this object for an action - {}"

    def action_checkbox(self, obj):
        label = format_html(gettext(self.ACTION_CHECKBOX_LABEL), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


# --- Sites, pôles, seasons, news -------------------------------------------------------------


class PoleInline(SiteScopedAdminMixin, admin.TabularInline):
    model = Pole
    fields = ("name", "address")
    extra = 0
    show_change_link = True


class UnlinkedFileInput(forms.ClearableFileInput):
    """The current file by its name only: uploads have no public URL (MEDIA_URL is None). Its
    template lives in this app (extranet/base/templates), where the form renderer looks."""

    template_name = "admin/widgets/unlinked_file.html"

    def is_initial(self, value):
        return bool(value and getattr(value, "name", ""))

    def format_value(self, value):
        if self.is_initial(value):
            return value.name.rsplit("/", 1)[-1]
        return None


@admin.register(Site)
class SiteAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    formfield_overrides = {models.FileField: {"widget": UnlinkedFileInput}}
    list_display = ("name", "slug", "city", "contact_email", "contact_phone", "house_rules_version")
    search_fields = ("name", "slug", "city")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [PoleInline]
    fieldsets = (
        (None, {"fields": ("name", "slug")}),
        (_("Coordonnées"), {"fields": ("address", "postal_code", "city", "contact_email", "contact_phone")}),
        (_("Règlement intérieur"), {"fields": ("house_rules", "house_rules_version")}),
        (
            _("Prélèvement SEPA (créancier)"),
            {"fields": ("sepa_creditor_name", "sepa_creditor_identifier", "sepa_iban", "sepa_bic")},
        ),
        (
            _("Accessibilité"),
            {"fields": ("accessibility_status", "accessibility_audited_on", "accessibility_audit_rate")},
        ),
        (_("Calendrier scolaire"), {"fields": ("zone",)}),
    )

    def has_add_permission(self, request):
        # A conservatory's secretariat keeps its own site up to date; opening a new site (which
        # it would not even see) is for central staff.
        return visible_site_ids(request.user) is None and super().has_add_permission(request)


@admin.register(Pole)
class PoleAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "site", "address")
    list_filter = ("site",)
    list_select_related = ("site",)
    search_fields = ("name", "site__name")
    ordering = ("site__name", "name")


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ("label", "starts_on", "ends_on", "is_current", "is_next")
    list_filter = ("is_current", "is_next")
    search_fields = ("label",)
    ordering = ("-starts_on",)


@admin.register(News)
class NewsAdmin(SiteScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "site", "published_at", "expires_at")
    list_filter = ("site",)
    list_select_related = ("site",)
    search_fields = ("title", "body")
    date_hierarchy = "published_at"
    ordering = ("-published_at",)


# --- Logins ----------------------------------------------------------------------------------


def _check_identifier_free(form, identifier: str | None, site) -> str | None:
    """Logins are looked up without regard to case: refuse a twin that differs only in case."""
    if not identifier:
        return identifier
    twins = User.objects.filter(identifier__iexact=identifier, site=site)
    if form.instance.pk:
        twins = twins.exclude(pk=form.instance.pk)
    if twins.exists():
        form.add_error(
            "identifier",
            _("Cet identifiant est déjà utilisé sur ce site."),
        )
    return identifier


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("site", "identifier", "first_name", "last_name", "email")

    def clean(self):
        cleaned = super().clean()
        _check_identifier_free(self, cleaned.get("identifier"), cleaned.get("site"))
        return cleaned


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if "identifier" in self.fields:
            _check_identifier_free(self, cleaned.get("identifier"), cleaned.get("site"))
        return cleaned


# What a login may do and see: only a superuser sets these.
RIGHTS_FIELDS = ("is_staff", "is_superuser", "all_sites", "managed_sites", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(SiteScopedAdminMixin, DjangoUserAdmin):
    """Logins: family logins name a site; staff logins have none and use the admin."""

    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("site", "identifier", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Droits"),
            {"fields": ("is_active", *RIGHTS_FIELDS)},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "site",
                    "identifier",
                    "first_name",
                    "last_name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
                "description": _(
                    "Laissez le site vide pour un compte du secrétariat (connexion à l'administration)."
                ),
            },
        ),
    )
    list_display = (
        "identifier",
        "site",
        "last_name",
        "first_name",
        "email",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("site", "is_staff", "is_superuser", "is_active", "groups")
    list_select_related = ("site",)
    search_fields = ("identifier", "first_name", "last_name", "email")
    ordering = ("identifier",)
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("managed_sites", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        # Only a superuser hands out rights or sites: nobody widens their own reach.
        return (*readonly, *RIGHTS_FIELDS)


# --- Reference data --------------------------------------------------------------------------


@admin.register(SchoolLevel)
class SchoolLevelAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "order")
    search_fields = ("label", "code")
    ordering = ("order",)


@admin.register(SocioProfessionalCategory)
class SocioProfessionalCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "order")
    search_fields = ("label", "code")
    ordering = ("order",)


@admin.register(Civility)
class CivilityAdmin(admin.ModelAdmin):
    list_display = ("label", "short_label", "code", "order")
    search_fields = ("label", "code")
    ordering = ("order",)


@admin.register(PaymentMeans)
class PaymentMeansAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "is_direct_debit", "order")
    search_fields = ("label", "code")
    ordering = ("order",)


# --- Outbox and audit ------------------------------------------------------------------------


@admin.register(OutboundEmail)
class OutboundEmailAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "subject",
        "recipients",
        "site",
        "name",
        "state",
        "attempts",
        "sent_at",
        "next_attempt_at",
    )
    list_filter = ("state", "site", "name")
    list_select_related = ("site",)
    search_fields = ("subject", "to", "name")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    actions = ["resend"]
    fields = (
        "name",
        "site",
        "to",
        "subject",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "body_text",
        "body_html",
    )
    readonly_fields = fields

    @admin.display(description=_("destinataires"))
    def recipients(self, email: OutboundEmail) -> str:
        return ", ".join(email.to or [])

    @admin.action(description=_("Renvoyer les e-mails sélectionnés"))
    def resend(self, request, queryset):
        """Queue the selected emails again (abandoned or already sent); the worker sends them."""
        queued = resend_emails(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d e-mail remis dans la file d'envoi.",
                "%(count)d e-mails remis dans la file d'envoi.",
                queued,
            )
            % {"count": queued},
            messages.SUCCESS,
        )


@admin.register(ChangeRecord)
class ChangeRecordAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "actor", "content_type", "target_link", "field_label", "old_value", "new_value")
    list_filter = ("content_type",)
    list_select_related = ("actor__site", "content_type")
    search_fields = ("actor__identifier", "field_label", "old_value", "new_value")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    fields = ("at", "actor", "content_type", "object_id", "field", "field_label", "old_value", "new_value")
    readonly_fields = fields

    @admin.display(description=_("objet"), ordering="object_id")
    def target_link(self, record: ChangeRecord) -> str:
        content_type = record.content_type
        try:
            url = reverse(
                f"admin:{content_type.app_label}_{content_type.model}_change", args=[record.object_id]
            )
        except NoReverseMatch:
            return str(record.object_id)
        return format_html('<a href="{}">n° {}</a>', url, record.object_id)


# --- Login lockouts (django-axes) --------------------------------------------------------------


def _scope_login_records(queryset, user):
    """Axes records name a login "<site slug>:<identifier>": a site's staff see their sites' only."""
    site_ids = visible_site_ids(user)
    if site_ids is None:
        return queryset
    prefixes = Q()
    for slug in Site.objects.filter(pk__in=site_ids).values_list("slug", flat=True):
        prefixes |= Q(username__startswith=f"{slug}:")
    return queryset.filter(prefixes) if prefixes else queryset.none()


class _SiteScopedLoginRecordsMixin(TolerantListFiltersMixin):
    def get_queryset(self, request):
        return _scope_login_records(super().get_queryset(request), request.user)


for _model, _model_admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):  # axes registers them unless AXES_ENABLE_ADMIN is off
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(_model_admin.__name__, (_SiteScopedLoginRecordsMixin, _model_admin), {})
        )


# --- The admin as a caller of services ---------------------------------------------------------


def run_bulk_action(request, items, write, *, done_message, name=str) -> int:
    """An admin action's loop: ``write(item)`` for each item, one summary of what was done
    (``done_message(count)``, French, plural-aware) and one message per refusal, naming the item."""
    done = 0
    refusals = []
    for item in items:
        try:
            write(item)
        except DomainError as error:
            refusals.append(f"{name(item)} : {error.message}")
        else:
            done += 1
    if done:
        messages.success(request, done_message(done))
    for refusal in refusals:
        messages.warning(request, refusal)
    return done


class ServiceAdminMixin:
    """Change pages whose save calls a service: a refusal (``DomainError``) raised while saving rolls
    back the whole page (inlines included) and the page is shown again, current values, with why."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            show_domain_error(error, request=request)
            unsaved = getattr(error, "unsaved", [])
            if unsaved:
                messages.warning(
                    request,
                    _("Votre saisie, non enregistrée : %(values)s.")
                    % {"values": " ; ".join(f"{label} : « {value or '—'} »" for label, value in unsaved)},
                )
            return HttpResponseRedirect(request.get_full_path())


class VersionedAdminForm(forms.ModelForm):
    """Carries the version of the row the page was built from (optimistic locking, as on the portal)."""

    edited_version = forms.IntegerField(
        label=_("version de la page"), widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["edited_version"].initial = self.instance.version
            self.fields["edited_version"].required = True


class ServiceInlineFormSet(forms.BaseInlineFormSet):
    """An inline's rows as the services see them. Saving is the parent admin's (``save_formset``);
    ``clean`` asks the inline's ``check_formset`` so a refusal shows next to the field, typed values
    kept."""

    service_inline = None  # set by ServiceInlineMixin.get_formset

    def clean(self):
        super().clean()
        if self.service_inline is not None and not any(form.errors for form in self.forms):
            self.service_inline.check_formset(self)

    def rows(self):
        """The rows to write, in the order the services want them: removed, changed, added."""
        removed = [form for form in self.deleted_forms if form.instance.pk is not None]
        kept = [form for form in self.forms if form not in self.deleted_forms and form.has_changed()]
        changed = [form for form in kept if form.instance.pk is not None]
        added = [form for form in kept if form.instance.pk is None]
        return removed, sorted(changed, key=self.service_inline.change_order), added


class ServiceInlineMixin:
    """An inline whose rows are written by services: ``add_row``, ``change_row``, ``remove_row``
    (each given the request, the saved parent and the row's form), ``check_formset`` for refusals
    shown next to the field before anything is written."""

    formset = ServiceInlineFormSet

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.service_inline = self
        return formset

    def check_formset(self, formset: ServiceInlineFormSet) -> None:
        removed, changed, added = formset.rows()
        for form in changed + added:
            try:
                self.check_row(formset.instance, form)
            except DomainError as error:
                show_domain_error(error, form=form)

    def check_row(self, parent, form) -> None:
        """Raise the service's DomainError for a row it would refuse (nothing to check by default)."""

    def change_order(self, form) -> int:
        """Changed rows are written in this order (e.g. a payer unticked before another is ticked)."""
        return 0

    def add_row(self, request, parent, form) -> None:
        raise NotImplementedError

    def change_row(self, request, parent, form) -> None:
        raise NotImplementedError

    def remove_row(self, request, parent, obj) -> None:
        raise NotImplementedError


class VersionedAdminMixin(ServiceAdminMixin):
    """Families, guardians, pupils: a staff member's change goes through the app's service, so it is
    locked, version-checked (a page opened before someone else's save is refused), recorded with the
    staff member's name and acknowledged to the family. Subclasses name the services in
    ``save_change(request, obj, version=…, values=…)`` and ``save_addition(request, values=…)``
    (which returns the new row); ``edited_version`` goes in a fieldset. Inlines that edit rows are
    ``ServiceInlineMixin`` inlines, written row by row by their services after the parent."""

    form = VersionedAdminForm

    def save_change(self, request, obj, *, version: int, values: dict) -> None:
        raise NotImplementedError

    def save_addition(self, request, *, values: dict):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        model_fields = {field.name for field in obj._meta.concrete_fields} - {"version"}
        if not change:
            values = {name: form.cleaned_data[name] for name in form.fields if name in model_fields}
            created = self.save_addition(request, values=values)
            obj.pk, obj._state.adding = created.pk, False
            return
        values = {name: form.cleaned_data[name] for name in form.changed_data if name in model_fields}
        try:
            self.save_change(request, obj, version=form.cleaned_data["edited_version"], values=values)
        except StaleEditError as error:
            error.unsaved = [(field_label(obj, name), display_value(obj, name)) for name in values]
            raise

    def save_formset(self, request, form, formset, change):
        inline = getattr(formset, "service_inline", None)
        if inline is None:
            # History and lists of links: nothing on them is editable, so nothing to write.
            if formset.deleted_forms or any(row.has_changed() for row in formset.forms):
                raise ValueError(f"{type(formset).__name__} has no service to write its rows")
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        parent = form.instance
        removed, changed, added = formset.rows()
        # What the admin's own log ("Modifié …") reads, as formset.save() would have left it.
        formset.deleted_objects = [row.instance for row in removed]
        formset.changed_objects = [(row.instance, row.changed_data) for row in changed]
        formset.new_objects = [row.instance for row in added]
        for row in removed:
            inline.remove_row(request, parent, row.instance)
        for row in changed:
            inline.change_row(request, parent, row)
        for row in added:
            inline.add_row(request, parent, row)


# The task queue's rows carry only ids and tracebacks, for no site in particular: the outbox is
# what staff read (state, attempts, last error, "Renvoyer"), and ops watch the queue's backlog
# on /healthz. django-tasks-db registers its own page; it is not one for a site's secretariat.
admin.site.unregister(DBTaskResult)


# The yes/no icons of every admin list and read-only field, in French (see admin_icons).
admin_icons.install()
