// Dismissing a notice hides it at once; the session remembers it (the form still works without script).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-dismiss-notice]");
  if (!form) return;
  event.preventDefault();
  fetch(form.action, {method: "POST", body: new FormData(form), headers: {"X-Requested-With": "fetch"},
                      credentials: "same-origin"})
    .then((response) => {
      if (!response.ok) return form.submit();
      const banner = form.closest(".notice-banner");
      form.closest("[data-notice]").remove();
      if (!banner.querySelector("[data-notice]")) banner.remove();
    })
    .catch(() => form.submit());
});
