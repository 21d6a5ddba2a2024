"""Forms of the estimate, expert review and offer pages; the actions check the rules, the forms the types."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samspill.lib.forms import VersionField
from samspill.people.models import Person, Role, Skill
from samspill.pipeline.models import ConfidencePoint, EstimateLineKind, Verdict

HOURS_ATTRS = {"step": "0.1", "min": "0", "inputmode": "decimal", "class": "text-end"}


def _hours_field(label: Any, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=9,
        decimal_places=1,
        widget=forms.NumberInput(attrs=HOURS_ATTRS),
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class EstimateSettingsForm(forms.Form):
    """What the price is based on: the confidence point and whether the risk contingency is added."""

    version = VersionField()
    confidence = forms.ChoiceField(
        label=_("Price based on"), choices=ConfidencePoint.choices, widget=forms.RadioSelect
    )
    include_contingency = forms.BooleanField(label=_("Add the risk contingency to the price"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WorkPackageForm(forms.Form):
    """One work package: name, role and skills, three-point hours and (optionally) a typed hourly rate."""

    version = VersionField()
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EXPERT)
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"), queryset=Skill.objects.order_by("name"), required=False
    )
    optimistic = _hours_field(_("Optimistic (h)"))
    most_likely = _hours_field(_("Most likely (h)"))
    pessimistic = _hours_field(_("Pessimistic (h)"))
    hourly_rate = forms.DecimalField(
        label=_("Hourly rate (NOK)"),
        required=False,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"step": "1", "min": "0", "inputmode": "decimal", "class": "text-end"}
        ),
        help_text=_("Leave empty to use the framework agreement's rate, or the firm's rate for the role."),
    )

    def __init__(self, *args: Any, row: int | None = None, **kwargs: Any) -> None:
        if row is not None:
            kwargs.setdefault("auto_id", f"package-{row}-%s")
        super().__init__(*args, **kwargs)
        if row is not None:
            # The inline row's inputs sit in table cells, outside their <form>; the attribute ties them to it.
            for field in self.fields.values():
                field.widget.attrs["form"] = f"package-form-{row}"
            self.fields["skills"].widget.attrs["size"] = "3"
            self.fields["description"].widget.attrs["rows"] = "2"

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "skills")}


class LineForm(forms.Form):
    kind = forms.ChoiceField(choices=EstimateLineKind.choices, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Text"), max_length=5000, widget=forms.TextInput())


class RiskForm(forms.Form):
    description = forms.CharField(label=_("Risk"), max_length=5000)
    probability = forms.IntegerField(
        label=_("Probability (%)"),
        widget=forms.NumberInput(attrs={"min": "0", "max": "100", "class": "text-end"}),
    )
    consequence_hours = _hours_field(_("Consequence (h)"))
    mitigation = forms.CharField(label=_("Mitigation"), max_length=5000, required=False)


class ReviewRequestForm(forms.Form):
    """Ask a named person, or anyone with a skill at a level, to review the estimate by a date."""

    WHO = [("person", _("A named person")), ("skill", _("Anyone with a skill"))]

    who = forms.ChoiceField(
        label=_("Who should review it?"), choices=WHO, widget=forms.RadioSelect, initial="skill"
    )
    reviewer = PersonChoiceField(
        label=_("Person"), queryset=Person.objects.none(), required=False, empty_label=_("Choose a person")
    )
    skill = forms.ModelChoiceField(
        label=_("Skill"),
        queryset=Skill.objects.order_by("name"),
        required=False,
        empty_label=_("Choose a skill"),
    )
    min_level = forms.TypedChoiceField(
        label=_("At least level"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        initial=3,
        required=False,
    )
    due_on = forms.DateField(
        label=_("Due"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    message = forms.CharField(
        label=_("What should the expert look at?"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, confidential: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        experts = Q(is_active=True) & (Q(role_assignments__role=Role.EXPERT) | Q(skills__isnull=False))
        self.fields["reviewer"].queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(experts).distinct().order_by("first_name", "last_name")
        )
        if not self.is_bound:
            self.initial.setdefault("due_on", timezone.localdate() + datetime.timedelta(days=3))
        if confidential:
            self.fields["who"].choices = self.WHO[:1]  # type: ignore[attr-defined]
            self.fields["who"].initial = "person"
            self.fields["who"].help_text = _(
                "The opportunity is confidential, so the review must be asked of a named person."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("who") == "person":
            data["skill"] = None
            if not data.get("reviewer"):
                self.add_error("reviewer", _("Choose the person who should review it."))
        elif data.get("who") == "skill":
            data["reviewer"] = None
            if not data.get("skill"):
                self.add_error("skill", _("Choose the skill the reviewer needs."))
        return data


class ReviewCommentForm(forms.Form):
    """The expert's remark on one work package, optionally with other three-point hours."""

    work_package = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        label=_("Comment"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 2})
    )
    proposed_optimistic = _hours_field(_("Optimistic (h)"), required=False)
    proposed_most_likely = _hours_field(_("Most likely (h)"), required=False)
    proposed_pessimistic = _hours_field(_("Pessimistic (h)"), required=False)


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=Verdict.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    verdict_comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for 'approved with changes' and 'not realistic'."),
    )


class OfferForm(forms.Form):
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=365,
        initial=30,
        widget=forms.NumberInput(attrs={"class": "text-end", "style": "max-width: 6rem"}),
    )
