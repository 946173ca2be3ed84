"""Forms of the store's routines: training records (several people at once), the daily showroom checklist and
the meeting notes. They return field errors, never raise: what the user typed is kept.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.forms import DayField, RecordsField, not_in_future
from dealerkpi.crm.models import Lead
from dealerkpi.org.models import Staff
from dealerkpi.people.models import (
    Certification,
    DailyChecklist,
    Departure,
    MeetingNote,
    Probation,
    ProbationReview,
    TrainingRecord,
)
from dealerkpi.people.services import Leaving, spread

LEAVING_AHEAD = datetime.timedelta(days=92)  # a leaving is recorded at most three months ahead


class TrainingForm(forms.Form):
    """One course for one or several people: one training record each."""

    people = RecordsField(
        queryset=None, label=_("Who took part"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one person.")},
    )
    course = forms.CharField(label=_("Course"), max_length=100)
    held_on = DayField(label=_("Held on"))
    hours = forms.DecimalField(
        label=_("Hours"), max_digits=5, decimal_places=1, min_value=Decimal("0.1"), max_value=Decimal("24"),
        error_messages={"min_value": _("Training hours in one day are between 0 and 24."),
                        "max_value": _("Training hours in one day are between 0 and 24.")},
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "24", "inputmode": "decimal"}),
    )
    passed = forms.BooleanField(label=_("Passed"), required=False, initial=True)
    trainer = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Trainer (a colleague)"), empty_label=_("— external or none —"),
    )

    def __init__(self, *args: object, people: QuerySet, colleagues: QuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["people"].queryset = people
        self.fields["trainer"].queryset = colleagues

    def clean_held_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["held_on"])

    def clean(self) -> dict:
        data = super().clean()
        trainer, people = data.get("trainer"), data.get("people")
        if trainer is not None and people is not None and trainer in people:
            self.add_error("trainer", _("%(name)s cannot train themselves: untick them or choose another trainer.")
                           % {"name": trainer.name})
        return data

    def records(self, store_id: int) -> list[TrainingRecord]:
        data = self.cleaned_data
        return [
            TrainingRecord(store_id=store_id, staff=person, course=data["course"], held_on=data["held_on"],
                           hours=data["hours"], passed=data["passed"], trainer=data["trainer"])
            for person in data["people"]
        ]


class DailyChecklistForm(forms.ModelForm):
    class Meta:
        model = DailyChecklist
        fields = [*DailyChecklist.ITEMS, "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class MeetingNoteForm(forms.ModelForm):
    """The note of one meeting; the store, day and kind come from the page, so a second save edits it."""

    class Meta:
        model = MeetingNote
        fields = ["summary", "today_arrangement", "tomorrow_arrangement", "attendees"]
        field_classes = {"attendees": RecordsField}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "today_arrangement": forms.Textarea(attrs={"rows": 4}),
            "tomorrow_arrangement": forms.Textarea(attrs={"rows": 4}),
            "attendees": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: object, colleagues: QuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["attendees"].queryset = colleagues
        if self.instance.kind == MeetingNote.Kind.MORNING:
            del self.fields["tomorrow_arrangement"]


class DepartureForm(forms.Form):
    """The leaving and the hand-over of the leaver's open cards: spread evenly over the colleagues ticked (the least
    loaded first), or a colleague chosen for each card (``card_<id>``)."""

    SPREAD, EACH = "spread", "each"

    left_on = DayField(label=_("Last day"))
    voluntary = forms.BooleanField(label=_("Voluntary (resigned)"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "---------"), *Departure.Reason.choices])
    competitor = forms.CharField(label=_("Went to (competitor)"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)
    how = forms.ChoiceField(label=_("Hand the cards over"), initial=SPREAD, widget=forms.RadioSelect,
                            choices=[(SPREAD, _("spread evenly over the colleagues ticked")),
                                     (EACH, _("to the colleague chosen for each card"))])
    colleagues = RecordsField(queryset=None, label=_("Colleagues"), required=False,
                              widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: object, leaver: Staff, cards: list[Lead], heirs: QuerySet[Staff],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.leaver, self.cards, self.heirs = leaver, cards, list(heirs)
        self.fields["colleagues"].queryset = heirs
        self.fields["colleagues"].initial = [heir.pk for heir in self.heirs]
        for card in cards:
            self.fields[f"card_{card.pk}"] = forms.ModelChoiceField(
                queryset=heirs, required=False, label=str(card), empty_label=_("— choose —"))

    def leaving_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("left_on", "voluntary", "reason", "competitor", "notes")]

    def card_fields(self) -> list[tuple[Lead, forms.BoundField]]:
        return [(card, self[f"card_{card.pk}"]) for card in self.cards]

    def clean_left_on(self) -> datetime.date:
        day = self.cleaned_data["left_on"]
        if day < self.leaver.hire_date:
            raise forms.ValidationError(_("The last day cannot be before the hire date (%(day)s).")
                                        % {"day": self.leaver.hire_date})
        if day > timezone.localdate() + LEAVING_AHEAD:
            raise forms.ValidationError(_("Record a leaving at most three months ahead."))
        return day

    def clean(self) -> dict:
        data = super().clean()
        conflict = Departure.reason_conflict(data.get("voluntary"), data.get("reason"))
        if conflict:
            self.add_error("reason", conflict)
        if self.cards and data.get("how") == self.SPREAD and not data.get("colleagues"):
            self.add_error("colleagues", _("Tick the colleagues who take over the cards."))
        if data.get("how") == self.EACH:
            for card in self.cards:
                if data.get(f"card_{card.pk}") is None:
                    self.add_error(f"card_{card.pk}", _("Choose who takes over this card."))
        return data

    def leaving(self) -> Leaving:
        data = self.cleaned_data
        return Leaving(left_on=data["left_on"], voluntary=data["voluntary"], reason=data["reason"],
                       competitor=data["competitor"].strip(), notes=data["notes"].strip())

    def handover(self) -> dict[int, Staff]:
        """Each card's new holder."""
        data = self.cleaned_data
        if data["how"] == self.EACH:
            return {card.pk: data[f"card_{card.pk}"] for card in self.cards}
        ticked = {heir.pk for heir in data["colleagues"]}
        return spread([card.pk for card in self.cards], [heir for heir in self.heirs if heir.pk in ticked])


class TickForm(forms.Form):
    """A step of the onboarding checklist done (today unless said)."""

    done_on = DayField(label=_("Done on"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_done_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["done_on"])


class ReviewForm(forms.Form):
    point = forms.ChoiceField(label=_("Review point"), choices=ProbationReview.Point.choices)
    score = forms.IntegerField(label=_("Score (1-5)"), min_value=1, max_value=5)
    notes = forms.CharField(label=_("Notes"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    """Confirm, extend by 1 to 3 months, or end; extending and ending say why."""

    decision = forms.ChoiceField(label=_("Decision"), choices=Probation.Decision.choices, widget=forms.RadioSelect)
    months = forms.IntegerField(label=_("Extend by (months)"), min_value=1, max_value=3, required=False)
    note = forms.CharField(label=_("Why"), max_length=300, required=False)

    def clean(self) -> dict:
        data = super().clean()
        decision = data.get("decision")
        if decision == Probation.Decision.EXTEND and not data.get("months"):
            self.add_error("months", _("Say by how many months."))
        if decision in (Probation.Decision.EXTEND, Probation.Decision.END) and not data.get("note", "").strip():
            self.add_error("note", _("Say why."))
        return data


class CertificationForm(forms.ModelForm):
    """A certification one person holds; the store comes from the page."""

    class Meta:
        model = Certification
        fields = ["staff", "name", "issuer", "obtained_on", "expires_on"]
        field_classes = {"obtained_on": DayField, "expires_on": DayField}

    def __init__(self, *args: object, people: QuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["staff"].queryset = people

    def clean_obtained_on(self) -> datetime.date:
        return not_in_future(self.cleaned_data["obtained_on"])
