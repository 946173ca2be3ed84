// The monthly sales analysis charts (ECharts from our own static files): deliveries by model and by consultant,
// derivative penetration, the month's funnel, lost sales by reason, closing stock by model and age band.
(function () {
  const source = document.getElementById("analysis-chart-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const numbers = (values) => values.map((value) => (value === null ? null : Number(value)));
  const colours = ["#0b6e99", "#3ebd93", "#f0b429", "#d64545", "#7b61ff", "#9fb3c8"];
  const charts = [];

  function draw(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    const chart = echarts.init(element);
    chart.setOption(Object.assign({ animation: false, color: colours }, option));
    charts.push(chart);
  }

  const title = (text) => ({ text: text, left: 0, textStyle: { fontSize: 14 } });
  const legend = { top: 30, left: 0 };
  const hasTargets = data.models.targets.some((value) => value !== null);
  draw("models-chart", {
    title: title(data.labels.models),
    tooltip: { trigger: "axis" },
    legend: legend,
    grid: { left: 40, right: 12, top: 80, bottom: 56 },
    xAxis: { type: "category", data: data.models.names, axisLabel: { rotate: 30, interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.months[0], type: "bar", data: numbers(data.models.units), label: { show: true, position: "top" } },
      { name: data.months[1], type: "bar", data: numbers(data.models.previous) },
    ].concat(hasTargets ? [{ name: data.labels.target, type: "scatter", symbol: "diamond", symbolSize: 12,
                             data: numbers(data.models.targets) }] : []),
  });

  const people = data.consultants;
  const tall = document.getElementById("consultants-chart");
  if (tall) tall.style.height = Math.max(300, 24 * people.names.length + 90) + "px";
  draw("consultants-chart", {
    title: title(data.labels.consultants),
    tooltip: { trigger: "axis" },
    grid: { left: 70, right: 24, top: 40, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: people.names },
    series: [
      { name: data.labels.units, type: "bar", data: numbers(people.units), label: { show: true, position: "right" } },
      { name: data.labels.target, type: "scatter", symbol: "diamond", symbolSize: 10, data: numbers(people.targets) },
    ],
  });

  draw("products-chart", {
    title: title(data.labels.products),
    tooltip: { trigger: "axis" },
    legend: legend,
    grid: { left: 40, right: 12, top: 80, bottom: 40 },
    xAxis: { type: "category", data: data.products.names, axisLabel: { interval: 0 } },
    yAxis: { type: "value", max: 100 },
    series: data.products.series.map((values, index) => ({ name: data.months[index], type: "bar", data: numbers(values) })),
  });

  draw("funnel-chart", {
    title: title(data.labels.funnel),
    tooltip: { trigger: "item" },
    series: [{ type: "funnel", top: 40, bottom: 10, left: 0, width: "48%", sort: "none", minSize: "8%",
               label: { formatter: "{b}: {c}" },
               data: data.funnel.names.map((name, index) => ({ name: name, value: Number(data.funnel.values[index]) })) }],
  });

  draw("lost-chart", {
    title: title(data.labels.lost),
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [{ type: "pie", radius: ["30%", "62%"], top: 30, data: data.lost, label: { formatter: "{b}\n{d}%" } }],
  });

  draw("stock-chart", {
    title: title(data.labels.stock),
    tooltip: { trigger: "axis" },
    legend: legend,
    grid: { left: 40, right: 12, top: 80, bottom: 56 },
    xAxis: { type: "category", data: data.stock.models, axisLabel: { rotate: 30, interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: data.stock.bands.map((band, index) => ({ name: band, type: "bar", stack: "age", data: data.stock.series[index] })),
  });

  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
