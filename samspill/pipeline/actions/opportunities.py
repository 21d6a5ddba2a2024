"""Every change to opportunities: create, edit, move between stages, win, lose, the team, stage settings.

Stage rules, written once here for the pages and the API alike:

- Moving to a stage sets the probability to that stage's default, unless the same change states a
  probability explicitly (then that one is kept).
- Moving forward into, or past, a stage that requires an expert review (default: "offer sent") is
  refused while a review is open, when no review is done, or when the last verdict is "not
  realistic". Management may override with a written reason, which the move's event records.
  Moving backwards, or to lost, is never gated.
- Moving forward into or past "offer sent" locks the current estimate: it is what the customer got.
- Won and lost are reached through `win_opportunity` and `lose_opportunity`, which record the decision.
  A won opportunity is final. A lost one may be reopened by moving it to an open stage, which clears
  its reason (the event log keeps it).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.customers.models import Customer, FrameworkAgreement
from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.lib.formatting import date as show_date
from samspill.people.models import Person, Skill, is_administrator
from samspill.pipeline.access import can_change_opportunity, can_override_gate, can_sell
from samspill.pipeline.models import (
    CLOSED_STAGES,
    OPEN_STAGES,
    Estimate,
    ExpertReview,
    LostReason,
    Opportunity,
    ReviewState,
    Stage,
    StageSetting,
    TeamMember,
    TeamRole,
    Verdict,
)

OPPORTUNITY_FIELDS = [
    "customer",
    "agreement",
    "title",
    "description",
    "project_type",
    "tags",
    "contract_type",
    "value",
    "probability",
    "expected_start",
    "duration_weeks",
    "offer_due",
    "owner",
    "confidential",
]
# The order a sale runs through; won comes after negotiation, lost is off the line.
LINE = [*OPEN_STAGES, Stage.WON]
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_VALUE = Decimal("999999999999.99")


# -- checks shared by the actions ------------------------------------------------------------------


def _require_seller(by: Any) -> None:
    if not can_sell(by):
        raise NotAllowed(_("Only sellers, management and administrators can create opportunities."))


def _require_change(opportunity: Opportunity, by: Any) -> None:
    if not can_change_opportunity(by, opportunity):
        raise NotAllowed(
            _("Only the owner, the team, management and administrators can change this opportunity.")
        )


def _validated(obj: Any, exclude: list[str] | None = None) -> None:
    """Run the model's field validation; raise InvalidInput with the field errors."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidInput({k: [str(m) for m in v] for k, v in error.message_dict.items()}) from None


def _check_person(person: Any, name: str) -> None:
    if isinstance(person, Person) and not person.is_active:
        raise InvalidInput({name: [_("%(name)s is deactivated.") % {"name": person.name}]})


def _clean_tags(tags: Any) -> list[str]:
    if tags in (None, ""):
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list | tuple):
        raise InvalidInput({"tags": [_("Tags are a list of words.")]})
    cleaned: list[str] = []
    for tag in tags:
        text = str(tag).strip()
        if not text:
            continue
        if len(text) > MAX_TAG_LENGTH:
            raise InvalidInput(
                {"tags": [_("A tag has at most %(count)d characters.") % {"count": MAX_TAG_LENGTH}]}
            )
        if text.lower() not in (t.lower() for t in cleaned):
            cleaned.append(text)
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput({"tags": [_("At most %(count)d tags.") % {"count": MAX_TAGS}]})
    return cleaned


def _check_value(value: Any) -> None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput({"value": [_("Enter an amount in kroner.")]}) from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput({"value": [_("The value cannot be negative.")]})
    if amount > MAX_VALUE:
        raise InvalidInput({"value": [_("The value is too large.")]})


def _check_probability(probability: Any, name: str = "probability") -> int:
    """Return a probability as a whole percent; refuse anything else with a field error."""
    number: int | None = None
    if isinstance(probability, bool):
        number = None
    elif isinstance(probability, int):
        number = probability
    elif isinstance(probability, str) and probability.strip().lstrip("-").isdigit():
        number = int(probability.strip())
    elif isinstance(probability, Decimal | float) and probability == int(probability):
        number = int(probability)
    if number is None:
        raise InvalidInput({name: [_("The probability is a whole number from 0 to 100.")]})
    if not 0 <= number <= 100:
        raise InvalidInput({name: [_("The probability is between 0 and 100 %.")]})
    return number


def _check_opportunity(opportunity: Opportunity) -> None:
    """Check the whole opportunity before it is saved: a field error for each thing that is wrong."""
    _check_value(opportunity.value)
    _check_probability(opportunity.probability)
    customer: Customer | None = getattr(opportunity, "customer", None) if opportunity.customer_id else None
    if customer is None:
        raise InvalidInput({"customer": [_("Choose the customer.")]})
    if customer.is_archived and opportunity._state.adding:
        raise InvalidInput(
            {"customer": [_("The customer is archived: restore it before adding opportunities.")]}
        )
    agreement: FrameworkAgreement | None = opportunity.agreement if opportunity.agreement_id else None
    if agreement is not None and agreement.customer_id != customer.pk:
        raise InvalidInput(
            {
                "agreement": [
                    _("%(agreement)s is an agreement with another customer.") % {"agreement": agreement}
                ]
            }
        )
    if agreement is not None and agreement.is_archived and opportunity._state.adding:
        raise InvalidInput({"agreement": [_("The framework agreement is archived.")]})
    opportunity.tags = _clean_tags(opportunity.tags)
    opportunity.title = (opportunity.title or "").strip()
    if not opportunity.title:
        raise InvalidInput({"title": [_("Give the opportunity a title.")]})
    _validated(opportunity, exclude=["customer", "agreement", "owner", "sold_estimate", "stage"])


def _clean_skills(skills: Iterable[Any] | None) -> list[Skill] | None:
    if skills is None:
        return None
    wanted = list(skills)
    ids = [getattr(s, "pk", s) for s in wanted]
    found = {s.pk: s for s in Skill.objects.filter(pk__in=ids)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise InvalidInput({"required_skills": [_("Unknown skill: %(ids)s.") % {"ids": ", ".join(missing)}]})
    return list(found.values())


def _skills_change(opportunity: Opportunity, wanted: list[Skill]) -> dict[str, Any] | None:
    current = {s.pk: s.name for s in opportunity.required_skills.all()}
    after = {s.pk: s.name for s in wanted}
    if set(current) == set(after):
        return None
    opportunity.required_skills.set(wanted)
    return {
        "before": sorted(current),
        "after": sorted(after),
        "before_text": ", ".join(sorted(current.values())) or "—",
        "after_text": ", ".join(sorted(after.values())) or "—",
    }


# -- create and edit -------------------------------------------------------------------------------


def create_opportunity(
    fields: Mapping[str, Any],
    *,
    by: Any,
    required_skills: Iterable[Any] | None = None,
    team: Iterable[tuple[Any, str]] = (),
    stage: str = Stage.LEAD,
) -> Opportunity:
    """Register a new opportunity; the owner joins its team as seller, with whoever `team` names.

    It starts at `stage` (lead unless said otherwise), with that stage's default probability unless
    `fields` gives one. Starting at or past a stage that requires an expert review is refused.
    """
    _require_seller(by)
    if stage not in OPEN_STAGES:
        raise InvalidInput({"stage": [_("A new opportunity starts at an open stage.")]})
    settings = StageSetting.current()
    gated = [s for s in LINE[: LINE.index(Stage(stage)) + 1] if settings[s].requires_review]
    if gated:
        raise InvalidInput(
            {
                "stage": [
                    _("Start it at an earlier stage: %(stage)s needs an expert review first.")
                    % {"stage": Stage(gated[0]).label}
                ]
            }
        )
    values = {k: v for k, v in fields.items() if k in OPPORTUNITY_FIELDS}
    values.setdefault("owner", by)
    if values.get("probability") in (None, ""):
        values["probability"] = settings[stage].probability
    if values.get("value") in (None, ""):
        values["value"] = Decimal(0)
    _check_person(values.get("owner"), "owner")
    opportunity = Opportunity(**values, stage=stage, stage_changed_at=timezone.now())
    _check_opportunity(opportunity)
    skills = _clean_skills(required_skills) or []
    members = [(opportunity.owner, TeamRole.SELLER), *team]
    for person, role in members:
        _check_team_member(person, role)
    with transaction.atomic():
        actions.create(opportunity, by=by, verb="opportunity.created", fields=[*OPPORTUNITY_FIELDS, "stage"])
        opportunity.required_skills.set(skills)
        seen: set[tuple[int, str]] = set()
        for person, role in members:
            if (person.pk, role) not in seen:
                seen.add((person.pk, role))
                _add_member(opportunity, person, role, by=by)
    return opportunity


def update_opportunity(
    opportunity: Opportunity,
    changes: Mapping[str, Any],
    *,
    by: Any,
    version: int | None,
    required_skills: Iterable[Any] | None = None,
) -> Opportunity:
    """Change an opportunity's details; refused if somebody saved it after `version`.

    The stage is changed by moving, winning or losing, never here. Won and lost opportunities are
    settled and not edited.
    """
    _require_change(opportunity, by)
    unknown = set(changes) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    _check_person(changes.get("owner"), "owner")
    wanted = _clean_skills(required_skills)
    with transaction.atomic():
        current = actions.lock(opportunity)
        actions.check_version(current, version)
        if current.stage in CLOSED_STAGES:
            raise RuleBroken(
                _("This opportunity is %(stage)s and can no longer be edited.")
                % {"stage": current.get_stage_display().lower()}
            )
        changes = {**changes, **({"tags": _clean_tags(changes["tags"])} if "tags" in changes else {})}
        changed = actions.diff(current, changes)
        for name in changed:
            setattr(current, name, changes[name])
        _check_opportunity(current)
        if wanted is not None and (skill_change := _skills_change(current, wanted)):
            changed["required_skills"] = skill_change
        if not changed:
            return current
        current.version += 1
        current.save()
        events.append_event(verb="opportunity.updated", target=current, by=by, changes=changed)
        if (
            "owner" in changed
            and not current.team.filter(person=current.owner, role=TeamRole.SELLER).exists()
        ):
            _add_member(current, current.owner, TeamRole.SELLER, by=by)
    return current


# -- the review gate -------------------------------------------------------------------------------


def _position(stage: str) -> int:
    """Where a stage is on the line; lost is before the start, so reopening one passes every gate again."""
    return LINE.index(Stage(stage)) if stage in LINE else -1


def gated_stages(from_stage: str, to_stage: str) -> list[str]:
    """The stages requiring a review that a forward move from `from_stage` to `to_stage` enters or passes."""
    settings = StageSetting.current()
    start, end = _position(from_stage), _position(to_stage)
    return [s.value for s in LINE[start + 1 : end + 1] if settings[s].requires_review]


def gate_refusal(opportunity: Opportunity, stage: str) -> str | None:
    """Return why the review gate stops `opportunity` from entering `stage`, or None if it may."""
    label = Stage(stage).label
    reviews = ExpertReview.objects.filter(opportunity=opportunity).select_related("reviewer", "skill")
    waiting = (
        reviews.filter(state__in=[ReviewState.REQUESTED, ReviewState.ACCEPTED])
        .order_by("due_on", "pk")
        .first()
    )
    if waiting is not None:
        who = (
            waiting.reviewer.name
            if waiting.reviewer
            else _("an expert in %(skill)s") % {"skill": waiting.skill}
        )
        return _(
            "%(stage)s needs a finished expert review: the review requested from %(who)s (due %(due)s) is "
            "still open. Wait for the verdict, or cancel the review."
        ) % {"stage": label, "who": who, "due": show_date(waiting.due_on)}
    done = reviews.filter(state=ReviewState.DONE).order_by("-decided_at", "-pk").first()
    if done is None:
        return _(
            "%(stage)s needs an expert review first: request a review of the estimate and wait for "
            "the verdict."
        ) % {"stage": label}
    if done.verdict == Verdict.NOT_REALISTIC:
        who = done.reviewer.name if done.reviewer else _("The expert")
        return _(
            "%(stage)s is stopped: %(who)s judged the estimate not realistic (%(date)s). Revise the estimate "
            "and ask for a new review."
        ) % {"stage": label, "who": who, "date": show_date(done.decided_at)}
    return None


def _pass_gate(opportunity: Opportunity, to_stage: str, *, by: Any, override_reason: str) -> str:
    """Refuse a move the gate stops, unless management overrides it with a reason; return that reason."""
    for stage in gated_stages(opportunity.stage, to_stage):
        refusal = gate_refusal(opportunity, stage)
        if refusal is None:
            continue
        if not override_reason:
            if can_override_gate(by):
                raise RuleBroken(refusal + " " + _("Management may override the gate with a written reason."))
            raise RuleBroken(refusal)
        if not can_override_gate(by):
            raise NotAllowed(refusal + " " + _("Only management may override the review gate."))
        return override_reason
    return ""


def _override_change(reason: str) -> dict[str, dict[str, Any]]:
    if not reason:
        return {}
    return {"override_reason": {"before": None, "after": reason, "before_text": "", "after_text": reason}}


def _lock_sent_estimate(opportunity: Opportunity, from_stage: str, to_stage: str, *, by: Any) -> None:
    """Lock the current estimate when a forward move enters or passes "offer sent"."""
    if _position(from_stage) < LINE.index(Stage.OFFER_SENT) <= _position(to_stage):
        from samspill.pipeline.actions.estimates import lock_for_offer

        lock_for_offer(opportunity, by=by)


# -- stages ----------------------------------------------------------------------------------------


def move_opportunity(
    opportunity: Opportunity,
    stage: str,
    *,
    by: Any,
    version: int | None,
    probability: Any = None,
    override_reason: str = "",
) -> Opportunity:
    """Move an opportunity to another open stage (see the module's stage rules)."""
    _require_change(opportunity, by)
    if stage in CLOSED_STAGES:
        raise InvalidInput(
            {"stage": [_("Winning records the decision date and losing needs a reason: use Win or Lose.")]}
        )
    if stage not in OPEN_STAGES:
        raise InvalidInput({"stage": [_("Unknown stage: %(stage)s.") % {"stage": stage}]})
    explicit = probability not in (None, "")
    if explicit:
        probability = _check_probability(probability)
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        current = actions.lock(opportunity)
        actions.check_version(current, version)
        if current.stage == Stage.WON:
            raise RuleBroken(_("A won opportunity is final: its handover carries it on."))
        forward = _position(stage) > _position(current.stage)
        reason = _pass_gate(current, stage, by=by, override_reason=override_reason) if forward else ""
        wanted: dict[str, Any] = {
            "stage": stage,
            "probability": probability if explicit else StageSetting.current()[stage].probability,
        }
        if current.stage == Stage.LOST:
            wanted.update(decided_on=None, lost_reason="", lost_note="")
        if current.stage == stage and not explicit:
            wanted.pop("probability")
        changed = actions.diff(current, wanted)
        if not changed:
            return current
        from_stage = current.stage
        for name in changed:
            setattr(current, name, wanted[name])
        if "stage" in changed:
            current.stage_changed_at = timezone.now()
        current.version += 1
        current.save()
        verb = "opportunity.moved" if "stage" in changed else "opportunity.updated"
        events.append_event(verb=verb, target=current, by=by, changes={**changed, **_override_change(reason)})
        if forward:
            _lock_sent_estimate(current, from_stage, stage, by=by)
    return current


def sold_estimate_for(opportunity: Opportunity) -> Estimate | None:
    """The estimate that becomes the sold one on a win: the newest locked (sent) one, else the current one."""
    locked = (
        Estimate.objects.filter(opportunity=opportunity, locked_at__isnull=False).order_by("-number").first()
    )
    if locked is not None:
        return locked
    return Estimate.objects.filter(opportunity=opportunity).order_by("-number").first()


def _sold_estimate(opportunity: Opportunity, *, by: Any) -> Estimate | None:
    """The newest sent (locked) estimate; else the current one, locked now because it is sold."""
    locked = (
        Estimate.objects.filter(opportunity=opportunity, locked_at__isnull=False).order_by("-number").first()
    )
    if locked is not None:
        return locked
    from samspill.pipeline.actions.estimates import lock_for_offer

    return lock_for_offer(opportunity, by=by)


def _decision_date(decided_on: datetime.date | None) -> datetime.date:
    today = timezone.localdate()
    if decided_on is None:
        return today
    if not isinstance(decided_on, datetime.date):
        raise InvalidInput({"decided_on": [_("Enter a date.")]})
    if decided_on > today:
        raise InvalidInput({"decided_on": [_("The decision cannot be in the future.")]})
    return decided_on


def win_opportunity(
    opportunity: Opportunity,
    *,
    by: Any,
    version: int | None,
    decided_on: datetime.date | None = None,
    override_reason: str = "",
) -> Opportunity:
    """Record that the customer chose us: the decision date and the sold estimate version.

    The sold estimate is the one sent (the newest locked one), else the current one, which is locked
    now; an opportunity without any estimate is won without one (`sold_estimate` stays empty). Winning
    straight from a stage before "offer sent" passes the same review gate as a move.
    """
    _require_change(opportunity, by)
    decided = _decision_date(decided_on)
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        current = actions.lock(opportunity)
        actions.check_version(current, version)
        if current.stage == Stage.WON:
            raise RuleBroken(_("This opportunity is already won."))
        if current.stage == Stage.LOST:
            raise RuleBroken(_("This opportunity is lost: move it back to an open stage before winning it."))
        reason = _pass_gate(current, Stage.WON, by=by, override_reason=override_reason)
        sold = _sold_estimate(current, by=by)
        wanted = {
            "stage": Stage.WON.value,
            "probability": StageSetting.current()[Stage.WON].probability,
            "decided_on": decided,
            "sold_estimate": sold,
        }
        changed = actions.diff(current, wanted)
        for name in changed:
            setattr(current, name, wanted[name])
        current.stage_changed_at = timezone.now()
        current.version += 1
        current.save()
        events.append_event(
            verb="opportunity.won", target=current, by=by, changes={**changed, **_override_change(reason)}
        )
    return current


def lose_opportunity(
    opportunity: Opportunity,
    *,
    reason: str,
    note: str,
    by: Any,
    version: int | None,
    decided_on: datetime.date | None = None,
) -> Opportunity:
    """Record that we lost, why (one of the reasons) and what we learned (a note); never gated."""
    _require_change(opportunity, by)
    errors: dict[str, list[str]] = {}
    if reason not in LostReason.values:
        errors["reason"] = [_("Choose why we lost: price, scope, timing, competitor, no decision or other.")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [_("Write a short note on why we lost, so the next offer can learn from it.")]
    try:
        decided = _decision_date(decided_on)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        current = actions.lock(opportunity)
        actions.check_version(current, version)
        if current.stage == Stage.WON:
            raise RuleBroken(_("A won opportunity is final: its handover carries it on."))
        if current.stage == Stage.LOST:
            raise RuleBroken(_("This opportunity is already lost."))
        wanted = {
            "stage": Stage.LOST.value,
            "probability": StageSetting.current()[Stage.LOST].probability,
            "decided_on": decided,
            "lost_reason": reason,
            "lost_note": note,
        }
        changed = actions.diff(current, wanted)
        for name in changed:
            setattr(current, name, wanted[name])
        current.stage_changed_at = timezone.now()
        current.version += 1
        current.save()
        events.append_event(verb="opportunity.lost", target=current, by=by, changes=changed)
    return current


# -- the team --------------------------------------------------------------------------------------


def _check_team_member(person: Any, role: str) -> None:
    if not isinstance(person, Person):
        raise InvalidInput({"person": [_("Choose a person.")]})
    if not person.is_active:
        raise InvalidInput({"person": [_("%(name)s is deactivated.") % {"name": person.name}]})
    if role not in TeamRole.values:
        raise InvalidInput(
            {"role": [_("Choose a role: seller, solution lead, expert or project manager candidate.")]}
        )


def _add_member(opportunity: Opportunity, person: Any, role: str, *, by: Any) -> TeamMember:
    member = TeamMember(opportunity=opportunity, person=person, role=role)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise InvalidInput(
            {"person": [_("%(name)s already has this role on the team.") % {"name": person.name}]}
        ) from None
    events.append_event(
        verb="opportunity.team_added",
        target=member,
        by=by,
        context=opportunity,
        changes={
            "person": {"before": None, "after": person.pk, "before_text": "", "after_text": person.name},
            "role": {
                "before": None,
                "after": role,
                "before_text": "",
                "after_text": str(TeamRole(role).label),
            },
        },
    )
    return member


def add_team_member(opportunity: Opportunity, person: Any, role: str, *, by: Any) -> TeamMember:
    """Put a person on the opportunity's team in a role; they see it even when it is confidential."""
    _require_change(opportunity, by)
    _check_team_member(person, role)
    with transaction.atomic():
        return _add_member(opportunity, person, role, by=by)


def ensure_team_member(opportunity: Opportunity, person: Any, role: str, *, by: Any) -> TeamMember:
    """Return the person's membership in `role`, adding it if missing (for actions of other kinds)."""
    found = TeamMember.objects.filter(opportunity=opportunity, person=person, role=role).first()
    if found is not None:
        return found
    _check_team_member(person, role)
    with transaction.atomic():
        return _add_member(opportunity, person, role, by=by)


def remove_team_member(member: TeamMember, *, by: Any) -> None:
    """Take a person off the team in one role (the owner's seller role stays while they own it)."""
    opportunity = member.opportunity
    _require_change(opportunity, by)
    if member.person_id == opportunity.owner_id and member.role == TeamRole.SELLER:
        raise RuleBroken(
            _("The owner stays on the team as seller: give the opportunity another owner first.")
        )
    with transaction.atomic():
        events.append_event(
            verb="opportunity.team_removed",
            target=member,
            by=by,
            context=opportunity,
            changes={
                "person": {
                    "before": member.person_id,
                    "after": None,
                    "before_text": member.person.name,
                    "after_text": "",
                },
                "role": {
                    "before": member.role,
                    "after": None,
                    "before_text": member.get_role_display(),
                    "after_text": "",
                },
            },
        )
        member.delete()


# -- stage settings (configuration) ----------------------------------------------------------------


def configure_stages(wanted: Mapping[str, Mapping[str, Any]], *, by: Any) -> list[StageSetting]:
    """Set stages' default probabilities and which need an expert review (administrators only).

    `wanted` maps stage codes to {"probability": int, "requires_review": bool}; the stages
    themselves are fixed. Won keeps 100 % and lost 0 %, and neither can require a review.
    """
    if not is_administrator(by):
        raise NotAllowed(_("Only administrators configure the stages."))
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, dict[str, Any]] = {}
    for stage, values in wanted.items():
        if stage not in Stage.values:
            errors[stage] = [_("Unknown stage: %(stage)s.") % {"stage": stage}]
            continue
        try:
            probability = _check_probability(values.get("probability"), f"{stage}_probability")
        except InvalidInput as error:
            errors.update(error.errors)
            continue
        review = bool(values.get("requires_review"))
        if stage in CLOSED_STAGES and (review or probability != (100 if stage == Stage.WON else 0)):
            errors[f"{stage}_probability"] = [_("Won is always 100 % and lost 0 %, with no review.")]
            continue
        cleaned[stage] = {"probability": probability, "requires_review": review}
    if errors:
        raise InvalidInput(errors)
    current = StageSetting.current()
    with transaction.atomic():
        for stage, values in cleaned.items():
            setting = current[stage]
            changed = actions.diff(setting, values)
            if not changed:
                continue
            for name, value in values.items():
                setattr(setting, name, value)
            setting.save()
            events.append_event(verb="stage.configured", target=setting, by=by, changes=changed)
    return list(StageSetting.current().values())
