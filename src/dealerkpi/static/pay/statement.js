// "Question this" on a line of pay: the question form below asks about that line.
document.querySelectorAll("button[data-query-line]").forEach(function (button) {
  button.addEventListener("click", function () {
    document.getElementById("query-line").value = button.dataset.queryLine;
    document.getElementById("query").scrollIntoView();
  });
});
