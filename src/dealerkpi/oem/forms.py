"""The forms of the policy page: a manufacturer's target, a score, a new version of the policy."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.forms import MonthField
from dealerkpi.oem.models import CommercialPolicy
from dealerkpi.plans import engine
from dealerkpi.plans.engine.schema import Indicator

from .figures import figure_labels
from .policy import read_policy

BIGGEST = 10**9


class TargetForm(forms.Form):
    figure = forms.ChoiceField(label=_("Figure"))
    value = forms.DecimalField(label=_("Manufacturer's target"), min_value=0, max_value=BIGGEST, decimal_places=2)

    def __init__(self, *args: object, figures: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["figure"].choices = list(figure_labels(figures).items())


class ScoreForm(forms.Form):
    item = forms.ChoiceField(label=_("Assessed item"))
    value = forms.DecimalField(label=_("Score"), min_value=0, decimal_places=2, max_value=10000)
    comment = forms.CharField(label=_("Remark"), max_length=200, required=False)

    def __init__(self, *args: object, items: list[Indicator], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.maxima = {item.id: item.scoring.maximum for item in items}
        self.fields["item"].choices = [(item.id, item.label or item.id) for item in items]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        item, value = cleaned.get("item"), cleaned.get("value")
        if item in self.maxima and value is not None and value > self.maxima[item]:
            self.add_error("value", _("The score of this item is at most %(most)s.") % {"most": self.maxima[item]})
        return cleaned


class PolicyForm(forms.Form):
    valid_from = MonthField(label=_("In force from"))
    document = forms.CharField(label=_("Policy document"), max_length=100_000,
                               widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}))
    note = forms.CharField(label=_("What changed"), max_length=200)

    def __init__(self, *args: object, latest: CommercialPolicy | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.latest = latest

    def clean_valid_from(self) -> datetime.date:
        month = self.cleaned_data["valid_from"]
        if self.latest is not None and month <= self.latest.valid_from:
            raise forms.ValidationError(_("A new version comes into force after the latest, in force from %(month)s.")
                                        % {"month": f"{self.latest.valid_from:%Y-%m}"})
        return month

    def clean_document(self) -> str:
        text = self.cleaned_data["document"]
        try:
            read_policy(text)
        except engine.PlanInvalid as invalid:
            raise forms.ValidationError([str(error) for error in invalid.errors]) from None
        return text
