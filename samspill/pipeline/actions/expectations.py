"""Every change to the expectations register: what the customer expects or was promised, in their words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.customers.models import Contact
from samspill.lib import actions
from samspill.lib.errors import InvalidInput, NotAllowed
from samspill.people.models import Person
from samspill.pipeline.access import can_change_opportunity
from samspill.pipeline.models import Expectation, Opportunity

EXPECTATION_FIELDS = [
    "kind",
    "customer_words",
    "source",
    "source_note",
    "acceptance_criteria",
    "agreed_by",
    "agreed_with",
    "agreed_on",
    "status",
]


def _require_change(opportunity: Opportunity, by: Any) -> None:
    if not can_change_opportunity(by, opportunity):
        raise NotAllowed(
            _("Only the owner, the team, management and administrators can change the expectations.")
        )


def _check(expectation: Expectation) -> None:
    """Check the whole expectation: a field error for each thing that is wrong."""
    errors: dict[str, list[str]] = {}
    expectation.customer_words = (expectation.customer_words or "").strip()
    if not expectation.customer_words:
        errors["customer_words"] = [_("Write what the customer expects, in their own words.")]
    person = expectation.agreed_by if expectation.agreed_by_id else None
    if isinstance(person, Person) and not person.is_active:
        errors["agreed_by"] = [_("%(name)s is deactivated.") % {"name": person.name}]
    contact: Contact | None = expectation.agreed_with if expectation.agreed_with_id else None
    if contact is not None and contact.customer_id != expectation.opportunity.customer_id:
        errors["agreed_with"] = [_("%(name)s is a contact of another customer.") % {"name": contact.name}]
    if expectation.agreed_on and expectation.agreed_on > timezone.localdate():
        errors["agreed_on"] = [_("An agreement cannot be dated in the future.")]
    try:
        expectation.full_clean(
            exclude=["opportunity", "agreed_by", "agreed_with", "customer_words"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(str(m) for m in messages)
    if errors:
        raise InvalidInput(errors)


def create_expectation(opportunity: Opportunity, fields: Mapping[str, Any], *, by: Any) -> Expectation:
    """Write down something the customer expects, at the end of the opportunity's register."""
    _require_change(opportunity, by)
    expectation = Expectation(
        opportunity=opportunity, **{k: v for k, v in fields.items() if k in EXPECTATION_FIELDS}
    )
    for name in ("source_note", "acceptance_criteria"):
        setattr(expectation, name, (getattr(expectation, name) or "").strip())
    _check(expectation)
    with transaction.atomic():
        last = Expectation.objects.filter(opportunity=opportunity).aggregate(n=Max("position"))["n"]
        expectation.position = 0 if last is None else last + 1
        return actions.create(
            expectation, by=by, verb="expectation.created", fields=EXPECTATION_FIELDS, context=opportunity
        )


def update_expectation(
    expectation: Expectation, changes: Mapping[str, Any], *, by: Any, version: int | None
) -> Expectation:
    """Change an expectation (its words, criteria, who agreed it, its status); refused if stale."""
    _require_change(expectation.opportunity, by)
    unknown = set(changes) - set(EXPECTATION_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    return actions.update(
        expectation,
        changes,
        by=by,
        version=version,
        verb="expectation.updated",
        context=expectation.opportunity,
        validate=_check,
    )
