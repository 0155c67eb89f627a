// Numbered markers on a Leaflet map, one per list item carrying data-lat and data-lon; the
// numbered list on the page says the same without this file (or without JavaScript).
// Tiles come from the box's data-tiles (HUB_MAP_TILE_URL); none: markers on a plain background.
window.hubMarkerMap = function (box, items, options) {
  "use strict";
  if (!box || typeof L === "undefined" || !items.length) return null;
  box.hidden = false;
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", box.dataset.label);
  var map = L.map(box, { scrollWheelZoom: false });
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: "&copy; OpenStreetMap" }).addTo(map);
  }
  var bounds = [];
  Array.prototype.forEach.call(items, function (item) {
    var point = [parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)];
    var number = options.number(item);
    var icon = L.divIcon({ className: "map-marker", html: number, iconSize: [28, 28] });
    var marker = L.marker(point, { icon: icon, title: number + ". " + options.title(item) }).addTo(map);
    if (options.onClick) marker.on("click", function () { options.onClick(item); });
    bounds.push(point);
  });
  map.fitBounds(bounds, { padding: options.padding, maxZoom: options.maxZoom });
  return map;
};
