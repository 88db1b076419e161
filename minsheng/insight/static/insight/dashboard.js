// The dashboard's charts: data comes from the page (json_script), ECharts from the local vendor copy.
(function () {
  "use strict";
  var RED = "#c0392b", YELLOW = "#d4a017", GREEN = "#2e8b57", BLUE = "#1f5fa8", GREY = "#9aa5b1";

  function options(kind, data) {
    var L = data.labels;
    if (kind === "trend") {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [L.registered, L.closed] },
        grid: { left: 48, right: 16, top: 36, bottom: 28 },
        xAxis: { type: "category", data: data.trend.days },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: L.registered, type: "line", smooth: true, data: data.trend.registered, color: BLUE },
          { name: L.closed, type: "line", smooth: true, data: data.trend.closed, color: GREEN }
        ]
      };
    }
    if (kind === "districts") {
      var names = data.districts.map(function (d) { return d.name; });
      function column(key) { return data.districts.map(function (d) { return d[key]; }); }
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [L.month, L.open, L.overdue] },
        grid: { left: 48, right: 16, top: 36, bottom: 28 },
        xAxis: { type: "category", data: names },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: L.month, type: "bar", data: column("month"), color: BLUE },
          { name: L.open, type: "bar", data: column("open"), color: GREY },
          { name: L.overdue, type: "bar", data: column("overdue"), color: RED }
        ]
      };
    }
    if (kind === "projects") {
      var p = data.projects;
      return {
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["40%", "68%"],
          data: [
            { name: L.completed, value: p.completed, itemStyle: { color: GREEN } },
            { name: L.on_track, value: p.on_track, itemStyle: { color: BLUE } },
            { name: L.yellow, value: p.yellow, itemStyle: { color: YELLOW } },
            { name: L.red, value: p.red, itemStyle: { color: RED } }
          ]
        }]
      };
    }
    return null;
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      if (typeof window.echarts === "undefined") {
        element.classList.add("no-chart");
        return;
      }
      var chart = window.echarts.init(element);
      chart.setOption(options(element.getAttribute("data-chart"), data));
      element.setAttribute("data-rendered", "true");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
