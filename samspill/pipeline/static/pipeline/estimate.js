// The estimate page's small chart: the chance that the work stays within a number of hours.
(function () {
  function draw() {
    const data = document.getElementById("distribution-data");
    const canvas = document.getElementById("distribution-chart");
    if (!data || !canvas || typeof Chart === "undefined") {
      return;
    }
    const points = JSON.parse(data.textContent);
    if (canvas.chart) {
      canvas.chart.destroy();
    }
    const hours = new Intl.NumberFormat("nb-NO", { maximumFractionDigits: 0 });
    const radius = points.chance.map((_, i) => (i === points.chosen ? 6 : i > 0 && i < 4 ? 4 : 0));
    canvas.chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: points.hours,
        datasets: [{
          data: points.hours.map((h, i) => ({ x: h, y: points.chance[i] })),
          borderColor: "#2a9d8f",
          backgroundColor: "rgba(42, 157, 143, .12)",
          fill: true,
          tension: 0.35,
          pointRadius: radius,
          pointBackgroundColor: points.chance.map((_, i) => (i === points.chosen ? "#1d4e89" : "#2a9d8f")),
        }],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (item) => `${item.parsed.y} % ≤ ${hours.format(item.parsed.x)} t` } },
        },
        scales: {
          x: { type: "linear", ticks: { callback: (v) => `${hours.format(v)} t`, maxTicksLimit: 6 } },
          y: { min: 0, max: 100, ticks: { stepSize: 50, callback: (v) => `${v} %` } },
        },
      },
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
