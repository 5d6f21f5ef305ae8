// Progressive enhancement of the error summary (templates/macros.html, error_summary): the page works without it.
// The summary takes the focus when the page loads (its autofocus attribute does so where the browser supports it),
// and each of its links moves the focus to its field, scrolled into view with the field's label above it.
(function () {
  "use strict";

  function focusSummary() {
    const summary = document.getElementById("error-summary");
    if (summary && document.activeElement !== summary && !summary.contains(document.activeElement)) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("#error-summary a[href^='#']");
    if (!link) {
      return;
    }
    const field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) {
      return;
    }
    event.preventDefault();
    const label = document.querySelector("label[for='" + CSS.escape(field.id) + "']");
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
    history.replaceState(null, "", "#" + field.id);
  });
})();
