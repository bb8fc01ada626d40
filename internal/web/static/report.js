// The phone report form: the browser's position fills the place (the marker can be dragged or
// the map tapped), the grid is drawn around it, photos show before sending.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('report-form');
    if (!form) { return; }
    var data = JSON.parse(document.getElementById('map-data').textContent);
    var lon = document.getElementById('lon');
    var lat = document.getElementById('lat');
    var where = document.getElementById('where');
    var m = window.citygridMap(document.getElementById('map'), data, {draggable: true, onMove: place, title: where.textContent});
    var fitted = false;

    function place(x, y) {
      lon.value = x.toFixed(7);
      lat.value = y.toFixed(7);
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

    function locate() {
      if (!navigator.geolocation) { return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        m.setPoint(pos.coords.longitude, pos.coords.latitude, true);
        place(pos.coords.longitude, pos.coords.latitude);
      }, function () { /* denied or unavailable: the visitor taps the map instead */ },
      {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
    }

    if (lon.value && lat.value) {
      m.setPoint(parseFloat(lon.value), parseFloat(lat.value), true);
      place(parseFloat(lon.value), parseFloat(lat.value));
    } else {
      locate();
    }
    document.getElementById('locate-me').addEventListener('click', locate);

    var photos = document.getElementById('photos');
    var preview = document.getElementById('photo-preview');
    var count = document.getElementById('photo-count');
    photos.addEventListener('change', function () {
      preview.textContent = '';
      Array.prototype.forEach.call(photos.files, function (f) {
        var img = document.createElement('img');
        img.alt = f.name;
        img.src = URL.createObjectURL(f);
        preview.appendChild(img);
      });
      count.textContent = photos.files.length ? photos.files.length + ' ✓' : '';
    });
    document.body.dataset.ready = '1';
  });
})();
