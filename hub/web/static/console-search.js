// The coach's search: "use my location", a map of the numbered results, and printing a list.
// Everything on these pages works without this file; it only adds conveniences.
(function () {
  "use strict";

  function useLocation() {
    var button = document.getElementById("use-location");
    var input = document.getElementById("f-near");
    var status = document.getElementById("locate-status");
    if (!button || !input || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(
        function (position) {
          input.value = position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
          button.form.submit();
        },
        function () { status.textContent = button.dataset.failed; },
        { timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  function drawMap() {
    var box = document.getElementById("map");
    if (!box || typeof L === "undefined") return;
    var items = document.querySelectorAll(".result[data-lat][data-lon]");
    if (!items.length) return;
    box.hidden = false;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", box.dataset.label);
    var map = L.map(box, { scrollWheelZoom: false });
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: "&copy; OpenStreetMap" }).addTo(map);
    }
    var bounds = [];
    items.forEach(function (item) {
      var point = [parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)];
      var link = item.querySelector("h3 a");
      var icon = L.divIcon({ className: "map-marker", html: item.dataset.number, iconSize: [28, 28] });
      L.marker(point, { icon: icon, title: item.dataset.number + ". " + (link ? link.textContent : "") })
        .addTo(map)
        .on("click", function () { if (link) link.focus(); });
      bounds.push(point);
    });
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
  }

  function printButton() {
    var button = document.getElementById("print-list");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  function start() { useLocation(); drawMap(); printButton(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
