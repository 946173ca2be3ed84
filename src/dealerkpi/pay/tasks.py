"""Background jobs: a bonus run computes in the task queue while the browser shows its progress. A job acts as
the user who queued it (``user_id``): its changes are audited as theirs."""

from huey.contrib.djhuey import db_task

from dealerkpi.core.audit import acting_as
from dealerkpi.org.models import User
from dealerkpi.pay import runs
from dealerkpi.pay.models import Run


@db_task()
def compute_run(run_id: int, user_id: int | None = None) -> None:
    with acting_as(User.objects.filter(pk=user_id).first() if user_id else None, name="job"):
        runs.compute(Run.objects.select_related("store__region").get(pk=run_id))
