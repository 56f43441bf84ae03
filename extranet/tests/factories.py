import datetime

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

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
    User,
)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Conservatoire {n}")
    slug = factory.Sequence(lambda n: f"site-{n}")
    address = "44 rue Marceau"
    postal_code = "92240"
    city = "Malakoff"
    contact_email = factory.LazyAttribute(lambda o: f"secretariat@{o.slug}.example.fr")
    contact_phone = "0146000000"
    house_rules_version = "2026-1"

    class Params:
        # A site that publishes its règlement intérieur: needed to open a re-enrolment window.
        with_house_rules = factory.Trait(
            house_rules=factory.django.FileField(
                filename="reglement-interieur.pdf", data=b"%PDF-1.4\n%%EOF\n"
            )
        )


class PoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pole

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Pôle {n}")


class SeasonFactory(factory.django.DjangoModelFactory):
    """Seasons 2025/2026 (current) and 2026/2027 (next) by default, shared by get_or_create."""

    class Meta:
        model = Season
        django_get_or_create = ("label",)

    label = factory.LazyAttribute(lambda o: f"{o.start_year}/{o.start_year + 1}")
    starts_on = factory.LazyAttribute(lambda o: datetime.date(o.start_year, 9, 1))
    ends_on = factory.LazyAttribute(lambda o: datetime.date(o.start_year + 1, 6, 30))
    is_current = factory.LazyAttribute(lambda o: o.start_year == 2025)
    is_next = factory.LazyAttribute(lambda o: o.start_year == 2026)

    class Params:
        start_year = 2025


def current_season() -> Season:
    return SeasonFactory(start_year=2025)


def next_season() -> Season:
    return SeasonFactory(start_year=2026)


class NewsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = News

    site = factory.SubFactory(SiteFactory)
    title = factory.Sequence(lambda n: f"Actualité {n}")
    body = "Les réinscriptions ouvrent bientôt."
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))


class UserFactory(factory.django.DjangoModelFactory):
    """A family login (with a site). Password: ``Motdepasse1``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    identifier = factory.Sequence(lambda n: f"responsable.{n}")
    email = factory.LazyAttribute(lambda o: f"{o.identifier}@example.fr")
    password = factory.PostGenerationMethodCall("set_password", "Motdepasse1")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    """A staff login of the central service (sees every site); pass ``all_sites=False`` and
    ``managed_sites=[...]`` for a site's own secretariat."""

    site = None
    is_staff = True
    all_sites = True

    @factory.post_generation
    def managed_sites(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.managed_sites.set(extracted)

    identifier = factory.Sequence(lambda n: f"staff.{n}")


def civility(code: str = "mme") -> Civility:
    return Civility.objects.get(code=code)


def payment_means(code: str = "cheque") -> PaymentMeans:
    return PaymentMeans.objects.get(code=code)


def school_level(code: str = "cm1") -> SchoolLevel:
    return SchoolLevel.objects.get(code=code)


class ChangeRecordFactory(factory.django.DjangoModelFactory):
    """A change of one field of ``target`` (pass ``target=`` an object)."""

    class Meta:
        model = ChangeRecord
        exclude = ("target",)

    target = factory.SubFactory(SiteFactory)
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.target))
    object_id = factory.LazyAttribute(lambda o: o.target.pk)
    actor = factory.SubFactory(UserFactory)
    field = "city"
    field_label = "Ville"
    old_value = "Malakoff"
    new_value = "Vanves"


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundEmail

    name = "family_changed"
    to = factory.Sequence(lambda n: [f"parent{n}@example.fr"])
    subject = "Accusé de réception"
    body_text = "Bonjour, nous avons bien reçu vos modifications."
    body_html = "<p>Bonjour, nous avons bien reçu vos modifications.</p>"
