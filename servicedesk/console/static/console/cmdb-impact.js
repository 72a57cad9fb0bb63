// The impact graph: the failing item in the middle, what it takes down around it (ECharts graph series, force
// layout). The data comes from the page's JSON block (the strict CSP allows no inline script).
(function () {
  "use strict";
  var box = document.getElementById("impact-chart");
  var data = document.getElementById("impact-graph");
  if (!box || !data || typeof echarts === "undefined") { return; }
  var graph = JSON.parse(data.textContent);
  if (graph.nodes.length < 2) { box.textContent = box.dataset.empty; box.classList.add("empty"); return; }
  var levels = ["#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad"];
  var nodes = graph.nodes.map(function (n) {
    return {
      id: n.id, name: n.name, value: n.type,
      symbolSize: n.id === box.dataset.root ? 42 : (n.service ? 30 : 20),
      symbol: n.service ? "diamond" : "circle",
      itemStyle: { color: levels[Math.min(n.level, levels.length - 1)], borderColor: n.critical ? "#000" : "#fff",
                   borderWidth: n.critical ? 3 : 1 },
      label: { show: true, position: "right" }
    };
  });
  var chart = echarts.init(box);
  chart.setOption({
    tooltip: { formatter: function (p) { return p.dataType === "edge" ? p.data.label : p.data.name + " · " + p.data.value; } },
    series: [{
      type: "graph", layout: "force", roam: true, draggable: true,
      force: { repulsion: 220, edgeLength: 90 },
      edgeSymbol: ["none", "arrow"], edgeSymbolSize: 8,
      edgeLabel: { show: graph.links.length <= 40, formatter: function (p) { return p.data.label; }, fontSize: 10 },
      lineStyle: { color: "#888", curveness: 0.1 },
      data: nodes,
      links: graph.links
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
