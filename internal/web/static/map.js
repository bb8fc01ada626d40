// citygrid maps: Leaflet over a blank background (tiles only when configured), the unit grid
// drawn from its stored outline, the case's point as a marker and its line or area, if any.
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
    var shapeLayer = null;
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
      // setShape draws a reported line or area (GeoJSON), or removes it.
      setShape: function (geometry) {
        if (shapeLayer) { map.removeLayer(shapeLayer); shapeLayer = null; }
        if (geometry) {
          shapeLayer = L.geoJSON(geometry, {interactive: false, style: {color: '#1d4ed8', weight: 4, fillOpacity: 0.25},
            pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 5, color: '#1d4ed8', fillOpacity: 0.8}); }}).addTo(map);
        }
      },
      showPoint: function (on) {
        if (marker) { marker.setOpacity(on ? 1 : 0); }
      },
      fitGrid: function () {
        var b = gridLayer ? gridLayer.getBounds() : null;
        if (shapeLayer) { b = b ? b.extend(shapeLayer.getBounds()) : shapeLayer.getBounds(); }
        if (b) { map.fitBounds(b, {padding: [16, 16], maxZoom: 17}); }
      }
    };
    if (opts.onMove) {
      map.on('click', function (e) {
        if (opts.onTap && opts.onTap(e.latlng.lng, e.latlng.lat)) { return; } // drawing a line or area
        api.setPoint(e.latlng.lng, e.latlng.lat);
        opts.onMove(e.latlng.lng, e.latlng.lat);
      });
    }
    map.setView([data.lat || 0, data.lon || 0], data.lat ? 15 : 3);
    return api;
  }
  window.citygridMap = citygridMap;

  // A case page: the point in its grid, not editable.
  document.addEventListener('DOMContentLoaded', function () {
    var el = document.getElementById('map');
    var raw = document.getElementById('map-data');
    if (!el || !raw || document.getElementById('report-form') || document.getElementById('desk-form')) { return; }
    var data = JSON.parse(raw.textContent);
    var m = citygridMap(el, data, {});
    m.setGrid(data.grid);
    m.setShape(data.shape);
    m.setPoint(data.lon, data.lat);
    if (data.grid || data.shape) { m.fitGrid(); }
  });
})();
