// Progressive enhancement of the search page (the page works without it).
// htmx swaps in new results when a filter changes; this keeps screen reader users
// told what happened and keeps keyboard focus somewhere sensible.
(function () {
  "use strict";
  var announcer = document.getElementById("results-announcer");

  // The server swaps the whole page, not only the results, while the last search's
  // errors are showing, so that correcting the search clears them.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (document.querySelector("#search-page .nhsuk-error-summary")) {
      event.detail.headers["X-Errors-Shown"] = "true";
    }
  });

  // Typing a place and pressing Enter fires "change" and then "submit": search once, on
  // submit. Leaving a text box does not search; ticking or choosing a filter does.
  document.body.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "change" && trigger.target.matches("input[type=text], input[type=search]")) {
      event.preventDefault();
    }
  });

  document.body.addEventListener("htmx:afterSwap", function () {
    var summary = document.querySelector(".nhsuk-error-summary");
    if (summary) {
      summary.focus();
      return;
    }
    var heading = document.querySelector("#results h2");
    if (announcer && heading) {
      announcer.textContent = heading.textContent.replace(/\s+/g, " ").trim();
    }
  });
})();
