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

  // "Use my location": the browser's position, searched by coordinates like a postcode
  // (never stored or logged), rounded to about 100 metres.
  var locate = document.querySelector("[data-use-location]");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      var form = locate.closest("form");
      var status = document.querySelector("[data-location-status]");
      if (status) { status.textContent = "Finding your location…"; }
      navigator.geolocation.getCurrentPosition(function (position) {
        ["lat", "lng"].forEach(function (name) {
          var input = form.querySelector("input[name=" + name + "]");
          if (!input) {
            input = document.createElement("input");
            input.type = "hidden";
            input.name = name;
            form.appendChild(input);
          }
          var value = name === "lat" ? position.coords.latitude : position.coords.longitude;
          input.value = value.toFixed(3);
        });
        form.querySelector("#id_near").value = "";
        if (status) { status.textContent = ""; }
        form.requestSubmit();
      }, function () {
        if (status) { status.textContent = "We could not get your location. Enter a postcode, district or town instead."; }
      }, { maximumAge: 600000, timeout: 15000 });
    });
  }

  // From tablet width up the filters sit beside the results, open.
  var filters = document.querySelector("[data-filters]");
  if (filters && window.matchMedia("(min-width: 48.0625em)").matches) { filters.open = true; }

  // Where a page load leaves the focus: on the document itself, before the skip link.
  function focusPageStart() {
    var body = document.body;
    body.setAttribute("tabindex", "-1");
    body.focus({ preventScroll: true });
    body.addEventListener("blur", function () { body.removeAttribute("tabindex"); }, { once: true });
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var summary = document.querySelector(".nhsuk-error-summary");
    if (summary) {
      summary.focus();
      return;
    }
    var results = document.getElementById("results");
    if (results && results.dataset.title) { document.title = results.dataset.title; }
    // A search (Enter, Search or Apply filters) is a new page, as it is without
    // JavaScript: focus goes back to the start of the document, so the first Tab reaches
    // "Skip to main content", and the results are shown. A filter ticked keeps focus
    // where it was (moving it on input would be a change of context); both announce the count.
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (results && trigger && trigger.type === "submit") {
      focusPageStart();
      results.scrollIntoView();
    }
    var heading = document.querySelector("#results h2");
    if (announcer && heading) {
      announcer.textContent = heading.textContent.replace(/\s+/g, " ").trim();
    }
  });
})();
