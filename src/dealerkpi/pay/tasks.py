"""Background jobs: a bonus run computes in the task queue while the browser shows its progress."""

from huey.contrib.djhuey import db_task

from dealerkpi.pay import runs
from dealerkpi.pay.models import Run


@db_task()
def compute_run(run_id: int) -> None:
    runs.compute(Run.objects.select_related("store__region").get(pk=run_id))
