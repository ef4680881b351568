// Referral sheets: a Print button and a Copy link button. Without JavaScript the
// buttons stay hidden and the plain link to the sheet is shown instead.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  if (!navigator.clipboard || !window.isSecureContext) { return; }
  document.querySelectorAll("[data-copy-link]").forEach(function (button) {
    var item = button.parentElement;
    var fallback = item.querySelector("[data-copy-fallback]");
    var status = item.querySelector("[data-copy-status]");
    button.hidden = false;
    if (fallback) { fallback.hidden = true; }
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy-link")).then(
        function () { if (status) { status.textContent = "Link copied"; } },
        function () {
          if (fallback) { fallback.hidden = false; }
          if (status) { status.textContent = "Could not copy: use the link instead"; }
        }
      );
    });
  });
})();
