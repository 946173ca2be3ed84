"""Small files kept in the database beside their record (a candidate's CV, the evidence of a fault): what such a
file may be, told by its first bytes and not by what the browser says, and how it is served back (an attachment,
never shown in the page)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.utils.translation import gettext as _

DOCUMENT_MEGABYTES = 5
DOCUMENT_TYPES = {  # the first bytes of each kind of file a document may be, and the type it is served as
    b"%PDF-": "application/pdf",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "application/msword",
    b"PK\x03\x04": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
DOCUMENT_ENDINGS = (".pdf", ".doc", ".docx", ".jpg", ".jpeg", ".png")


def document_type(upload: UploadedFile) -> str:
    """The type of an acceptable document (PDF, Word, JPEG or PNG; 5 MB); ValidationError for one too large or of
    another kind."""
    if upload.size is None or upload.size > DOCUMENT_MEGABYTES * 1024 * 1024:
        raise ValidationError(_("A file is at most %(mb)s MB.") % {"mb": DOCUMENT_MEGABYTES})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    found = next((kind for magic, kind in DOCUMENT_TYPES.items() if head.startswith(magic)), None)
    if found is None or not (upload.name or "").lower().endswith(DOCUMENT_ENDINGS):
        raise ValidationError(_("The file must be a PDF, Word, JPEG or PNG file."))
    return found


def kept_name(upload: UploadedFile) -> str:
    """The uploaded file's name as kept beside it (its last 100 characters, ending included)."""
    return (upload.name or "")[-100:]


def attachment(content: bytes, content_type: str, stem: str, kept: str) -> HttpResponse:
    """The document as it was uploaded, downloaded as ``<stem><its ending>`` (the name typed by the uploader is
    not echoed into the header)."""
    lowered = kept.lower()
    ending = next((ending for ending in DOCUMENT_ENDINGS if lowered.endswith(ending)), "")
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}{ending}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
