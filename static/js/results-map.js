// The map beside the search results (progressive enhancement: the list works without it).
//
// The page renders a hidden [data-results-map] container only when the site has a tile
// server; its settings come in data- attributes. The markers come from the JSON API for
// the same query string as the list, so the two always show the same groups, and the map
// is drawn again whenever htmx swaps in new results. A marker and its list item highlight
// each other; markers are buttons that take keyboard focus (Enter or Space selects).
(function () {
  "use strict";

  var current = null; // {container, map, markers: {id: marker}, cards: {id: card}, selected}

  function announce(text) {
    var announcer = document.getElementById("results-announcer");
    if (announcer) announcer.textContent = text;
  }

  function milesText(km) {
    if (km === null || km === undefined) return "";
    var miles = km / 1.609344;
    return miles < 0.1 ? "less than 0.1 miles" : miles.toFixed(1) + " miles";
  }

  function teardown() {
    if (current) {
      current.map.remove();
      current = null;
    }
  }

  function select(id, from) {
    if (!current || !current.markers[id]) return;
    var previous = current.selected;
    if (previous !== null && current.markers[previous]) {
      current.markers[previous].getElement().classList.remove("app-map-marker--selected");
      current.markers[previous].getElement().setAttribute("aria-pressed", "false");
      current.markers[previous].setZIndexOffset(0);
      if (current.cards[previous]) current.cards[previous].classList.remove("app-group-card--selected");
    }
    current.selected = id;
    var marker = current.markers[id];
    var element = marker.getElement();
    element.classList.add("app-map-marker--selected");
    element.setAttribute("aria-pressed", "true");
    marker.setZIndexOffset(1000);
    var card = current.cards[id];
    if (card) card.classList.add("app-group-card--selected");
    if (from === "map") {
      if (card) {
        card.scrollIntoView({ block: "nearest" });
        announce("Number " + marker.options.number + " selected in the list: " + marker.options.title);
      }
    } else {
      current.map.setView(marker.getLatLng(), Math.max(current.map.getZoom(), 14));
      if (from === "button") {
        current.container.scrollIntoView({ block: "nearest" });
        element.focus({ preventScroll: true });
      }
    }
  }

  function markerIcon(number) {
    return L.divIcon({
      className: "app-map-marker",
      html: "<span>" + String(Number(number)) + "</span>",
      iconSize: [30, 30],
      iconAnchor: [15, 15],
    });
  }

  function decorateCard(card, group, number) {
    card.setAttribute("data-map-number", number);
    var heading = card.querySelector(".nhsuk-card__heading");
    if (heading && !heading.querySelector(".app-map-number")) {
      var badge = document.createElement("span");
      badge.className = "app-map-number";
      badge.setAttribute("aria-hidden", "true");
      badge.textContent = number;
      heading.insertBefore(badge, heading.firstChild);
    }
    if (!card.querySelector(".app-show-on-map")) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "app-show-on-map";
      button.setAttribute("data-group-id", group.id);
      button.textContent = "Show on map (" + number + ")";
      var hidden = document.createElement("span");
      hidden.className = "nhsuk-u-visually-hidden";
      hidden.textContent = ": " + group.name;
      button.appendChild(hidden);
      var meta = card.querySelector(".app-group-card__meta");
      if (meta) meta.appendChild(button);
      else card.querySelector(".nhsuk-card__content").appendChild(button);
    }
  }

  function draw(container, results) {
    if (!container.isConnected || (current && current.container === container)) return;
    teardown();
    var first = parseInt(container.getAttribute("data-first-number"), 10) || 1;
    var lat = parseFloat(container.getAttribute("data-lat"));
    var lng = parseFloat(container.getAttribute("data-lng"));
    var radiusKm = parseFloat(container.getAttribute("data-radius-km"));
    var hasCentre = !isNaN(lat) && !isNaN(lng);
    var placed = results.filter(function (g) {
      return g.latitude !== null && g.longitude !== null;
    });
    if (!placed.length && !hasCentre) return; // only online groups: the list says it all

    container.hidden = false;
    var canvas = container.querySelector(".app-results-map__canvas");
    var map = L.map(canvas, { scrollWheelZoom: false, keyboard: true, zoomSnap: 0.5 });
    L.tileLayer(container.getAttribute("data-tile-url"), {
      attribution: container.getAttribute("data-attribution"),
      maxZoom: 19,
      // Tile servers ask who is using them (OpenStreetMap's policy asks for a Referer);
      // send the site's origin only, never the search URL with its postcode.
      referrerPolicy: "strict-origin",
    }).addTo(map);

    current = { container: container, map: map, markers: {}, cards: {}, selected: null };
    // The view first: layers added to a map without one wait, and have no elements yet.
    // It fits the groups and the centre (the whole circle only when no group has a place),
    // so that groups close together do not sit on top of each other.
    var bounds = L.latLngBounds(
      placed.map(function (g) {
        return [g.latitude, g.longitude];
      })
    );
    if (hasCentre) {
      bounds.extend(placed.length ? L.latLng(lat, lng) : L.latLng(lat, lng).toBounds(radiusKm * 2000));
    }
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    if (hasCentre) {
      L.circle([lat, lng], {
        radius: radiusKm * 1000,
        interactive: false,
        color: "#005eb8",
        weight: 2,
        fillOpacity: 0.06,
        className: "app-map-radius",
      }).addTo(map);
      L.circleMarker([lat, lng], {
        radius: 7,
        interactive: false,
        color: "#212b32",
        weight: 3,
        fillColor: "#ffffff",
        fillOpacity: 1,
        className: "app-map-centre",
      }).addTo(map);
    }

    results.forEach(function (group, index) {
      var number = first + index;
      var card = document.getElementById("group-" + group.id);
      if (group.latitude === null || group.longitude === null) return;
      if (card) {
        current.cards[group.id] = card;
        decorateCard(card, group, number);
      }
      var label = number + ". " + group.name;
      if (group.distance_km !== null) label += ", " + milesText(group.distance_km);
      var marker = L.marker([group.latitude, group.longitude], {
        icon: markerIcon(number),
        keyboard: true,
        title: group.name,
        riseOnHover: true,
        number: number,
      }).addTo(map);
      var element = marker.getElement();
      element.setAttribute("aria-label", label);
      element.setAttribute("aria-pressed", "false");
      element.setAttribute("data-group-id", group.id);
      element.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(group.id, "map");
        }
      });
      marker.on("click", function () {
        select(group.id, "map");
      });
      current.markers[group.id] = marker;
    });
    container.setAttribute("data-map-ready", "true");
  }

  function init() {
    var container = document.querySelector("[data-results-map]");
    if (current && current.container !== container) teardown();
    if (!container || !window.L || !window.fetch) return;
    if (current && current.container === container) return;
    fetch(container.getAttribute("data-api-url"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error("The API answered " + response.status);
        return response.json();
      })
      .then(function (data) {
        draw(container, data.results);
      })
      .catch(function (error) {
        container.hidden = true; // the list is still there
        if (window.console) window.console.warn("The results map could not be drawn:", error);
      });
  }

  // A list item selects its marker: its "Show on map" button, or a click anywhere on the
  // card that is not a link, button or form field of its own.
  document.addEventListener("click", function (event) {
    if (!current) return;
    var button = event.target.closest(".app-show-on-map");
    if (button) {
      select(button.getAttribute("data-group-id"), "button");
      return;
    }
    if (event.target.closest("a, button, input, select, textarea, label, summary")) return;
    var card = event.target.closest(".app-group-card");
    if (card && card.id.indexOf("group-") === 0) select(card.id.slice(6), "list");
  });

  document.body.addEventListener("htmx:afterSettle", init);
  document.body.addEventListener("htmx:historyRestore", init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
