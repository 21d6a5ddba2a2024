"""Every change to customers, contacts and framework agreements."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.customers.access import can_edit_customers
from samspill.customers.models import AgreementRate, Contact, Customer, FrameworkAgreement
from samspill.customers.validators import normalise_org_number
from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.people.models import Person, Role

A = TypeVar("A", Customer, Contact, FrameworkAgreement)

CUSTOMER_FIELDS = [
    "name",
    "org_number",
    "segment",
    "industry",
    "street_address",
    "postal_code",
    "city",
    "website",
    "account_owner",
    "delivery_lead",
    "notes",
]
CONTACT_FIELDS = ["name", "title", "email", "phone", "notes"]
AGREEMENT_FIELDS = [
    "title",
    "reference",
    "starts_on",
    "ends_on",
    "extension_count",
    "extension_months",
    "ceiling",
    "status",
    "notes",
]


def _require_editor(by: Any) -> None:
    if not can_edit_customers(by):
        raise NotAllowed(
            _("Only sellers, management and administrators can change customers and agreements.")
        )


def _validated(obj: Any, exclude: list[str] | None = None) -> None:
    """Run the model's field validation and constraints; raise InvalidInput with the field errors."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        raise InvalidInput({k: [str(m) for m in v] for k, v in error.message_dict.items()}) from None


def _check_org_number(customer: Customer) -> None:
    customer.org_number = normalise_org_number(customer.org_number)
    if customer.org_number:
        clash = Customer.objects.filter(org_number=customer.org_number).exclude(pk=customer.pk).first()
        if clash is not None:
            raise InvalidInput(
                {"org_number": [_("%(name)s already has this organisation number.") % {"name": clash.name}]}
            )


def _check_people(changes: Mapping[str, Any]) -> None:
    for name in ("account_owner", "delivery_lead"):
        person = changes.get(name)
        if isinstance(person, Person) and not person.is_active:
            raise InvalidInput({name: [_("%(name)s is deactivated.") % {"name": person.name}]})


@contextmanager
def _org_number_race() -> Iterator[None]:
    """Refuse, as a field error, a duplicate org number someone saved between our check and our write."""
    try:
        yield
    except IntegrityError as error:
        if "org_number" not in str(error):
            raise
        raise InvalidInput(
            {"org_number": [_("Another customer was saved with this organisation number a moment ago.")]}
        ) from None


def create_customer(fields: Mapping[str, Any], *, by: Any) -> Customer:
    """Register a new customer."""
    _require_editor(by)
    _check_people(fields)
    customer = Customer(**{k: v for k, v in fields.items() if k in CUSTOMER_FIELDS})
    _check_org_number(customer)
    _validated(customer)
    with _org_number_race():
        return actions.create(customer, by=by, verb="customer.created", fields=CUSTOMER_FIELDS)


def update_customer(
    customer: Customer, changes: Mapping[str, Any], *, by: Any, version: int | None
) -> Customer:
    """Change a customer's details; refused if somebody saved it after `version`."""
    _require_editor(by)
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in unknown})
    _check_people(changes)
    if customer.is_archived:
        raise RuleBroken(_("The customer is archived: restore it before changing it."))
    changes = dict(changes)
    if "org_number" in changes:
        changes["org_number"] = normalise_org_number(changes["org_number"] or "")

    def validate(current: Customer) -> None:
        if current.is_archived:  # archived by somebody else since `customer` was read
            raise RuleBroken(_("The customer is archived: restore it before changing it."))
        _check_org_number(current)
        _validated(current)

    with _org_number_race():
        return actions.update(
            customer, changes, by=by, version=version, verb="customer.updated", validate=validate
        )


def _archive(obj: A, *, by: Any, version: int | None, verb: str, context: Any = None) -> A:
    """Set `archived_at` once; archiving what is already archived changes nothing and logs nothing."""
    with transaction.atomic():
        current = actions.lock(obj)
        if current.archived_at is not None:
            actions.check_version(current, version)
            return current
        return actions.update(
            current, {"archived_at": timezone.now()}, by=by, version=version, verb=verb, context=context
        )


def archive_customer(customer: Customer, *, by: Any, version: int | None = None) -> Customer:
    """Hide a customer from lists and choices; nothing is deleted and it can be restored."""
    _require_editor(by)
    return _archive(customer, by=by, version=version, verb="customer.archived")


def restore_customer(customer: Customer, *, by: Any, version: int | None = None) -> Customer:
    _require_editor(by)
    return actions.update(customer, {"archived_at": None}, by=by, version=version, verb="customer.restored")


def create_contact(customer: Customer, fields: Mapping[str, Any], *, by: Any) -> Contact:
    """Add a contact person at the customer."""
    _require_editor(by)
    if customer.is_archived:
        raise RuleBroken(_("The customer is archived: restore it before adding contacts."))
    contact = Contact(customer=customer, **{k: v for k, v in fields.items() if k in CONTACT_FIELDS})
    _validated(contact)
    return actions.create(contact, by=by, verb="contact.created", fields=CONTACT_FIELDS, context=customer)


def update_contact(contact: Contact, changes: Mapping[str, Any], *, by: Any, version: int | None) -> Contact:
    _require_editor(by)
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in unknown})
    if contact.is_archived or contact.customer.is_archived:
        raise RuleBroken(_("The contact or its customer is archived: restore it before changing it."))
    return actions.update(
        contact,
        changes,
        by=by,
        version=version,
        verb="contact.updated",
        context=contact.customer,
        validate=_validated,
    )


def archive_contact(contact: Contact, *, by: Any, version: int | None = None) -> Contact:
    """Hide a contact who has left or no longer works with us; nothing is deleted."""
    _require_editor(by)
    return _archive(contact, by=by, version=version, verb="contact.archived", context=contact.customer)


MAX_EXTENSIONS = 20
MAX_EXTENSION_MONTHS = 120


def _check_agreement(agreement: FrameworkAgreement) -> None:
    if agreement.starts_on and agreement.ends_on and agreement.ends_on < agreement.starts_on:
        raise InvalidInput({"ends_on": [_("The agreement must end after it starts.")]})
    _validated(agreement, exclude=["customer"])
    if agreement.extension_count > MAX_EXTENSIONS:
        raise InvalidInput(
            {
                "extension_count": [
                    _("An agreement has at most %(count)d extension options.") % {"count": MAX_EXTENSIONS}
                ]
            }
        )
    if not 1 <= agreement.extension_months <= MAX_EXTENSION_MONTHS:
        raise InvalidInput(
            {
                "extension_months": [
                    _("An extension lasts from 1 to %(months)d months.") % {"months": MAX_EXTENSION_MONTHS}
                ]
            }
        )
    if agreement.extended_end() is None:
        raise InvalidInput(
            {"ends_on": [_("With every extension used, the agreement would end after year 9999.")]}
        )


def _clean_rates(rates: Mapping[str, Any] | None) -> dict[str, Decimal]:
    result = {}
    for role, value in (rates or {}).items():
        if role not in Role.values:
            raise InvalidInput({"rates": [_("Unknown role: %(role)s.") % {"role": role}]})
        if value in (None, ""):
            continue
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount < 0 or amount > Decimal("100000"):
            raise InvalidInput({f"rate_{role}": [_("An hourly rate is between 0 and 100 000 kr.")]})
        result[role] = amount.quantize(Decimal("0.01"))
    return result


def _rates_change(agreement: FrameworkAgreement, wanted: dict[str, Decimal]) -> dict[str, Any] | None:
    current = {r.role: r.hourly_rate for r in AgreementRate.objects.filter(agreement=agreement)}
    if current == wanted:
        return None
    AgreementRate.objects.filter(agreement=agreement).exclude(role__in=wanted).delete()
    for role, rate in wanted.items():
        AgreementRate.objects.update_or_create(agreement=agreement, role=role, defaults={"hourly_rate": rate})

    def text(rates: dict[str, Decimal]) -> str:
        return ", ".join(f"{Role(r).label} {events.shown(v)}" for r, v in sorted(rates.items())) or "—"

    return {
        "before": {k: str(v) for k, v in current.items()},
        "after": {k: str(v) for k, v in wanted.items()},
        "before_text": text(current),
        "after_text": text(wanted),
    }


def create_agreement(
    customer: Customer, fields: Mapping[str, Any], *, rates: Mapping[str, Any] | None = None, by: Any
) -> FrameworkAgreement:
    """Register a framework agreement with its ceiling and agreed rates per role."""
    _require_editor(by)
    if customer.is_archived:
        raise RuleBroken(_("The customer is archived: restore it before adding agreements."))
    agreement = FrameworkAgreement(
        customer=customer, **{k: v for k, v in fields.items() if k in AGREEMENT_FIELDS}
    )
    _check_agreement(agreement)
    wanted = _clean_rates(rates)
    with transaction.atomic():
        actions.create(agreement, by=by, verb="agreement.created", fields=AGREEMENT_FIELDS, context=customer)
        AgreementRate.objects.bulk_create(
            AgreementRate(agreement=agreement, role=r, hourly_rate=v) for r, v in wanted.items()
        )
    return agreement


def update_agreement(
    agreement: FrameworkAgreement,
    changes: Mapping[str, Any],
    *,
    by: Any,
    version: int | None,
    rates: Mapping[str, Any] | None = None,
) -> FrameworkAgreement:
    """Change an agreement's terms and rates; refused if somebody saved it after `version`."""
    _require_editor(by)
    unknown = set(changes) - set(AGREEMENT_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in unknown})
    wanted = _clean_rates(rates) if rates is not None else None
    with transaction.atomic():
        current = actions.lock(agreement)
        actions.check_version(current, version)
        if current.is_archived:
            raise RuleBroken(_("The agreement is archived and can no longer be changed."))
        changed = actions.diff(current, changes)
        for name in changed:
            setattr(current, name, changes[name])
        _check_agreement(current)
        if wanted is not None and (rate_change := _rates_change(current, wanted)):
            changed["rates"] = rate_change
        if not changed:
            return current
        current.version += 1
        current.save()
        events.append_event(
            verb="agreement.updated", target=current, by=by, changes=changed, context=current.customer
        )
    return current


def archive_agreement(
    agreement: FrameworkAgreement, *, by: Any, version: int | None = None
) -> FrameworkAgreement:
    """Hide an agreement that is over; nothing is deleted."""
    _require_editor(by)
    return _archive(agreement, by=by, version=version, verb="agreement.archived", context=agreement.customer)
