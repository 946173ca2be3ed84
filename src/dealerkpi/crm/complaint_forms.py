"""Complaint forms: the manager records and assigns, the handler moves it on and writes the resolution.

When no due date is given it follows from the severity: a major complaint within 2 days of receipt,
any other within 7.
"""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.forms import DayField, MomentField, not_in_future
from dealerkpi.crm.models import Complaint, Customer
from dealerkpi.org.models import Store

DAYS_TO_RESOLVE = {True: 2, False: 7}  # major: 2 days, others: 7 days


def default_due_on(received_on: datetime.date, is_major: bool) -> datetime.date:
    return received_on + datetime.timedelta(days=DAYS_TO_RESOLVE[is_major])


class ComplaintForm(forms.ModelForm):
    """A new complaint, assigned to a handler. The customer is found by mobile number among the store's."""

    customer_phone = forms.CharField(
        label=_("Customer's mobile"), required=False, max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Optional: links the complaint to the customer's card."),
    )

    class Meta:
        model = Complaint
        fields = ["channel", "is_major", "summary", "received_at", "customer_phone", "about_staff", "handler",
                  "due_on"]
        field_classes = {"received_at": MomentField, "due_on": DayField}
        widgets = {"summary": forms.TextInput(attrs={"size": 60})}
        help_texts = {
            "is_major": _("Major complaints are due in 2 days, others in 7, unless you set the date."),
            "about_staff": _("The staff member the complaint is about, if any."),
        }

    def __init__(self, *args: object, store: Store, colleagues: QuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.store = store
        self.fields["about_staff"].queryset = colleagues
        self.fields["handler"].queryset = colleagues
        self.fields["handler"].required = True
        self.fields["due_on"].required = False

    def clean_received_at(self) -> datetime.datetime:
        received_at = self.cleaned_data["received_at"]
        not_in_future(timezone.localtime(received_at).date())
        return received_at

    def clean_customer_phone(self) -> str:
        phone = self.cleaned_data["customer_phone"].strip()
        if phone:
            self.instance.customer = Customer.objects.filter(store=self.store, phone=phone).first()
            if self.instance.customer is None:
                raise forms.ValidationError(_("No customer of this store has this mobile number."), code="unknown")
        return phone

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("due_on") and data.get("received_at"):
            received_on = timezone.localtime(data["received_at"]).date()
            data["due_on"] = default_due_on(received_on, bool(data.get("is_major")))
        return data


class ComplaintUpdateForm(forms.ModelForm):
    """Status and resolution for the handler; the manager also reassigns, re-dates and re-grades it."""

    MANAGER_FIELDS = ("handler", "about_staff", "is_major", "due_on")

    class Meta:
        model = Complaint
        fields = ["status", "resolution", "handler", "about_staff", "is_major", "due_on"]
        field_classes = {"due_on": DayField}
        widgets = {"resolution": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: object, colleagues: QuerySet, manages: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if manages:
            self.fields["handler"].queryset = colleagues
            self.fields["about_staff"].queryset = colleagues
            self.fields["handler"].required = True
        else:
            for name in self.MANAGER_FIELDS:
                del self.fields[name]

    def save(self, commit: bool = True) -> Complaint:
        complaint = super().save(commit=False)
        if complaint.status == Complaint.Status.RESOLVED:
            complaint.resolved_at = complaint.resolved_at or timezone.now()
        else:
            complaint.resolved_at = None
        if commit:
            complaint.save()
        return complaint
