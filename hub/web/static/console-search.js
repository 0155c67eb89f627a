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
    if (!window.hubMarkerMap) return;  // the print view has no map
    window.hubMarkerMap(
      document.getElementById("map"),
      document.querySelectorAll(".result[data-lat][data-lon]"),
      {
        number: function (item) { return item.dataset.number; },
        title: function (item) {
          var link = item.querySelector("h3 a");
          return link ? link.textContent : "";
        },
        onClick: function (item) {
          var link = item.querySelector("h3 a");
          if (link) link.focus();
        },
        padding: [24, 24],
        maxZoom: 15,
      }
    );
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
