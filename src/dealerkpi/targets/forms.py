"""Forms of the target pages. They return field errors, never raise: what the user typed is kept."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.money import ZERO
from dealerkpi.org.models import Staff, Store
from dealerkpi.targets.models import SeasonalDistribution, metric_problem, plain
from dealerkpi.targets.services import SplitStatus, over_allocation_message

NEGATIVE = _("A target cannot be negative.")


def target_field(label: str = "", required: bool = True, **attrs: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, min_value=Decimal("0"), max_digits=16, decimal_places=2,
        error_messages={"min_value": NEGATIVE},
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal", **attrs}),
    )


class MetricField(forms.CharField):
    """A metric name of the engine's catalogue, typed with suggestions (a datalist named ``metrics``)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", _("Metric"))
        kwargs.setdefault("max_length", 80)
        kwargs.setdefault("widget", forms.TextInput(attrs={"list": "metrics", "autocomplete": "off",
                                                           "spellcheck": "false"}))
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def validate(self, value: str) -> None:
        super().validate(value)
        problem = metric_problem(value)
        if problem is not None:
            raise forms.ValidationError(problem, code="metric")


class SetTargetForm(forms.Form):
    """The store's (or, with a team chosen, a team's) target for one metric in the month."""

    team = forms.ModelChoiceField(queryset=None, required=False, label=_("Team"),
                                  empty_label=_("— the whole store —"))
    metric = MetricField()
    value = target_field(_("Target"))

    def __init__(self, *args: object, store: Store, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["team"].queryset = store.teams.filter(is_active=True).order_by("name")


class SplitForm(forms.Form):
    """Each person's share of the store target: one field per person, checked against the remaining amount."""

    def __init__(self, *args: object, people: Iterable[Staff], status: SplitStatus, others: Decimal = ZERO,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.people = list(people)
        self.status = status
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
            raise forms.ValidationError(over_allocation_message(self.status.metric, total, target), code="over")
        return data


class AnnualTargetForm(forms.Form):
    metric = MetricField()
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
