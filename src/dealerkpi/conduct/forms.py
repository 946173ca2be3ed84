"""Forms of the register of faults and of process checks. They return field errors, never raise: what the user
typed is kept."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dealerkpi.conduct.models import ChecklistKind, Fault, FaultType, ProcessCheck, ProcessStep
from dealerkpi.core.forms import DayField, RecordIdField, date_input, not_in_future
from dealerkpi.core.uploads import document_type, kept_name
from dealerkpi.org.models import Store


def fault_types_of(store: Store) -> QuerySet[FaultType]:
    """The fault types in use at the store: its own and its group's."""
    return FaultType.objects.filter(Q(store=store) | Q(store__isnull=True), group_id=store.region.group_id,
                                    is_active=True)


class FaultFilter(django_filters.FilterSet):
    """The register's filters; the people and types to choose from are given by the page (its scope)."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=Fault.Status.choices)
    staff = django_filters.ModelChoiceFilter(label=_("Staff member"), queryset=None)
    fault_type = django_filters.ModelChoiceFilter(label=_("Fault type"), queryset=None)
    since = django_filters.DateFilter(label=_("From"), field_name="day", lookup_expr="gte", widget=date_input())
    until = django_filters.DateFilter(label=_("To"), field_name="day", lookup_expr="lte", widget=date_input())

    class Meta:
        model = Fault
        fields = ["status", "staff", "fault_type", "since", "until"]

    def __init__(self, *args: Any, people: QuerySet, fault_types: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["staff"].queryset = people
        self.filters["fault_type"].queryset = fault_types


class FaultForm(forms.ModelForm):
    """A fault recorded against a member of the store's staff; points and amount default to the type's."""

    points = forms.IntegerField(label=_("Points"), required=False, min_value=0, max_value=100,
                                help_text=_("Empty: the fault type's points."))
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, min_value=0, max_value=100000,
                                max_digits=8, decimal_places=2, help_text=_("Empty: the fault type's amount."))
    evidence_file = forms.FileField(label=_("Evidence (PDF, Word, JPEG or PNG; at most 5 MB)"), required=False)

    class Meta:
        model = Fault
        fields = ["staff", "fault_type", "day", "points", "amount", "description"]
        field_classes = {"day": DayField}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, people: QuerySet, fault_types: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = people
        self.fields["fault_type"].queryset = fault_types

    def clean_day(self) -> datetime.date:
        return not_in_future(self.cleaned_data["day"])

    def clean_evidence_file(self) -> object:
        upload = self.cleaned_data.get("evidence_file")
        if upload:
            self.instance.evidence_type = document_type(upload)
            self.instance.evidence, self.instance.evidence_name = upload.read(), kept_name(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("fault_type")
        if kind is not None:
            data["points"] = kind.default_points if data.get("points") is None else data["points"]
            data["amount"] = kind.default_amount if data.get("amount") is None else data["amount"]
        return data


class DecisionForm(forms.Form):
    """The manager's decision on a proposed fault, or the GM's on an appeal (the choices name which)."""

    decision = forms.ChoiceField(label=_("Decision"))
    reason = forms.CharField(label=_("Reason for the decision"), max_length=300)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = choices


DECIDE = [(Fault.Status.APPROVED, _("Approve")), (Fault.Status.REJECTED, _("Reject"))]
DECIDE_APPEAL = [(Fault.Status.UPHELD, _("Uphold the fault")), (Fault.Status.OVERTURNED, _("Overturn it"))]


class AppealForm(forms.Form):
    grounds = forms.CharField(label=_("Grounds of the appeal"), max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}))


class KindForm(forms.Form):
    """Which checklist a page shows (``?kind=``); anything else reads as the reception."""

    kind = forms.ChoiceField(label=_("Kind of check"), choices=ChecklistKind.choices, required=False)

    def chosen(self) -> str:
        return (self.cleaned_data.get("kind") if self.is_valid() else "") or ChecklistKind.RECEPTION


class ProcessCheckForm(forms.ModelForm):
    """A check of one consultant: by the supervisor recording it, or by a mystery shopper named here; one tick box
    per standard step of the checklist (ticked: done as the standard says)."""

    class Meta:
        model = ProcessCheck
        fields = ["staff", "day", "visit", "delivery", "shopper", "notes"]
        field_classes = {"day": DayField}

    def __init__(self, *args: Any, people: QuerySet, steps: list[ProcessStep], visits: QuerySet,
                 deliveries: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps = steps
        self.fields["staff"].queryset = people
        self.fields["staff"].label = _("Consultant")
        self.fields["visit"].queryset = visits
        self.fields["delivery"].queryset = deliveries
        self.fields["shopper"].help_text = _("Empty: checked by you.")
        for step in steps:
            self.fields[f"step_{step.pk}"] = forms.BooleanField(
                label=f"{step.name} ({step.weight})", required=False)
        if self.instance.kind == ChecklistKind.RECEPTION:
            del self.fields["delivery"]
        else:
            del self.fields["visit"]

    def clean_day(self) -> datetime.date:
        return not_in_future(self.cleaned_data["day"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        staff, visit, delivery = data.get("staff"), data.get("visit"), data.get("delivery")
        if staff is not None and visit is not None and visit.consultant_id != staff.pk:
            self.add_error("visit", _("This visit was received by another consultant."))
        if staff is not None and delivery is not None and delivery.order.consultant_id != staff.pk:
            self.add_error("delivery", _("This delivery is another consultant's."))
        if not self.steps:
            self.add_error(None, _("The checklist has no standard steps: the manager sets them first."))
        return data

    def results(self) -> dict[ProcessStep, bool]:
        return {step: bool(self.cleaned_data.get(f"step_{step.pk}")) for step in self.steps}


class StepForm(forms.ModelForm):
    """A standard step, new or changed (``step``: the id of the one changed)."""

    step = RecordIdField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = ProcessStep
        fields = ["kind", "name", "weight", "position", "is_active"]


class FaultTypeForm(forms.ModelForm):
    class Meta:
        model = FaultType
        fields = ["name", "default_points", "default_amount"]
