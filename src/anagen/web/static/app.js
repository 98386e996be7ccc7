// anagen web: the project's own script (no inline script anywhere; CSP script-src 'self').
// 1. Draw plotly figures from <script type="application/json"> data blocks.
// 2. Poll a background job and reload the page when it is done.
// 3. Small form helpers: the stage pictures follow the sex, print button.
"use strict";

(function () {
  var cache = {};
  function figures(id) {
    if (!(id in cache)) {
      var el = document.getElementById(id);
      cache[id] = el ? JSON.parse(el.textContent) : [];
    }
    return cache[id];
  }

  function drawPlots() {
    if (typeof window.Plotly === "undefined") { return; }
    var nodes = document.querySelectorAll("[data-figure]");
    Array.prototype.forEach.call(nodes, function (node) {
      var figs = figures(node.getAttribute("data-figure"));
      var fig = (figs[+node.getAttribute("data-index")] || {})[node.getAttribute("data-key")];
      if (!fig) { return; }
      // the box takes the figure's height, so the page flows around the drawn plot
      if (fig.layout && fig.layout.height) { node.style.height = fig.layout.height + "px"; }
      window.Plotly.newPlot(node, fig.data, fig.layout,
        { responsive: true, displaylogo: false });
    });
  }

  function pollJob() {
    var box = document.getElementById("job");
    if (!box) { return; }
    var url = box.getAttribute("data-job-url");
    var status = document.getElementById("job-status");
    var bar = document.getElementById("job-progress");
    function tick() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (job.status === "done" || job.status === "failed") {
            window.location.reload();
            return;
          }
          var pct = job.progress === null ? "" : " (" + Math.round(100 * job.progress) + "%)";
          status.textContent = "Status: " + job.status + pct;
          if (job.progress !== null) { bar.value = job.progress; }
          window.setTimeout(tick, 700);
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    }
    window.setTimeout(tick, 500);
  }

  function stageForm() {
    // show only the stage pictures of the chosen sex; the other set is hidden and disabled, so
    // arrow keys stay within it and it is not submitted. Without script both sets are shown.
    var sex = document.getElementById("a-sex");
    var sets = document.querySelectorAll(".stage-pick");
    if (!sex || !sets.length) { return; }
    function sync() {
      var s = sex.value;
      Array.prototype.forEach.call(sets, function (set) {
        var on = set.getAttribute("data-sex") === s;
        set.hidden = !on;
        set.disabled = !on;
      });
      var picked = document.querySelector(".stage-pick[data-sex='" + s + "'] input:checked");
      if (!picked) {
        var first = document.querySelector(".stage-pick[data-sex='" + s + "'] input");
        if (first) { first.checked = true; }
      }
    }
    sex.addEventListener("change", sync);
    sync();
  }

  function printButton() {
    var b = document.getElementById("print-button");
    if (b) { b.addEventListener("click", function () { window.print(); }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawPlots();
    pollJob();
    stageForm();
    printButton();
  });
}());
