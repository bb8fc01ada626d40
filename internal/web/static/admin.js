// citygrid admin pages: rows added to and taken from the table editors (dispatch rules, time
// limits), a user form's fields following its role, a generated password, and a check that
// each row names what the server will ask for before the form goes. The server checks again.
(function () {
  'use strict';

  // Table editors: a <table data-editor> whose rows carry data-row="N"; a <template> with the
  // row's markup (N written __i__); buttons data-add, data-remove, data-up, data-down.
  function nextIndex(table) {
    var n = 0;
    table.querySelectorAll('tr[data-row]').forEach(function (tr) { n = Math.max(n, +tr.dataset.row + 1); });
    return n;
  }
  function renumber(table) {
    table.querySelectorAll('tbody tr[data-row] .row-no').forEach(function (el, i) { el.textContent = i + 1; });
    var empty = table.parentNode.parentNode.querySelector('.editor-empty');
    if (empty) { empty.hidden = !!table.querySelector('tbody tr[data-row]'); }
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-add], button[data-remove], button[data-up], button[data-down]');
    if (!b) { return; }
    e.preventDefault();
    if (b.dataset.add !== undefined) {
      var table = document.getElementById(b.dataset.add);
      var tpl = document.getElementById(table.dataset.editor);
      var i = nextIndex(table);
      var holder = document.createElement('tbody');
      holder.innerHTML = tpl.innerHTML.replace(/__i__/g, String(i));
      var row = holder.querySelector('tr');
      table.querySelector('tbody').appendChild(row);
      renumber(table);
      var first = row.querySelector('input:not([type=hidden]), select');
      if (first) { first.focus(); }
      return;
    }
    var tr = b.closest('tr');
    var t = b.closest('table');
    if (b.dataset.remove !== undefined) {
      tr.remove();
    } else if (b.dataset.up !== undefined && tr.previousElementSibling) {
      tr.parentNode.insertBefore(tr, tr.previousElementSibling);
    } else if (b.dataset.down !== undefined && tr.nextElementSibling) {
      tr.parentNode.insertBefore(tr.nextElementSibling, tr);
    }
    renumber(t);
    b.focus();
  });

  // A picker whose hidden value is required: the browser does not check hidden inputs, so
  // the visible box says what is missing.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var missing = null;
    form.querySelectorAll('.picker[data-required]').forEach(function (box) {
      if (box.closest('[hidden]')) { return; }
      var q = box.querySelector('.picker-q');
      var v = box.querySelector('input[type=hidden]');
      if (!v.value) {
        q.setCustomValidity(box.dataset.required);
        missing = missing || q;
      } else {
        q.setCustomValidity('');
      }
    });
    if (missing) {
      e.preventDefault();
      missing.reportValidity();
    }
  }, true);

  // A user form shows the scope for roles that have one and the department for handlers.
  function follow(select) {
    var form = select.form;
    var role = select.value;
    var scoped = ['admin', 'operator', 'leader', 'dispatcher', 'gridworker', 'inspector'].indexOf(role) >= 0;
    form.querySelectorAll('[data-for-scope]').forEach(function (el) { el.hidden = !scoped; });
    form.querySelectorAll('[data-for-department]').forEach(function (el) { el.hidden = role !== 'handler'; });
    form.querySelectorAll('[data-for-scope] .picker, [data-for-department] .picker').forEach(function (box) {
      if (box.closest('[hidden]')) {
        box.querySelector('input[type=hidden]').value = '';
        box.querySelector('.picker-q').value = '';
        box.dataset.label = '';
      }
    });
  }
  document.querySelectorAll('select[data-role]').forEach(function (s) {
    follow(s);
    s.addEventListener('change', function () { follow(s); });
  });

  // A generated password: long, random, shown so that the admin can pass it on.
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-generate]');
    if (!b) { return; }
    e.preventDefault();
    var input = document.getElementById(b.dataset.generate);
    var alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    var bytes = new Uint8Array(14);
    crypto.getRandomValues(bytes);
    var pw = '';
    bytes.forEach(function (x) { pw += alphabet[x % alphabet.length]; });
    input.type = 'text';
    input.value = pw;
    input.select();
  });

  // The region on a map: its children coloured by their grids without a member (none, some,
  // all), each with its counts on hover or tap; a click goes down to the child's own page.
  (function regionMap() {
    var el = document.getElementById('region-map'), raw = document.getElementById('region-map-data');
    if (!el || !raw || !window.L) { return; }
    var d = JSON.parse(raw.textContent), w = d.words;
    var fill = function (s, n) { return s.replace('%s', Number(n).toLocaleString('zh-CN')); };
    var map = L.map(el, {attributionControl: false, zoomSnap: 0.25});
    window.citygridBase(map, d.base);
    var bounds = L.latLngBounds([]);
    if (d.region) {
      var own = L.geoJSON(d.region, {interactive: false, style: {color: '#b91c1c', weight: 3, fill: false}}).addTo(map);
      bounds.extend(own.getBounds());
    }
    d.children.forEach(function (c) {
      var state = !c.counted ? 'unknown' : c.grid ? (c.members ? 'ok' : 'all') : (!c.vacant ? 'ok' : c.vacant >= c.grids ? 'all' : 'some');
      var colour = {ok: '#2f855a', some: '#d97706', all: '#c53030', unknown: '#7b8794'}[state];
      var lines = [c.name];
      if (!c.counted) {
        lines.push(w.not_counted);
      } else if (c.grid) {
        lines.push(fill(w.members, c.members), c.members ? w.grid_staffed : w.grid_vacant);
      } else {
        lines.push(fill(w.grids, c.grids), fill(w.members, c.members), c.vacant ? fill(w.vacant, c.vacant) : w.none_vacant);
      }
      var layer = L.geoJSON(c.shape, {style: {color: colour, weight: 1.5, fillColor: colour, fillOpacity: 0.25}});
      var tip = document.createElement('div');
      lines.forEach(function (x, i) {
        var line = document.createElement(i ? 'div' : 'strong');
        line.textContent = x;
        tip.appendChild(line);
      });
      layer.bindTooltip(tip, {sticky: true});
      layer.on('click', function () { location.href = '/admin/regions?code=' + encodeURIComponent(c.code); });
      layer.eachLayer(function (l) { l.feature.properties.state = state; });
      layer.addTo(map);
      bounds.extend(layer.getBounds());
    });
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [8, 8]}); } else { map.setView([35, 113], 10); }
    el.dataset.children = String(d.children.length);
    el.dataset.ready = '1';
  })();
})();
