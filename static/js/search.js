// Progressive enhancement of the search page (the page works without it).
// htmx swaps in new results when a filter changes; this keeps screen reader users
// told what happened and keeps keyboard focus somewhere sensible.
(function () {
  "use strict";
  var announcer = document.getElementById("results-announcer");

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
