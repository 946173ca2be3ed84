// The what-if page's charts: pay by month (paid beside the draft), and how monthly pay and total scores are
// spread, paid beside the draft. Amounts come as exact text; the charts draw them as numbers.
(function () {
  const source = document.getElementById("whatif-chart-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const colours = { old: "#9aa5b1", new: "#0b6e99" };
  const legend = [data.labels.old, data.labels.new];

  // A bar chart of paid beside draft. `title`: none under the card's own heading. `bands`: every label shown,
  // slanted (bands of pay or score); else as many months as fit.
  function bars(id, title, categories, old, drafted, yName, bands) {
    const element = document.getElementById(id);
    if (!element) return null;
    const chart = echarts.init(element);
    chart.setOption({
      animation: false,
      title: { text: title, left: 0, top: 0, textStyle: { fontSize: 14 } },
      legend: { data: legend, left: 0, top: title ? 26 : 0 },
      tooltip: { trigger: "axis" },
      grid: { left: 70, right: 20, top: title ? 80 : 56, bottom: bands ? 70 : 40 },
      xAxis: { type: "category", data: categories, axisLabel: bands ? { rotate: 30, interval: 0 } : {} },
      yAxis: { type: "value", name: yName, minInterval: 1 },
      series: [
        { name: data.labels.old, type: "bar", data: old.map(Number), itemStyle: { color: colours.old } },
        { name: data.labels.new, type: "bar", data: drafted.map(Number), itemStyle: { color: colours.new } },
      ],
    });
    return chart;
  }

  const charts = [
    bars("whatif-months-chart", "", data.months, data.old, data.new, data.labels.yuan, false),
    bars("whatif-pay-chart", data.labels.pay, data.pay.bands, data.pay.old, data.pay.new, data.labels.people, true),
    bars("whatif-score-chart", data.labels.scores, data.scores.bands, data.scores.old, data.scores.new,
      data.labels.people, true),
  ].filter(Boolean);
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
