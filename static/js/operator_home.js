// The operator console's chart of workers by role (data from json_script).
(function () {
  const rows = JSON.parse(document.getElementById("workers-by-role-data").textContent);
  const chart = echarts.init(document.getElementById("workers-by-role"));
  chart.setOption({
    tooltip: {},
    grid: {left: 110, right: 20, top: 10, bottom: 30},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", data: rows.map(r => r.label), inverse: true},
    series: [{type: "bar", data: rows.map(r => r.count), itemStyle: {color: "#d9480f"}}],
  });
  window.addEventListener("resize", () => chart.resize());
})();
