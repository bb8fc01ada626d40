// The public portal's map: recent cases as dots linking to their tracking pages.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var raw = document.getElementById('public-data');
    if (!raw) { return; }
    var d = JSON.parse(raw.textContent);
    var map = L.map('public-map', {attributionControl: false});
    window.citygridBase(map, d.base);
    map.setView([d.lat || 0, d.lon || 0], d.lat ? 12 : 2);
    var bounds = [];
    (d.cases || []).forEach(function (c) {
      var m = L.circleMarker([c.lat, c.lon], {radius: 6, color: c.blurred ? '#7b8794' : '#b91c1c', weight: 2, fillOpacity: 0.5}).addTo(map);
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
