"""Forms of the stock pages: the overview's filters, the transfer of a vehicle, orders to the manufacturer, the
receipt of a vehicle and the floor-plan rate."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import Trim, VehicleModel, franchised_trims
from dealerkpi.core.forms import DayField, MonthField, not_in_future
from dealerkpi.core.validators import validate_vin
from dealerkpi.org.models import Store
from dealerkpi.stock.dealers import ON_ACCOUNT, Supply, payment_field
from dealerkpi.stock.models import SecondaryDealer, Vehicle, VehicleOrder, VehicleOrderLine
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


# --- ordering from the manufacturer and receiving ----------------------------------------------------------------


class VinField(forms.CharField):
    """A VIN typed or scanned: spaces dropped, capitals, checked like every VIN (length, letters, check digit)."""

    default_validators = [validate_vin]

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", _("VIN"))
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_python(self, value: object) -> str:
        return "".join(str(super().to_python(value)).split()).upper()


class OrderMonthForm(forms.Form):
    month = MonthField(label=_("Month"))


class OrderLineForm(forms.Form):
    trim = forms.ModelChoiceField(label=_("Trim"), queryset=Trim.objects.none())
    colour = forms.CharField(label=_("Colour"), max_length=30)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=999,
                                  help_text=_("0 takes the line off."))

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["trim"].queryset = franchised_trims(store).select_related("vehicle_model")

    def clean_colour(self) -> str:
        return self.cleaned_data["colour"].strip()


class ConfirmForm(forms.Form):
    """The quantity the manufacturer confirmed for each line of the order."""

    confirmed_on = DayField(label=_("Confirmed on"), validators=[not_in_future])

    def __init__(self, *args: object, lines: Sequence[VehicleOrderLine], **kwargs: object) -> None:
        kwargs.setdefault("initial", {"confirmed_on": timezone.localdate(),
                                      **{f"line_{line.pk}": line.quantity for line in lines}})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lines = lines
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(label=str(line), min_value=0, max_value=999)

    def confirmed(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] for line in self.lines}


class AllocateForm(forms.Form):
    """A vehicle the manufacturer allocated: the line it fills, its VIN, invoice cost and financing start."""

    line = forms.ModelChoiceField(label=_("Line"), queryset=VehicleOrderLine.objects.none())
    vin = VinField()
    cost = forms.DecimalField(label=_("Invoice cost"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    financed_from = DayField(label=_("Floor-plan financing from"),
                             help_text=_("Usually the manufacturer's invoice date."))

    def __init__(self, *args: object, order: VehicleOrder, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["line"].queryset = order.lines.select_related("trim__vehicle_model")


class ReceiveForm(forms.Form):
    """A vehicle in transit arriving: scan or type its VIN, say whether it is damaged and where it is parked."""

    OK, DAMAGED = "ok", "damaged"

    vin = VinField(help_text=_("Scan the windscreen plate or type it."))
    received_on = DayField(label=_("Received on"), validators=[not_in_future])
    condition = forms.ChoiceField(label=_("Damage check"), choices=[(OK, _("No damage")), (DAMAGED, _("Damaged"))])
    damage_note = forms.CharField(label=_("Damage found"), required=False, max_length=500, widget=forms.Textarea(
        attrs={"rows": 2}))
    location = forms.CharField(label=_("Parking place"), max_length=50)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"received_on": timezone.localdate(), "condition": self.OK})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        note = (data.get("damage_note") or "").strip()
        if data.get("condition") == self.DAMAGED and not note:
            self.add_error("damage_note", _("Say what is damaged."))
        if data.get("condition") == self.OK:
            note = ""
        data["damage_note"] = note
        return data


class VehicleForm(forms.Form):
    """A vehicle entered by hand: without an arrival date it is in transit."""

    vin = VinField()
    trim = forms.ModelChoiceField(label=_("Trim"), queryset=Trim.objects.none())
    colour = forms.CharField(label=_("Colour"), max_length=30)
    cost = forms.DecimalField(label=_("Invoice cost"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    financed_from = DayField(label=_("Floor-plan financing from"), required=False,
                             help_text=_("Empty when the vehicle is not financed."))
    arrived_on = DayField(label=_("Received on"), required=False, validators=[not_in_future],
                          help_text=_("Empty while the vehicle is in transit."))

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["trim"].queryset = franchised_trims(store).select_related("vehicle_model")

    def clean_colour(self) -> str:
        return self.cleaned_data["colour"].strip()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, arrived = data.get("financed_from"), data.get("arrived_on")
        if start and arrived and arrived < start:  # type: ignore[operator]
            self.add_error("arrived_on", _("A vehicle cannot arrive before it was invoiced."))
        return data


class RateForm(forms.Form):
    """The store's floor-plan rate from a day: the rate of that day is replaced, earlier days keep theirs."""

    valid_from = DayField(label=_("Valid from"))
    annual_percent = forms.DecimalField(label=_("Floor-plan interest, % a year"), min_value=0, max_value=50,
                                        max_digits=5, decimal_places=2)


class DealerTargetForm(forms.Form):
    month = MonthField(label=_("Month"))
    units = forms.IntegerField(label=_("Target, units"), min_value=0, max_value=9999)


class WholesalePriceForm(forms.Form):
    trim = forms.ModelChoiceField(label=_("Trim"), queryset=Trim.objects.none())
    valid_from = DayField(label=_("Valid from"))
    price = forms.DecimalField(label=_("Wholesale price"), min_value=Decimal("0.01"), max_digits=12,
                               decimal_places=2)

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["trim"].queryset = franchised_trims(store).select_related("vehicle_model")


class DealerPaymentForm(forms.Form):
    """A payment from a dealer: its day and reference, an amount for each car it pays (each prefilled with what
    the car still owes) and an amount on account, not tied to a car."""

    paid_on = DayField(label=_("Paid on"), validators=[not_in_future])
    reference = forms.CharField(label=_("Reference"), max_length=50)
    on_account = forms.DecimalField(
        label=_("On account"), required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2,
        help_text=_("Paid and not for a named car: shown covering the oldest unpaid cars first."))

    def __init__(self, *args: object, payable: Sequence[Supply], **kwargs: object) -> None:
        kwargs.setdefault("initial", {"paid_on": timezone.localdate(), **{
            payment_field(supply.transfer.pk): supply.outstanding for supply in payable}})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.payable = {payment_field(supply.transfer.pk): supply for supply in payable}
        for name, supply in self.payable.items():
            self.fields[name] = forms.DecimalField(
                label=supply.transfer.vehicle.vin, required=False, min_value=Decimal("0.01"),
                max_value=supply.outstanding, max_digits=12, decimal_places=2)

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip()

    def amounts(self) -> dict[int, Decimal]:
        """Transfer id -> amount, for the cars given one."""
        return {supply.transfer.pk: self.cleaned_data[name] for name, supply in self.payable.items()
                if self.cleaned_data.get(name) is not None}

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not self.errors and not self.amounts() and not data.get(ON_ACCOUNT):
            raise forms.ValidationError(_("Enter what is paid for at least one car, or on account."))
        return data


class DealerSaleForm(forms.Form):
    """A car's sale to an end customer, as the dealer reports it."""

    supply = forms.TypedChoiceField(label=_("Car"), coerce=int)
    sold_on = DayField(label=_("Sold on"), validators=[not_in_future])
    district = forms.CharField(label=_("End customer's district"), max_length=50)

    def __init__(self, *args: object, unreported: Sequence[Supply], **kwargs: object) -> None:
        kwargs.setdefault("initial", {"sold_on": timezone.localdate()})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["supply"].choices = [(supply.transfer.pk, supply.transfer.vehicle.vin) for supply in unreported]

    def clean_district(self) -> str:
        return self.cleaned_data["district"].strip()


class FineForm(forms.Form):
    per_car = forms.DecimalField(label=_("Fine per cross-region car"), min_value=0, max_digits=12, decimal_places=2)
