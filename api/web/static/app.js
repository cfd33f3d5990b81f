// Progressive enhancement only: the pages work without it.
// Scroll each process diagram so that the highlighted (current) step is in view.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".diagram-scroll").forEach(function (box) {
    var current = box.querySelector(".node.current");
    var svg = box.querySelector("svg");
    if (!current || !svg) return;
    var b = current.getBBox();
    var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    box.scrollLeft = Math.max(0, (b.x + b.width / 2) * scale - box.clientWidth / 2);
    box.scrollTop = Math.max(0, (b.y + b.height / 2) * scale - box.clientHeight / 2);
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
