from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.spreadsheets import MEGABYTE

from .models import ImportBatch
from .reading import web_limits


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportBatch.Kind.choices,
                             widget=forms.RadioSelect(attrs={"style": "width: auto"}),
                             initial=ImportBatch.Kind.FOLLOW_UPS)
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    dry_run = forms.BooleanField(label=_("Only check the file; import nothing"), required=False)

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
        megabytes = web_limits().megabytes
        if upload.size > megabytes * MEGABYTE:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB; import it with the dealerkpi import "
                                          "command.") % {"mb": megabytes})
        return upload
