"""A draft from whatever the user brings: a Word document, Akoma Ntoso XML, or plain text (a .txt file, or text
pasted into a form).

The kind is told from the content, never from the file name: a ZIP package is read as a Word document (and
refused if it is not one); XML (``<?xml`` or an ``<akomaNtoso>`` root first, after an optional byte order mark
and blank space) as Akoma Ntoso 3.0 (and refused if it is not that); other markup (HTML, other XML) is refused;
anything else must be UTF-8 text.
"""

from __future__ import annotations

import re

from ..core.messages import N_, Message
from ..core.structure import Recognition, paragraphs_from_plain_text, recognise
from .akn_reader import NOT_AKN, recognise_akn
from .docx_reader import ImportRefused, recognise_docx, refuse_empty_or_too_large

ZIP_SIGNATURE = b"PK\x03\x04"
#: The old Word format and encrypted Office files are OLE compound documents.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"
#: An XML declaration or an Akoma Ntoso root (with or without a prefix), after a UTF-8 BOM and blank space.
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:\?xml|(?:[A-Za-z_][\w.-]*:)?akomaNtoso\b)")
#: The same in UTF-16, which XML allows when it starts with a byte order mark.
_UTF16_XML_STARTS = (b"\xff\xfe<\x00", b"\xfe\xff\x00<")
#: Other markup: a tag, a comment or a document type declaration first.
_MARKUP_START = re.compile(r"^\s*<[A-Za-z!?]")


def recognise_source(data: bytes) -> Recognition:
    """The recognised draft of a file's bytes. Raises ImportRefused with a message for the user."""
    if data.startswith((ZIP_SIGNATURE, OLE_SIGNATURE)):
        return recognise_docx(data)
    if _XML_START.match(data) or data.startswith(_UTF16_XML_STARTS):
        return recognise_akn(data)
    refuse_empty_or_too_large(data)
    if data.startswith(b"%PDF"):
        raise ImportRefused(Message(N_("This is a PDF file: save the draft as a Word document (.docx) or as text.")))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            Message(N_("The file is neither a Word document (.docx) nor text in UTF-8: it cannot be read."))
        ) from None
    if "\x00" in text:
        raise ImportRefused(Message(N_("The text contains NUL characters: it is not a text file.")))
    if not text.strip():
        raise ImportRefused(Message(N_("The document has no text.")))
    if _MARKUP_START.match(text):
        raise ImportRefused(NOT_AKN)
    return recognise(paragraphs_from_plain_text(text))
