"""Forms of deviations and change requests: raise, edit and close a deviation; draft and decide a change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samspill.customers.forms import PersonChoiceField
from samspill.delivery.models import (
    ChangeRequest,
    Deviation,
    DeviationKind,
    Project,
    ProjectMember,
    ProjectPackage,
)
from samspill.lib.forms import VersionField
from samspill.people.models import Person

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
MAX_TEXT = 10000


def _team(project: Project, keep: Any = None) -> Any:
    """The owners to choose from: the project's active team (members, manager, seller), and `keep`."""
    members = ProjectMember.objects.filter(project=project).values("person_id")
    leads = [pk for pk in (project.manager_id, project.seller_id) if pk is not None]
    wanted = Q(is_active=True) & (Q(pk__in=members) | Q(pk__in=leads))
    if keep is not None:
        wanted |= Q(pk=keep)
    return (
        Person.objects.filter(wanted)
        .only("id", "first_name", "last_name", "username")
        .order_by("first_name", "last_name", "pk")
    )


class DeviationForm(forms.Form):
    """Raise a deviation by hand, or edit one (a rule's deviation keeps the rule's words)."""

    version = VersionField()
    what = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "What departs from the plan, the budget or a promise — with the numbers if there are any."
        ),
        max_length=MAX_TEXT,
    )
    consequence = forms.CharField(
        label=_("Consequence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What it means for the customer, the dates or the money."),
        max_length=MAX_TEXT,
    )
    action = forms.CharField(
        label=_("Action"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What we do about it, and by when."),
        max_length=MAX_TEXT,
    )
    owner = PersonChoiceField(
        label=_("Owner"),
        queryset=Person.objects.none(),
        empty_label=None,
        help_text=_("Someone on the project's team. Add a person to the team to make them the owner."),
    )

    def __init__(
        self, *args: Any, project: Project, deviation: Deviation | None = None, **kwargs: Any
    ) -> None:
        if deviation is not None:
            kwargs.setdefault(
                "initial",
                {
                    "version": deviation.version,
                    "what": deviation.what,
                    "consequence": deviation.consequence,
                    "action": deviation.action,
                    "owner": deviation.owner_id,
                },
            )
        else:
            kwargs.setdefault("initial", {"owner": project.manager_id})
        super().__init__(*args, **kwargs)
        keep = deviation.owner_id if deviation is not None else project.manager_id
        self.fields["owner"].queryset = _team(project, keep)  # type: ignore[attr-defined]
        self.automatic = deviation is not None and deviation.kind != DeviationKind.MANUAL
        if self.automatic:
            del self.fields["what"]

    def changes(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class CloseDeviationForm(forms.Form):
    version = VersionField()
    resolution = forms.CharField(
        label=_("Resolution"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("How it was resolved, so the next project can learn from it."),
        max_length=MAX_TEXT,
    )


class ChangeRequestForm(forms.Form):
    """A change request's content: what changes, its hours and price, and its effect on the milestones."""

    version = VersionField()
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the customer asked for, or what we found, and what the change covers."),
        max_length=MAX_TEXT,
    )
    package = forms.ModelChoiceField(
        label=_("Work package"),
        queryset=ProjectPackage.objects.none(),
        required=False,
        empty_label=_("A new work package (named by the title)"),
        help_text=_("The package whose budget the hours and price are added to."),
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=9,
        decimal_places=1,
        help_text=_("Negative to take scope out of an existing package."),
    )
    price = forms.DecimalField(label=_("Price (NOK excl. VAT)"), max_digits=14, decimal_places=2)
    delay_days = forms.IntegerField(
        label=_("Milestones move (days)"),
        required=False,
        min_value=-3650,
        max_value=3650,
        help_text=_("When accepted, the milestones not yet reached move this many days."),
    )
    milestone_effect = forms.CharField(
        label=_("Effect on milestones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=MAX_TEXT,
    )

    def __init__(
        self, *args: Any, project: Project, change: ChangeRequest | None = None, **kwargs: Any
    ) -> None:
        if change is not None:
            kwargs.setdefault(
                "initial",
                {
                    "version": change.version,
                    "title": change.title,
                    "description": change.description,
                    "package": change.package_id,
                    "hours": change.hours,
                    "price": change.price,
                    "delay_days": change.delay_days,
                    "milestone_effect": change.milestone_effect,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = ProjectPackage.objects.filter(project=project).order_by(  # type: ignore[attr-defined]
            "position", "pk"
        )

    def changes(self) -> dict[str, Any]:
        values = {name: value for name, value in self.cleaned_data.items() if name != "version"}
        values["delay_days"] = values.get("delay_days") or 0
        return values


class DecisionForm(forms.Form):
    """The customer's answer, recorded by the seller or account owner."""

    version = VersionField()
    decided_on = forms.DateField(
        label=_("Decided on"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Today if left empty."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who decided at the customer, and what they said. Required when they said no."),
        max_length=MAX_TEXT,
    )
