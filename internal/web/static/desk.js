// The operator's desk: the caller's place is picked on the map (a tap or a drag) or found by
// the name of its community or grid, which moves the marker there; the grid is drawn and
// named either way.
(function () {
  'use strict';
  // The hotline upload names the file chosen, the input itself being hidden behind its button.
  document.addEventListener('DOMContentLoaded', function () {
    var batch = document.getElementById('batch');
    var name = document.getElementById('batch-name');
    if (!batch || !name) { return; }
    batch.addEventListener('change', function () {
      name.textContent = batch.files.length ? batch.files[0].name : name.dataset.none;
    });
  });
  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('desk-form');
    if (!form) { return; }
    var data = JSON.parse(document.getElementById('map-data').textContent);
    var lon = document.getElementById('lon');
    var lat = document.getElementById('lat');
    var where = document.getElementById('where');
    var m = window.citygridMap(document.getElementById('map'), data, {draggable: true, onMove: place, title: where.textContent});

    function place(x, y) {
      lon.value = x.toFixed(7);
      lat.value = y.toFixed(7);
      fetch('/report/where?lon=' + encodeURIComponent(lon.value) + '&lat=' + encodeURIComponent(lat.value), {credentials: 'same-origin'})
        .then(function (r) { return r.json(); })
        .then(function (g) {
          where.textContent = g.error ? g.error : (g.path || g.name);
          where.dataset.grid = g.code || '';
          m.setGrid(g.geometry || null);
          if (g.geometry) { m.fitGrid(); }
        })
        .catch(function () {});
    }
    // A grid found by name puts the marker inside it.
    form.addEventListener('change', function (e) {
      if (e.target.name !== 'grid' || !e.target.checked) { return; }
      var x = parseFloat(e.target.dataset.lon), y = parseFloat(e.target.dataset.lat);
      if (!x && !y) { return; }
      m.setPoint(x, y, true);
      place(x, y);
    });
    if (lon.value && lat.value) {
      m.setPoint(parseFloat(lon.value), parseFloat(lat.value), true);
      place(parseFloat(lon.value), parseFloat(lat.value));
    }
    document.body.dataset.ready = '1';
  });
})();
