// The run page's charts: people ranked by payout, and how many people fall in each payout band.
(function () {
  const source = document.getElementById("run-chart-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const ranking = echarts.init(document.getElementById("ranking-chart"));
  ranking.setOption({
    animation: false,
    title: { text: data.labels.ranking, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    grid: { left: 90, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "value", name: data.labels.payout },
    yAxis: { type: "category", inverse: true, data: data.names },
    series: [{ type: "bar", data: data.payouts.map(Number), itemStyle: { color: "#0b6e99" } }],
  });
  const distribution = echarts.init(document.getElementById("distribution-chart"));
  distribution.setOption({
    animation: false,
    title: { text: data.labels.distribution, textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "category", data: data.bands, axisLabel: { rotate: 30 } },
    yAxis: { type: "value", name: data.labels.people, minInterval: 1 },
    series: [{ type: "bar", data: data.counts, itemStyle: { color: "#3ebd93" } }],
  });
  window.addEventListener("resize", () => { ranking.resize(); distribution.resize(); });
})();
