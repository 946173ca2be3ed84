"""The competitor price form: any member of the store's staff records what they saw."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.core.forms import DayField, not_in_future
from dealerkpi.market.models import CompetitorPrice


class CompetitorPriceForm(forms.ModelForm):
    class Meta:
        model = CompetitorPrice
        fields = ["competitor_model", "seen_on", "price", "offer", "source"]
        field_classes = {"seen_on": DayField}
        widgets = {
            "price": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
            "source": forms.TextInput(attrs={"list": "competitor-sources"}),
        }
        help_texts = {
            "offer": _("E.g. 10,000 off, free insurance, interest-free finance for 3 years."),
            "source": _("Where it was seen: a competitor's showroom, Autohome, a customer's quote..."),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["competitor_model"]
        field.queryset = VehicleModel.objects.filter(brand__is_competitor=True).select_related("brand")
        field.empty_label = _("— choose a competitor model —")

    def clean_seen_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["seen_on"])

    def clean_price(self) -> Decimal:
        price = self.cleaned_data["price"]
        if price <= 0:
            raise forms.ValidationError(_("Enter the price seen, more than zero."), code="zero")
        return price
