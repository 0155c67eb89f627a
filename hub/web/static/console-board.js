// The board's unmet-demand map: the top service deserts as numbered markers on their ZIP
// codes' centres. The ranked list and table on the page say the same without this file.
(function () {
  "use strict";

  function drawMap() {
    window.hubMarkerMap(
      document.getElementById("demand-map"),
      document.querySelectorAll("ol.deserts li[data-lat][data-lon]"),
      {
        number: function (item) { return item.dataset.rank; },
        title: function (item) { return item.textContent.trim(); },
        padding: [32, 32],
        maxZoom: 12,
      }
    );
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawMap);
  else drawMap();
})();
