// The annual target's seasonal shares add up as they are typed (they must make 100%).
(function () {
  var form = document.getElementById("season-form");
  if (!form) { return; }
  form.addEventListener("input", function () {
    var sum = 0;
    form.querySelectorAll("input[data-percent]").forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) { sum += Math.round(value * 100); }
    });
    var shown = document.getElementById("season-sum");
    shown.textContent = (sum / 100).toString();
    shown.classList.toggle("over", sum !== 10000);
  });
})();
