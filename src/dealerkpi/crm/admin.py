from django.contrib import admin

from dealerkpi.core.admin import ScopedAdmin
from dealerkpi.crm.models import IntentGrade


@admin.register(IntentGrade)
class IntentGradeAdmin(ScopedAdmin):
    list_display = ("store", "code", "name", "follow_up_days", "is_open", "position")
    list_filter = ("store",)
