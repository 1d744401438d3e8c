// Small progressive enhancements; every page works without this file.
// Focus the error summary after a failed submit so screen readers announce it.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
