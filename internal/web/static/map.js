// citygrid maps: Leaflet over a blank background (tiles only when configured), the unit grid
// drawn from its stored outline and the case's point as a marker.
(function () {
  'use strict';
  function pin(cls) {
    return L.divIcon({className: 'pin ' + (cls || ''), iconSize: [22, 22], iconAnchor: [11, 22]});
  }
  function citygridMap(el, data, opts) {
    opts = opts || {};
    var map = L.map(el, {zoomControl: true, attributionControl: !!data.tiles});
    if (data.tiles) {
      L.tileLayer(data.tiles, {maxZoom: 19}).addTo(map);
    }
    var gridLayer = null;
    var marker = null;
    var api = {
      map: map,
      setGrid: function (geometry) {
        if (gridLayer) { map.removeLayer(gridLayer); gridLayer = null; }
        if (geometry) {
          gridLayer = L.geoJSON(geometry, {style: {color: '#b91c1c', weight: 2, fillOpacity: 0.08}}).addTo(map);
        }
      },
      setPoint: function (lon, lat, fit) {
        var ll = L.latLng(lat, lon);
        if (!marker) {
          marker = L.marker(ll, {icon: pin(), draggable: !!opts.draggable, keyboard: true, title: opts.title || ''}).addTo(map);
          if (opts.onMove) {
            marker.on('dragend', function () { var p = marker.getLatLng(); opts.onMove(p.lng, p.lat); });
          }
        } else {
          marker.setLatLng(ll);
        }
        if (fit) { map.setView(ll, Math.max(map.getZoom() || 0, 16)); }
      },
      fitGrid: function () {
        if (gridLayer) { map.fitBounds(gridLayer.getBounds(), {padding: [16, 16], maxZoom: 17}); }
      }
    };
    if (opts.onMove) {
      map.on('click', function (e) { api.setPoint(e.latlng.lng, e.latlng.lat); opts.onMove(e.latlng.lng, e.latlng.lat); });
    }
    map.setView([data.lat || 0, data.lon || 0], data.lat ? 15 : 3);
    return api;
  }
  window.citygridMap = citygridMap;

  // A case page: the point in its grid, not editable.
  document.addEventListener('DOMContentLoaded', function () {
    var el = document.getElementById('map');
    var raw = document.getElementById('map-data');
    if (!el || !raw || document.getElementById('report-form')) { return; }
    var data = JSON.parse(raw.textContent);
    var m = citygridMap(el, data, {});
    m.setGrid(data.grid);
    m.setPoint(data.lon, data.lat);
    if (data.grid) { m.fitGrid(); }
  });
})();
