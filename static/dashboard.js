// Draw the dashboard charts from the JSON block in the page; the tables beside them hold the
// same numbers, so the page still works without JavaScript. Loaded with `defer` after Chart.js.
(() => {
  const block = document.getElementById("dashboard-data");
  if (!block || typeof window.Chart === "undefined") return;
  const data = JSON.parse(block.textContent);

  // Match the rating badges in style.css: green for true, red for false, amber in between.
  const RATING_COLOURS = {
    "true": "#2e9b4f",
    "mostly-true": "#7cc490",
    "half-true": "#e0b43a",
    "mostly-false": "#e8867c",
    "false": "#b3261e",
    "misleading": "#d9962b",
    "unverifiable": "#8a96a3",
  };
  const ACCENT = "#0b5cad";
  const MAX_BARS = 20;

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) new window.Chart(canvas, config);
  }

  // The series' names come translated from each canvas's data-label.
  function named(id) {
    const canvas = document.getElementById(id);
    return (canvas && canvas.dataset.label) || "";
  }

  function bars(rows, label, colours) {
    const shown = rows.slice(0, MAX_BARS);
    return {
      type: "bar",
      data: {
        labels: shown.map((row) => row.label),
        datasets: [{ label, data: shown.map((row) => row.count), backgroundColor: colours || ACCENT }],
      },
      options: {
        aspectRatio: 1.6,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    };
  }

  draw(
    "chart-ratings",
    bars(data.by_rating, named("chart-ratings"), data.by_rating.map((row) => RATING_COLOURS[row.key] || ACCENT)),
  );
  draw("chart-backlog", bars(data.backlog.by_status, named("chart-backlog")));
  draw("chart-sources", bars(data.by_source, named("chart-sources")));
  draw("chart-languages", bars(data.by_language, named("chart-languages")));
  draw("chart-weeks", {
    type: "line",
    data: {
      labels: data.per_week.map((row) => row.week),
      datasets: [
        {
          label: named("chart-weeks"),
          data: data.per_week.map((row) => row.count),
          borderColor: ACCENT,
          backgroundColor: ACCENT,
          tension: 0.2,
        },
      ],
    },
    options: {
      aspectRatio: 1.6,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
