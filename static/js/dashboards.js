/* Dashboards (issue 7): draws every element with data-chart="<kind>" from the JSON that the
 * page put in the <script type="application/json" id="<data-source>"> next to it.
 * The server sends the labels already translated; this file only lays the charts out.
 * Charts are kept in window.xinghuoCharts (by element id) for the browser tests. */
(function () {
  "use strict";
  const BRAND = "#d9480f";
  const PALETTE = [BRAND, "#1971c2", "#2b8a3e", "#f08c00", "#7048e8", "#0c8599", "#c2255c",
    "#868e96", "#5c940d"];
  const STATUS_COLORS = {
    draft: "#adb5bd", published: "#1971c2", assigned: "#7048e8", en_route: "#0c8599",
    on_site: "#f08c00", delivered: "#fab005", accepted: "#2b8a3e", cancelled: "#868e96",
    expired: "#c92a2a", available: "#2b8a3e", busy: "#f08c00", off_duty: "#adb5bd",
  };
  const yuan = (fen) => (fen / 100).toFixed(2);
  const yuanAxis = (fen) => (fen / 100).toLocaleString("zh-CN", {maximumFractionDigits: 0});

  const hbar = (names, values, extra) => ({
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    grid: {left: 8, right: 40, top: 10, bottom: 10, containLabel: true},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", data: names, inverse: true},
    series: [Object.assign({type: "bar", data: values, itemStyle: {color: BRAND},
      label: {show: true, position: "right"}}, extra || {})],
  });

  const BUILDERS = {
    // {days: [...], series: [{name, status, data}]}: orders per day, stacked by status.
    stackedBars(d) {
      return {
        color: PALETTE,
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
        legend: {top: 0},
        grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
        xAxis: {type: "category", data: d.days.map((day) => day.slice(5))},
        yAxis: {type: "value", minInterval: 1},
        series: d.series.map((s) => ({
          name: s.name, type: "bar", stack: "orders", data: s.data, barMaxWidth: 28,
          itemStyle: {color: STATUS_COLORS[s.status]},
        })),
      };
    },
    // [{name, value, status?}]
    pie(d) {
      return {
        color: PALETTE,
        tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
        legend: {bottom: 0, type: "scroll"},
        series: [{
          type: "pie", radius: ["38%", "68%"], center: ["50%", "45%"],
          label: {formatter: "{b}\n{c}"},
          data: d.filter((r) => r.value > 0).map((r) => ({name: r.name, value: r.value,
            itemStyle: r.status ? {color: STATUS_COLORS[r.status]} : undefined})),
        }],
      };
    },
    // {labels, values: [percent | null]}
    percentBars(d) {
      const option = hbar(d.labels, d.values.map((v) => (v === null ? null : +v.toFixed(1))), {
        label: {show: true, position: "right", formatter: (p) => (p.value == null ? "—" : p.value + "%")},
      });
      option.xAxis = {type: "value", max: 100, axisLabel: {formatter: "{value}%"}};
      option.series[0].data = option.series[0].data.map((v, i) => ({
        value: v, itemStyle: {color: ["#2b8a3e", "#1971c2", "#c92a2a"][i] || BRAND},
      }));
      return option;
    },
    // {labels, values: [minutes | null]}
    minuteBars(d) {
      const option = hbar(d.labels, d.values);
      option.xAxis.name = "min";
      option.xAxis.minInterval = undefined;
      return option;
    },
    // [{name, value, orders?}]: a ranking, biggest first.
    rankBars(d) {
      return hbar(d.map((r) => r.name), d.map((r) => r.value));
    },
    countBars(d) {
      const option = hbar(d.map((r) => r.name), d.map((r) => r.value));
      option.tooltip.formatter = (items) => {
        const r = d[items[0].dataIndex];
        return `${r.name}<br>${r.value} · ¥${yuan(r.amount_fen || 0)}`;
      };
      return option;
    },
    // [{name, value (fen), orders}]
    moneyBars(d) {
      const option = hbar(d.map((r) => r.name), d.map((r) => r.value), {
        label: {show: true, position: "right", formatter: (p) => yuanAxis(p.value)},
      });
      option.xAxis.axisLabel = {formatter: yuanAxis};
      option.tooltip.formatter = (items) => {
        const r = d[items[0].dataIndex];
        return `${r.name}<br>¥${yuan(r.value)} · ${r.orders}`;
      };
      return option;
    },
    moneyPie(d) {
      const option = BUILDERS.pie(d);
      option.tooltip.formatter = (p) => `${p.name}: ¥${yuan(p.value)} (${p.percent}%)`;
      // Mode names are long: the legend names them, the slices show the amount.
      option.series[0].label.formatter = (p) => `¥${yuanAxis(p.value)}`;
      return option;
    },
    // {regions, series: [{name, data}]}
    regionBars(d) {
      return {
        color: [BRAND, "#2b8a3e", "#868e96"],
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
        legend: {top: 0},
        grid: {left: 8, right: 16, top: 32, bottom: 8, containLabel: true},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", data: d.regions, inverse: true},
        series: d.series.map((s) => ({name: s.name, type: "bar", stack: "orders", data: s.data})),
      };
    },
    // {weeks, points, net_fen, labels: {points, net}}
    weekly(d) {
      return {
        color: [BRAND, "#2b8a3e"],
        tooltip: {trigger: "axis"},
        legend: {top: 0},
        grid: {left: 8, right: 8, top: 36, bottom: 8, containLabel: true},
        xAxis: {type: "category", data: d.weeks},
        yAxis: [
          {type: "value", minInterval: 1},
          {type: "value", splitLine: {show: false}},
        ],
        series: [
          {name: d.labels.points, type: "bar", data: d.points, barMaxWidth: 24},
          {name: d.labels.net, type: "line", yAxisIndex: 1,
            data: d.net_fen.map((fen) => +(fen / 100).toFixed(2))},
        ],
      };
    },
    // {labels: [1★…5★], counts}
    ratings(d) {
      return {
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
        grid: {left: 8, right: 8, top: 16, bottom: 8, containLabel: true},
        xAxis: {type: "category", data: d.labels},
        yAxis: {type: "value", minInterval: 1},
        series: [{type: "bar", data: d.counts, itemStyle: {color: "#f08c00"}, barMaxWidth: 36,
          label: {show: true, position: "top"}}],
      };
    },
  };

  const charts = (window.xinghuoCharts = {});
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const build = BUILDERS[el.dataset.chart];
    const source = document.getElementById(el.dataset.source);
    if (!build || !source) return;
    const chart = echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(Object.assign({animation: false}, build(JSON.parse(source.textContent))));
    charts[el.id] = chart;
  });
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
})();
