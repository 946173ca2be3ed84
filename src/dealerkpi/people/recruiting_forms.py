"""Forms of recruiting: the position, the candidate (with the CV), the interview's scorecard, the candidate's way
(reject, withdraw), the offer and the hire. They return field errors, never raise: what the user typed is kept."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.forms import DayField, not_in_future
from dealerkpi.core.uploads import document_type, kept_name
from dealerkpi.org.models import Staff
from dealerkpi.people.models import Candidate, Interview, Position


class PositionForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = ["role", "team", "reason", "replaces", "opened_on"]
        field_classes = {"opened_on": DayField}

    def __init__(self, *args: object, teams: QuerySet, leavers: QuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["team"].queryset = teams
        self.fields["replaces"].queryset = leavers

    def clean_opened_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["opened_on"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        replacing = data.get("reason") == Position.Reason.REPLACEMENT
        if replacing and not data.get("replaces"):
            self.add_error("replaces", _("Say whom the position replaces."))
        if not replacing and data.get("replaces"):
            self.add_error("replaces", _("Only a replacement replaces someone."))
        return data


class CandidateForm(forms.ModelForm):
    cv_file = forms.FileField(label=_("CV (PDF, Word, JPEG or PNG; at most 5 MB)"), required=False)

    class Meta:
        model = Candidate
        fields = ["name", "phone", "source", "applied_on"]
        field_classes = {"applied_on": DayField}

    def clean_applied_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["applied_on"])

    def clean_cv_file(self) -> object:
        upload = self.cleaned_data.get("cv_file")
        if upload:
            self.instance.cv_type = document_type(upload)
            self.instance.cv, self.instance.cv_name = upload.read(), kept_name(upload)
        return upload


class InterviewForm(forms.ModelForm):
    class Meta:
        model = Interview
        fields = ["held_on", *Interview.SCORES, "recommend", "notes"]
        field_classes = {"held_on": DayField}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}),
                   **{name: forms.NumberInput(attrs={"min": 1, "max": 5}) for name in Interview.SCORES}}

    def clean_held_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["held_on"])


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Close as"), choices=[(Candidate.Stage.REJECTED, Candidate.Stage.REJECTED.label),
                                                           (Candidate.Stage.WITHDRAWN,
                                                            Candidate.Stage.WITHDRAWN.label)])


class OfferForm(forms.Form):
    offer_salary = forms.DecimalField(label=_("Offered base salary"), max_digits=14, decimal_places=2,
                                      min_value=Decimal("0"))
    start_on = DayField(label=_("First day"))


class HireForm(forms.Form):
    employee_no = forms.CharField(label=_("Employee number"), max_length=20)

    def clean_employee_no(self) -> str:
        number = self.cleaned_data["employee_no"].strip()
        if Staff.objects.filter(employee_no=number).exists():
            raise ValidationError(_("This employee number is taken."))
        return number
