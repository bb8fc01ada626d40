// The public maps (the portal's and the public list's): cases as dots coloured by their phase
// (the legend's colours, from app.css), each linking to its tracking page; a case blurred to
// its grid is a hollow dot.
(function () {
  'use strict';
  // phaseColour reads a phase's colour from the stylesheet, where the legend takes it too.
  function phaseColour(phase) {
    var v = getComputedStyle(document.documentElement).getPropertyValue('--phase-' + (phase || 'working'));
    return (v || '').trim() || '#52606d';
  }

  document.addEventListener('DOMContentLoaded', function () {
    var raw = document.getElementById('public-data');
    if (!raw) { return; }
    var d = JSON.parse(raw.textContent);
    var map = L.map('public-map', {attributionControl: false});
    window.citygridBase(map, d.base);
    map.setView([d.lat || 0, d.lon || 0], d.lat ? 12 : 2);
    var bounds = [];
    (d.cases || []).forEach(function (c) {
      var colour = phaseColour(c.phase);
      var m = L.circleMarker([c.lat, c.lon], {radius: 7, color: colour, weight: c.blurred ? 3 : 2,
        dashArray: c.blurred ? '3 3' : null, fillColor: colour, fillOpacity: c.blurred ? 0.1 : 0.6}).addTo(map);
      m.bindPopup(function () {
        var box = document.createElement('div');
        var a = document.createElement('a');
        a.href = '/track/' + c.ticket;
        a.textContent = c.ticket;
        box.appendChild(a);
        box.appendChild(document.createTextNode(' ' + (d.statuses[c.status] || c.status) + ' · ' + c.category_name + (c.blurred ? ' · ' + d.blurred : '')));
        return box;
      });
      bounds.push([c.lat, c.lon]);
    });
    if (bounds.length) { map.fitBounds(bounds, {padding: [20, 20], maxZoom: 14}); }
  });
})();
