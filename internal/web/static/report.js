// The phone report form: the browser's position fills the place (the marker can be dragged or
// the map tapped), or a line or area is drawn point by point; the grid is drawn around it,
// photos show before sending. Without a position (refused, indoors, a desktop) the form says so
// within a few seconds and offers the map's search box.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('report-form');
    if (!form) { return; }
    var data = JSON.parse(document.getElementById('map-data').textContent);
    var lon = document.getElementById('lon');
    var lat = document.getElementById('lat');
    var where = document.getElementById('where');
    // Drawing a line (a stretch of alley) or an area (a market): taps add points, which the
    // hidden geometry field carries as GeoJSON in place of the marker's point.
    var mode = 'point';
    var vertices = [];
    var geometry = document.getElementById('geometry');
    var hint = document.getElementById('draw-hint');
    var tools = document.getElementById('draw-tools');
    var m = window.citygridMap(document.getElementById('map'), data, {draggable: true, onMove: place, onTap: tap, title: where.textContent,
      onPlace: function () { if (!lon.value) { where.textContent = where.dataset.search; } }});
    var fitted = false;

    function shape() {
      var ring = vertices.map(function (v) { return [v[0], v[1]]; });
      if (mode === 'line' && ring.length >= 2) { return {type: 'LineString', coordinates: ring}; }
      if (mode === 'area' && ring.length >= 3) { return {type: 'Polygon', coordinates: [ring.concat([ring[0]])]}; }
      return null;
    }
    function redraw() {
      var g = shape();
      document.getElementById('client-problem').hidden = true;
      geometry.value = g ? JSON.stringify(g) : '';
      m.setShape(mode === 'point' ? null : g || (vertices.length ? {type: 'MultiPoint', coordinates: vertices} : null));
      m.showPoint(mode === 'point');
      if (mode === 'point' && lon.value) { m.setPoint(parseFloat(lon.value), parseFloat(lat.value)); }
      hint.hidden = tools.hidden = mode === 'point';
      hint.textContent = mode === 'point' ? '' : hint.dataset[mode] + ' ' + hint.dataset.count.replace('%d', vertices.length);
      if (vertices.length) {
        var c = vertices.reduce(function (s, v) { return [s[0] + v[0] / vertices.length, s[1] + v[1] / vertices.length]; }, [0, 0]);
        place(c[0], c[1]);
      }
    }
    function tap(x, y) {
      if (mode === 'point') { return false; }
      vertices.push([+x.toFixed(7), +y.toFixed(7)]);
      redraw();
      return true;
    }
    var draw = document.getElementById('draw');
    draw.hidden = false;
    draw.addEventListener('change', function (e) {
      if (e.target.name !== 'mode') { return; }
      mode = e.target.value;
      redraw();
    });
    document.getElementById('draw-undo').addEventListener('click', function () { vertices.pop(); redraw(); });
    document.getElementById('draw-clear').addEventListener('click', function () { vertices = []; redraw(); });
    form.addEventListener('submit', function (e) {
      var need = {line: 2, area: 3}[mode];
      if (need && vertices.length < need) {
        e.preventDefault();
        e.stopImmediatePropagation(); // not sent, not kept as a draft
        var problem = document.getElementById('client-problem');
        problem.textContent = hint.dataset[mode === 'line' ? 'needLine' : 'needArea'];
        problem.hidden = false;
      }
    });
    if (geometry.value) { // a refused submission comes back with what was drawn
      try {
        var g = JSON.parse(geometry.value);
        mode = g.type === 'Polygon' ? 'area' : 'line';
        vertices = g.type === 'Polygon' ? g.coordinates[0].slice(0, -1) : g.coordinates;
        draw.querySelector('input[value="' + mode + '"]').checked = true;
      } catch (err) { geometry.value = ''; }
    }

    function place(x, y) {
      lon.value = x.toFixed(7);
      lat.value = y.toFixed(7);
      form.dispatchEvent(new CustomEvent('citygrid:place', {bubbles: true, detail: {lon: x, lat: y, map: m}})); // nearby-load.js
      fetch('/report/where?lon=' + encodeURIComponent(lon.value) + '&lat=' + encodeURIComponent(lat.value), {credentials: 'same-origin'})
        .then(function (r) { return r.json(); })
        .then(function (g) {
          where.textContent = g.error ? g.error : (g.path || g.name);
          where.dataset.grid = g.code || '';
          m.setGrid(g.geometry || null);
          if (g.geometry && !fitted) { fitted = true; m.fitGrid(); }
        })
        .catch(function () { where.textContent = where.dataset.offline || where.textContent; });
    }

    // locate asks for the browser's position. A refusal is said at once; no answer within
    // locateWait is said too, and a position that comes later is still used.
    var noLocation = document.getElementById('no-location');
    var locateWait = 5000;
    function unlocated(why) {
      noLocation.textContent = noLocation.dataset[why];
      noLocation.hidden = false;
      noLocation.dataset.why = why;
      if (!lon.value) { where.textContent = where.dataset.search; }
    }
    function locate() {
      if (!navigator.geolocation) { unlocated('unavailable'); return; }
      var answered = false;
      var timer = setTimeout(function () { if (!answered) { unlocated('timeout'); } }, locateWait);
      navigator.geolocation.getCurrentPosition(function (pos) {
        answered = true;
        clearTimeout(timer);
        noLocation.hidden = true;
        m.setPoint(pos.coords.longitude, pos.coords.latitude, true);
        place(pos.coords.longitude, pos.coords.latitude);
      }, function (err) {
        answered = true;
        clearTimeout(timer);
        unlocated(err && err.code === 1 ? 'denied' : err && err.code === 3 ? 'timeout' : 'unavailable');
      }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
    }
    // The search box is the map's: this button takes a visitor there.
    document.getElementById('find-place').addEventListener('click', function () {
      m.whenReady(function (map) {
        var input = map.getContainer().querySelector('.cg-search input');
        if (input) { input.scrollIntoView({block: 'center'}); input.focus(); }
      });
    });

    if (vertices.length) {
      redraw();
      m.fitGrid();
    } else if (lon.value && lat.value) {
      m.setPoint(parseFloat(lon.value), parseFloat(lat.value), true);
      place(parseFloat(lon.value), parseFloat(lat.value));
    } else {
      locate();
    }
    document.getElementById('locate-me').addEventListener('click', locate);

    function previews(input, preview, count) {
      input.addEventListener('change', function () {
        preview.textContent = '';
        Array.prototype.forEach.call(input.files, function (f) {
          var img = document.createElement('img');
          img.alt = f.name;
          img.src = URL.createObjectURL(f);
          preview.appendChild(img);
        });
        count.textContent = input.files.length ? input.files.length + ' ✓' : '';
      });
    }
    previews(document.getElementById('photos'), document.getElementById('photo-preview'), document.getElementById('photo-count'));

    // A grid worker who fixed the problem on the spot (自行处置) says what was done and adds a
    // photo after; the fields show only when that is chosen.
    var how = document.getElementById('how');
    if (how) {
      var self = document.getElementById('how-self');
      var fields = document.getElementById('self-fields');
      var result = document.getElementById('result');
      var show = function () { fields.hidden = !self.checked; result.required = self.checked; };
      how.addEventListener('change', show);
      show();
      previews(document.getElementById('after_photos'), document.getElementById('after-preview'), document.getElementById('after-count'));
      document.getElementById('after_photos').addEventListener('change', function () { document.getElementById('client-problem').hidden = true; });
      form.addEventListener('submit', function (e) {
        if (!self.checked || document.getElementById('after_photos').files.length ||
            form.querySelector('input[name="after_photo_ids"]')) { return; }
        e.preventDefault();
        e.stopImmediatePropagation(); // not sent, not kept as a draft
        var problem = document.getElementById('client-problem');
        problem.textContent = how.dataset.needAfter;
        problem.hidden = false;
      });
    }
    document.body.dataset.ready = '1';
  });
})();
