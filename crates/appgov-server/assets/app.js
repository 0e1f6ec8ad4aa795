// appgov's own script: small progressive enhancements. Every page works
// without it.
(function () {
  "use strict";
  // htmx requests carry the session's CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (e) {
    var token = document.body.getAttribute("data-csrf");
    if (token) {
      e.detail.headers["X-CSRF-Token"] = token;
    }
  });
})();
