// Draws each .chart from its data-chart JSON with Plotly (served by Hearth itself); the tables and
// static charts beside it stay for readers without JavaScript.
"use strict";
(function () {
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var spec = JSON.parse(el.getAttribute("data-chart"));
      el.classList.add("drawn");
      Plotly.newPlot(el, spec.data, spec.layout, { displaylogo: false, responsive: true }).then(function () {
        el.setAttribute("data-drawn", "1");
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
