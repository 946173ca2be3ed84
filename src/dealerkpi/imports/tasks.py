"""The job that imports a file uploaded on the page (``imports.uploads``): the Huey worker discovers this module."""

from huey.contrib.djhuey import db_task

from . import uploads


@db_task()
def import_upload(batch_id: int) -> None:
    uploads.run(batch_id)
