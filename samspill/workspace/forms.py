from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from samspill.lib.forms import VersionField
from samspill.workspace.models import Document, DocumentKind

GUESS = ""


class DocumentForm(forms.ModelForm):
    """Rename a document or change its type."""

    version = VersionField()

    class Meta:
        model = Document
        fields = ["title", "kind"]

    def _post_clean(self) -> None:
        # The action validates the whole document; the form checks its fields only.
        pass


class UploadForm(forms.Form):
    """The type given to every file of one upload; left empty, each file's name suggests it."""

    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[(GUESS, _("From the file name")), *DocumentKind.choices],
        required=False,
    )


class MoveSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a workspace"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name of a customer, opportunity or project")}),
    )
