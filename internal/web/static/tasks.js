// The workspace's list: "select all on this page" for the bulk action, and the viewer's saved
// views (GET/POST/DELETE /api/v1/views). The list works without it, but for these.
(function () {
  'use strict';
  var all = document.getElementById('pick-all');
  if (all) {
    var boxes = Array.prototype.slice.call(document.querySelectorAll('#task-list input[name=case]'));
    var picked = document.getElementById('picked');
    var count = function () {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
      picked.textContent = n ? picked.dataset.picked.replace('%s', n) : '';
    };
    all.parentNode.hidden = false;
    all.addEventListener('change', function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      count();
    });
    boxes.forEach(function (b) { b.addEventListener('change', count); });
    count();
  }

  var views = document.getElementById('views');
  if (!views || !window.fetch) return;
  var d = views.dataset;
  var form = document.getElementById('view-form');
  var name = document.getElementById('view-name');
  var state = document.getElementById('view-state');
  var list = document.getElementById('view-list');
  var reasons = { too_many_views: d.tooMany, view_exists: d.exists, too_long: d.tooLong, required: d.required, bad_text: d.badText };
  function say(text) { state.textContent = text; }

  function add(v) {
    var none = document.getElementById('no-views');
    if (none) none.remove();
    var box = document.createElement('span');
    box.className = 'view';
    box.dataset.view = v.id;
    var a = document.createElement('a');
    a.className = 'view-go';
    a.href = '/tasks?' + new URLSearchParams(v.filters || {}).toString();
    a.textContent = v.name;
    var del = document.createElement('button');
    del.type = 'button';
    del.className = 'view-del';
    del.dataset.id = v.id;
    del.setAttribute('aria-label', d['delete'].replace('%s', v.name));
    del.textContent = '×';
    box.appendChild(a);
    box.appendChild(del);
    list.appendChild(box);
  }

  form.hidden = false;
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var filters = {};
    try { filters = JSON.parse(d.filters || '{}'); } catch (x) { filters = {}; }
    if (!name.value.trim()) return say(d.required);
    fetch('/api/v1/views', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: name.value, filters: filters })
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
      if (!r.ok) {
        var err = (r.body && r.body.error) || {};
        return say(reasons[err.reason] || reasons[err.code] || d.failed);
      }
      add(r.body);
      name.value = '';
      say(d.saved.replace('%s', r.body.name));
    }, function () { say(d.failed); });
  });

  list.addEventListener('click', function (e) {
    var del = e.target.closest('.view-del');
    if (!del) return;
    fetch('/api/v1/views/' + del.dataset.id, { method: 'DELETE', credentials: 'same-origin' }).then(function (res) {
      if (res.status !== 204 && res.status !== 404) return say(d.failed);
      del.parentNode.remove();
      say(d.deleted);
    }, function () { say(d.failed); });
  });
})();
