"""Background jobs: a bonus run computes in the task queue while the browser shows its progress, and a run's
statements are made into one PDF (``pay.run_pdf``). A job acts as the user who queued it (``user_id``): its
changes are audited as theirs; a PDF is made as its reader would see the run.

Huey takes a job off the queue when a worker starts it (no acknowledgement when done, on SQLite or Redis): a
job whose worker is killed is lost, and its run would stay computing. The worker gives such runs up as failed
when it starts and every 5 minutes (``runs.give_up_stalled``); they can then be recomputed."""

from huey import crontab
from huey.contrib.djhuey import close_db, db_periodic_task, db_task, on_startup

from dealerkpi.core.audit import acting_as
from dealerkpi.org.models import User
from dealerkpi.pay import run_pdf, runs
from dealerkpi.pay.models import Run


@db_task()
def compute_run(run_id: int, user_id: int | None = None) -> None:
    with acting_as(User.objects.filter(pk=user_id).first() if user_id else None, name="job"):
        runs.compute(Run.objects.select_related("store__region").get(pk=run_id))


@db_task()
def make_run_pdf(pdf_id: int) -> None:
    run_pdf.make(pdf_id)


@db_periodic_task(crontab(minute="*/5"))
def give_up_stalled_runs() -> None:
    with acting_as(None, name="job"):
        runs.give_up_stalled()


# At start, too: the runs whose jobs died with the worker before it restarted.
on_startup("give_up_stalled_runs")(close_db(give_up_stalled_runs.call_local))
