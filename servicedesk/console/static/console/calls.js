// The screen pop's "Hide": the agent has seen this call; it stays hidden (this tab) until another call pops.
(function () {
  "use strict";
  var KEY = "servicedesk.hiddenCalls";

  function hidden() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }

  function apply(root) {
    var panel = root && root.querySelector && root.querySelector(".screen-pop[data-call]");
    if (panel && hidden().indexOf(panel.getAttribute("data-call")) !== -1) panel.hidden = true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-hide-call]");
    if (!button) return;
    var list = hidden();
    list.push(button.getAttribute("data-hide-call"));
    sessionStorage.setItem(KEY, JSON.stringify(list.slice(-50)));
    apply(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) { apply(event.target); });
  document.addEventListener("htmx:load", function (event) { apply(event.target); });
})();
