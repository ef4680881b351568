// "Back to your search" uses the browser's own Back when the previous page was the
// search, so the search (which may hold a patient's postcode) is never kept by this
// site. Without JavaScript, or after any other page, the link opens the search page.
(function () {
  "use strict";
  document.querySelectorAll("a[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!document.referrer || window.history.length < 2) { return; }
      var previous = new URL(document.referrer);
      if (previous.origin !== window.location.origin || previous.pathname !== link.pathname) { return; }
      event.preventDefault();
      window.history.back();
    });
  });
})();
