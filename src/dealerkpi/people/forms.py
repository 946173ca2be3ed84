"""Forms of the store's routines: training records (several people at once), the daily showroom checklist and
the meeting notes. They return field errors, never raise: what the user typed is kept.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.forms import DayField, RecordsField, not_in_future
from dealerkpi.people.models import DailyChecklist, MeetingNote, TrainingRecord


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
