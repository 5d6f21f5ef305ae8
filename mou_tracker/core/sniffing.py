"""What a file is, read from its content, never from its name: the documents a negotiation attaches (PDF, Word,
OpenDocument text, Excel, PNG, JPEG) and nothing else.

A renamed program (note_verbale.pdf that is a Windows executable) is refused as a program; an archive that is not
one of the accepted office formats, or that would unpack to far more than it weighs (a "zip bomb"), is refused
before anything of it is unpacked. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import io
import lzma
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from .messages import N_, Message

#: Default largest attachment (config MOU_ATTACHMENT_MAX_BYTES): a scanned note verbale or a long legal opinion.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: The same caps as the Word import (imports/docx_reader.py): an office document has a few dozen parts, unpacks to
#: a few times its size; a part compressed more than 100 times above 1 MB is a zip bomb.
MAX_ENTRIES = 1_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE = 1024 * 1024
#: The part of an OOXML package read to learn its type; never larger than this.
MAX_CONTENT_TYPES_BYTES = 256 * 1024

_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, ValueError, EOFError, RuntimeError)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Programs and scripts, by their first bytes: Windows (MZ), Linux (ELF), macOS (Mach-O, both byte orders and the
#: universal binary), Java classes and scripts with a #! line.
_PROGRAM_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)

_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_ODT = b"application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class FileType:
    media_type: str
    #: The extension the file is offered under when downloaded.
    extension: str
    #: What a reader calls it ("PDF", "Word document").
    label: str


PDF = FileType("application/pdf", "pdf", N_("PDF"))
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", N_("Word document"))
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", N_("Excel workbook"))
ODT = FileType("application/vnd.oasis.opendocument.text", "odt", N_("OpenDocument text"))
PNG = FileType("image/png", "png", N_("PNG image"))
JPEG = FileType("image/jpeg", "jpg", N_("JPEG image"))

ACCEPTED = (PDF, DOCX, ODT, XLSX, PNG, JPEG)
BY_MEDIA_TYPE = {kind.media_type: kind for kind in ACCEPTED}


class FileRefused(Exception):
    """The file is not one of the accepted documents; `message` says what it is and what to do."""

    def __init__(self, message: Message):
        super().__init__(message.template)
        self.message = message


_NOT_ACCEPTED = Message(
    N_(
        "This file is not one of the accepted documents: PDF, Word (.docx), OpenDocument text (.odt), "
        "Excel (.xlsx), PNG or JPEG image. Its type is read from its content, not its name."
    )
)


def check_size(size: int, limit: int) -> None:
    """Refuse an empty file or one over the limit, before anything else is read."""
    if size == 0:
        raise FileRefused(Message(N_("The file is empty.")))
    if size > limit and limit < 1024 * 1024:  # a limit set below a megabyte is said in kilobytes
        raise FileRefused(
            Message(
                N_("The file is %(size)s KB; the limit is %(limit)s KB."),
                size=f"{size / 1024:.1f}",
                limit=f"{limit / 1024:g}",
            )
        )
    if size > limit:
        raise FileRefused(
            Message(
                N_("The file is %(size)s MB; the limit is %(limit)s MB."),
                size=f"{size / 1024 / 1024:.1f}",
                limit=f"{limit / 1024 / 1024:.3g}",
            )
        )


def sniff(data: bytes) -> FileType:
    """The type of the document in `data`, or FileRefused saying why it is not accepted."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PROGRAM_MAGIC):
        raise FileRefused(Message(N_("This file is a program, not a document: it cannot be attached.")))
    if data.startswith(_OLE_MAGIC):
        raise FileRefused(
            Message(
                N_(
                    "This is an old Office 97-2003 file (.doc, .xls) or a password-protected document; save it "
                    "as .docx, .xlsx or PDF and attach that."
                )
            )
        )
    if data.startswith(b"PK\x03\x04"):
        return _sniff_package(data)
    raise FileRefused(_NOT_ACCEPTED)


def _sniff_package(data: bytes) -> FileType:
    """An office document is a ZIP archive: its declared type (ODF's first entry `mimetype`, OOXML's
    [Content_Types].xml) says which, after the archive's sizes are checked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except _ZIP_ERRORS:
        raise FileRefused(_NOT_ACCEPTED) from None
    if len(entries) > MAX_ENTRIES:
        raise FileRefused(
            Message(N_("The file has %(count)s parts, too many for an office document."), count=len(entries))
        )
    bomb = Message(N_("The file is compressed suspiciously well (a “zip bomb”); it cannot be attached."))
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
        raise FileRefused(bomb)
    for entry in entries:
        if entry.file_size > RATIO_CHECKED_ABOVE and entry.file_size > MAX_COMPRESSION_RATIO * max(
            entry.compress_size, 1
        ):
            raise FileRefused(bomb)
    by_name = {entry.filename: entry for entry in entries}
    if entries and entries[0].filename == "mimetype":
        if _read(archive, entries[0], 200).strip() == _ODT:
            return ODT
        raise FileRefused(_NOT_ACCEPTED)
    content_types = by_name.get("[Content_Types].xml")
    if content_types is None:
        raise FileRefused(_NOT_ACCEPTED)
    declared = _read(archive, content_types, MAX_CONTENT_TYPES_BYTES).lower()
    if b"macroenabled" in declared or any(name.lower().endswith("vbaproject.bin") for name in by_name):
        raise FileRefused(
            Message(N_("The document contains macros; save it as a plain .docx or .xlsx and attach that."))
        )
    if _DOCX_MAIN in declared and "word/document.xml" in by_name:
        return DOCX
    if _XLSX_MAIN in declared and "xl/workbook.xml" in by_name:
        return XLSX
    raise FileRefused(_NOT_ACCEPTED)


def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int) -> bytes:
    """One part, never more than `limit` bytes whatever the archive claims."""
    try:
        with archive.open(entry) as stream:
            content = stream.read(limit + 1)
    except _ZIP_ERRORS:
        raise FileRefused(_NOT_ACCEPTED) from None
    if len(content) > limit:
        raise FileRefused(_NOT_ACCEPTED)
    return content


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
MAX_FILENAME = 200


def clean_filename(raw: str, kind: FileType) -> str:
    """The name shown and offered on download: the last part of what the browser sent, without control or path
    characters, ending in the extension of what the file really is (so that "note.pdf" that is a Word document is
    offered as "note.pdf.docx" and opens in Word, not in a PDF reader)."""
    name = unicodedata.normalize("NFC", raw.replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE.sub("_", name).strip(" ._") or "document"
    stem = name[: MAX_FILENAME - len(kind.extension) - 1]
    aliases = {"jpg": ("jpg", "jpeg")}.get(kind.extension, (kind.extension,))
    if stem.lower().rsplit(".", 1)[-1] in aliases and "." in stem:
        return stem
    return f"{stem}.{kind.extension}"
