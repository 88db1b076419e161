// minsheng page helpers. No inline scripts anywhere: pages opt in with data- attributes.
(function () {
  "use strict";
  // <form data-confirm="…">: ask before submitting an irreversible action.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // <select data-autosubmit>: submit the enclosing form on change (filters).
  document.addEventListener("change", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-autosubmit")) {
      event.target.form.submit();
    }
  });
})();
