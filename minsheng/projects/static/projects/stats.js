// Project statistics charts (ECharts), fed by the json_script block "projects-stats".
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    var source = document.getElementById("projects-stats");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var L = data.labels;
    var colours = { completed: "#2e8b57", in_progress: "#1f5fa8", not_started: "#9aa5b1", red: "#c0392b", yellow: "#d4a017", listed: "#5f6b7a" };
    function bars(id, rows) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var chart = window.echarts.init(el);
      var keys = ["completed", "in_progress", "not_started"];
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 110, right: 20, top: 30, bottom: 20 },
        xAxis: { type: "value" }, yAxis: { type: "category", data: rows.map(function (r) { return r.name; }).reverse() },
        series: keys.map(function (k) {
          return { name: L[k], type: "bar", stack: "s", itemStyle: { color: colours[k] }, data: rows.map(function (r) { return r[k]; }).reverse() };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    function trend(id, rows) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var chart = window.echarts.init(el);
      var keys = ["listed", "completed", "in_progress", "red", "yellow"];
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 20, top: 30, bottom: 30 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.month; }) }, yAxis: { type: "value" },
        series: keys.map(function (k) {
          return { name: L[k], type: "line", itemStyle: { color: colours[k] }, data: rows.map(function (r) { return r[k]; }) };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    trend("chart-trend", data.trend);
    bars("chart-level", data.by_level);
    bars("chart-category", data.by_category);
    bars("chart-district", data.by_district);
  });
})();
