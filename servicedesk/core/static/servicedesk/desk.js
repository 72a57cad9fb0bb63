// Keyboard shortcuts for agents: "/" focuses search, "r" focuses the reply box (when not typing).
document.addEventListener("keydown", (event) => {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = { "/": "[data-shortcut=search]", r: "[data-shortcut=reply]" }[event.key];
  const element = target && document.querySelector(target);
  if (element) { event.preventDefault(); element.focus(); }
});

// A select marked data-submit-on-change (the language switch) sends its form at once: no inline
// handlers, as the Content-Security-Policy runs no inline script.
document.addEventListener("change", (event) => {
  if (event.target.matches?.("select[data-submit-on-change]")) event.target.form.submit();
});
