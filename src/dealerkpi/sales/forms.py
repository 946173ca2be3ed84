"""Forms of the sales desk: every field validated with a clear message; nothing typed is lost on an error."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import Trim, TrimPrice, VehicleModel, franchised_trims
from dealerkpi.core.forms import MomentField
from dealerkpi.core.money import ZERO
from dealerkpi.core.once import OnceForm
from dealerkpi.crm.models import Lead
from dealerkpi.org.models import Role, Staff, Store
from dealerkpi.sales.models import (
    FULL_SHARE,
    Delivery,
    DerivativeSale,
    Order,
    Payment,
    SalesPolicy,
    Spiff,
    StoreDeskSettings,
    validate_credit_shares,
)
from dealerkpi.sales.services import CHECKLIST, DEFAULT_AUTHORITY, Credit, OrderTerms
from dealerkpi.stock.models import SecondaryDealer, Vehicle

CREDITED_ROLES = (Role.CONSULTANT, Role.SUPERVISOR)


def money_field(label: str, required: bool = True, minimum: str = "0", **kwargs: object) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=14, decimal_places=2,
                              min_value=Decimal(minimum), **kwargs)  # type: ignore[arg-type]


class TrimChoiceField(forms.ModelChoiceField):
    """Trims labelled with the guide price of the price list in force."""

    guide_prices: dict[int, Decimal] = {}

    def label_from_instance(self, obj: Trim) -> str:
        guide = self.guide_prices.get(obj.pk)
        if guide is None:
            return _("%(trim)s · no price in force") % {"trim": obj}
        return _("%(trim)s · guide price ¥%(price)s") % {"trim": obj, "price": f"{guide:,.0f}"}


class OrderForm(forms.Form):
    trim = TrimChoiceField(label=_("Trim"), queryset=Trim.objects.none())
    colour = forms.CharField(label=_("Colour"), max_length=30)
    price = money_field(_("Vehicle price"), minimum="0.01")
    gifts_cost = money_field(_("Gifts (cost)"), required=False, initial=ZERO)
    deposit = money_field(_("Deposit received now"), required=False)
    sold_via = forms.ModelChoiceField(label=_("Sold via secondary dealer"), queryset=SecondaryDealer.objects.none(),
                                      required=False)
    my_share = forms.DecimalField(label=_("Consultant's share (%)"), max_digits=5, decimal_places=2,
                                  initial=FULL_SHARE, min_value=Decimal("0.01"), max_value=FULL_SHARE)
    partner = forms.ModelChoiceField(label=_("Second consultant"), queryset=Staff.objects.none(), required=False)
    partner_share = forms.DecimalField(label=_("Second consultant's share (%)"), max_digits=5, decimal_places=2,
                                       required=False, min_value=Decimal("0.01"), max_value=FULL_SHARE)

    def __init__(self, *args: object, lead: Lead, day: datetime.date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lead, self.day = lead, day
        trims = franchised_trims(lead.store).select_related("vehicle_model")
        prices = TrimPrice.objects.filter(TrimPrice.in_force_on(day), trim__in=trims).order_by("valid_from")
        trim_field: TrimChoiceField = self.fields["trim"]  # type: ignore[assignment]
        trim_field.queryset = trims.order_by("vehicle_model__code", "code")
        trim_field.guide_prices = {line.trim_id: line.guide_price for line in prices}
        self.fields["trim"].initial = trims.filter(vehicle_model_id=lead.intended_model_id).first()
        self.fields["sold_via"].queryset = SecondaryDealer.objects.filter(store_id=lead.store_id, is_active=True)
        # Colleagues of the same store, by name only: whoever shares the deal must be choosable.
        self.fields["partner"].queryset = Staff.objects.filter(
            store_id=lead.store_id, role__in=CREDITED_ROLES, leave_date__isnull=True
        ).exclude(pk=lead.owner_id).order_by("name")
        for kind, label in DerivativeSale.Kind.choices:
            self.fields[f"{kind}_amount"] = money_field(label, required=False)
            self.fields[f"{kind}_income"] = money_field(_("income to the store"), required=False)

    def derivative_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[f"{kind}_amount"], self[f"{kind}_income"]) for kind, label in DerivativeSale.Kind.choices]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("trim", "colour", "price", "gifts_cost", "deposit", "sold_via")]

    def credit_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("my_share", "partner", "partner_share")]

    def clean(self) -> dict[str, object]:
        data = super().clean()
        self._clean_price(data)
        self._clean_credits(data)
        for kind in DerivativeSale.Kind.values:
            if data.get(f"{kind}_income") and not data.get(f"{kind}_amount"):
                self.add_error(f"{kind}_amount", _("Enter the amount this income comes from."))
        return data

    def _clean_price(self, data: dict[str, object]) -> None:
        trim, price = data.get("trim"), data.get("price")
        if trim is None:
            return
        line = TrimPrice.in_force(trim.pk, self.day)  # type: ignore[attr-defined]
        if line is None:
            self.add_error("trim", _("No price list line is in force for this trim today; ask the sales manager."))
            return
        data["price_line"] = line
        if price is not None:
            try:
                Order(guide_price=line.guide_price, price=price).clean()
            except ValidationError as error:
                self.add_error(None, error)
        if price is not None and data.get("deposit") and data["deposit"] > price:  # type: ignore[operator]
            self.add_error("deposit", _("The deposit cannot be more than the vehicle price."))

    def _clean_credits(self, data: dict[str, object]) -> None:
        partner, partner_share, my_share = data.get("partner"), data.get("partner_share"), data.get("my_share")
        if partner is not None and partner_share is None:
            self.add_error("partner_share", _("Give the second consultant's share."))
        elif partner is None and partner_share is not None:
            self.add_error("partner", _("Choose the consultant who shares the deal."))
        elif my_share is not None:
            shares = [my_share] + ([partner_share] if partner is not None else [])
            try:
                validate_credit_shares(shares)  # type: ignore[arg-type]
            except ValidationError as error:
                self.add_error("my_share", error)

    def terms(self) -> OrderTerms:
        data = self.cleaned_data
        credits = [Credit(self.lead.owner, data["my_share"])]
        if data.get("partner") is not None:
            credits.append(Credit(data["partner"], data["partner_share"]))
        derivatives = {
            kind: (data[f"{kind}_amount"], data.get(f"{kind}_income") or ZERO)
            for kind in DerivativeSale.Kind.values if data.get(f"{kind}_amount")
        }
        return OrderTerms(
            trim=data["trim"], price_line=data["price_line"], colour=data["colour"], price=data["price"],
            gifts_cost=data.get("gifts_cost") or ZERO, deposit=data.get("deposit") or ZERO,
            sold_via=data.get("sold_via"), credits=tuple(credits), derivatives=derivatives,
        )


class PaymentForm(OnceForm, forms.ModelForm):
    """A payment, recorded once however often the form is sent (core.once)."""

    class Meta:
        model = Payment
        fields = ("kind", "amount", "paid_at")
        field_classes = {"paid_at": MomentField}

    def __init__(self, *args: object, order: Order, **kwargs: object) -> None:
        kwargs.setdefault("instance", Payment(order=order, store_id=order.store_id))
        kwargs.setdefault("initial", {"paid_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class VehicleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Vehicle) -> str:
        place = obj.secondary_dealer.name if obj.secondary_dealer_id else _("at the store")
        return f"{obj.vin} · {obj.colour} · {place}"


class ScheduleForm(forms.Form):
    scheduled_for = MomentField(label=_("Delivery date and time"))
    vehicle = VehicleChoiceField(label=_("Vehicle"), queryset=Vehicle.objects.none(),
                                 empty_label=None)

    def __init__(self, *args: object, vehicles: QuerySet[Vehicle], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["vehicle"].queryset = vehicles.select_related("secondary_dealer").order_by("arrived_on", "pk")

    def clean_scheduled_for(self) -> datetime.datetime:
        when: datetime.datetime = self.cleaned_data["scheduled_for"]
        if when < timezone.now() - datetime.timedelta(days=1):
            raise forms.ValidationError(_("A delivery cannot be scheduled in the past."))
        return when


class ChecklistForm(forms.ModelForm):
    class Meta:
        model = Delivery
        fields = CHECKLIST


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class SoldViaForm(forms.Form):
    sold_via = forms.ModelChoiceField(label=_("Sold via secondary dealer"), queryset=SecondaryDealer.objects.none(),
                                      required=False, empty_label=_("— the store itself —"))

    def __init__(self, *args: object, order: Order, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"sold_via": order.sold_via_id})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["sold_via"].queryset = SecondaryDealer.objects.filter(store_id=order.store_id, is_active=True)


class DeskSettingsForm(forms.ModelForm):
    """The store's C-card days and each role's discount authority (empty: down to the floor price)."""

    class Meta:
        model = StoreDeskSettings
        fields = ("c_card_days",)

    def __init__(self, *args: object, authority: dict[str, Decimal | None], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for role in DEFAULT_AUTHORITY:
            self.fields[f"authority_{role}"] = money_field(
                Role(role).label, required=False, initial=authority[role],
                help_text=_("Yuan of discount plus gifts; empty: down to the floor price."),
            )

    def authority_fields(self) -> list[forms.BoundField]:
        return [self[f"authority_{role}"] for role in DEFAULT_AUTHORITY]

    def authority(self) -> dict[str, Decimal | None]:
        return {role: self.cleaned_data.get(f"authority_{role}") for role in DEFAULT_AUTHORITY}


class _PolicyFormMixin(forms.ModelForm):
    """The store's own trims and vehicles in stock to choose from; dates as dates."""

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.instance.store = store
        self.fields["trim"].queryset = franchised_trims(store).select_related("vehicle_model")
        self.fields["vehicle"].queryset = Vehicle.objects.filter(
            store=store, status__in=(Vehicle.Status.IN_STOCK, Vehicle.Status.ALLOCATED)).select_related("trim")
        for name in ("valid_from", "valid_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})


class SalesPolicyForm(_PolicyFormMixin):
    class Meta:
        model = SalesPolicy
        fields = ("trim", "vehicle", "valid_from", "valid_to", "discount_ceiling", "gifts", "finance_offer")


class SpiffForm(OnceForm, _PolicyFormMixin):
    """A new spiff: from today on (it is announced, never paid backwards)."""

    class Meta:
        model = Spiff
        fields = ("title", "vehicle_model", "trim", "vehicle", "valid_from", "valid_to", "amount")

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, store=store, **kwargs)
        self.fields["vehicle_model"].queryset = VehicleModel.objects.filter(
            pk__in=franchised_trims(store).values("vehicle_model_id"))

    def clean_valid_from(self) -> datetime.date:
        day = self.cleaned_data["valid_from"]
        if day < timezone.localdate():
            raise ValidationError(_("A spiff starts today or later."))
        return day

    def clean(self) -> dict:
        data = super().clean()
        if sum(bool(data.get(name)) for name in ("vehicle_model", "trim", "vehicle")) != 1:
            raise ValidationError(_("Choose one model, trim or vehicle."))
        return data
