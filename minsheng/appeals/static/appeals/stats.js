// The appeal statistics page: draws the charts from the JSON the page carries (json_script "stats-data")
// and shows only the period inputs of the chosen period mode.
(function () {
  "use strict";

  function periodInputs() {
    var mode = document.querySelector("[data-period-mode]");
    if (!mode) { return; }
    function show() {
      document.querySelectorAll("[data-period]").forEach(function (label) {
        var active = label.getAttribute("data-period") === mode.value;
        label.hidden = !active;
        label.querySelectorAll("input, select").forEach(function (input) { input.disabled = !active; });
      });
    }
    mode.addEventListener("change", show);
    show();
  }

  function chart(id, option, empty) {
    var node = document.getElementById(id);
    if (!node || !window.echarts) { return null; }
    var instance = window.echarts.init(node);
    if (empty) {
      option = { title: { text: empty, left: "center", top: "middle", textStyle: { color: "#888", fontSize: 14 } } };
    }
    instance.setOption(option);
    window.addEventListener("resize", function () { instance.resize(); });
    node.setAttribute("data-rendered", "true");
    return instance;
  }

  function percent(value) {
    return value === null || value === undefined ? null : Math.round(value * 1000) / 10;
  }

  function draw(data) {
    var labels = data.labels;
    var volume = data.volume;
    var total = data.totals.registered;
    var noData = total ? null : labels.no_data;

    chart("chart-by-day", {
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: 32 },
      xAxis: { type: "category", data: volume.by_day.map(function (d) { return d.day.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: labels.cases, type: "line", smooth: true, areaStyle: {},
                 data: volume.by_day.map(function (d) { return d.count; }) }]
    }, noData);

    chart("chart-by-kind", {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0 },
      series: [{ name: labels.by_kind, type: "pie", radius: ["35%", "65%"],
                 data: volume.by_kind.filter(function (k) { return k.count > 0; })
                   .map(function (k) { return { name: k.name, value: k.count }; }) }]
    }, noData);

    chart("chart-by-channel", {
      tooltip: { trigger: "axis" },
      grid: { left: 110, right: 24, top: 16, bottom: 24 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: volume.by_channel.map(function (c) { return c.name; }) },
      series: [{ name: labels.cases, type: "bar", data: volume.by_channel.map(function (c) { return c.count; }) }]
    }, noData);

    chart("chart-by-district", {
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: 48 },
      xAxis: { type: "category", data: data.by_district.map(function (d) { return d.name; }),
               axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: labels.cases, type: "bar", data: data.by_district.map(function (d) { return d.registered; }) }]
    }, noData);

    var units = data.by_unit.filter(function (u) { return u.key !== null && u.on_time_completion_rate !== null; });
    chart("chart-by-unit", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      grid: { left: 200, right: 40, top: 16, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: units.map(function (u) { return u.name; }) },
      series: [{ name: labels.rate, type: "bar", label: { show: true, position: "right", formatter: "{c}%" },
                 data: units.map(function (u) { return percent(u.on_time_completion_rate); }) }]
    }, units.length ? null : labels.no_data);
  }

  document.addEventListener("DOMContentLoaded", function () {
    periodInputs();
    var source = document.getElementById("stats-data");
    if (source) { draw(JSON.parse(source.textContent)); }
  });
})();
