// Runs first, before the page paints, so that nhsuk-frontend styles know JavaScript is on.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
