from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest

from dealerkpi.org.admin_site import ScopedAdmin
from dealerkpi.plans.models import Plan, PlanVersion, check_publishable, lock_plan, publish_version


class PlanVersionInline(admin.TabularInline):
    model = PlanVersion
    fields = ("number", "effective_from", "effective_to", "note", "created_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a published version is never edited (and a posted form for one is not validated)


@admin.register(Plan)
class PlanAdmin(ScopedAdmin):
    list_display = ("code", "name", "role", "for_probation", "group", "store")
    list_filter = ("role", "for_probation", "group")
    inlines = [PlanVersionInline]


class PublishVersionForm(forms.ModelForm):
    """Publishing validates the document with the engine and closes the version in force before it. The admin
    validates and saves in one transaction: the plan is locked while checking, so of two versions published at
    once for the same month the second is refused here, as a form error."""

    document = forms.CharField(widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"}))

    class Meta:
        model = PlanVersion
        fields = ("plan", "effective_from", "note", "document")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("plan") and data.get("effective_from"):
            lock_plan(data["plan"])
            try:
                check_publishable(data["plan"], data["effective_from"])
            except ValidationError as error:
                self.add_error(None, error)
        return data


@admin.register(PlanVersion)
class PlanVersionAdmin(ScopedAdmin):
    form = PublishVersionForm
    list_display = ("plan", "number", "effective_from", "effective_to", "created_by", "created_at")
    list_filter = ("plan",)
    readonly_fields = ("plan", "number", "effective_from", "effective_to", "note", "document", "created_by",
                       "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: PlanVersion | None = None) -> tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PlanVersion, form: forms.ModelForm, change: bool) -> None:
        if change:
            return
        published = publish_version(obj.plan, obj.document, obj.effective_from, user=request.user, note=obj.note)
        obj.pk, obj.number = published.pk, published.number
