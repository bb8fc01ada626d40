// Leaflet's zoom buttons say "Zoom in" and "Zoom out" in English whatever the page's language;
// they take the page's words (on <body>) before any map is made.
(function () {
  'use strict';
  if (!window.L || !L.Control || !L.Control.Zoom) { return; }
  var d = document.body.dataset;
  if (d.zoomIn) { L.Control.Zoom.prototype.options.zoomInTitle = d.zoomIn; }
  if (d.zoomOut) { L.Control.Zoom.prototype.options.zoomOutTitle = d.zoomOut; }
})();
