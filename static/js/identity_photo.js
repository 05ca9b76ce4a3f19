// The ID-card photo form: a preview of the chosen photo, and "reading…" while it is sent.
(function () {
  var form = document.getElementById("identity-photo-form");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var preview = document.getElementById("identity-preview");
  input.addEventListener("change", function () {
    if (input.files && input.files[0]) {
      preview.src = URL.createObjectURL(input.files[0]);
      preview.classList.add("shown");
    }
  });
  form.addEventListener("submit", function () {
    document.getElementById("identity-reading").hidden = false;
    document.getElementById("identity-photo-submit").disabled = true;
  });
})();
