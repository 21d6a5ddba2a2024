// The project page: the burn chart (baseline plan vs. booked vs. forecast), redrawn when HTMX swaps it,
// and the progress form, where remaining hours and % complete exclude each other.
(function () {
  const hours = new Intl.NumberFormat("nb-NO", { maximumFractionDigits: 1 });

  function draw() {
    const canvas = document.getElementById("burn-canvas");
    const source = document.getElementById("burn-data");
    const words = document.getElementById("burn-labels");
    if (!canvas || !source || !words || typeof Chart === "undefined") {
      return;
    }
    const data = JSON.parse(source.textContent);
    const label = JSON.parse(words.textContent);
    if (canvas.chart) {
      canvas.chart.destroy();
    }
    const flat = (value) => data.labels.map(() => value);
    const datasets = [
      { label: label.planned, data: data.planned, borderColor: "#9aa9bb", backgroundColor: "rgba(154, 169, 187, .12)", fill: true, borderWidth: 2, pointRadius: 0, tension: 0 },
      { label: label.actual, data: data.actual, borderColor: "#1d4e89", backgroundColor: "#1d4e89", borderWidth: 3, pointRadius: 0, tension: 0 },
      { label: label.forecast, data: data.forecast, borderColor: "#c8641e", borderDash: [6, 4], borderWidth: 2, pointRadius: 0, tension: 0, spanGaps: true },
      { label: label.sold, data: flat(data.sold), borderColor: "#2f8f4e", borderDash: [2, 3], borderWidth: 1.5, pointRadius: 0 },
    ];
    if (data.baseline !== data.sold) {
      datasets.push({ label: label.baseline, data: flat(data.baseline), borderColor: "#7b5ea7", borderDash: [2, 3], borderWidth: 1.5, pointRadius: 0 });
    }
    canvas.chart = new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 18 } },
          tooltip: {
            callbacks: {
              title: (items) => items.length ? data.weeks[items[0].dataIndex] + " (" + items[0].label + ")" + (items[0].dataIndex === data.today_index ? " · " + label.today : "") : "",
              label: (item) => item.parsed.y === null ? null : item.dataset.label + ": " + hours.format(item.parsed.y) + " " + label.hours,
            },
          },
        },
        scales: {
          x: { ticks: { maxTicksLimit: 10, autoSkip: true } },
          y: { beginAtZero: true, ticks: { callback: (value) => hours.format(value) + " " + label.hours } },
        },
      },
    });
  }

  // Typing in one of the two progress fields empties the other: a package has one or the other.
  document.addEventListener("input", (event) => {
    const input = event.target;
    const form = input.closest && input.closest(".progress-form");
    if (!form || !input.value) {
      return;
    }
    const other = input.name === "remaining_hours" ? "percent_complete" : input.name === "percent_complete" ? "remaining_hours" : null;
    if (other && form.elements[other]) {
      form.elements[other].value = "";
    }
  });

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
