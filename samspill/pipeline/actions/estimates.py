"""Every change to estimates: versions, work packages, assumptions, exclusions, risks and the price.

Every action that changes a number the price depends on (a package's hours or rate, a risk, the
confidence point) recomputes the estimate's summary with `samspill.pipeline.estimation.summarise` and
stores it on the estimate inside the same transaction, so pages, lists and the board read it and
never recompute it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samspill.customers.models import AgreementRate
from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.people.models import Role, Skill, is_administrator
from samspill.pipeline import estimation
from samspill.pipeline.access import can_change_opportunity
from samspill.pipeline.models import (
    ConfidencePoint,
    Estimate,
    EstimateLine,
    EstimateLineKind,
    OfferDocument,
    Opportunity,
    Risk,
    RoleRate,
    WorkPackage,
)

ESTIMATE_FIELDS = ["title", "notes", "confidence", "include_contingency"]
PACKAGE_FIELDS = ["name", "description", "role", "optimistic", "most_likely", "pessimistic", "hourly_rate"]
RISK_FIELDS = ["description", "probability", "consequence_hours", "mitigation"]
SUMMARY_FIELDS = [
    "expected_hours",
    "expected_amount",
    "p50_hours",
    "p80_hours",
    "p90_hours",
    "p50_price",
    "p80_price",
    "p90_price",
    "contingency_hours",
    "contingency_amount",
    "price",
]
# Used when neither a framework agreement nor the firm's table of default rates (RoleRate) names a rate.
FALLBACK_HOURLY_RATE = Decimal(1400)
# The largest rate a RoleRate or a work package stores (10 digits, 2 of them decimals).
MAX_HOURLY_RATE = Decimal("99999999.99")
CENTS = Decimal("0.01")


# --------------------------------------------------------------------------------------------------
# Reads the opportunity page and the move and win actions rely on
# --------------------------------------------------------------------------------------------------


def current_estimate(opportunity: Opportunity) -> Estimate | None:
    """Return the opportunity's newest estimate version (the highest number), or None."""
    return Estimate.objects.filter(opportunity=opportunity).order_by("-number").first()


# --------------------------------------------------------------------------------------------------
# Hourly rates and where they come from
# --------------------------------------------------------------------------------------------------


class RateSource:
    """Where a work package's hourly rate comes from, as the page shows it."""

    AGREEMENT = "agreement"
    ROLE = "role"
    FIRM = "firm"
    TYPED = "typed"

    LABELS = {
        AGREEMENT: gettext_lazy("Framework agreement"),
        ROLE: gettext_lazy("Role's default rate"),
        FIRM: gettext_lazy("Firm's default rate"),
        TYPED: gettext_lazy("Typed in"),
    }


@dataclass(frozen=True)
class Rate:
    """A suggested hourly rate and its source (one of `RateSource`)."""

    amount: Decimal
    source: str

    @property
    def label(self) -> str:
        return str(RateSource.LABELS[self.source])


@dataclass
class RateBook:
    """The rates an opportunity's packages are priced from: its agreement's, then the firm's per role."""

    agreement: dict[str, Decimal] = field(default_factory=dict)
    roles: dict[str, Decimal] = field(default_factory=dict)
    firm: Decimal = FALLBACK_HOURLY_RATE

    def suggested(self, role: str) -> Rate:
        """Return the rate a package of `role` gets when nobody types one."""
        if role in self.agreement:
            return Rate(self.agreement[role], RateSource.AGREEMENT)
        if role in self.roles:
            return Rate(self.roles[role], RateSource.ROLE)
        return Rate(self.firm, RateSource.FIRM)

    def source_of(self, package: WorkPackage) -> Rate:
        """Return the package's rate and its source: the suggestion if it matches, otherwise typed in."""
        suggestion = self.suggested(package.role)
        if suggestion.amount == package.hourly_rate:
            return suggestion
        return Rate(package.hourly_rate, RateSource.TYPED)


def firm_rate() -> Decimal:
    """Return the firm's rate, for a role without a default rate of its own."""
    return Decimal(str(getattr(settings, "DEFAULT_HOURLY_RATE", FALLBACK_HOURLY_RATE)))


def rate_book(opportunity: Opportunity) -> RateBook:
    """Return the rates for `opportunity` (two queries): the call-off's agreed rates, the firm's defaults."""
    agreement: dict[str, Decimal] = {}
    if opportunity.agreement_id:
        agreement = dict(
            AgreementRate.objects.filter(agreement_id=opportunity.agreement_id).values_list(
                "role", "hourly_rate"
            )
        )
    roles = dict(RoleRate.objects.values_list("role", "hourly_rate"))
    return RateBook(agreement=agreement, roles=roles, firm=firm_rate())


def role_rate_field(role: str) -> str:
    """The name a role's rate has in forms and in the field errors of `configure_role_rates`."""
    return f"{role}_hourly_rate"


def _role_rate(value: Any, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    amount = _decimal(value, name, errors)
    if amount is None:
        return None
    if amount < 0:
        errors[name] = [_("An hourly rate cannot be negative.")]
    elif amount > MAX_HOURLY_RATE:
        errors[name] = [_("The hourly rate is too large.")]
    elif amount != amount.quantize(CENTS):
        errors[name] = [_("Give the rate in kroner and øre, with at most two decimals.")]
    else:
        return amount.quantize(CENTS)
    return None


def configure_role_rates(rates: Mapping[str, Any], *, by: Any) -> list[RoleRate]:
    """Set the firm's default hourly rate per role (administrators only).

    `rates` maps role codes to an amount in NOK excluding VAT, or to None (or "") for no default of
    the role's own, when the firm's rate applies. Roles left out keep what they have. Every change
    appends an event; estimates already made keep their rates, new work packages get the new ones.
    """
    if not is_administrator(by):
        raise NotAllowed(_("Only administrators set the default hourly rates."))
    errors: dict[str, list[str]] = {}
    wanted: dict[str, Decimal | None] = {}
    for role, value in rates.items():
        name = role_rate_field(str(role))
        if role not in Role.values:
            errors[name] = [_("Unknown role: %(role)s.") % {"role": role}]
            continue
        amount = _role_rate(value, name, errors)
        if name not in errors:
            wanted[role] = amount
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        stored = {rate.role: rate for rate in RoleRate.objects.select_for_update()}
        for role, amount in wanted.items():
            _set_role_rate(role, stored.get(role), amount, by=by)
    return list(RoleRate.objects.order_by("role"))


def _set_role_rate(role: str, current: RoleRate | None, amount: Decimal | None, *, by: Any) -> None:
    before = current.hourly_rate if current is not None else None
    if before == amount:
        return
    firm = _("the firm's rate")
    changes = {
        "hourly_rate": {
            "before": events.plain(before),
            "after": events.plain(amount),
            "before_text": events.shown(before) if before is not None else firm,
            "after_text": events.shown(amount) if amount is not None else firm,
        }
    }
    if amount is None:
        assert current is not None
        events.append_event(verb="role_rate.removed", target=current, by=by, changes=changes)
        current.delete()
        return
    if current is None:
        current = RoleRate.objects.create(role=role, hourly_rate=amount)
    else:
        current.hourly_rate = amount
        current.save(update_fields=["hourly_rate"])
    events.append_event(verb="role_rate.configured", target=current, by=by, changes=changes)


# --------------------------------------------------------------------------------------------------
# The summary
# --------------------------------------------------------------------------------------------------


def _package_input(package: WorkPackage) -> estimation.Package:
    hours = estimation.ThreePoint(package.optimistic, package.most_likely, package.pessimistic)
    return estimation.Package(hours=hours, hourly_rate=package.hourly_rate)


def _risk_input(risk: Risk) -> estimation.Risk:
    return estimation.Risk(
        probability=Decimal(risk.probability) / 100, consequence_hours=risk.consequence_hours
    )


def summary_of(estimate: Estimate) -> estimation.EstimateSummary:
    """Return `estimation.summarise` of the estimate's stored packages and risks."""
    packages = list(estimate.packages.order_by("position", "pk"))
    risks = list(estimate.risks.all())
    return estimation.summarise([_package_input(p) for p in packages], [_risk_input(r) for r in risks])


def _recompute(estimate: Estimate) -> Estimate:
    """Recompute and store the estimate's numbers and each package's PERT mean (inside a transaction)."""
    packages = list(estimate.packages.order_by("position", "pk"))
    risks = list(estimate.risks.all())
    summary = estimation.summarise([_package_input(p) for p in packages], [_risk_input(r) for r in risks])
    for package, hours in zip(packages, summary.package_hours, strict=True):
        if package.expected_hours != hours:
            package.expected_hours = hours
            package.save(update_fields=["expected_hours"])
    estimate.expected_hours = summary.expected_hours
    estimate.expected_amount = summary.expected_amount
    estimate.p50_hours = summary.p50_hours
    estimate.p80_hours = summary.p80_hours
    estimate.p90_hours = summary.p90_hours
    estimate.p50_price = summary.p50_amount
    estimate.p80_price = summary.p80_amount
    estimate.p90_price = summary.p90_amount
    estimate.contingency_hours = summary.contingency_hours
    estimate.contingency_amount = summary.contingency_amount
    estimate.price = summary.price_at(estimate.confidence, estimate.include_contingency)
    estimate.save(update_fields=SUMMARY_FIELDS)
    return estimate


# --------------------------------------------------------------------------------------------------
# Rules shared by the actions
# --------------------------------------------------------------------------------------------------


def _require_changer(by: Any, opportunity: Opportunity) -> None:
    if not can_change_opportunity(by, opportunity):
        raise NotAllowed(_("Only the opportunity's owner, its team and management can change its estimates."))


def _lock_estimate(estimate: Estimate, by: Any) -> Estimate:
    """Return the estimate locked for update, refusing who may not change it and a locked version."""
    current = Estimate.objects.select_for_update().select_related("opportunity").get(pk=estimate.pk)
    _require_changer(by, current.opportunity)
    if current.is_locked:
        raise RuleBroken(
            _(
                "Version %(number)d was locked when the offer was sent. Start a new version from it to "
                "change the numbers."
            )
            % {"number": current.number}
        )
    return current


def _validated(obj: Any, exclude: list[str] | None = None) -> None:
    """Run the model's field validation; raise InvalidInput with the field errors."""
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        raise InvalidInput({k: [str(m) for m in v] for k, v in error.message_dict.items()}) from None


def _decimal(value: Any, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).replace(",", ".").replace("\xa0", "").replace(" ", ""))
    except (InvalidOperation, ValueError):
        errors.setdefault(name, []).append(_("Enter a number."))
        return None
    if not number.is_finite():
        errors.setdefault(name, []).append(_("Enter a number."))
        return None
    return number


def _check_package(values: dict[str, Any]) -> None:
    """Refuse malformed package values with field errors (three points in order, a sane rate, a name)."""
    errors: dict[str, list[str]] = {}
    for name in ("optimistic", "most_likely", "pessimistic", "hourly_rate"):
        if name in values:
            values[name] = _decimal(values[name], name, errors)
    for name in ("optimistic", "most_likely", "pessimistic"):
        if values.get(name) is None and name not in errors:
            errors[name] = [_("Enter the hours.")]
    if not errors:
        errors.update(
            estimation.validate_three_point(
                values["optimistic"], values["most_likely"], values["pessimistic"]
            )
        )
    if values.get("hourly_rate") is not None:
        for name, messages in estimation.validate_hourly_rate(values["hourly_rate"]).items():
            errors.setdefault(name, []).extend(messages)
        if "hourly_rate" not in errors and values["hourly_rate"] > MAX_HOURLY_RATE:
            errors["hourly_rate"] = [_("The hourly rate is too large.")]
    if not str(values.get("name") or "").strip():
        errors["name"] = [_("Give the work package a name.")]
    if values.get("role") not in Role.values:
        errors["role"] = [_("Choose a role.")]
    if errors:
        raise InvalidInput(errors)


def _skills(skills: Iterable[Any] | None) -> list[Skill] | None:
    if skills is None:
        return None
    wanted = [s.pk if isinstance(s, Skill) else s for s in skills]
    found = list(Skill.objects.filter(pk__in=wanted))
    if len(found) != len(set(wanted)):
        raise InvalidInput({"skills": [_("One of the skills does not exist.")]})
    return found


# --------------------------------------------------------------------------------------------------
# Estimate versions
# --------------------------------------------------------------------------------------------------


def create_estimate(opportunity: Opportunity, *, by: Any, based_on: Estimate | None = None) -> Estimate:
    """Start a new estimate version, copying packages, lines and risks from `based_on` when given."""
    _require_changer(by, opportunity)
    if not opportunity.is_open:
        raise RuleBroken(_("The opportunity is closed: its estimates can no longer change."))
    if based_on is not None and based_on.opportunity_id != opportunity.pk:
        raise InvalidInput({"based_on": [_("That estimate belongs to another opportunity.")]})
    with transaction.atomic():
        Opportunity.objects.select_for_update().filter(pk=opportunity.pk).first()
        if based_on is not None:
            based_on = Estimate.objects.get(pk=based_on.pk)  # what is stored now, not what the caller read
        number = (Estimate.objects.filter(opportunity=opportunity).aggregate(n=Max("number"))["n"] or 0) + 1
        estimate = Estimate(opportunity=opportunity, number=number, based_on=based_on, created_by=by)
        if based_on is not None:
            estimate.title = based_on.title
            estimate.notes = based_on.notes
            estimate.confidence = based_on.confidence
            estimate.include_contingency = based_on.include_contingency
        estimate.save()
        if based_on is not None:
            _copy_contents(based_on, estimate)
            _recompute(estimate)
        changes = {"number": {"before": None, "after": number, "before_text": "", "after_text": str(number)}}
        if based_on is not None:
            changes["based_on"] = {
                "before": None,
                "after": based_on.pk,
                "before_text": "",
                "after_text": f"v{based_on.number}",
            }
        events.append_event(
            verb="estimate.created", target=estimate, by=by, changes=changes, context=opportunity
        )
    return estimate


def _copy_contents(source: Estimate, target: Estimate) -> None:
    """Copy packages (with their skills), assumptions, exclusions and risks from one version to another."""
    for package in source.packages.order_by("position", "pk").prefetch_related("skills"):
        copy = WorkPackage.objects.create(
            estimate=target,
            **{name: getattr(package, name) for name in [*PACKAGE_FIELDS, "position", "expected_hours"]},
        )
        copy.skills.set(list(package.skills.all()))
    EstimateLine.objects.bulk_create(
        EstimateLine(estimate=target, kind=line.kind, text=line.text, position=line.position)
        for line in source.lines.all()
    )
    Risk.objects.bulk_create(
        Risk(
            estimate=target,
            description=risk.description,
            probability=risk.probability,
            consequence_hours=risk.consequence_hours,
            mitigation=risk.mitigation,
            position=risk.position,
        )
        for risk in source.risks.all()
    )


def update_estimate(
    estimate: Estimate, changes: Mapping[str, Any], *, by: Any, version: int | None
) -> Estimate:
    """Change the estimate's title, notes, confidence point or whether the contingency is in the price."""
    unknown = set(changes) - set(ESTIMATE_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    if "confidence" in changes and changes["confidence"] not in ConfidencePoint.values:
        raise InvalidInput({"confidence": [_("Choose P50, P80 or P90.")]})
    with transaction.atomic():
        current = _lock_estimate(estimate, by)
        updated = actions.update(
            current,
            changes,
            by=by,
            version=version,
            verb="estimate.updated",
            context=current.opportunity,
            validate=lambda e: _validated(e, exclude=["opportunity", "created_by", "based_on"]),
        )
        if "confidence" in changes or "include_contingency" in changes:
            _recompute(updated)
    return updated


def lock_for_offer(opportunity: Opportunity, *, by: Any) -> Estimate | None:
    """Lock the current estimate because the offer is sent; idempotent; None when there is no estimate."""
    with transaction.atomic():
        estimate = (
            Estimate.objects.select_for_update().filter(opportunity=opportunity).order_by("-number").first()
        )
        if estimate is None or estimate.is_locked:
            return estimate
        estimate.locked_at = timezone.now()
        estimate.save(update_fields=["locked_at"])
        events.append_event(
            verb="estimate.locked",
            target=estimate,
            by=by,
            changes={
                "locked_at": {
                    "before": None,
                    "after": events.plain(estimate.locked_at),
                    "before_text": "",
                    "after_text": events.shown(estimate.locked_at),
                }
            },
            context=opportunity,
        )
    return estimate


# --------------------------------------------------------------------------------------------------
# Work packages
# --------------------------------------------------------------------------------------------------


def add_work_package(
    estimate: Estimate, fields: Mapping[str, Any], *, by: Any, skills: Iterable[Any] | None = None
) -> WorkPackage:
    """Add a work package; without an hourly rate it gets the agreement's, the role's or the firm's rate."""
    values: dict[str, Any] = {name: fields.get(name) for name in PACKAGE_FIELDS}
    values["role"] = values["role"] or Role.EXPERT
    values["description"] = values["description"] or ""
    values["name"] = str(values["name"] or "").strip()
    _check_package(values)
    chosen_skills = _skills(skills)
    with transaction.atomic():
        current = _lock_estimate(estimate, by)
        if values["hourly_rate"] is None:
            values["hourly_rate"] = rate_book(current.opportunity).suggested(str(values["role"])).amount
        position = (current.packages.aggregate(p=Max("position"))["p"] or 0) + 1
        package = WorkPackage(estimate=current, position=position, **values)
        _validated(package, exclude=["estimate", "expected_hours"])
        package = actions.create(
            package, by=by, verb="work_package.added", context=current.opportunity, fields=PACKAGE_FIELDS
        )
        if chosen_skills:
            package.skills.set(chosen_skills)
        _recompute(current)
        package.refresh_from_db()
    return package


def update_work_package(
    package: WorkPackage,
    changes: Mapping[str, Any],
    *,
    by: Any,
    version: int | None,
    skills: Iterable[Any] | None = None,
    verb: str = "work_package.updated",
) -> WorkPackage:
    """Change a work package (refused if someone saved it after `version`); the totals follow."""
    unknown = set(changes) - set(PACKAGE_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    chosen_skills = _skills(skills)
    with transaction.atomic():
        estimate = _lock_estimate(package.estimate, by)
        current = WorkPackage.objects.select_for_update().get(pk=package.pk)
        actions.check_version(current, version)
        values = {name: getattr(current, name) for name in PACKAGE_FIELDS}
        values.update(changes)
        if "hourly_rate" in changes and changes["hourly_rate"] in (None, ""):
            values["hourly_rate"] = None
        values["name"] = str(values["name"] or "").strip()
        values["description"] = values["description"] or ""
        _check_package(values)
        values["hourly_rate"] = _rate_after(estimate, current, changes, values["hourly_rate"])
        changed = actions.diff(current, values)
        skills_change = _skills_change(current, chosen_skills)
        if skills_change:
            changed["skills"] = skills_change
        if not changed:
            return current
        for name in PACKAGE_FIELDS:
            setattr(current, name, values[name])
        _validated(current, exclude=["estimate", "expected_hours"])
        current.version += 1
        current.save()
        if chosen_skills is not None:
            current.skills.set(chosen_skills)
        events.append_event(verb=verb, target=current, by=by, changes=changed, context=estimate.opportunity)
        _recompute(estimate)
        current.refresh_from_db()
    return current


def _rate_after(estimate: Estimate, package: WorkPackage, changes: Mapping[str, Any], typed: Any) -> Decimal:
    """Return the package's rate after a change: typed, or the suggestion when the rate was left empty.

    A package whose rate was the suggestion for its old role follows the new role's suggestion.
    """
    if typed is not None and not ("role" in changes and "hourly_rate" not in changes):
        return Decimal(typed)
    book = rate_book(estimate.opportunity)
    if typed is None:
        return book.suggested(str(changes.get("role") or package.role)).amount
    if book.source_of(package).source != RateSource.TYPED:
        return book.suggested(str(changes["role"])).amount
    return Decimal(typed)


def _skills_change(package: WorkPackage, skills: list[Skill] | None) -> dict[str, Any] | None:
    if skills is None:
        return None
    before = sorted(package.skills.all(), key=lambda s: s.name)
    after = sorted(skills, key=lambda s: s.name)
    if [s.pk for s in before] == [s.pk for s in after]:
        return None
    return {
        "before": [s.pk for s in before],
        "after": [s.pk for s in after],
        "before_text": ", ".join(s.name for s in before),
        "after_text": ", ".join(s.name for s in after),
    }


def remove_work_package(package: WorkPackage, *, by: Any, version: int | None = None) -> Estimate:
    """Remove a work package from an unlocked estimate; the totals follow."""
    with transaction.atomic():
        estimate = _lock_estimate(package.estimate, by)
        current = WorkPackage.objects.select_for_update().filter(pk=package.pk).first()
        if current is None:
            return estimate
        actions.check_version(current, version)
        events.append_event(
            verb="work_package.removed",
            target=current,
            by=by,
            data={"estimate": estimate.pk, "name": current.name},
            context=estimate.opportunity,
        )
        current.delete()
        _recompute(estimate)
    return estimate


# --------------------------------------------------------------------------------------------------
# Assumptions and exclusions
# --------------------------------------------------------------------------------------------------


def add_line(estimate: Estimate, kind: str, text: str, *, by: Any) -> EstimateLine:
    """Add an assumption or an exclusion to an unlocked estimate."""
    if kind not in EstimateLineKind.values:
        raise InvalidInput({"kind": [_("Choose assumption or exclusion.")]})
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": [_("Write the assumption or exclusion.")]})
    if len(text) > 5000:
        raise InvalidInput({"text": [_("Keep it under 5 000 characters.")]})
    with transaction.atomic():
        current = _lock_estimate(estimate, by)
        position = (current.lines.filter(kind=kind).aggregate(p=Max("position"))["p"] or 0) + 1
        line = EstimateLine(estimate=current, kind=kind, text=text, position=position)
        return actions.create(
            line,
            by=by,
            verb=f"estimate_line.{kind}_added",
            context=current.opportunity,
            fields=["kind", "text"],
        )


def update_line(line: EstimateLine, text: str, *, by: Any) -> EstimateLine:
    """Change the text of an assumption or exclusion."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": [_("Write the assumption or exclusion.")]})
    if len(text) > 5000:
        raise InvalidInput({"text": [_("Keep it under 5 000 characters.")]})
    with transaction.atomic():
        estimate = _lock_estimate(line.estimate, by)
        current = EstimateLine.objects.select_for_update().get(pk=line.pk)
        changed = actions.diff(current, {"text": text})
        if changed:
            current.text = text
            current.save(update_fields=["text"])
            events.append_event(
                verb="estimate_line.updated",
                target=current,
                by=by,
                changes=changed,
                context=estimate.opportunity,
            )
    return current


def remove_line(line: EstimateLine, *, by: Any) -> None:
    """Remove an assumption or exclusion from an unlocked estimate."""
    with transaction.atomic():
        estimate = _lock_estimate(line.estimate, by)
        events.append_event(
            verb="estimate_line.removed",
            target=line,
            by=by,
            data={"estimate": estimate.pk, "kind": line.kind, "text": line.text[:200]},
            context=estimate.opportunity,
        )
        EstimateLine.objects.filter(pk=line.pk).delete()


# --------------------------------------------------------------------------------------------------
# Risks
# --------------------------------------------------------------------------------------------------


def _check_risk(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    consequence = _decimal(values.get("consequence_hours"), "consequence_hours", errors)
    probability = _decimal(values.get("probability"), "probability", errors)
    if probability is not None and "probability" not in errors:
        if probability != probability.to_integral_value():
            errors["probability"] = [_("Give the probability in whole percent.")]
        elif not 0 <= probability <= 100:
            errors["probability"] = [_("A probability lies between 0 % and 100 %.")]
        else:
            values["probability"] = int(probability)
    elif "probability" not in errors:
        errors["probability"] = [_("Give the probability in percent.")]
    if consequence is None and "consequence_hours" not in errors:
        errors["consequence_hours"] = [_("Give the consequence in hours.")]
    elif consequence is not None:
        values["consequence_hours"] = consequence
        for name, messages in estimation.validate_risk(None, consequence).items():
            errors.setdefault(name, []).extend(messages)
    if not str(values.get("description") or "").strip():
        errors["description"] = [_("Describe the risk.")]
    if errors:
        raise InvalidInput(errors)


def add_risk(estimate: Estimate, fields: Mapping[str, Any], *, by: Any) -> Risk:
    """Add a risk (probability × consequence in hours); the contingency follows."""
    values = {name: fields.get(name) for name in RISK_FIELDS}
    values["description"] = str(values["description"] or "").strip()
    values["mitigation"] = str(values["mitigation"] or "").strip()
    _check_risk(values)
    with transaction.atomic():
        current = _lock_estimate(estimate, by)
        position = (current.risks.aggregate(p=Max("position"))["p"] or 0) + 1
        risk = Risk(estimate=current, position=position, **values)
        _validated(risk, exclude=["estimate"])
        risk = actions.create(risk, by=by, verb="risk.added", context=current.opportunity, fields=RISK_FIELDS)
        _recompute(current)
    return risk


def update_risk(risk: Risk, changes: Mapping[str, Any], *, by: Any) -> Risk:
    """Change a risk; the contingency follows."""
    unknown = set(changes) - set(RISK_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    with transaction.atomic():
        estimate = _lock_estimate(risk.estimate, by)
        current = Risk.objects.select_for_update().get(pk=risk.pk)
        values = {name: getattr(current, name) for name in RISK_FIELDS}
        values.update(changes)
        values["description"] = str(values["description"] or "").strip()
        values["mitigation"] = str(values["mitigation"] or "").strip()
        _check_risk(values)
        changed = actions.diff(current, values)
        if not changed:
            return current
        for name in RISK_FIELDS:
            setattr(current, name, values[name])
        _validated(current, exclude=["estimate"])
        current.save()
        events.append_event(
            verb="risk.updated", target=current, by=by, changes=changed, context=estimate.opportunity
        )
        _recompute(estimate)
    return current


def remove_risk(risk: Risk, *, by: Any) -> Estimate:
    """Remove a risk; the contingency follows."""
    with transaction.atomic():
        estimate = _lock_estimate(risk.estimate, by)
        events.append_event(
            verb="risk.removed",
            target=risk,
            by=by,
            data={"estimate": estimate.pk, "description": risk.description[:200]},
            context=estimate.opportunity,
        )
        Risk.objects.filter(pk=risk.pk).delete()
        _recompute(estimate)
    return estimate


# --------------------------------------------------------------------------------------------------
# Comparing two versions (a read, kept with the actions that make versions)
# --------------------------------------------------------------------------------------------------


class Change:
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    SAME = "same"


@dataclass
class PackageChange:
    """How one work package differs between two versions (matched by name)."""

    name: str
    status: str
    before: WorkPackage | None
    after: WorkPackage | None
    hours_changed: bool = False
    rate_changed: bool = False
    other_changed: list[str] = field(default_factory=list)

    @property
    def hours_delta(self) -> Decimal:
        return (self.after.expected_hours if self.after else Decimal(0)) - (
            self.before.expected_hours if self.before else Decimal(0)
        )

    @property
    def amount_delta(self) -> Decimal:
        return (self.after.amount if self.after else Decimal(0)) - (
            self.before.amount if self.before else Decimal(0)
        )


@dataclass
class TotalChange:
    """One total of two versions: hours or an amount, before and after."""

    label: str
    before: Decimal
    after: Decimal
    is_money: bool

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


@dataclass
class Comparison:
    """Two versions side by side: the package changes and the change of every total."""

    before: Estimate
    after: Estimate
    packages: list[PackageChange]
    totals: list[TotalChange]

    @property
    def changed_count(self) -> int:
        return sum(1 for p in self.packages if p.status != Change.SAME)


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def compare_estimates(before: Estimate, after: Estimate) -> Comparison:
    """Return what changed from `before` to `after`, per work package and in the totals.

    Packages are matched by name (ignoring case and spacing), so a renamed package shows as one removed
    and one added: the name is what the customer reads in the offer.
    """
    old = list(before.packages.order_by("position", "pk").prefetch_related("skills"))
    new = list(after.packages.order_by("position", "pk").prefetch_related("skills"))
    unmatched: dict[str, list[WorkPackage]] = {}
    for package in old:
        unmatched.setdefault(_key(package.name), []).append(package)
    rows: list[PackageChange] = []
    for package in new:
        candidates = unmatched.get(_key(package.name))
        if not candidates:
            rows.append(PackageChange(package.name, Change.ADDED, None, package))
            continue
        rows.append(_package_change(candidates.pop(0), package))
    for leftovers in unmatched.values():
        rows.extend(PackageChange(p.name, Change.REMOVED, p, None) for p in leftovers)
    totals = [
        TotalChange(_("Expected hours"), before.expected_hours, after.expected_hours, False),
        TotalChange("P50", before.p50_hours, after.p50_hours, False),
        TotalChange("P80", before.p80_hours, after.p80_hours, False),
        TotalChange("P90", before.p90_hours, after.p90_hours, False),
        TotalChange(_("Expected amount"), before.expected_amount, after.expected_amount, True),
        TotalChange(_("Price at P50"), before.p50_price, after.p50_price, True),
        TotalChange(_("Price at P80"), before.p80_price, after.p80_price, True),
        TotalChange(_("Price at P90"), before.p90_price, after.p90_price, True),
        TotalChange(_("Risk contingency"), before.contingency_amount, after.contingency_amount, True),
        TotalChange(_("Price"), before.price, after.price, True),
    ]
    return Comparison(before=before, after=after, packages=rows, totals=totals)


def _package_change(old: WorkPackage, new: WorkPackage) -> PackageChange:
    hours = any(getattr(old, n) != getattr(new, n) for n in ("optimistic", "most_likely", "pessimistic"))
    rate = old.hourly_rate != new.hourly_rate
    other = [
        str(getattr(WorkPackage._meta.get_field(n), "verbose_name", n))
        for n in ("description", "role")
        if getattr(old, n) != getattr(new, n)
    ]
    if {s.pk for s in old.skills.all()} != {s.pk for s in new.skills.all()}:
        other.append(str(getattr(WorkPackage._meta.get_field("skills"), "verbose_name", "skills")))
    status = Change.CHANGED if hours or rate or other else Change.SAME
    return PackageChange(
        new.name, status, old, new, hours_changed=hours, rate_changed=rate, other_changed=other
    )


# --------------------------------------------------------------------------------------------------
# The offer letter
# --------------------------------------------------------------------------------------------------


def create_offer_document(estimate: Estimate, *, by: Any, valid_days: int = 30) -> OfferDocument:
    """Make the offer letter (DOCX) from this estimate version and keep it with the version."""
    from samspill.pipeline import offer

    _require_changer(by, estimate.opportunity)
    if not 1 <= valid_days <= 365:
        raise InvalidInput({"valid_days": [_("An offer is valid for 1 to 365 days.")]})
    if not estimate.packages.exists():
        raise RuleBroken(_("Add work packages to the estimate before making the offer letter."))
    valid_until = timezone.localdate() + datetime.timedelta(days=valid_days)
    _context, content = offer.make_offer(estimate, valid_until=valid_until, by=by)
    with transaction.atomic():
        document = offer.store(estimate, content, valid_until=valid_until, by=by)
        events.append_event(
            verb="offer.generated",
            target=estimate,
            by=by,
            changes={
                "valid_until": {
                    "before": None,
                    "after": valid_until.isoformat(),
                    "before_text": "",
                    "after_text": events.shown(valid_until),
                }
            },
            data={"offer_document": document.pk, "price": str(estimate.price)},
            context=estimate.opportunity,
        )
    return document
