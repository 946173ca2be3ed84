"""Forms of the stock pages: the overview's filters and the transfer of a vehicle."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.core.forms import DayField
from dealerkpi.stock.models import SecondaryDealer, Vehicle
from dealerkpi.stock.services import ON_HAND

ON_HAND_CHOICE, ALL_CHOICE, AT_STORE = "", "all", "store"


class StockFilterForm(forms.Form):
    model = forms.ModelChoiceField(label=_("Model"), queryset=VehicleModel.objects.none(), required=False,
                                   empty_label=_("All models"))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        (ON_HAND_CHOICE, _("On hand (in stock or allocated)")), (ALL_CHOICE, _("Any status")),
        *Vehicle.Status.choices,
    ])
    location = forms.ChoiceField(label=_("Location"), required=False)

    def __init__(self, *args: object, dealers: QuerySet[SecondaryDealer], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["model"].queryset = VehicleModel.objects.filter(brand__is_competitor=False)
        self.fields["location"].choices = [
            ("", _("Anywhere")), (AT_STORE, _("At the store")), *((str(d.pk), d.name) for d in dealers),
        ]

    def narrow(self, vehicles: QuerySet[Vehicle]) -> QuerySet[Vehicle]:
        """The vehicles the filters ask for; with bad input, the default (on hand anywhere)."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status", ON_HAND_CHOICE)
        if status == ON_HAND_CHOICE:
            vehicles = vehicles.filter(status__in=ON_HAND)
        elif status != ALL_CHOICE:
            vehicles = vehicles.filter(status=status)
        if data.get("model"):
            vehicles = vehicles.filter(trim__vehicle_model=data["model"])
        location = data.get("location")
        if location == AT_STORE:
            vehicles = vehicles.filter(secondary_dealer__isnull=True)
        elif location:
            vehicles = vehicles.filter(Q(secondary_dealer_id=int(location)))
        return vehicles


class TransferForm(forms.Form):
    to_dealer = forms.ModelChoiceField(label=_("Move to"), queryset=SecondaryDealer.objects.none(), required=False,
                                       empty_label=_("— back to the store —"))
    moved_on = DayField(label=_("Moved on"))

    def __init__(self, *args: object, vehicle: Vehicle, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"moved_on": timezone.localdate()})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.vehicle = vehicle
        self.fields["to_dealer"].queryset = SecondaryDealer.objects.filter(store_id=vehicle.store_id, is_active=True)

    def clean_to_dealer(self) -> SecondaryDealer | None:
        dealer = self.cleaned_data["to_dealer"]
        if (dealer.pk if dealer else None) == self.vehicle.secondary_dealer_id:
            raise forms.ValidationError(_("The vehicle is there already."))
        return dealer

    def clean_moved_on(self) -> object:
        day = self.cleaned_data["moved_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A transfer cannot be dated in the future."))
        return day
