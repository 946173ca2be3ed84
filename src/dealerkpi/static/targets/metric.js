// A sub-target's second list (the model, the margin class) shows only when its metric is chosen.
(function () {
  document.querySelectorAll("select[name=metric]").forEach(function (family) {
    var form = family.form;
    var subs = form.querySelectorAll("select[data-sub-of]");
    function update() {
      subs.forEach(function (sub) {
        var label = sub.closest("label") || sub;
        var wanted = sub.dataset.subOf === family.value;
        label.style.display = wanted ? "" : "none";
        sub.disabled = !wanted;
      });
    }
    family.addEventListener("change", update);
    update();
  });
})();
