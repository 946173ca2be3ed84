// The plan page's payout curves: each tiers rule's pay against its level, as the engine computed it
// (plans/document.py); whole cars are drawn car by car, so a retroactive band's cliff shows as a step.
(function () {
  const source = document.getElementById("plan-curves");
  if (!source || !window.echarts) return;
  const charts = [];
  JSON.parse(source.textContent).forEach(function (curve) {
    const element = document.getElementById("curve-" + curve.rule);
    if (!element) return;
    const chart = echarts.init(element);
    chart.setOption({
      animation: false,
      color: ["#0b6e99"],
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          const point = items[0].value;
          return curve.x + ": " + point[0] + "<br>" + curve.y + ": " + Number(point[1]).toLocaleString();
        },
      },
      grid: { left: 64, right: 24, top: 36, bottom: 48 },
      xAxis: { type: "value", name: curve.x, nameLocation: "middle", nameGap: 28, minInterval: curve.whole_units ? 1 : 0 },
      yAxis: { type: "value", name: curve.y },
      series: [{
        type: "line",
        step: curve.whole_units ? "end" : false,
        showSymbol: curve.whole_units,
        symbolSize: 5,
        data: curve.points.map(function (point) { return [Number(point[0]), Number(point[1])]; }),
      }],
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (chart) { chart.resize(); }); });
})();
