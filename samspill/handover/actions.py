"""Every change to a handover: open it on a win, work through it, send it back, answer, acknowledge.

Rules, written once here for the pages and the API alike:

- Winning an opportunity opens its handover in the same transaction (see registrations.py), once: the
  seller is the opportunity's owner, the project manager its team's project manager candidate if it
  has one, the checklist a copy of the active template items.
- The project manager sends it back with questions (state "sent back"); they go to the seller. When
  the last one is answered, the handover is back with the project manager (state "being prepared").
- Acknowledging needs a project manager and every question answered (otherwise 409). Below 100 %
  completeness it is allowed, and what was missing is recorded on the handover and in the event. It
  starts the project from the sold baseline and links it. An acknowledged handover no longer changes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samspill.handover import access
from samspill.handover.completeness import Completeness, completeness, with_facts
from samspill.handover.models import (
    ChecklistItem,
    ChecklistTemplateItem,
    Handover,
    HandoverState,
    Question,
)
from samspill.lib import actions, events
from samspill.lib.errors import InvalidInput, NotAllowed, RuleBroken
from samspill.people.models import Person, is_administrator
from samspill.pipeline.models import Opportunity, Stage, TeamMember, TeamRole

MAX_QUESTIONS = 20
MAX_QUESTION_LENGTH = 2000
MAX_ANSWER_LENGTH = 5000
MAX_NOTES_LENGTH = 20000
MAX_PARTICIPANTS = 50
MAX_ITEM_LENGTH = 200


def _change(before: Any, after: Any, before_text: str, after_text: str) -> dict[str, Any]:
    return {"before": before, "after": after, "before_text": before_text, "after_text": after_text}


def _require_open(handover: Handover) -> None:
    if handover.state == HandoverState.ACKNOWLEDGED:
        raise RuleBroken(_("This handover is acknowledged and no longer changes; the project carries it on."))


def _locked(handover: Handover, version: int | None) -> Handover:
    current = actions.lock(handover)
    actions.check_version(current, version)
    _require_open(current)
    return current


def _save(handover: Handover) -> None:
    handover.version += 1
    handover.save()


# -- opening ---------------------------------------------------------------------------------------


def project_manager_candidate(opportunity: Opportunity) -> Person | None:
    """The first active project manager candidate on the opportunity's team, if any."""
    member = (
        TeamMember.objects.filter(
            opportunity=opportunity, role=TeamRole.PROJECT_MANAGER, person__is_active=True
        )
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return member.person if member is not None else None


def open_handover(opportunity: Opportunity, *, by: Any) -> Handover:
    """Open the handover of a won opportunity (or return the one it has), with the template's checklist."""
    existing = Handover.objects.filter(opportunity=opportunity).first()
    if existing is not None:
        return existing
    if opportunity.stage != Stage.WON:
        raise RuleBroken(_("Only a won opportunity is handed over to delivery."))
    manager = project_manager_candidate(opportunity)
    with transaction.atomic():
        handover = Handover.objects.create(
            opportunity=opportunity, seller_id=opportunity.owner_id, project_manager=manager
        )
        template = ChecklistTemplateItem.objects.filter(active=True).order_by("position", "pk")
        items = ChecklistItem.objects.bulk_create(
            ChecklistItem(handover=handover, text=t.text, position=t.position, required=t.required)
            for t in template
        )
        changes = {
            "state": _change(None, handover.state, "", str(handover.get_state_display())),
            "seller": _change(None, handover.seller_id, "", opportunity.owner.name),
        }
        if manager is not None:
            changes["project_manager"] = _change(None, manager.pk, "", manager.name)
        events.append_event(
            verb="handover.opened",
            target=handover,
            by=by,
            context=opportunity,
            changes=changes,
            data={"checklist_items": len(items)},
        )
    return handover


# -- the checklist ---------------------------------------------------------------------------------


def set_item_done(item: ChecklistItem, done: bool, *, by: Any) -> ChecklistItem:
    """Tick (done=True) or untick a checklist item; nothing happens when it already is so."""
    handover = item.handover
    if not access.can_work_on(by, handover):
        raise NotAllowed(_("Only the project manager, the seller and their managers work on this handover."))
    if not isinstance(done, bool):
        raise InvalidInput({"done": [_("Say whether the item is done: true or false.")]})
    with transaction.atomic():
        _require_open(Handover.objects.select_for_update().get(pk=handover.pk))
        current = ChecklistItem.objects.select_for_update().get(pk=item.pk)
        if current.is_done == done:
            return current
        before = current.done_at
        current.done_at = timezone.now() if done else None
        current.done_by = by if done else None
        current.save(update_fields=["done_at", "done_by"])
        events.append_event(
            verb="handover.item_done" if done else "handover.item_undone",
            target=current,
            by=by,
            context=handover,
            changes={
                "done_at": _change(
                    events.plain(before),
                    events.plain(current.done_at),
                    events.shown(before),
                    events.shown(current.done_at),
                )
            },
        )
    return current


def tick(item: ChecklistItem, *, by: Any) -> ChecklistItem:
    """Mark a checklist item done."""
    return set_item_done(item, True, by=by)


def untick(item: ChecklistItem, *, by: Any) -> ChecklistItem:
    """Mark a checklist item not done."""
    return set_item_done(item, False, by=by)


# -- meeting, project manager, notes ---------------------------------------------------------------


def _check_meeting_time(meeting_on: Any) -> datetime.datetime | None:
    if meeting_on in (None, ""):
        return None
    if not isinstance(meeting_on, datetime.datetime):
        raise InvalidInput({"meeting_on": [_("Enter the date and time of the meeting.")]})
    if timezone.is_naive(meeting_on):
        meeting_on = timezone.make_aware(meeting_on)
    if not 2000 <= meeting_on.year <= 2200:
        raise InvalidInput({"meeting_on": [_("Enter a date between the years 2000 and 2200.")]})
    return meeting_on


def _check_participants(participants: Iterable[Any]) -> list[Person]:
    people = list(participants)
    if len(people) > MAX_PARTICIPANTS:
        raise InvalidInput(
            {"participants": [_("At most %(count)d participants.") % {"count": MAX_PARTICIPANTS}]}
        )
    for person in people:
        if not isinstance(person, Person):
            raise InvalidInput({"participants": [_("Choose people.")]})
        if not person.is_active:
            raise InvalidInput({"participants": [_("%(name)s is deactivated.") % {"name": person.name}]})
    return list({p.pk: p for p in people}.values())


def set_meeting(
    handover: Handover,
    *,
    meeting_on: Any,
    participants: Iterable[Any] | None = None,
    by: Any,
    version: int | None,
) -> Handover:
    """Book (or move, or cancel with None) the handover meeting and say who takes part."""
    if not access.can_work_on(by, handover):
        raise NotAllowed(_("Only the project manager, the seller and their managers book the meeting."))
    when = _check_meeting_time(meeting_on)
    people = _check_participants(participants) if participants is not None else None
    with transaction.atomic():
        current = _locked(handover, version)
        changed = actions.diff(current, {"meeting_on": when})
        if people is not None:
            before = list(current.participants.order_by("first_name", "last_name", "pk"))
            if {p.pk for p in before} != {p.pk for p in people}:
                changed["participants"] = _change(
                    sorted(p.pk for p in before),
                    sorted(p.pk for p in people),
                    ", ".join(p.name for p in before) or "—",
                    ", ".join(p.name for p in sorted(people, key=lambda p: p.name)) or "—",
                )
                current.participants.set(people)
        if not changed:
            return current
        current.meeting_on = when
        _save(current)
        events.append_event(
            verb="handover.meeting_set", target=current, by=by, context=current.opportunity, changes=changed
        )
    return current


def set_project_manager(handover: Handover, person: Any, *, by: Any, version: int | None) -> Handover:
    """Choose who takes the project over (None: nobody yet); a project manager may take an unassigned one."""
    if not access.can_choose_project_manager(by, handover):
        raise NotAllowed(
            _("Only the project manager, delivery managers and management choose the project manager.")
        )
    if not access.is_delivery_side(by, handover) and getattr(person, "pk", None) != by.pk:
        raise NotAllowed(_("You may take this handover yourself, but not give it to somebody else."))
    if person is not None:
        if not isinstance(person, Person) or not person.is_active:
            raise InvalidInput({"project_manager": [_("Choose an active person.")]})
        if not access.may_manage_projects(person):
            raise InvalidInput(
                {
                    "project_manager": [
                        _("%(name)s is not a project manager or delivery manager.") % {"name": person.name}
                    ]
                }
            )
    with transaction.atomic():
        current = _locked(handover, version)
        changed = actions.diff(current, {"project_manager": person})
        if not changed:
            return current
        current.project_manager = person
        _save(current)
        events.append_event(
            verb="handover.assigned", target=current, by=by, context=current.opportunity, changes=changed
        )
    return current


def write_notes(handover: Handover, notes: str, *, by: Any, version: int | None) -> Handover:
    """Write down what the seller knows that is nowhere else: the customer's people, history, politics."""
    if not access.is_sales_side(by, handover):
        raise NotAllowed(
            _("Only the seller, the opportunity's team and management write the notes from sales.")
        )
    text = (notes or "").strip()
    if len(text) > MAX_NOTES_LENGTH:
        raise InvalidInput({"notes": [_("At most %(count)d characters.") % {"count": MAX_NOTES_LENGTH}]})
    return actions.update(
        handover,
        {"notes": text},
        by=by,
        version=version,
        verb="handover.notes_written",
        context=handover.opportunity,
        validate=_require_open,
    )


def update_handover(
    handover: Handover, changes: Mapping[str, Any], *, by: Any, version: int | None
) -> Handover:
    """Apply several changes at once (the API's PATCH): meeting, participants, project manager, notes.

    All or nothing, each with its own rule and event; `version` is checked once, against the first.
    """
    with transaction.atomic():
        current = handover
        if "meeting_on" in changes or "participants" in changes:
            meeting_on = changes.get("meeting_on", handover.meeting_on)
            current = set_meeting(
                current,
                meeting_on=meeting_on,
                participants=changes.get("participants"),
                by=by,
                version=version,
            )
            version = current.version
        if "project_manager" in changes:
            current = set_project_manager(current, changes["project_manager"], by=by, version=version)
            version = current.version
        if "notes" in changes:
            current = write_notes(current, changes["notes"], by=by, version=version)
        if current is handover:
            actions.check_version(actions.lock(handover), version)
    return current


# -- questions and answers -------------------------------------------------------------------------


def _clean_questions(questions: Iterable[Any]) -> list[str]:
    if isinstance(questions, str):
        questions = [questions]
    cleaned = [str(q).strip() for q in questions or [] if str(q or "").strip()]
    if not cleaned:
        raise InvalidInput({"questions": [_("Write at least one question for the seller.")]})
    if len(cleaned) > MAX_QUESTIONS:
        raise InvalidInput(
            {"questions": [_("At most %(count)d questions at a time.") % {"count": MAX_QUESTIONS}]}
        )
    if any(len(q) > MAX_QUESTION_LENGTH for q in cleaned):
        raise InvalidInput(
            {
                "questions": [
                    _("A question has at most %(count)d characters.") % {"count": MAX_QUESTION_LENGTH}
                ]
            }
        )
    if any("\x00" in q for q in cleaned):
        raise InvalidInput({"questions": [_("A question may not contain NUL characters.")]})
    return cleaned


def send_back(
    handover: Handover, *, questions: Iterable[Any], by: Any, version: int | None = None
) -> Handover:
    """Send the handover back to the seller with questions; it waits for the answers."""
    if not access.can_acknowledge(by, handover):
        raise NotAllowed(
            _("Only the project manager, delivery managers and management send a handover back.")
        )
    texts = _clean_questions(questions)
    with transaction.atomic():
        current = _locked(handover, version)
        asked = Question.objects.bulk_create(Question(handover=current, text=t, asked_by=by) for t in texts)
        changed = actions.diff(current, {"state": HandoverState.SENT_BACK.value})
        current.state = HandoverState.SENT_BACK
        _save(current)
        events.append_event(
            verb="handover.sent_back",
            target=current,
            by=by,
            context=current.opportunity,
            changes=changed,
            data={"questions": texts, "question_ids": [q.pk for q in asked if q.pk is not None]},
        )
    return current


def answer_question(question: Question, answer: str, *, by: Any) -> Question:
    """Answer (or correct) a project manager's question; the last answer gives the handover back."""
    handover = question.handover
    if not access.can_answer(by, handover):
        raise NotAllowed(_("Only the seller, the opportunity's team and management answer the questions."))
    text = (answer or "").strip() if isinstance(answer, str) else ""
    if not text:
        raise InvalidInput({"answer": [_("Write the answer.")]})
    if len(text) > MAX_ANSWER_LENGTH or "\x00" in text:
        raise InvalidInput({"answer": [_("At most %(count)d characters.") % {"count": MAX_ANSWER_LENGTH}]})
    with transaction.atomic():
        current_handover = _locked(handover, None)
        current = Question.objects.select_for_update().get(pk=question.pk)
        if current.answer == text:
            return current
        change = _change(current.answer or None, text, current.answer, text)
        current.answer, current.answered_by, current.answered_at = text, by, timezone.now()
        current.save(update_fields=["answer", "answered_by", "answered_at"])
        events.append_event(
            verb="handover.question_answered",
            target=current,
            by=by,
            context=current_handover,
            changes={"answer": change},
        )
        waiting = Question.objects.filter(handover=current_handover, answered_at__isnull=True).exists()
        if current_handover.state == HandoverState.SENT_BACK and not waiting:
            changed = actions.diff(current_handover, {"state": HandoverState.OPEN.value})
            current_handover.state = HandoverState.OPEN
            _save(current_handover)
            events.append_event(
                verb="handover.answered",
                target=current_handover,
                by=by,
                context=current_handover.opportunity,
                changes=changed,
            )
    return current


# -- the decision ----------------------------------------------------------------------------------


def current_completeness(handover: Handover) -> Completeness:
    """Score the handover as stored now, naming each checklist item and expectation that is missing."""
    fresh = with_facts(Handover.objects.filter(pk=handover.pk)).get()
    return completeness(
        fresh,
        checklist=list(ChecklistItem.objects.filter(handover=handover)),
        expectations=list(fresh.opportunity.expectations.all()),
    )


def acknowledge(handover: Handover, *, by: Any, version: int | None) -> Handover:
    """Take the handover over: the project starts from the sold baseline, and the handover is final.

    Refused while a question is unanswered or nobody is the project manager. Below 100 % it goes
    through; what was missing is kept on the handover and in the event.
    """
    if not access.can_acknowledge(by, handover):
        raise NotAllowed(
            _("Only the project manager, delivery managers and management acknowledge a handover.")
        )
    from samspill.delivery.actions.projects import create_project_from_opportunity

    with transaction.atomic():
        current = _locked(handover, version)
        unanswered = Question.objects.filter(handover=current, answered_at__isnull=True).count()
        if unanswered:
            raise RuleBroken(
                ngettext(
                    "%(count)d question to the seller is not answered yet: acknowledge when it is.",
                    "%(count)d questions to the seller are not answered yet: acknowledge when they are.",
                    unanswered,
                )
                % {"count": unanswered}
            )
        if current.project_manager is None:
            raise RuleBroken(_("Choose the project manager before acknowledging the handover."))
        score = current_completeness(current)
        project = create_project_from_opportunity(current.opportunity, manager=current.project_manager, by=by)
        missing = [m.as_dict() for m in score.missing]
        wanted = {
            "state": HandoverState.ACKNOWLEDGED.value,
            "acknowledged_at": timezone.now(),
            "acknowledged_by": by,
            "project": project,
            "acknowledged_score": score.score,
        }
        changed = actions.diff(current, wanted)
        for name, value in wanted.items():
            setattr(current, name, value)
        current.acknowledged_missing = missing
        _save(current)
        events.append_event(
            verb="handover.acknowledged",
            target=current,
            by=by,
            context=current.opportunity,
            changes=changed,
            data={"completeness": score.score, "missing": missing, "project_id": project.pk},
        )
    return current


# -- the checklist template (configuration) --------------------------------------------------------


def save_template_item(item: ChecklistTemplateItem, changes: Mapping[str, Any] | None, *, by: Any) -> Any:
    """Create or change an item of the checklist template (administrators, from the admin)."""
    if not is_administrator(by):
        raise NotAllowed(_("Only administrators change the handover checklist."))
    item.text = (item.text or "").strip()
    if not item.text:
        raise InvalidInput({"text": [_("Write the item.")]})
    if len(item.text) > MAX_ITEM_LENGTH:
        raise InvalidInput({"text": [_("At most %(count)d characters.") % {"count": MAX_ITEM_LENGTH}]})
    if item.pk is None:
        return actions.create(item, by=by, verb="checklist_template.created", fields=list(changes or {}))
    wanted = {name: getattr(item, name) for name in (changes or {})}
    stored = ChecklistTemplateItem.objects.get(pk=item.pk)
    return actions.update(stored, wanted, by=by, version=None, verb="checklist_template.updated")
