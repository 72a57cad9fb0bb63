// The dashboard's charts: every [data-chart] element is drawn by ECharts (vendored) from the JSON the server
// wrote into it; the Content-Security-Policy runs no inline script and no inline style, so tooltips are drawn on
// the canvas (renderMode "richText"), not as HTML. A click on a point (a column of a line chart, a bar) opens the
// tickets behind it.
(() => {
  const css = getComputedStyle(document.documentElement);
  const brand = css.getPropertyValue("--brand").trim() || "#1f5fae";
  const muted = css.getPropertyValue("--muted").trim() || "#5d6b7a";

  const lone = (values, i) => values[i] != null && values[i - 1] == null && values[i + 1] == null;
  const hasLonePoint = (values) => values.some((_value, i) => lone(values, i));

  function draw(element) {
    const data = JSON.parse(element.dataset.chart);
    const horizontal = data.kind === "hbar";
    // A bar per row: as tall as its rows need (set through the CSSOM, which the CSP allows).
    if (horizontal) element.style.height = `${Math.max(140, data.labels.length * 34 + 50)}px`;
    const chart = echarts.init(element, null, { renderer: "canvas" });
    const category = { type: "category", data: data.labels, axisLabel: { color: muted, hideOverlap: true },
      axisTick: { alignWithLabel: true }, inverse: horizontal };
    const value = { type: "value", minInterval: data.percent ? 0 : 1, max: data.percent ? 100 : null,
      axisLabel: { color: muted, formatter: data.percent ? "{value}%" : "{value}" } };
    chart.setOption({
      animation: false,
      color: [brand],
      grid: { left: 12, right: 24, top: 12, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: horizontal ? "none" : "line" },
        formatter: (items) => {
          const index = items[0].dataIndex;
          return `${(data.titles || data.labels)[index]}: ${data.texts[index]}`;
        } },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      // Every point's symbol, not only those on the axis labels' interval, on a long series too when a point
      // stands between gaps (a rate on the one day with calls): no line leads to it, so only its symbol shows it.
      series: [{ name: data.name, type: data.kind === "line" ? "line" : "bar", data: data.values,
        connectNulls: false, showSymbol: data.values.length <= 40 || hasLonePoint(data.values), showAllSymbol: true,
        barMaxWidth: 28 }],
    });
    chart.getZr().on("click", (event) => {
      const pixel = [event.offsetX, event.offsetY];
      if (!chart.containPixel("grid", pixel)) return;
      const [x, y] = chart.convertFromPixel("grid", pixel);
      const link = data.links[Math.round(horizontal ? y : x)];
      if (link) window.location.assign(link);
    });
    if (data.links.some(Boolean)) element.classList.add("drillable");
    new ResizeObserver(() => chart.resize()).observe(element);
    element.dataset.ready = "1";
  }

  document.querySelectorAll("[data-chart]").forEach(draw);

  // Dates typed into the period picker make it a custom range (a named period would win over them).
  document.querySelectorAll("[data-custom-range]").forEach((input) => input.addEventListener("change", () => {
    const period = input.form.querySelector("[data-period]");
    if (period) period.value = "";
  }));
})();
