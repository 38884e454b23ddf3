// Draws the report's chart from the JSON beside it; without JS the table shows the same numbers.
(function () {
  var data = document.getElementById("chart-data");
  var canvas = document.getElementById("report-chart");
  if (!data || !canvas || typeof Chart === "undefined") return;
  var spec = JSON.parse(data.textContent);
  var colours = ["#c8102e", "#17407a", "#1a7f37", "#b7791f"];
  spec.datasets.forEach(function (d, i) {
    d.backgroundColor = colours[i % colours.length];
    d.borderColor = colours[i % colours.length];
  });
  canvas.hidden = false;
  new Chart(canvas, {
    type: spec.type,
    data: { labels: spec.labels, datasets: spec.datasets },
    options: { responsive: true, maintainAspectRatio: false, animation: false }
  });
})();
