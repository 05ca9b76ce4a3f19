/* Counts down from the server's remaining time; at zero the form hands itself in (the
 * server grants a short grace, then grades whatever was saved as timed out). */
(function () {
  "use strict";
  const box = document.getElementById("countdown");
  const out = document.getElementById("countdown-value");
  const form = document.getElementById("exam-form");
  const end = Date.now() + Number(box.dataset.secondsLeft) * 1000;
  let sent = false;
  form.addEventListener("submit", () => { sent = true; });
  function tick() {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    out.textContent = String(Math.floor(left / 60)).padStart(2, "0") + ":" + String(left % 60).padStart(2, "0");
    box.classList.toggle("urgent", left <= 60);
    if (left === 0 && !sent) { sent = true; form.submit(); return; }
    if (left > 0) setTimeout(tick, 250);
  }
  tick();
})();
