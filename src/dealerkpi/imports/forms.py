from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealerkpi.core.spreadsheets import MEGABYTE

from .columns import COLUMNS, normalised
from .mappings import MAX_SOURCES
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
                                     help_text=_("A source's column names, saved once on the column mappings page."))
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


class PlacedForm(forms.Form):
    """A mapping's name and where it is offered: one of the viewer's stores, or every store of a group whose every
    store they may import into."""

    name = forms.CharField(label=_("Mapping name"), max_length=ColumnMapping._meta.get_field("name").max_length,
                           help_text=_("How the import form lists it, e.g. the source system: DMS 订单."))
    place = forms.ChoiceField(label=_("Offered for"))

    def __init__(self, *args: Any, kind: str, stores: QuerySet, groups: QuerySet,
                 instance: ColumnMapping | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind, self.instance = kind, instance
        self.places = {f"group-{group.pk}": (group.pk, None) for group in groups}
        self.places.update({f"store-{store.pk}": (store.region.group_id, store.pk)
                            for store in stores.select_related("region")})
        self.fields["place"].choices = [
            *((f"group-{group.pk}", _("Every store of %(group)s") % {"group": group.name}) for group in groups),
            *((f"store-{store.pk}", f"{store.code} {store.name}") for store in stores)]

    def clean(self) -> dict[str, Any]:
        asked = super().clean() or {}
        if "place" in asked and "name" in asked:
            asked["group_id"], asked["store_id"] = self.places[asked["place"]]
            twin = ColumnMapping.objects.filter(group_id=asked["group_id"], kind=self.kind, name=asked["name"])
            if twin.exclude(pk=self.instance.pk if self.instance else None).exists():
                self.add_error("name", _("The group has a mapping of this kind with this name already."))
        return asked


class SampleForm(PlacedForm):
    """A new mapping, begun from a sample of the source's export: its header row is read."""

    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportBatch.Kind.choices)
    file = forms.FileField(label=_("A file exported by the source (.xlsx or CSV)"),
                           help_text=_("Only its first row, the column names, is read."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    field_order = ["kind", "name", "place", "file"]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
        return upload


class RowsForm(forms.Form):
    rows = forms.IntegerField(min_value=0, max_value=MAX_SOURCES)


class MappingForm(PlacedForm):
    """The source's names, each read as one of the kind's columns (or left as it is): ``rows`` pairs of a source
    name and a column."""

    def __init__(self, *args: Any, sources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = [("", _("— read it as it is —")), *((c.key, f"{c.key} {c.chinese}") for c in COLUMNS[self.kind])]
        self.rows = len(sources)
        for index, (source, target) in enumerate(sources):
            self.fields[f"source_{index}"] = forms.CharField(label=_("The source's column"), max_length=200,
                                                             required=False, initial=source)
            self.fields[f"target_{index}"] = forms.ChoiceField(label=_("is read as"), choices=columns,
                                                               required=False, initial=target)

    def pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"source_{index}"], self[f"target_{index}"]) for index in range(self.rows)]

    def clean(self) -> dict[str, Any]:
        asked = super().clean()
        columns: dict[str, str] = {}
        sources: set[str] = set()
        for index in range(self.rows):
            source, target = (asked.get(f"source_{index}") or "").strip(), asked.get(f"target_{index}")
            if not (source and target):
                continue
            if normalised(source) in sources:
                self.add_error(f"source_{index}", _("This name is given twice."))
            elif target in columns.values():
                self.add_error(f"target_{index}", _("Another of the source's columns is read as this one."))
            sources.add(normalised(source))
            columns[source] = target
        if not columns:
            raise forms.ValidationError(_("Say how at least one of the source's columns is read."))
        asked["columns"] = columns
        return asked

    def save(self) -> ColumnMapping:
        mapping = self.instance or ColumnMapping(kind=self.kind)
        asked = self.cleaned_data
        mapping.name, mapping.group_id, mapping.store_id = asked["name"], asked["group_id"], asked["store_id"]
        mapping.columns = asked["columns"]
        mapping.save()
        return mapping
