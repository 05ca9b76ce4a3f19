// Show the worker-only or employer-only fields for the chosen kind.
(function () {
  const form = document.getElementById("register-form");
  const workerOnly = ["field-role_id"], employerOnly = ["field-organization_name", "field-credit_code"];
  function sync() {
    const kind = (form.querySelector("input[name=kind]:checked") || {}).value || "worker";
    workerOnly.forEach(id => document.getElementById(id).hidden = kind !== "worker");
    employerOnly.forEach(id => document.getElementById(id).hidden = kind !== "employer");
  }
  form.addEventListener("change", sync);
  sync();
})();
