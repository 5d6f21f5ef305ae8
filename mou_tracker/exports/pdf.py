"""HTML to PDF with WeasyPrint, from the same templates as the print views.

WeasyPrint needs the Pango library (Debian: libpango-1.0-0, libpangoft2-1.0-0). Where it is missing, PDF
export says so instead of failing. Only the app's own stylesheets may be fetched while rendering.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent.parent / "static"


#: The paper sizes a PDF may be printed on (config MOU_PAPER_SIZE), as CSS @page names them.
PAPER_SIZES = ("A4", "Letter")


class PdfUnavailable(RuntimeError):
    pass


def _css_string(text: str) -> str:
    """`text` as a CSS string inside an HTML <style> element: quotes, backslashes, line ends and "<" escaped."""
    escaped = "".join(c if c.isalnum() or c in " .,:;-–—()/" else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


def page_counter(template: str) -> str:
    """A CSS `content` value for the page counter from a translated "Page %(number)s of %(count)s": the words
    from the catalogue, the numbers from CSS counters, in whatever order the language puts them."""
    parts = re.split(r"(%\((?:number|count)\)s)", template)
    counters = {"%(number)s": "counter(page)", "%(count)s": "counter(pages)"}
    return " ".join(counters.get(part) or _css_string(part) for part in parts if part)


def paper_size(configured: str | None) -> str:
    """The configured paper size as CSS names it, A4 unless Letter is asked for."""
    wanted = (configured or "").strip().lower()
    return next((size for size in PAPER_SIZES if size.lower() == wanted), "A4")


def _static_only_fetcher():
    """A URL fetcher that serves the app's static files and refuses everything else (no network, no other files)."""
    from weasyprint.urls import URLFetcher

    prefix = STATIC.resolve().as_uri() + "/"

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(prefix) or ".." in url:
                raise ValueError(f"PDF rendering may only load the app's own static files, not {url!r}")
            return super().fetch(url, headers)

    return StaticOnly(allowed_protocols={"file"})


def html_to_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # the Python package is there but its system libraries are not
        raise PdfUnavailable(
            "PDF export needs the Pango library on the server (Debian: apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0). The page itself can still be printed from the browser."
        ) from exc
    base = STATIC.parent.resolve().as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=_static_only_fetcher()).write_pdf()
