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

// Keep what was typed into a form whose sending led to the sign-in page (the session expired
// while it was being typed): sent forms are remembered in this tab (sessionStorage) until the
// next page; back on the form's page after signing in, the values are put back. Any other page,
// or one that says "done" (.notice), forgets them.
document.addEventListener("DOMContentLoaded", function () {
  var store = window.sessionStorage;
  if (!store) return;
  var onLogin = location.pathname.indexOf("/ui/login") === 0;
  var pending = store.getItem("draft");
  if (!onLogin) store.removeItem("draft");
  var forms = document.querySelectorAll("form[method=post]:not(.inline)");
  forms.forEach(function (form) {
    var target = form.getAttribute("action") || "";
    if (target.indexOf("/ui/login") === 0 || target.indexOf("/ui/logout") === 0) return;
    var key = location.pathname + "|" + target;
    form.addEventListener("submit", function () {
      var values = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && field.type !== "hidden" && field.type !== "file" &&
            field.type !== "password" && field.value) {
          values[field.name] = field.value;
        }
      });
      store.setItem("draft", JSON.stringify({ key: key, values: values }));
    });
    if (!pending || onLogin || document.querySelector(".notice")) return;
    var draft = JSON.parse(pending);
    if (draft.key !== key) return;
    var restored = false;
    Object.keys(draft.values).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && field.type !== "hidden" && !field.value) {
        field.value = draft.values[name];
        restored = true;
      }
    });
    if (!restored) return;
    var note = document.createElement("p");
    note.className = "draft-note";
    note.setAttribute("role", "status");
    note.textContent = document.documentElement.lang === "en"
      ? "What you typed before signing in again is back: check it and submit."
      : "已恢复您重新登录前填写但未提交的内容，请核对后提交。";
    form.insertBefore(note, form.firstChild);
    var details = form.closest("details");
    if (details) details.open = true;
  });
});
