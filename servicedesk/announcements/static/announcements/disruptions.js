// The new-request form shows the known problems of the service the chosen category belongs to (all of
// them before a category is chosen; a notice naming no service concerns every service).
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("category-services");
  const select = document.querySelector("select[name=category]");
  if (!data || !select) return;
  const services = JSON.parse(data.textContent);
  const show = () => {
    const service = services[select.value];
    document.querySelectorAll("[data-disruption]").forEach((notice) => {
      const named = notice.dataset.services.split(" ").filter(Boolean);
      notice.hidden = Boolean(service) && named.length > 0 && !named.includes(service);
    });
  };
  select.addEventListener("change", show);
  show();
});
