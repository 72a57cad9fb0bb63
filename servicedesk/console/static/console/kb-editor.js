// The article editor's toolbar: wraps or prefixes the selected Markdown, uploads an image to the article
// and inserts ![name](url) at the cursor. Every change fires "input", so the server's preview (HTMX) follows.
(function () {
  "use strict";

  function insert(area, before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var chosen = area.value.slice(start, end) || placeholder || "";
    area.setRangeText(before + chosen + after, start, end, "end");
    if (!area.value.slice(start, end).length) {
      area.setSelectionRange(start + before.length, start + before.length + chosen.length);
    }
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function prefixLines(area, prefix) {
    var start = area.value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = area.selectionEnd;
    var lines = area.value.slice(start, end).split("\n").map(function (line) { return prefix + line; });
    area.setRangeText(lines.join("\n"), start, end, "end");
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function upload(toolbar, area, file) {
    var error = toolbar.querySelector("[data-upload-error]");
    var button = toolbar.querySelector("[data-md=image]");
    var form = new FormData();
    form.append("file", file);
    error.textContent = "";
    fetch(button.dataset.upload, {
      method: "POST", body: form, credentials: "same-origin",
      headers: { "Accept": "application/json",
                 "X-CSRFToken": area.form.querySelector("[name=csrfmiddlewaretoken]").value }
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.message || response.statusText); }
        // On a line of its own: an image glued to the end of a list item would belong to the item.
        var atLineStart = area.selectionStart === 0 || area.value[area.selectionStart - 1] === "\n";
        insert(area, (atLineStart ? "" : "\n\n") + (data.image ? "!" : "") + "[" + data.name.replace(/[\[\]]/g, "") +
               "](" + data.url + ")", "", "");
      });
    }).catch(function (problem) { error.textContent = problem.message; });
  }

  var ACTIONS = {
    bold: function (area) { insert(area, "**", "**", "bold"); },
    italic: function (area) { insert(area, "_", "_", "italic"); },
    heading: function (area) { prefixLines(area, "## "); },
    list: function (area) { prefixLines(area, "- "); },
    code: function (area) {
      var text = area.value.slice(area.selectionStart, area.selectionEnd);
      if (text.indexOf("\n") >= 0) { insert(area, "```\n", "\n```", ""); } else { insert(area, "`", "`", "code"); }
    },
    link: function (area, button) {
      var url = window.prompt(button.dataset.prompt || "URL", "https://");
      if (url) { insert(area, "[", "](" + url + ")", "link"); }
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".kb-toolbar").forEach(function (toolbar) {
      var area = document.getElementById(toolbar.dataset.editor);
      var input = toolbar.querySelector("[data-image-input]");
      toolbar.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-md]");
        if (!button) { return; }
        if (button.dataset.md === "image") { input.click(); return; }
        ACTIONS[button.dataset.md](area, button);
      });
      if (input) {
        input.addEventListener("change", function () {
          if (input.files.length) { upload(toolbar, area, input.files[0]); }
          input.value = "";
        });
      }
      document.querySelectorAll("[data-insert]").forEach(function (button) {
        button.addEventListener("click", function () { insert(area, button.dataset.insert, "", ""); });
      });
    });
  });
})();
