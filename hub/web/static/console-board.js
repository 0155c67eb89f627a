// The board's unmet-demand map: the top service deserts as numbered markers on their ZIP
// codes' centres. The ranked list and table on the page say the same without this file.
(function () {
  "use strict";

  function drawMap() {
    var box = document.getElementById("demand-map");
    if (!box || typeof L === "undefined") return;
    var items = document.querySelectorAll("ol.deserts li[data-lat][data-lon]");
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
      var icon = L.divIcon({ className: "map-marker", html: item.dataset.rank, iconSize: [28, 28] });
      L.marker(point, { icon: icon, title: item.dataset.rank + ". " + item.textContent.trim() }).addTo(map);
      bounds.push(point);
    });
    map.fitBounds(bounds, { padding: [32, 32], maxZoom: 12 });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawMap);
  else drawMap();
})();
