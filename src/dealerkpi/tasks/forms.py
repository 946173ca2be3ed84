"""Forms of tasks: handing one down, the list's filters, completing one with its evidence. They return field errors,
never raise: what the user typed is kept."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.forms import DayField
from dealerkpi.tasks.models import Task

YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["source", "title", "details", "owner", "due_on"]
        field_classes = {"due_on": DayField}

    def __init__(self, *args: object, colleagues: QuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["owner"].queryset = colleagues


class TaskFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *Task.Status.choices])
    source = forms.ChoiceField(label=_("Handed down by"), required=False,
                               choices=[("", _("All")), *Task.Source.choices])
    overdue = forms.ChoiceField(label=_("Overdue"), required=False, choices=YES_NO)


class CompleteForm(forms.Form):
    note = forms.CharField(label=_("Evidence: what was done"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000)
    file = forms.FileField(label=_("Evidence file (PDF, Word, JPEG or PNG; at most 5 MB)"), required=False)
