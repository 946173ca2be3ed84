"""Forms of the bonus-run pages: every field validated with a clear message; nothing typed is lost."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dealerkpi.core import forms as core_forms
from dealerkpi.core.money import ZERO
from dealerkpi.core.once import OnceForm
from dealerkpi.pay.models import Adjustment, ManualRating, StatementQuery
from dealerkpi.plans.engine import Period


class MonthField(core_forms.MonthField):
    """A month typed as YYYY-MM (core.forms: within the years the site works in), as the run's period."""

    def clean(self, value: object) -> Period | None:
        first = super().clean(value)
        return None if first is None else Period(first.year, first.month)


class NewRunForm(forms.Form):
    month = MonthField(label=_("Month"))

    def clean_month(self) -> Period:
        period: Period = self.cleaned_data["month"]
        if period.first_day > datetime.date.today():
            raise forms.ValidationError(_("That month has not started yet."))
        return period


@dataclass(frozen=True)
class Scale:
    """An indicator rated by hand in a plan: its label and its highest rating (the lowest is 0)."""

    label: str
    maximum: Decimal


Scales = Mapping[int, Mapping[str, Scale]]  # by person: their plan's indicators rated by hand, by indicator


class RatingForm(forms.ModelForm):
    """A rating of an indicator of the person's plan rated by hand, from 0 to its plan's maximum: a rating out of
    range is refused here, not when the run is computed."""

    indicator = forms.ChoiceField(label=_("Indicator"))

    class Meta:
        model = ManualRating
        fields = ("staff", "indicator", "value", "comment")

    def __init__(self, *args: object, scales: Scales, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.scales = scales
        rated = {code: scale.label for person in scales.values() for code, scale in person.items()}
        self.fields["indicator"].choices = [("", "---------"), *sorted(rated.items())]

    def clean(self) -> dict:
        data = super().clean()
        staff, code, value = data.get("staff"), data.get("indicator"), data.get("value")
        if staff is None or not code:
            return data
        scale = self.scales.get(staff.pk, {}).get(code)
        if scale is None:
            self.add_error("indicator", _("%(person)s's plan has no indicator %(indicator)s rated by hand.") % {
                "person": staff.name, "indicator": code})
        elif value is not None and not ZERO <= value <= scale.maximum:
            self.add_error("value", _("A rating of %(indicator)s is from 0 to %(maximum)s.") % {
                "indicator": scale.label, "maximum": format(scale.maximum.normalize(), "f")})
        return data


class AdjustmentForm(OnceForm, forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ("staff", "amount", "reason")


class QueryForm(forms.ModelForm):
    class Meta:
        model = StatementQuery
        fields = ("question",)
        widgets = {"question": forms.Textarea(attrs={"rows": 3})}


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(StatementQuery.Status.ACCEPTED, _("Accept: adjust the pay")),
                 (StatementQuery.Status.REJECTED, _("Reject"))],
    )
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.DecimalField(label=_("Adjustment (yuan)"), max_digits=14, decimal_places=2, required=False,
                                help_text=_("Needed when accepting: positive adds, negative deducts."))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == StatementQuery.Status.ACCEPTED and not data.get("amount"):
            self.add_error("amount", _("Give the amount the pay changes by when accepting a query."))
        return data
