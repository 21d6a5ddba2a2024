"""API: handovers, with their checklist, questions, /send-back and /acknowledge.

The same actions and rules as the pages (`samspill.handover.actions`): 404 for a handover you may not
see, 403 for one you may see but not act on, 409 for a broken rule or a stale version, 422 for bad input.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from samspill.handover import access, actions
from samspill.handover.completeness import Completeness, completeness, with_facts
from samspill.handover.models import ChecklistItem, Handover, HandoverState, Question
from samspill.handover.package import Package, gather
from samspill.lib.api import MAX_ID, ErrorOut, Id, Page, Text, Version, paged
from samspill.lib.errors import InvalidInput
from samspill.people.models import Person

router = Router()
ERRORS: dict[int | frozenset[int], Any] = {frozenset({403, 404, 409, 422}): ErrorOut}
LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**9)
TAGS = ["handovers"]


# -- schemas ---------------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class NamedRef(Schema):
    id: int
    name: str


class OpportunityRef(Schema):
    id: int
    title: str
    confidential: bool


class MissingOut(Schema):
    key: str = Field(
        ...,
        description="What is missing: baseline, price, contract_type, project_manager, "
        "meeting, expectations, acceptance_criteria, agreed, contacts, questions, checklist:<id>",
    )
    text: str
    details: list[str] = Field(default_factory=list)


class HandoverRow(Schema):
    id: int
    opportunity: OpportunityRef
    customer: NamedRef
    state: HandoverState
    seller: PersonRef
    project_manager: PersonRef | None
    meeting_on: datetime.datetime | None
    completeness: int = Field(..., description="Share of the checks met, in percent (rounded down)")
    missing_count: int
    open_questions: int
    project_id: int | None
    acknowledged_at: datetime.datetime | None
    acknowledged_score: int | None
    created_at: datetime.datetime
    version: int


class ChecklistItemOut(Schema):
    id: int
    text: str
    required: bool
    done: bool
    done_at: datetime.datetime | None
    done_by: PersonRef | None


class QuestionOut(Schema):
    id: int
    text: str
    asked_by: PersonRef
    asked_at: datetime.datetime
    answer: str
    answered_by: PersonRef | None
    answered_at: datetime.datetime | None


class WorkPackageOut(Schema):
    id: int
    name: str
    description: str
    role: str
    expected_hours: Decimal
    hourly_rate: Decimal
    amount: Decimal


class ExpectationOut(Schema):
    id: int
    kind: str
    customer_words: str
    acceptance_criteria: str
    status: str
    agreed: bool
    source: str
    source_note: str


class RiskOut(Schema):
    id: int
    description: str
    probability: int
    consequence_hours: Decimal
    mitigation: str


class ContactOut(Schema):
    id: int
    name: str
    title: str
    email: str
    phone: str


class TeamMemberOut(Schema):
    person: PersonRef
    role: str


class BaselineOut(Schema):
    estimate_id: int | None
    estimate_number: int | None
    hours: Decimal
    amount: Decimal
    packages: list[WorkPackageOut]


class HandoverOut(HandoverRow):
    description: str
    price: Decimal
    contract_type: str
    expected_start: datetime.date | None
    duration_weeks: int | None
    notes: str
    participants: list[PersonRef]
    missing: list[MissingOut]
    baseline: BaselineOut
    expectations: list[ExpectationOut]
    risks: list[RiskOut]
    assumptions: list[str]
    exclusions: list[str]
    contacts: list[ContactOut]
    team: list[TeamMemberOut]
    checklist: list[ChecklistItemOut]
    questions: list[QuestionOut]


class HandoverPatch(Schema):
    version: Version
    meeting_on: datetime.datetime | None = Field(None, description="null cancels the meeting")
    participant_ids: list[Id] | None = Field(None, max_length=50)
    project_manager_id: Id | None = Field(None, description="null: nobody yet")
    notes: Text | None = Field(None, max_length=20000)


class ChecklistIn(Schema):
    done: bool


class SendBackIn(Schema):
    questions: list[Text] = Field(..., min_length=1, max_length=20)
    version: Version | None = None


class AnswerIn(Schema):
    answer: Text = Field(..., min_length=1, max_length=5000)


class AcknowledgeIn(Schema):
    version: Version


class HandoverFilter(Schema):
    state: Literal["waiting", "open", "sent_back", "acknowledged", "all"] | None = Field(
        None, description="waiting (open or sent back), one state, or all (default)"
    )
    mine: bool = Field(False, description="Only handovers where you are the project manager or the seller")


# -- output ----------------------------------------------------------------------------------------


def _person(person: Person | None) -> dict[str, Any] | None:
    return {"id": person.pk, "name": person.name} if person is not None else None


def _row(handover: Handover, score: Completeness) -> dict[str, Any]:
    opportunity = handover.opportunity
    return {
        "id": handover.pk,
        "opportunity": {
            "id": opportunity.pk,
            "title": opportunity.title,
            "confidential": opportunity.confidential,
        },
        "customer": {"id": opportunity.customer.pk, "name": opportunity.customer.name},
        "state": handover.state,
        "seller": _person(handover.seller),
        "project_manager": _person(handover.project_manager),
        "meeting_on": handover.meeting_on,
        "completeness": score.score,
        "missing_count": len(score.missing),
        "open_questions": handover.open_questions,  # type: ignore[attr-defined]
        "project_id": handover.project_id,
        "acknowledged_at": handover.acknowledged_at,
        "acknowledged_score": handover.acknowledged_score,
        "created_at": handover.created_at,
        "version": handover.version,
    }


def _item(item: ChecklistItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "text": item.text,
        "required": item.required,
        "done": item.is_done,
        "done_at": item.done_at,
        "done_by": _person(item.done_by),
    }


def _question(question: Question) -> dict[str, Any]:
    return {
        "id": question.pk,
        "text": question.text,
        "asked_by": _person(question.asked_by),
        "asked_at": question.asked_at,
        "answer": question.answer,
        "answered_by": _person(question.answered_by),
        "answered_at": question.answered_at,
    }


def _detail(package: Package) -> dict[str, Any]:
    handover, opportunity, estimate = package.handover, package.opportunity, package.estimate
    return {
        **_row(handover, package.completeness),
        "description": opportunity.description,
        "price": package.price,
        "contract_type": opportunity.contract_type,
        "expected_start": opportunity.expected_start,
        "duration_weeks": opportunity.duration_weeks,
        "notes": handover.notes,
        "participants": [_person(p) for p in package.participants],
        "missing": [m.as_dict() for m in package.completeness.missing],
        "baseline": {
            "estimate_id": estimate.pk if estimate else None,
            "estimate_number": estimate.number if estimate else None,
            "hours": package.hours,
            "amount": package.amount,
            "packages": [
                {
                    "id": p.pk,
                    "name": p.name,
                    "description": p.description,
                    "role": p.role,
                    "expected_hours": p.expected_hours,
                    "hourly_rate": p.hourly_rate,
                    "amount": p.amount,
                }
                for p in package.packages
            ],
        },
        "expectations": [
            {
                "id": e.pk,
                "kind": e.kind,
                "customer_words": e.customer_words,
                "acceptance_criteria": e.acceptance_criteria,
                "status": e.status,
                "agreed": e.is_agreed,
                "source": e.source,
                "source_note": e.source_note,
            }
            for e in package.expectations
        ],
        "risks": [
            {
                "id": r.pk,
                "description": r.description,
                "probability": r.probability,
                "consequence_hours": r.consequence_hours,
                "mitigation": r.mitigation,
            }
            for r in package.risks
        ],
        "assumptions": [line.text for line in package.assumptions],
        "exclusions": [line.text for line in package.exclusions],
        "contacts": [
            {"id": c.pk, "name": c.name, "title": c.title, "email": c.email, "phone": c.phone}
            for c in package.contacts
        ],
        "team": [{"person": _person(m.person), "role": m.role} for m in package.team],
        "checklist": [_item(item) for item in package.checklist],
        "questions": [_question(q) for q in package.questions],
    }


def _one(user: Any, pk: int) -> dict[str, Any]:
    return _detail(gather(access.get_handover_for(user, pk)))


def _person_ref(pk: int | None, field: str) -> Person | None:
    if pk is None:
        return None
    found = Person.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise InvalidInput({field: [f"No active person has id {pk}."]})
    return found


# -- endpoints -------------------------------------------------------------------------------------


@router.get("/handovers", response=Page[HandoverRow], tags=TAGS)
def list_handovers(
    request: HttpRequest, filters: Query[HandoverFilter], limit: int = LIMIT, offset: int = OFFSET
) -> dict[str, Any]:
    """The handovers you may see, newest first, with their completeness."""
    rows = Handover.objects.visible_to(request.user)
    if filters.state == "waiting":
        rows = rows.waiting()
    elif filters.state in HandoverState.values:
        rows = rows.filter(state=filters.state)
    if filters.mine:
        rows = rows.of(request.user)
    listed = (
        with_facts(rows)
        .select_related("opportunity__customer", "seller", "project_manager")
        .order_by("-created_at", "-pk")
    )
    page = paged(listed, limit, offset)
    page["items"] = [_row(h, completeness(h)) for h in page["items"]]
    return page


@router.get("/handovers/{handover_id}", response={200: HandoverOut, **ERRORS}, tags=TAGS)
def get_handover(request: HttpRequest, handover_id: int) -> Any:
    """The whole package: baseline, expectations, risks, contacts, checklist, questions, what is missing."""
    return _one(request.user, handover_id)


@router.patch("/handovers/{handover_id}", response={200: HandoverOut, **ERRORS}, tags=TAGS)
def update_handover(request: HttpRequest, handover_id: int, data: HandoverPatch) -> Any:
    """Book the meeting and its participants, choose the project manager, write the notes from sales."""
    handover = access.get_handover_for(request.user, handover_id, write=True)
    given = data.dict(exclude_unset=True)
    version = given.pop("version")
    changes: dict[str, Any] = {}
    if "meeting_on" in given:
        changes["meeting_on"] = given["meeting_on"]
    if "participant_ids" in given:
        ids = given["participant_ids"] or []
        people = {p.pk: p for p in Person.objects.filter(pk__in=ids, is_active=True)}
        unknown = [str(pk) for pk in ids if pk not in people]
        if unknown:
            raise InvalidInput({"participant_ids": [f"No active person has id {', '.join(unknown)}."]})
        changes["participants"] = list(people.values())
    if "project_manager_id" in given:
        changes["project_manager"] = _person_ref(given["project_manager_id"], "project_manager_id")
    if "notes" in given:
        if given["notes"] is None:
            raise InvalidInput({"notes": ["Send an empty text to clear the notes."]})
        changes["notes"] = given["notes"]
    actions.update_handover(handover, changes, by=request.user, version=version)
    return _one(request.user, handover.pk)


@router.post(
    "/handovers/{handover_id}/checklist/{item_id}", response={200: ChecklistItemOut, **ERRORS}, tags=TAGS
)
def set_checklist_item(request: HttpRequest, handover_id: int, item_id: int, data: ChecklistIn) -> Any:
    """Tick (done: true) or untick a checklist item."""
    handover = access.get_handover_for(request.user, handover_id, write=True)
    item = ChecklistItem.objects.filter(handover=handover, pk=item_id).first() if item_id <= MAX_ID else None
    if item is None:
        raise Http404
    item.handover = handover
    saved = actions.set_item_done(item, data.done, by=request.user)
    return _item(ChecklistItem.objects.select_related("done_by").get(pk=saved.pk))


@router.post("/handovers/{handover_id}/send-back", response={200: HandoverOut, **ERRORS}, tags=TAGS)
def send_back(request: HttpRequest, handover_id: int, data: SendBackIn) -> Any:
    """Send the handover back to the seller with questions."""
    handover = access.get_handover_for(request.user, handover_id, write=True)
    actions.send_back(handover, questions=data.questions, by=request.user, version=data.version)
    return _one(request.user, handover.pk)


@router.post(
    "/handovers/{handover_id}/questions/{question_id}/answer",
    response={200: QuestionOut, **ERRORS},
    tags=TAGS,
)
def answer_question(request: HttpRequest, handover_id: int, question_id: int, data: AnswerIn) -> Any:
    """Answer one of the project manager's questions (the seller's side)."""
    handover = access.get_handover_for(request.user, handover_id, write=True)
    question = (
        Question.objects.filter(handover=handover, pk=question_id).first() if question_id <= MAX_ID else None
    )
    if question is None:
        raise Http404
    question.handover = handover
    saved = actions.answer_question(question, data.answer, by=request.user)
    return _question(Question.objects.select_related("asked_by", "answered_by").get(pk=saved.pk))


@router.post("/handovers/{handover_id}/acknowledge", response={200: HandoverOut, **ERRORS}, tags=TAGS)
def acknowledge(request: HttpRequest, handover_id: int, data: AcknowledgeIn) -> Any:
    """Take the handover over: the project starts from the sold baseline (409 while questions are open)."""
    handover = access.get_handover_for(request.user, handover_id, write=True)
    actions.acknowledge(handover, by=request.user, version=data.version)
    return _one(request.user, handover.pk)
