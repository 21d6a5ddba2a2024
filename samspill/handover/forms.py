"""Forms of the handover pages: meeting, project manager, notes, questions, answers, the list filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samspill.customers.forms import PersonChoiceField
from samspill.handover.access import PROJECT_MANAGER_ROLES
from samspill.handover.actions import MAX_ANSWER_LENGTH, MAX_NOTES_LENGTH, MAX_QUESTIONS
from samspill.handover.models import Handover, HandoverState
from samspill.lib.forms import VersionField
from samspill.people.models import Person

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]
PEOPLE_ONLY = ("id", "first_name", "last_name", "username")


class PeopleField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class MeetingForm(forms.Form):
    version = VersionField()
    meeting_on = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to cancel the meeting."),
    )
    participants = PeopleField(label=_("Participants"), queryset=Person.objects.none(), required=False)

    def __init__(self, *args: Any, handover: Handover, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = meeting_candidates(handover)  # type: ignore[attr-defined]


def meeting_candidates(handover: Handover) -> Any:
    """Who may take part: the opportunity's team, the seller, the project manager, those already invited."""
    wanted = Q(opportunity_roles__opportunity_id=handover.opportunity_id, is_active=True) | Q(
        pk__in=[pk for pk in (handover.seller_id, handover.project_manager_id) if pk]
    )
    if handover.pk:
        wanted |= Q(
            pk__in=Handover.participants.through.objects.filter(handover=handover).values("person_id")
        )
    return Person.objects.filter(wanted).distinct().order_by("first_name", "last_name").only(*PEOPLE_ONLY)


class ProjectManagerForm(forms.Form):
    version = VersionField()
    project_manager = PersonChoiceField(
        label=_("Project manager"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
    )

    def __init__(self, *args: Any, keep: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = Q(is_active=True, role_assignments__role__in=PROJECT_MANAGER_ROLES)
        if keep is not None:
            wanted |= Q(pk=keep)
        people = (
            Person.objects.filter(wanted).distinct().order_by("first_name", "last_name").only(*PEOPLE_ONLY)
        )
        self.fields["project_manager"].queryset = people  # type: ignore[attr-defined]


class NotesForm(forms.Form):
    version = VersionField()
    notes = forms.CharField(
        label=_("Notes from sales"),
        required=False,
        max_length=MAX_NOTES_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the project manager should know that is written nowhere else: people, history, politics."
        ),
    )


class SendBackForm(forms.Form):
    version = VersionField()
    questions = forms.CharField(
        label=_("Questions for the seller"),
        max_length=MAX_QUESTIONS * 2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One question per line. The seller sees them on the start page."),
    )

    def question_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["questions"].splitlines() if line.strip()]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=MAX_ANSWER_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcknowledgeForm(forms.Form):
    version = VersionField()


STATE_FILTER_CHOICES = [
    ("waiting", _("Not acknowledged yet")),
    *HandoverState.choices,
    ("all", _("All")),
]


class ListFilter(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=STATE_FILTER_CHOICES, required=False)
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def values(self) -> dict[str, Any]:
        """The valid filters, with "not acknowledged yet" as the default state."""
        self.is_valid()
        values = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        values["state"] = values.get("state") or "waiting"
        return values
