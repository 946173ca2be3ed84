// The sales plan's chart (ECharts from our own static files): each funnel stage's month so far, cumulative per
// day, against the plan spread evenly over the month's days.
(function () {
  const source = document.getElementById("plan-chart-data");
  const element = document.getElementById("plan-chart");
  if (!source || !element || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const numbers = (values) => values.map((value) => (value === null ? null : Number(value)));
  const colours = ["#0b6e99", "#3ebd93", "#f0b429", "#d64545"];
  const series = [];
  const selected = {};  // first visits and test drives dwarf the rest: they start hidden, a click on the legend shows them
  data.stages.forEach((stage, index) => {
    if (index < 2) {
      selected[stage.name + " · " + data.labels.actual] = false;
      selected[stage.name + " · " + data.labels.plan] = false;
    }
    series.push({ name: stage.name + " · " + data.labels.actual, type: "line", data: numbers(stage.actual),
                  color: colours[index], symbolSize: 4 });
    series.push({ name: stage.name + " · " + data.labels.plan, type: "line", data: numbers(stage.plan),
                  color: colours[index], lineStyle: { type: "dashed" }, symbol: "none" });
  });
  const chart = echarts.init(element);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0, left: 0, type: "scroll", selected: selected },
    grid: { left: 40, right: 12, top: 60, bottom: 30 },
    xAxis: { type: "category", data: data.days },
    yAxis: { type: "value", minInterval: 1 },
    series: series,
  });
  window.addEventListener("resize", () => chart.resize());
})();
