// Progressive enhancement only: every page works without this file.
// Ask before an action that cannot be undone (forms marked data-confirm).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Buttons marked data-print open the browser's print dialog (the print stylesheet does the rest).
document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("[data-print]")) {
    window.print();
  }
});
