"""Forms of the target pages. They return field errors, never raise: what the user typed is kept."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import VehicleModel, franchised_trims
from dealerkpi.core.money import ZERO
from dealerkpi.org.models import Staff, Store
from dealerkpi.plans.engine.catalogue import METRICS, PARAMETERISED
from dealerkpi.plans.metric_labels import grouped_choices, margin_class_choices
from dealerkpi.targets.models import SeasonalDistribution, plain
from dealerkpi.targets.services import SplitStatus, over_allocation_message

NEGATIVE = _("A target cannot be negative.")


def target_field(label: str = "", required: bool = True, **attrs: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, min_value=Decimal("0"), max_digits=16, decimal_places=2,
        error_messages={"min_value": NEGATIVE},
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal", **attrs}),
    )


def store_models(store: Store) -> list[tuple[str, str]]:
    """The models the store sells (those of its franchised trims), as (code, name) by name."""
    models = VehicleModel.objects.filter(pk__in=franchised_trims(store).values("vehicle_model_id"))
    return list(models.order_by("name", "code").values_list("code", "name"))


# The form field that names the parameter of each parameterised family.
PARAMETER_FIELDS = {"units_by_model": "model", "units_by_margin_class": "margin_class"}


class MetricChoiceForm(forms.Form):
    """A metric chosen from the catalogue by its label: the family from a select grouped as a sales manager thinks
    (volume, profit, derivatives...), and for a sub-target the store's model or the margin class from a second
    list. ``cleaned_data["metric"]`` is the composed name (units_by_model:YH-S7); the codes stay out of sight."""

    metric = forms.ChoiceField(label=_("Metric"))
    model = forms.ChoiceField(label=_("Model (for cars by model)"), required=False,
                              widget=forms.Select(attrs={"data-sub-of": "units_by_model"}))
    margin_class = forms.ChoiceField(label=_("Margin class (for cars by margin class)"), required=False,
                                     widget=forms.Select(attrs={"data-sub-of": "units_by_margin_class"}))

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["metric"].choices = [("", _("— choose a metric —")), *grouped_choices(METRICS)]
        self.fields["model"].choices = [("", "—"), *store_models(store)]
        self.fields["margin_class"].choices = [("", "—"), *margin_class_choices()]

    def clean(self) -> dict:
        data = super().clean()
        family = data.get("metric")
        field = PARAMETER_FIELDS.get(family or "")
        if field is not None:
            if data.get(field):
                data["metric"] = f"{family}:{data[field]}"
            elif field not in self.errors:
                self.add_error(field, _("Choose the model of this target.") if field == "model"
                               else _("Choose the margin class of this target."))
        return data


class SetTargetForm(MetricChoiceForm):
    """The store's (or, with a team chosen, a team's) target for one metric in the month."""

    team = forms.ModelChoiceField(queryset=None, required=False, label=_("Team"),
                                  empty_label=_("— the whole store —"))
    value = target_field(_("Target"))
    field_order = ["team", "metric", "model", "margin_class", "value"]

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, store=store, **kwargs)
        self.fields["team"].queryset = store.teams.filter(is_active=True).order_by("name")


class SplitPickerForm(forms.Form):
    """The metric whose split the page shows, among those that can be split (cars, yuan, counts, hours), each
    model's and each margin class's cars included."""

    metric = forms.ChoiceField(label=_("Metric"), required=False)

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        names = [name for name, metric in METRICS.items() if metric.additive and name not in PARAMETERISED]
        names += [f"units_by_margin_class:{code}" for code, _label in margin_class_choices()]
        names += [f"units_by_model:{code}" for code, _name in store_models(store)]
        self.fields["metric"].choices = [("", _("— choose a metric —")), *grouped_choices(names)]


class SplitForm(forms.Form):
    """Each person's share of the store target: one field per person, checked against the remaining amount."""

    def __init__(self, *args: object, people: Iterable[Staff], status: SplitStatus, label: str,
                 others: Decimal = ZERO, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.people = list(people)
        self.status = status
        self.label = label  # the metric as the page names it
        self.others = others  # allocated to people not in the form (e.g. leavers)
        for person in self.people:
            self.fields[self.field_name(person)] = target_field(person.name, required=False, **{"data-share": "1"})

    @staticmethod
    def field_name(person: Staff) -> str:
        return f"share_{person.pk}"

    def rows(self) -> list[tuple[Staff, forms.BoundField]]:
        return [(person, self[self.field_name(person)]) for person in self.people]

    def shares(self) -> dict[int, Decimal | None]:
        return {person.pk: self.cleaned_data.get(self.field_name(person)) for person in self.people}

    def entered_total(self) -> Decimal:
        """The sum of what was typed (valid numbers only), for the page's figures."""
        total = ZERO
        for person in self.people:
            field = self[self.field_name(person)]
            try:
                value = Decimal(str(field.value()).strip()) if field.value() not in (None, "") else ZERO
            except ArithmeticError:
                continue
            total += value if value.is_finite() else ZERO
        return total + self.others

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        total = self.others + sum((v for v in self.shares().values() if v is not None), ZERO)
        target = self.status.store_target
        if self.status.additive and target is not None and total > target:
            raise forms.ValidationError(over_allocation_message(self.label, total, target), code="over")
        return data


class AnnualTargetForm(MetricChoiceForm):
    value = target_field(_("Annual target"))


class RemoveAnnualTargetForm(forms.Form):
    metric = forms.CharField(max_length=80)


class SeasonalDistributionForm(forms.ModelForm):
    """Twelve monthly percentages; the model refuses a sum other than 100 and names the sum."""

    class Meta:
        model = SeasonalDistribution
        fields = SeasonalDistribution.MONTH_FIELDS
        widgets = {
            name: forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal", "data-percent": "1"})
            for name in SeasonalDistribution.MONTH_FIELDS
        }

    def total(self) -> str:
        """The sum of the percentages as typed, for the page to show; a value its field refuses is left out."""
        total = ZERO
        for name in SeasonalDistribution.MONTH_FIELDS:
            try:
                total += self.fields[name].clean(self[name].value() or 0)
            except forms.ValidationError:
                continue
        return plain(total)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
        return upload


class SalesPlanForm(forms.Form):
    """The store's delivery target of the month, previewed (the funnel worked back, the targets it writes) or saved."""

    deliveries = forms.DecimalField(
        label=_("Store delivery target (cars)"), min_value=Decimal("0"), max_digits=6, decimal_places=0,
        error_messages={"min_value": NEGATIVE, "max_decimal_places": _("Give a whole number of cars.")},
        widget=forms.NumberInput(attrs={"step": "1", "min": "0", "inputmode": "numeric"}),
    )
    action = forms.ChoiceField(choices=[("preview", _("Preview")), ("save", _("Save"))], widget=forms.HiddenInput,
                               initial="preview")
