// Propose the next follow-up date from the chosen grade's interval (the user may still change it).
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!input.matches("input[type=radio][data-days]")) return;
  const form = input.closest("form");
  const next = form && form.querySelector("input[name=next_on][data-today]");
  if (!next) return;
  if (input.dataset.days === "") { next.value = ""; return; }
  const day = new Date(next.dataset.today + "T00:00:00Z");
  day.setUTCDate(day.getUTCDate() + Number(input.dataset.days));
  next.value = day.toISOString().slice(0, 10);
});
