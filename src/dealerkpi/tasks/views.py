"""Task pages: the list (overdue first, under the reader's scope), handing a task down (the store's GM and managers),
and its page where the owner (or the store's management) completes it with evidence or the management cancels it.
The history of the task is its audit trail."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dealerkpi.core.audit import history_of
from dealerkpi.core.pages import act_on, page_of, refuse_unless
from dealerkpi.core.scope import visible_to
from dealerkpi.core.uploads import attachment
from dealerkpi.org.pages import chosen_store, store_context, store_staff
from dealerkpi.org.scope import viewer_of
from dealerkpi.tasks import services
from dealerkpi.tasks.forms import CompleteForm, TaskFilter, TaskForm
from dealerkpi.tasks.models import Task


def with_overdue(tasks: QuerySet[Task], today: datetime.date) -> QuerySet[Task]:
    """Marks overdue tasks; open ones first, each by due day, so the overdue come first."""
    flag = {"default": Value(False), "output_field": BooleanField()}
    return tasks.annotate(
        overdue=Case(When(Task.overdue_on(today), then=Value(True)), **flag),
        closed=Case(When(status=Task.Status.OPEN, then=Value(False)), default=Value(True), output_field=BooleanField()),
    ).order_by("closed", "due_on", "pk")


def filtered(tasks: QuerySet[Task], data: dict[str, str], today: datetime.date) -> QuerySet[Task]:
    if data.get("status"):
        tasks = tasks.filter(status=data["status"])
    if data.get("source"):
        tasks = tasks.filter(source=data["source"])
    if data.get("overdue") == "yes":
        tasks = tasks.filter(Task.overdue_on(today))
    elif data.get("overdue") == "no":
        tasks = tasks.exclude(Task.overdue_on(today))
    return tasks


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    refuse_unless(request.user.has_perm("tasks.view_tasks"), _("Only the store's staff and head office see tasks."))
    store, today = chosen_store(request, viewer), timezone.localdate()
    filters = TaskFilter(request.GET)
    filters.is_valid()
    tasks = filtered(with_overdue(visible_to(Task.objects.filter(store=store), viewer), today),
                     filters.cleaned_data, today)
    return render(request, "tasks/list.html", store_context(
        viewer, store, filters=filters, page=page_of(request, tasks.select_related("owner")),
        may_create=request.user.has_perm("tasks.add_task", store),
    ))


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    store = chosen_store(request, viewer)
    refuse_unless(request.user.has_perm("tasks.add_task", store), _("The store's GM and managers hand tasks down."))
    form = TaskForm(request.POST or None, colleagues=store_staff(store, timezone.localdate()))
    if request.method == "POST" and form.is_valid():
        form.instance.store, form.instance.created_by_id = store, viewer.staff_id
        task = form.save()
        return HttpResponseRedirect(reverse("task-detail", args=[task.pk]))
    return render(request, "tasks/form.html", store_context(viewer, store, form=form))


def _in_scope(request: HttpRequest, pk: int) -> Task:
    tasks = visible_to(Task.objects.select_related("store", "owner", "created_by", "closed_by"), viewer_of(request))
    return get_object_or_404(tasks, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task, viewer, now = _in_scope(request, pk), viewer_of(request), timezone.now()
    may_complete = task.status == Task.Status.OPEN and request.user.has_perm("tasks.complete_task", task)
    may_cancel = task.status == Task.Status.OPEN and request.user.has_perm("tasks.cancel_task", task)
    complete = CompleteForm(request.POST if "complete" in request.POST else None, request.FILES or None)
    if request.method == "POST":
        if "cancel" in request.POST:
            refuse_unless(may_cancel, _("The store's GM and managers cancel an open task."))
            try:
                messages.success(request, _cancelled(task, viewer.staff_id, now))
            except ValidationError as error:
                messages.error(request, error.messages[0])
            return HttpResponseRedirect(request.path)
        else:
            refuse_unless(may_complete, _("The task's owner and the store's management complete an open task."))
            if act_on(request, complete, lambda form: _completed(task, form, viewer.staff_id, now)):
                return HttpResponseRedirect(request.path)
    return render(request, "tasks/detail.html", store_context(
        viewer, task.store, task=task, overdue=task.is_overdue(timezone.localdate()), complete=complete,
        may_complete=may_complete, may_cancel=may_cancel, history=history_of(task),
    ))


def _completed(task: Task, form: CompleteForm, by_id: int | None, now: datetime.datetime) -> str:
    services.complete(task, form.cleaned_data["note"], form.cleaned_data["file"], by_id, now)
    return _("The task is done.")


def _cancelled(task: Task, by_id: int | None, now: datetime.datetime) -> str:
    services.cancel(task, by_id, now)
    return _("The task is cancelled.")


@login_required
@require_GET
def task_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence file as it was uploaded, as an attachment (never shown in the page)."""
    task = _in_scope(request, pk)
    kept = getattr(task, "evidence_file", None) if task.evidence_name else None
    if kept is None:
        raise Http404("no evidence file")
    return attachment(kept.content, kept.content_type, f"task-{task.pk}", task.evidence_name)
