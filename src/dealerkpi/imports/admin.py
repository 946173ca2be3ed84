"""Saved column mappings in the master data: head office (and administrators) name a source's columns once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from dealerkpi.org.admin_site import ScopedAdmin

from .columns import mapping_problem
from .models import ColumnMapping


class ColumnMappingForm(forms.ModelForm):
    class Meta:
        model = ColumnMapping
        fields = ("name", "kind", "group", "store", "columns")

    def clean(self) -> dict[str, Any]:
        asked = super().clean() or {}
        problem = mapping_problem(asked.get("kind", ""), asked.get("columns"))
        if problem is not None:
            self.add_error("columns", problem)
        return asked


@admin.register(ColumnMapping)
class ColumnMappingAdmin(ScopedAdmin):
    form = ColumnMappingForm
    list_display = ("name", "kind", "group", "store")
    list_filter = ("kind",)
