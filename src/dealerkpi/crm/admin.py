from django.contrib import admin

from dealerkpi.crm.models import IntentGrade
from dealerkpi.org.admin_site import ScopedAdmin


@admin.register(IntentGrade)
class IntentGradeAdmin(ScopedAdmin):
    list_display = ("store", "code", "name", "follow_up_days", "is_open", "position")
    list_filter = ("store",)
