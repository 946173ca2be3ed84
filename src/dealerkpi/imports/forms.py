from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.spreadsheets import MEGABYTE

from .models import ColumnMapping, ImportBatch
from .reading import web_limits


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportBatch.Kind.choices,
                             widget=forms.RadioSelect(attrs={"style": "width: auto"}),
                             initial=ImportBatch.Kind.FOLLOW_UPS)
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    mapping = forms.ModelChoiceField(label=_("Column mapping of the source (optional)"), required=False,
                                     queryset=ColumnMapping.objects.none(),
                                     help_text=_("A source's column names, saved once in the master data."))
    dry_run = forms.BooleanField(label=_("Only check the file; import nothing"), required=False)

    def __init__(self, *args: Any, mappings: QuerySet[ColumnMapping] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = mappings if mappings is not None else ColumnMapping.objects.none()

    def clean(self) -> dict[str, Any]:
        asked = super().clean() or {}
        mapping = asked.get("mapping")
        if mapping is not None and asked.get("kind") and mapping.kind != asked["kind"]:
            self.add_error("mapping", _("This mapping is for another kind of file."))
        return asked

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
        megabytes = web_limits().megabytes
        if upload.size > megabytes * MEGABYTE:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB; import it with the dealerkpi import "
                                          "command.") % {"mb": megabytes})
        return upload
