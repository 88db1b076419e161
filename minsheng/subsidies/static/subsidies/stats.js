// Funds statistics charts: data comes from the page through json_script (no inline script).
(function () {
  "use strict";
  var node = document.getElementById("funds-chart-data");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  function chart(id, option) {
    var element = document.getElementById(id);
    if (element) { window.echarts.init(element).setOption(option); }
  }
  var labels = data.labels;
  chart("chart-policies", {
    tooltip: {}, legend: {}, grid: { containLabel: true },
    xAxis: { type: "category", data: data.policies, axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value" },
    series: ["eligible", "confirmed", "paid"].map(function (key) {
      return { name: labels[key], type: "bar", data: data[key] };
    })
  });
  chart("chart-amounts", {
    tooltip: {}, legend: {}, grid: { containLabel: true },
    xAxis: { type: "category", data: data.policies, axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value" },
    series: ["paid_yuan", "budget_yuan"].map(function (key) {
      return { name: labels[key], type: "bar", data: data[key] };
    })
  });
  function pie(id, pairs) {
    chart(id, {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: pairs.map(function (p) { return { name: p[0], value: p[1] }; }) }]
    });
  }
  pie("chart-district", data.by_district);
  pie("chart-industry", data.by_industry);
})();
