// The split of a store target adds up as the shares are typed, with what remains to split.
(function () {
  var form = document.getElementById("split-form");
  if (!form) { return; }
  var target = form.dataset.target === "" ? null : Math.round(parseFloat(form.dataset.target) * 100);
  var others = Math.round(parseFloat(form.dataset.others || "0") * 100);
  var decimals = parseInt(form.dataset.decimals, 10) || 0;
  function shown(fen) {
    return (fen / 100).toLocaleString("en-US", {minimumFractionDigits: decimals, maximumFractionDigits: 2});
  }
  function update() {
    var sum = others;
    form.querySelectorAll("input[data-share]").forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) { sum += Math.round(value * 100); }
    });
    document.getElementById("split-sum").textContent = shown(sum);
    if (target !== null) {
      var remaining = document.getElementById("split-remaining");
      remaining.textContent = shown(target - sum);
      remaining.parentNode.classList.toggle("warn", target - sum < 0);
    }
  }
  form.addEventListener("input", update);
})();
