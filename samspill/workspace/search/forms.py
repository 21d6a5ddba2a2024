"""The search page's query and filters, read from the URL: ?q=…&kind=…&customer=…&from=…&to=…&page=…"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samspill.lib.api import MAX_ID
from samspill.lib.registry import registry

MAX_PAGE = 500


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, strip=True)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    customer = forms.IntegerField(label=_("Customer"), required=False, min_value=1, max_value=MAX_ID)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Everything"))] + [  # type: ignore[attr-defined]
            (key, source.label) for key, source in registry.search_sources.items()
        ]
        # "from" and "to" are Python keywords, hence not class attributes.
        self.fields["from"] = forms.DateField(
            label=_("Changed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
        self.fields["to"] = forms.DateField(
            label=_("Changed to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end date is before the start date."))
        return data
