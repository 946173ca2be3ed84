"""Forms of the bonus-run pages: every field validated with a clear message; nothing typed is lost."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from dealerkpi.pay.models import Adjustment, ManualRating, StatementQuery
from dealerkpi.plans.engine import Period


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the browser's month picker sends that)."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value: object) -> Period | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return Period.parse(text)
        except ValueError as error:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-10."), code="month") from error


class NewRunForm(forms.Form):
    month = MonthField(label=_("Month"))

    def clean_month(self) -> Period:
        period: Period = self.cleaned_data["month"]
        if period.first_day > datetime.date.today():
            raise forms.ValidationError(_("That month has not started yet."))
        return period


class RatingForm(forms.ModelForm):
    class Meta:
        model = ManualRating
        fields = ("staff", "indicator", "value", "comment")


class AdjustmentForm(forms.ModelForm):
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
