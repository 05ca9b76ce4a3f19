// Behaviour every page shares, as listeners (the Content-Security-Policy forbids inline
// event handlers): a control marked data-autosubmit sends its form when it changes.
document.addEventListener("change", function (event) {
  const control = event.target.closest ? event.target.closest("[data-autosubmit]") : null;
  if (control && control.form) control.form.submit();
});
