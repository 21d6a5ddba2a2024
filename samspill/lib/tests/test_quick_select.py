"""QuickSelect renders the same choice as Django's Select, without a template per option."""

from __future__ import annotations

from django import forms

from samspill.lib.forms import QuickSelect


class _Form(forms.Form):
    who = forms.ChoiceField(
        choices=[("", "Everybody"), ("1", "Åse <Ås>"), ("2", 'Bo "B"')], required=False, widget=QuickSelect
    )


def test_the_chosen_option_is_selected_and_labels_are_escaped() -> None:
    html = str(_Form({"who": "2"})["who"])
    assert html.startswith("<select ") and 'name="who"' in html and 'id="id_who"' in html
    assert '<option value="">Everybody</option>' in html
    assert '<option value="1">Åse &lt;Ås&gt;</option>' in html
    assert '<option value="2" selected>Bo &quot;B&quot;</option>' in html
    assert html.count("selected") == 1


def test_nothing_chosen_selects_the_empty_choice_as_django_does_and_attributes_are_kept() -> None:
    field = _Form()["who"]
    html = field.as_widget(attrs={"class": "form-select", "aria-describedby": 'x"y'})
    plain = str(field.as_widget(widget=forms.Select(choices=field.field.choices)))
    assert '<option value="" selected>Everybody</option>' in html and html.count("selected") == 1
    assert '<option value="" selected>Everybody</option>' in plain
    assert 'class="form-select"' in html and 'aria-describedby="x&quot;y"' in html
