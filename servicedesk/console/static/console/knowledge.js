// The ticket page's knowledge panel: "Insert link" and "Insert text" put an article into the reply box at
// the cursor and name the article in the reply form, so that sending the reply records the article as
// the ticket's answer (console.ticket_knowledge). No inline handlers: the Content-Security-Policy runs none.
document.addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-kb-insert]");
  const box = document.getElementById("reply-body");
  const form = box?.closest("form");
  if (!button || !box || !form) return;
  const value = button.dataset.kbValue;
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? start;
  const before = box.value.slice(0, start);
  const gap = !before || before.endsWith("\n") ? "" : button.dataset.kbInsert === "link" ? " " : "\n\n";
  box.value = before + gap + value + box.value.slice(end);
  const caret = (before + gap + value).length;
  box.focus();
  box.setSelectionRange(caret, caret);
  const id = button.dataset.kbArticle;
  if (!form.querySelector(`input[name="article"][value="${CSS.escape(id)}"]`)) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "article";
    field.value = id;
    form.appendChild(field);
  }
});
