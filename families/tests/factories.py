import factory

from extranet.base.models import PaymentMeans
from extranet.tests.factories import SiteFactory, UserFactory
from families.models import Family, Guardian, Membership


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"FAMILLE{n}")
    address = "12 rue Gabriel Crié"
    postal_code = "92240"
    city = "Malakoff"
    payment_means = factory.LazyFunction(lambda: PaymentMeans.objects.get(code="cheque"))


class GuardianFactory(factory.django.DjangoModelFactory):
    """A guardian with a login on the family's site. Password: ``Motdepasse1``."""

    class Meta:
        model = Guardian

    site = factory.SubFactory(SiteFactory)
    user = factory.SubFactory(
        UserFactory,
        site=factory.SelfAttribute("..site"),
        first_name=factory.SelfAttribute("..first_name"),
        last_name=factory.SelfAttribute("..last_name"),
        email=factory.SelfAttribute("..email"),
    )
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    first_name = "Claire"
    email = factory.Sequence(lambda n: f"parent{n}@example.fr")
    address = "12 rue Gabriel Crié"
    postal_code = "92240"
    city = "Malakoff"
    mobile = "0612345678"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    family = factory.SubFactory(FamilyFactory)
    guardian = factory.SubFactory(GuardianFactory, site=factory.SelfAttribute("..family.site"))
    relationship = Membership.Relationship.MOTHER


def guardian_of(family: Family, **kwargs) -> Guardian:
    """A guardian with a login, member of ``family``."""
    is_payer = kwargs.pop("is_payer", False)
    guardian = GuardianFactory(site=family.site, **kwargs)
    Membership.objects.create(family=family, guardian=guardian, is_payer=is_payer)
    return guardian
