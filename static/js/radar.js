/* Skill radar (issue 5, B3): draws #radar from the JSON the page put in
 * <script type="application/json" id="radar-data">: {indicator: [{name, max}], values: [...]}.
 * The names come translated from the server. The chart is kept in window.xinghuoCharts.radar
 * for the browser tests. */
(function () {
  "use strict";
  const el = document.getElementById("radar");
  const source = el && document.getElementById(el.dataset.source);
  if (!el || !source || !window.echarts) return;
  const d = JSON.parse(source.textContent);
  const chart = window.echarts.init(el);
  chart.setOption({
    color: ["#d9480f"],
    tooltip: {trigger: "item"},
    radar: {
      indicator: d.indicator,
      radius: "65%",
      splitNumber: 4,
      axisName: {color: "#495057", fontSize: 12},
    },
    series: [{
      type: "radar",
      data: [{value: d.values, name: document.title.split(" · ")[0],
        areaStyle: {opacity: 0.25}, label: {show: true, fontSize: 11}}],
    }],
  });
  window.addEventListener("resize", () => chart.resize());
  window.xinghuoCharts = Object.assign(window.xinghuoCharts || {}, {radar: chart});
})();
