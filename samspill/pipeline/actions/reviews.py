"""Every change to expert reviews: request, accept, comment, verdict, cancel, and applying a proposal."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from samspill.lib import events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.people.models import Person, PersonSkill, Skill
from samspill.pipeline import estimation
from samspill.pipeline.access import can_change_opportunity
from samspill.pipeline.actions import estimates as estimate_actions
from samspill.pipeline.models import (
    OPEN_REVIEW_STATES,
    Estimate,
    ExpertReview,
    Opportunity,
    ReviewComment,
    ReviewState,
    TeamRole,
    Verdict,
    WorkPackage,
    seen_by,
    sees_everything,
)

NEEDS_COMMENT = {Verdict.APPROVED_WITH_CHANGES, Verdict.NOT_REALISTIC}
PROPOSAL_FIELDS = ("proposed_optimistic", "proposed_most_likely", "proposed_pessimistic")


def _change(name: str, before: Any, after: Any, after_text: str | None = None) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "before": events.plain(before),
            "after": events.plain(after),
            "before_text": events.shown(before) if before not in (None, "") else "",
            "after_text": after_text if after_text is not None else events.shown(after),
        }
    }


def _join_team_as_expert(opportunity: Opportunity, person: Any, *, by: Any) -> None:
    """Put the reviewer on the opportunity's team as expert, so they see it even when it is confidential."""
    from samspill.pipeline.actions.opportunities import ensure_team_member

    ensure_team_member(opportunity, person, TeamRole.EXPERT, by=by)


def qualifies(person: Any, review: ExpertReview) -> bool:
    """Return whether `person` holds the skill a skill-wide review asks for, at its level or higher."""
    if review.skill_id is None:
        return bool(review.reviewer_id == person.pk)
    return PersonSkill.objects.filter(
        person=person, skill_id=review.skill_id, level__gte=review.min_level or 1
    ).exists()


def _skill_wide_for(user: Any) -> Q:
    """Open skill-wide requests `user` may take: on an opportunity they see, asked by someone else, and
    for a skill they hold at the level asked (or higher)."""
    has_skill = PersonSkill.objects.filter(
        person=user, skill=OuterRef("skill"), level__gte=Coalesce(OuterRef("min_level"), 1)
    )
    return (
        Q(state=ReviewState.REQUESTED, reviewer__isnull=True)
        & ~Q(requested_by=user)
        & Exists(has_skill)
        & seen_by(user, "opportunity")
    )


def waiting_for(user: Any) -> QuerySet[ExpertReview]:
    """Return the open requests `user` may take: named to them, or skill-wide ones they qualify for.

    Skill-wide requests come only from opportunities the user can see; the requester's own are left out.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ExpertReview.objects.none()
    return ExpertReview.objects.filter(Q(reviewer=user) | _skill_wide_for(user), state=ReviewState.REQUESTED)


def on_my_desk(user: Any) -> QuerySet[ExpertReview]:
    """Return the reviews `user` may take (`waiting_for`) and those they are doing: what needs them now."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ExpertReview.objects.none()
    return ExpertReview.objects.filter(Q(reviewer=user) | _skill_wide_for(user), state__in=OPEN_REVIEW_STATES)


# --------------------------------------------------------------------------------------------------
# Request and cancel
# --------------------------------------------------------------------------------------------------


def request_review(
    estimate: Estimate,
    *,
    by: Any,
    due_on: datetime.date | None,
    reviewer: Person | None = None,
    skill: Skill | None = None,
    min_level: int | None = None,
    message: str = "",
) -> ExpertReview:
    """Ask a named person, or anyone with a skill at a level, to review an estimate by a date."""
    opportunity = estimate.opportunity
    if not can_change_opportunity(by, opportunity):
        raise NotAllowed(_("Only the opportunity's owner, its team and management can ask for a review."))
    errors = _request_errors(by, due_on, reviewer, skill, min_level, message)
    if errors:
        raise InvalidInput(errors)
    if skill is not None and opportunity.confidential:
        raise RuleBroken(
            _(
                "The opportunity is confidential: ask a named person, so that nobody outside the team sees "
                "its title."
            )
        )
    if not opportunity.is_open:
        raise RuleBroken(_("The opportunity is closed; there is nothing left to review."))
    if not estimate.packages.exists():
        raise RuleBroken(_("Add work packages to the estimate before asking an expert to review it."))
    assert due_on is not None  # _request_errors refused a missing date
    with transaction.atomic():
        review = ExpertReview.objects.create(
            opportunity=opportunity,
            estimate=estimate,
            requested_by=by,
            reviewer=reviewer,
            skill=skill if reviewer is None else None,
            min_level=(min_level or 1) if reviewer is None else None,
            due_on=due_on,
            message=message.strip(),
        )
        if reviewer is not None:
            _join_team_as_expert(opportunity, reviewer, by=by)
        changes = _change("due_on", None, due_on)
        if reviewer is not None:
            changes.update(_change("reviewer", None, reviewer, reviewer.name))
        else:
            assert skill is not None
            changes.update(_change("skill", None, skill, f"{skill.name} ≥ {review.min_level}"))
        events.append_event(
            verb="review.requested", target=review, by=by, changes=changes, context=opportunity
        )
    return review


def _request_errors(
    by: Any,
    due_on: datetime.date | None,
    reviewer: Person | None,
    skill: Skill | None,
    min_level: int | None,
    message: str,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if (reviewer is None) == (skill is None):
        errors["reviewer"] = [_("Choose either a person or a skill.")]
    if reviewer is not None:
        if not reviewer.is_active:
            errors["reviewer"] = [_("%(name)s is deactivated.") % {"name": reviewer.name}]
        elif reviewer.pk == by.pk:
            errors["reviewer"] = [_("Ask someone else to review your estimate.")]
    if min_level is not None and not 1 <= min_level <= 5:
        errors["min_level"] = [_("A level lies between 1 and 5.")]
    if due_on is None:
        errors["due_on"] = [_("Say when you need the review.")]
    elif due_on < timezone.localdate():
        errors["due_on"] = [_("The due date has passed; choose today or later.")]
    if len(message) > 10000:
        errors["message"] = [_("Keep the message under 10 000 characters.")]
    return errors


def cancel_review(review: ExpertReview, *, by: Any, reason: str = "") -> ExpertReview:
    """Cancel an open review (the person who asked for it, or management)."""
    if not (by.pk == review.requested_by_id or sees_everything(by)):
        raise NotAllowed(_("Only the person who asked for the review, or management, can cancel it."))
    reason = (reason or "").strip()
    if "\x00" in reason:
        raise InvalidInput({"reason": [_("The reason may not contain NUL characters.")]})
    with transaction.atomic():
        current = _locked(review)
        if not current.is_open:
            raise RuleBroken(
                _("The review is %(state)s; only an open review can be cancelled.") % _state(current)
            )
        before = current.state
        current.state = ReviewState.CANCELLED
        current.version += 1
        current.save()
        changes = _change("state", before, current.state, str(current.get_state_display()))
        events.append_event(
            verb="review.cancelled",
            target=current,
            by=by,
            changes=changes,
            data={"reason": reason[:2000]},
            context=current.opportunity,
        )
    return current


# --------------------------------------------------------------------------------------------------
# The expert's side
# --------------------------------------------------------------------------------------------------


def _locked(review: ExpertReview) -> ExpertReview:
    return (
        ExpertReview.objects.select_for_update().select_related("opportunity", "estimate").get(pk=review.pk)
    )


def _state(review: ExpertReview) -> dict[str, str]:
    return {"state": str(review.get_state_display()).lower()}


def accept_review(review: ExpertReview, *, by: Any) -> ExpertReview:
    """Take a review: the named reviewer, or the first qualified expert for a skill-wide request."""
    with transaction.atomic():
        current = _locked(review)
        if current.state != ReviewState.REQUESTED:
            if current.state == ReviewState.ACCEPTED and current.reviewer_id == by.pk:
                return current
            if current.state == ReviewState.ACCEPTED:
                raise RuleBroken(
                    _("%(name)s took this review already.") % {"name": current.reviewer.name}  # type: ignore[union-attr]
                )
            raise RuleBroken(_("The review is %(state)s; there is nothing to accept.") % _state(current))
        _check_may_take(current, by)
        return _accept(current, by)


def _check_may_take(review: ExpertReview, by: Any) -> None:
    if review.reviewer_id is not None:
        if review.reviewer_id != by.pk:
            raise NotAllowed(_("This review was asked of someone else."))
        return
    if by.pk == review.requested_by_id:
        raise NotAllowed(_("You asked for this review; someone else has to do it."))
    if not qualifies(by, review):
        raise NotAllowed(
            _("This review needs %(skill)s at level %(level)d or higher.")
            % {"skill": review.skill, "level": review.min_level or 1}
        )
    if review.opportunity.confidential:
        raise NotAllowed(_("A confidential opportunity is reviewed only by the person asked."))


def _accept(review: ExpertReview, by: Any) -> ExpertReview:
    before = review.state
    review.state = ReviewState.ACCEPTED
    review.reviewer = by
    review.accepted_at = timezone.now()
    review.version += 1
    review.save()
    _join_team_as_expert(review.opportunity, by, by=by)
    changes = _change("state", before, review.state, str(review.get_state_display()))
    changes.update(_change("reviewer", None, by, by.name))
    events.append_event(
        verb="review.accepted", target=review, by=by, changes=changes, context=review.opportunity
    )
    return review


def _held_by(review: ExpertReview, by: Any) -> ExpertReview:
    """Return the locked review if `by` holds it; the named reviewer takes it on their first comment."""
    current = _locked(review)
    if current.reviewer_id != by.pk:
        raise NotAllowed(_("Only the expert doing the review can comment on it or give the verdict."))
    if current.state == ReviewState.REQUESTED:
        return _accept(current, by)
    if current.state != ReviewState.ACCEPTED:
        raise RuleBroken(_("The review is %(state)s; it can no longer change.") % _state(current))
    return current


def comment_on_review(
    review: ExpertReview,
    *,
    by: Any,
    work_package: WorkPackage | None = None,
    text: str = "",
    proposed: tuple[Any, Any, Any] | None = None,
) -> ReviewComment:
    """Comment on the estimate or one of its work packages, optionally proposing other three-point hours."""
    text = (text or "").strip()
    hours = _proposal(proposed)
    if work_package is not None and work_package.estimate_id != review.estimate_id:
        raise InvalidInput({"work_package": [_("That work package is not in the estimate under review.")]})
    if hours is not None and work_package is None:
        raise InvalidInput({"work_package": [_("Choose the work package the proposed hours are for.")]})
    if not text and hours is None:
        raise InvalidInput({"text": [_("Write a comment or propose hours.")]})
    if len(text) > 10000:
        raise InvalidInput({"text": [_("Keep the comment under 10 000 characters.")]})
    with transaction.atomic():
        current = _held_by(review, by)
        comment = ReviewComment.objects.create(
            review=current,
            work_package=work_package,
            author=by,
            text=text,
            proposed_optimistic=hours[0] if hours else None,
            proposed_most_likely=hours[1] if hours else None,
            proposed_pessimistic=hours[2] if hours else None,
        )
        data: dict[str, Any] = {"text": text[:500]}
        if work_package is not None:
            data["work_package"] = work_package.name
        if hours is not None:
            data["proposed"] = [str(h) for h in hours]
        events.append_event(
            verb="review.commented", target=current, by=by, data=data, context=current.opportunity
        )
    return comment


def _proposal(proposed: tuple[Any, Any, Any] | None) -> tuple[Any, Any, Any] | None:
    if proposed is None or all(v in (None, "") for v in proposed):
        return None
    errors: dict[str, list[str]] = {}
    values = [
        estimate_actions._decimal(v, name, errors) for v, name in zip(proposed, PROPOSAL_FIELDS, strict=True)
    ]
    for value, name in zip(values, PROPOSAL_FIELDS, strict=True):
        if value is None and name not in errors:
            errors[name] = [_("Propose all three points.")]
    if not errors:
        errors = estimation.validate_three_point(*values, fields=PROPOSAL_FIELDS)
    if not errors:
        for value, name in zip(values, PROPOSAL_FIELDS, strict=True):
            assert value is not None
            if value != value.quantize(estimation.HOURS_QUANTUM):
                errors[name] = [_("Give hours with at most one decimal.")]
    if errors:
        raise InvalidInput(errors)
    return values[0], values[1], values[2]


def give_verdict(review: ExpertReview, *, by: Any, verdict: str, comment: str = "") -> ExpertReview:
    """Finish the review: approved, approved with changes, or not realistic (the last two need a comment)."""
    comment = (comment or "").strip()
    if verdict not in Verdict.values:
        raise InvalidInput({"verdict": [_("Choose a verdict.")]})
    if verdict in NEEDS_COMMENT and not comment:
        raise InvalidInput({"verdict_comment": [_("Say what has to change, or why it is not realistic.")]})
    if len(comment) > 10000:
        raise InvalidInput({"verdict_comment": [_("Keep the comment under 10 000 characters.")]})
    with transaction.atomic():
        current = _held_by(review, by)
        current.state = ReviewState.DONE
        current.verdict = verdict
        current.verdict_comment = comment
        current.decided_at = timezone.now()
        current.version += 1
        current.save()
        changes = _change("verdict", "", verdict, str(current.get_verdict_display()))
        if comment:
            changes.update(_change("verdict_comment", "", comment))
        events.append_event(
            verb="review.decided", target=current, by=by, changes=changes, context=current.opportunity
        )
    return current


# --------------------------------------------------------------------------------------------------
# The seller's side: use a proposal
# --------------------------------------------------------------------------------------------------


def apply_proposal(comment: ReviewComment, *, by: Any) -> WorkPackage:
    """Put the hours an expert proposed into the work package; the estimate's numbers follow."""
    package = comment.work_package
    if package is None or not comment.proposes_hours:
        raise RuleBroken(_("This comment proposes no hours."))
    opportunity = package.estimate.opportunity
    if not can_change_opportunity(by, opportunity):
        raise NotAllowed(_("Only the opportunity's owner, its team and management can change its estimates."))
    with transaction.atomic():
        current = ReviewComment.objects.select_for_update().get(pk=comment.pk)
        if current.applied_at is not None:
            raise RuleBroken(_("This proposal was applied already."))
        latest = estimate_actions.current_estimate(opportunity)
        if latest is not None and latest.pk != package.estimate_id:
            raise RuleBroken(
                _(
                    "The proposal is for version %(old)d; the current estimate is version %(new)d. "
                    "Change the package there by hand."
                )
                % {"old": package.estimate.number, "new": latest.number}
            )
        updated = estimate_actions.update_work_package(
            package,
            {
                "optimistic": current.proposed_optimistic,
                "most_likely": current.proposed_most_likely,
                "pessimistic": current.proposed_pessimistic,
            },
            by=by,
            version=None,
            verb="work_package.proposal_applied",
        )
        current.applied_at = timezone.now()
        current.save(update_fields=["applied_at"])
    return updated
