"""Forms of the sales desk. Choices that list records are scoped to what the viewer may see and work on."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dealerkpi.catalog.models import VehicleModel
from dealerkpi.core.forms import DayField, MomentField, RecordIdField, RecordsField
from dealerkpi.core.validators import validate_mainland_mobile
from dealerkpi.crm.models import FloorShift, FollowUp, IntentGrade, Lead, LostReason, ShowroomVisit, SourceChannel
from dealerkpi.crm.services import (
    Contact,
    GradeBook,
    LostRequest,
    NewCard,
    day_bounds,
    duplicate_message,
    open_card_with_phone,
    vehicle_label,
)
from dealerkpi.org.models import Staff, Store
from dealerkpi.stock.models import Vehicle

SLOT_MINUTES = ((30, _("30 minutes")), (45, _("45 minutes")), (60, _("1 hour")), (90, _("1½ hours")))


def normalised_phone(value: str) -> str:
    """What people type (138 1234 5678, 138-1234-5678, +86...) as the 11 digits we store."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    return digits[3:] if digits.startswith("+86") else digits


PART_OF_PHONE_DIGITS = 4  # the fewest digits searched as a part of a number (fewer: only names)


class LeadSearchForm(forms.Form):
    """The A-card picker's search: by the customer's name, or by number as far as the reader may search numbers
    (``crm.search_by_phone``: the whole number, exactly; ``crm.search_by_part_of_phone``: a part of it, among the
    customers they own). A number they may not search by is a form error, never an empty result."""

    lead_q = forms.CharField(max_length=50, required=False)

    def __init__(self, data: dict[str, str], *, by_phone: bool, by_part_of_phone: bool) -> None:
        super().__init__(data)
        self.by_phone, self.by_part_of_phone = by_phone, by_part_of_phone

    def clean_lead_q(self) -> str:
        text = self.cleaned_data["lead_q"]
        digits = normalised_phone(text)
        if not digits.isdigit():
            return text
        if not self.by_phone:
            raise forms.ValidationError(_("You cannot search customers by their number: search by name."),
                                        code="no_phone_search")
        if len(digits) != 11 and not self.by_part_of_phone:
            raise forms.ValidationError(_("Enter the whole 11-digit mobile number, or search by name."),
                                        code="whole_number")
        return text

    def match(self, staff_id: int | None) -> Q:
        """The open cards the (valid) search finds, for the staff member who searches."""
        text = self.cleaned_data["lead_q"]
        digits = normalised_phone(text)
        found = Q(customer__name__icontains=text)
        if digits.isdigit() and len(digits) == 11:
            found |= Q(customer__phone=digits)
        elif digits.isdigit() and len(digits) >= PART_OF_PHONE_DIGITS and self.by_part_of_phone:
            found |= Q(customer__phone__contains=digits, customer__owner_id=staff_id)
        return found


def grade_choices(grades: list[IntentGrade]) -> list[tuple[str, str]]:
    return [(grade.code, grade.name) for grade in grades]


def own_brand_models(store: Store) -> QuerySet[VehicleModel]:
    models = VehicleModel.objects.filter(brand__is_competitor=False).select_related("brand")
    return models.filter(brand_id=store.brand_id) if store.brand_id else models


def competitor_models() -> QuerySet[VehicleModel]:
    return VehicleModel.objects.filter(brand__is_competitor=True).select_related("brand").order_by("brand", "code")


class GradedRadio(forms.RadioSelect):
    """Grade buttons that carry their follow-up interval, so the page can propose the next date."""

    def __init__(self, intervals: dict[str, int | None], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.intervals = intervals

    def create_option(self, name: str, value: object, *args: object, **kwargs: object) -> dict:
        option = super().create_option(name, value, *args, **kwargs)  # type: ignore[arg-type]
        days = self.intervals.get(str(value))
        option["attrs"]["data-days"] = "" if days is None else str(days)
        return option


def _grade_field(grades: list[IntentGrade], label: str) -> forms.ChoiceField:
    intervals = {grade.code: grade.follow_up_days if grade.is_open else None for grade in grades}
    return forms.ChoiceField(label=label, choices=grade_choices(grades),
                             widget=GradedRadio(intervals, attrs={"class": "grade-choice"}))


class OpenCardForm(forms.Form):
    """An A-card in under a minute: who, how to reach them, where they came from, what they want, how warm."""

    name = forms.CharField(label=_("Customer name"), max_length=50)
    phone = forms.CharField(label=_("Mobile"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    source = forms.ChoiceField(label=_("Source"), choices=SourceChannel.choices)
    intended_model = forms.ModelChoiceField(label=_("Intended model"), queryset=VehicleModel.objects.none())
    grade = forms.ChoiceField(label=_("Intent grade"))
    owner = forms.ModelChoiceField(label=_("Consultant"), queryset=Staff.objects.none(), required=False,
                                   help_text=_("Empty: you."))
    visit = RecordIdField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, store: Store, grades: GradeBook, consultants: QuerySet[Staff] | None,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.store = store
        self.fields["intended_model"].queryset = own_brand_models(store)
        self.fields["grade"] = _grade_field(grades.open_grades(), str(_("Intent grade")))
        if consultants is None:
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = consultants

    def clean_phone(self) -> str:
        phone = normalised_phone(self.cleaned_data["phone"])
        validate_mainland_mobile(phone)
        card = open_card_with_phone(self.store.pk, phone)
        if card is not None:
            raise forms.ValidationError(duplicate_message(card), code="duplicate")
        return phone

    def new_card(self) -> NewCard:
        data = self.cleaned_data
        return NewCard(data["name"].strip(), data["phone"], data["source"], data["intended_model"].pk, data["grade"])


class FollowUpForm(forms.Form):
    """A contact in two clicks: everything is preset (phone, reached, same grade, next date from the grade)."""

    channel = forms.ChoiceField(label=_("Channel"), choices=FollowUp.Channel.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUp.Outcome.choices)
    grade = forms.ChoiceField(label=_("New grade"))
    next_on = DayField(label=_("Next follow-up"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: object, lead: Lead, grades: GradeBook, today: datetime.date, **kwargs: object) -> None:
        current = lead.grade if grades.is_open(lead.grade) else None
        kwargs.setdefault("initial", {
            "channel": FollowUp.Channel.PHONE, "outcome": FollowUp.Outcome.REACHED, "grade": current,
            "next_on": grades.proposed_next(current, today) if current else None,
        })
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.grades, self.today = grades, today
        self.fields["grade"] = _grade_field(grades.after_contact(), str(_("New grade")))
        self.fields["next_on"].widget.attrs.update({"min": today.isoformat(), "data-today": today.isoformat()})

    def clean(self) -> dict:
        data = super().clean()
        grade = "O" if data.get("outcome") == FollowUp.Outcome.ORDERED else data.get("grade")
        next_on = data.get("next_on")
        if grade and self.grades.is_open(grade):
            if next_on is None:
                self.add_error("next_on", _("Set the next follow-up date for an open card."))
            elif next_on < self.today:
                self.add_error("next_on", _("The next follow-up cannot be before today."))
        return data

    def contact(self) -> Contact:
        data = self.cleaned_data
        return Contact(data["channel"], data["outcome"], data["grade"], data.get("next_on"), data["note"])


class LostSaleForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=LostReason.choices)
    competitor_model = forms.ModelChoiceField(
        label=_("Competitor model"), queryset=VehicleModel.objects.none(), required=False,
        help_text=_("Required when the customer bought a competitor model."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["competitor_model"].queryset = competitor_models()

    def clean(self) -> dict:
        data = super().clean()
        if data.get("reason") == LostReason.COMPETITOR and not data.get("competitor_model"):
            self.add_error("competitor_model", _("Name the competitor model the customer bought."))
        return data

    def request(self) -> LostRequest:
        data = self.cleaned_data
        model = data.get("competitor_model")
        return LostRequest(data["reason"], model.pk if model else None, data["note"])


class LeadPickerMixin:
    """A ``lead`` field chosen by searching the viewer's open cards (the page fills the choices by htmx)."""

    def picked_lead(self) -> Lead | None:
        """The card chosen: as sent, if it is one of the viewer's open cards (the field says); else as proposed."""
        form: forms.Form = self  # type: ignore[assignment]
        if form.is_bound:
            form.is_valid()
            return form.cleaned_data.get("lead")
        lead = form.initial.get("lead")
        return lead if isinstance(lead, Lead) else None


class VisitForm(LeadPickerMixin, forms.ModelForm):
    class Meta:
        model = ShowroomVisit
        fields = ("arrived_at", "left_at", "is_first_visit", "party_size", "consultant", "has_intent",
                  "was_invited", "test_drive_taken", "lead")
        field_classes = {"arrived_at": MomentField, "left_at": MomentField}
        widgets = {"lead": forms.HiddenInput}

    def __init__(self, *args: object, consultants: QuerySet[Staff], leads: QuerySet[Lead],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["consultant"].queryset = consultants
        self.fields["lead"].queryset = leads
        self.fields["lead"].required = False
        self.fields["party_size"].widget.attrs["min"] = 1


class TestDriveForm(LeadPickerMixin, forms.Form):
    lead = forms.ModelChoiceField(label=_("A-card"), queryset=Lead.objects.none(), widget=forms.HiddenInput,
                                  error_messages={"required": _("Choose the customer's A-card.")})
    vehicle = forms.ModelChoiceField(label=_("Demo vehicle"), queryset=Vehicle.objects.none())
    day = DayField(label=_("Day"))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.TypedChoiceField(label=_("Length"), choices=SLOT_MINUTES, coerce=int, initial=30)

    def __init__(self, *args: object, leads: QuerySet[Lead], vehicles: QuerySet[Vehicle], today: datetime.date,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.today = today
        self.fields["lead"].queryset = leads
        self.fields["vehicle"].queryset = vehicles
        self.fields["vehicle"].label_from_instance = vehicle_label
        self.fields["day"].widget.attrs["min"] = today.isoformat()

    def clean_day(self) -> datetime.date:
        day = self.cleaned_data["day"]
        if day < self.today:
            raise forms.ValidationError(_("A test drive cannot be booked in the past."))
        return day

    def slot(self) -> tuple[datetime.datetime, datetime.datetime]:
        data = self.cleaned_data
        start = day_bounds(data["day"])[0].replace(hour=data["start"].hour, minute=data["start"].minute)
        return start, start + datetime.timedelta(minutes=data["minutes"])


class EndDriveForm(forms.Form):
    feedback = forms.CharField(label=_("Customer feedback"), max_length=200, required=False)


class GradeForm(forms.ModelForm):
    class Meta:
        model = IntentGrade
        fields = ("name", "follow_up_days", "is_open")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["follow_up_days"].widget.attrs.update({"min": 1, "max": 365})

    def clean(self) -> dict:
        data = super().clean()
        days = data.get("follow_up_days")
        if data.get("is_open") and not days:
            self.add_error("follow_up_days", _("An open grade needs a follow-up interval."))
        if days is not None and not 1 <= days <= 365:
            self.add_error("follow_up_days", _("Follow up every 1 to 365 days."))
        return data


class BaseGradeFormSet(forms.BaseModelFormSet):
    """The store's grades as they are: edited, never added to. A form more than the store has grades is an error
    of the whole formset (and nothing is saved), as is a management form that is missing or tampered with."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.max_num = len(self.get_queryset())


GradeFormSet = forms.modelformset_factory(IntentGrade, form=GradeForm, formset=BaseGradeFormSet, extra=0,
                                          can_delete=False, edit_only=True, validate_max=True)


class ReassignForm(forms.Form):
    leads = RecordsField(
        label=_("Cards"), queryset=Lead.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the cards to reassign.")},
    )
    to_owner = forms.ModelChoiceField(label=_("Give to"), queryset=Staff.objects.none(), required=False,
                                      empty_label=_("— return to the pool —"))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: object, leads: QuerySet[Lead], consultants: QuerySet[Staff],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["leads"].queryset = leads
        self.fields["to_owner"].queryset = consultants


class FloorShiftForm(forms.ModelForm):
    """A consultant's shift of a day on the floor (the store's consultants employed that day)."""

    class Meta:
        model = FloorShift
        fields = ("staff", "day", "starts", "ends", "on_leave")
        field_classes = {"day": DayField}
        widgets = {"starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args: object, consultants: QuerySet[Staff], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["staff"].queryset = consultants


class ClaimForm(forms.Form):
    """A consultant's claim to the customer of another's open card, found by the customer's mobile."""

    phone = forms.CharField(max_length=20, widget=forms.HiddenInput, validators=[validate_mainland_mobile])
    reason = forms.CharField(label=_("Why the customer is yours"), max_length=300)
