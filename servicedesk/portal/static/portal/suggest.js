// Articles suggested while a request is written: the summary and the start of the details are sent to
// the help centre's suggest endpoint a moment after the customer stops typing, and the answer (HTML the
// server rendered and escaped) is shown under the form. The form's draft key goes along, so an article
// opened from here is tied to this request.
(() => {
  const form = document.querySelector("form[data-suggest-url]");
  if (!form) return;
  const into = document.getElementById(form.dataset.suggestInto);
  const fields = ["title", "description"].map((name) => form.elements[name]).filter(Boolean);
  const draft = form.elements.draft ? form.elements.draft.value : "";
  const WAIT_MS = 350;
  const MAX_CHARS = 300;
  let timer = null;
  let controller = null;
  let lastText = "";

  async function suggest() {
    const text = fields.map((field) => field.value.trim()).filter(Boolean).join(" ").slice(0, MAX_CHARS);
    if (text === lastText) return;
    lastText = text;
    if (controller) controller.abort();
    if (text.length < 2) { into.replaceChildren(); return; }
    controller = new AbortController();
    const url = `${form.dataset.suggestUrl}?${new URLSearchParams({ q: text, draft })}`;
    try {
      const response = await fetch(url, { signal: controller.signal, credentials: "same-origin" });
      if (!response.ok) return;
      // No match is an empty answer: the box (styled only when it has content) goes away.
      const html = (await response.text()).trim();
      if (html) into.innerHTML = html; else into.replaceChildren();
    } catch (error) {
      if (error.name !== "AbortError") into.replaceChildren();
    }
  }

  for (const field of fields) {
    field.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, WAIT_MS); });
  }
  if (fields.some((field) => field.value.trim())) suggest();
})();
