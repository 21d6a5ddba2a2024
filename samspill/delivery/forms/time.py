"""Forms of the time pages: the timesheet's rows as posted, the CSV upload, approving and reopening weeks."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samspill.delivery.actions.time import MAX_NOTE, MAX_REASON, parse_hours, parse_week
from samspill.delivery.importing import MAX_BYTES

MAX_ROWS = 60  # 16 fields a row stays well inside Django's 1000 fields per request
MAX_ID = 2**63 - 1


@dataclass
class PostedRow:
    """One timesheet row as the person sent it: the text typed in each cell, and the parsed hours."""

    index: int
    package_id: int
    billable: bool
    was_billable: bool | None
    texts: list[str]
    notes: list[str]
    hours: list[Decimal | None] = field(default_factory=list)


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 19 or int(text) > MAX_ID or int(text) < 1:
        return None
    return int(text)


def parse_sheet(data: QueryDict) -> tuple[list[PostedRow], dict[str, list[str]]]:
    """Read the timesheet's rows from a POST; errors are keyed "row-day" (and "form" for the whole form)."""
    errors: dict[str, list[str]] = {}
    count = _int(data.get("rows")) or 0
    if count > MAX_ROWS:
        return [], {"form": [_("A week has at most %(count)d rows.") % {"count": MAX_ROWS}]}
    rows = []
    for index in range(count):
        package_id = _int(data.get(f"r{index}-package"))
        if package_id is None:
            continue  # a row taken away on the page
        was = data.get(f"r{index}-was", "")
        row = PostedRow(
            index=index,
            package_id=package_id,
            billable=bool(data.get(f"r{index}-billable")),
            was_billable={"1": True, "0": False}.get(was),
            texts=[str(data.get(f"r{index}-h{day}", ""))[:20] for day in range(7)],
            notes=[
                str(data.get(f"r{index}-n{day}", ""))[: MAX_NOTE + 1].replace("\x00", "") for day in range(7)
            ],
        )
        for day, text in enumerate(row.texts):
            try:
                row.hours.append(parse_hours(text))
            except ValueError:
                row.hours.append(None)
                errors[f"{index}-{day}"] = [
                    _("«%(value)s» is not a number of hours; write 7,5 or 7:30.") % {"value": text}
                ]
        rows.append(row)
    return rows, errors


def week_from(value: Any) -> Any:
    """The Monday of a week code, or None when the code is no week."""
    try:
        return parse_week(str(value or ""))
    except ValueError:
        return None


class WeekForm(forms.Form):
    """Which person's week on which project: what approving and reopening name."""

    project = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    person = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    week = forms.CharField(max_length=10, widget=forms.HiddenInput)

    def clean_week(self) -> Any:
        monday = week_from(self.cleaned_data["week"])
        if monday is None:
            raise forms.ValidationError(_("Name the week like 2026-W48."))
        return monday


class ReopenForm(WeekForm):
    reason = forms.CharField(
        label=gettext_lazy("Why is the week reopened?"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The person and the project's history keep the reason."),
    )


class ImportForm(forms.Form):
    """The CSV file to check (a dry run) before anything is imported."""

    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("At most 1 MB; separated by ; or , — UTF-8 or Windows-1252 (Excel's CSV)."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB; split it into smaller files."))
        return upload


class ConfirmImportForm(forms.Form):
    """The file's text as the dry run read it, and the fingerprint of what the person saw."""

    content = forms.CharField(max_length=2 * MAX_BYTES, strip=False, widget=forms.HiddenInput)
    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    filename = forms.CharField(max_length=255, required=False, widget=forms.HiddenInput)
    skip_rejected = forms.BooleanField(required=False)
