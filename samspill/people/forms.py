from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from samspill.lib.forms import VersionField
from samspill.people.models import Person, Role, Skill, Team


class ProfileForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "email",
            "title",
            "phone",
            "team",
            "language",
            "weekly_capacity_hours",
            "cost_rate",
            "hourly_rate",
        ]

    def __init__(self, *args: Any, allowed: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allowed is not None:
            for name in list(self.fields):
                if name != "version" and name not in allowed:
                    del self.fields[name]
        if "first_name" in self.fields:
            self.fields["first_name"].required = True
        if "email" in self.fields:
            self.fields["email"].required = True


class RolesForm(forms.Form):
    version = VersionField()
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    primary_role = forms.ChoiceField(
        label=_("Primary role"),
        choices=[("", "—"), *Role.choices],
        required=False,
        help_text=_("The role this person's capacity counts towards."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("primary_role") and data["primary_role"] not in data.get("roles", []):
            self.add_error("primary_role", _("The primary role must be one of the person's roles."))
        return data


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    primary_role = forms.ChoiceField(
        label=_("Primary role"), choices=[("", "—"), *Role.choices], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("primary_role") and data["primary_role"] not in data.get("roles", []):
            self.add_error("primary_role", _("The primary role must be one of the person's roles."))
        return data


LEVEL_CHOICES = [(0, "—"), (1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")]


class SkillsForm(forms.Form):
    """One level field per configured skill; 0 means the person does not have it."""

    version = VersionField()

    def __init__(self, *args: Any, skills: list[Skill], current: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skills = skills
        for skill in skills:
            self.fields[f"skill_{skill.pk}"] = forms.TypedChoiceField(
                label=skill.name,
                choices=LEVEL_CHOICES,
                coerce=int,
                required=False,
                initial=current.get(skill.pk, 0),
            )

    def levels(self) -> dict[Skill, int]:
        return {skill: self.cleaned_data.get(f"skill_{skill.pk}") or 0 for skill in self.skills}


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=100, help_text=_('Where the token is used, e.g. "Power BI report".')
    )


class AcceptInvitationForm(SetPasswordForm):
    pass


class DirectoryFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("All roles")), *Role.choices], required=False)
    skill = forms.ModelChoiceField(
        label=_("Skill"), queryset=Skill.objects.all(), required=False, empty_label=_("All skills")
    )
    min_level = forms.TypedChoiceField(
        label=_("Skill level at least"),
        coerce=int,
        required=False,
        choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")],
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All teams")
    )
    inactive = forms.BooleanField(label=_("Show deactivated"), required=False)
