// The assessment of evaluation sites on a phone. An inspector's marks go into a queue kept in
// IndexedDB (with their photos, and the phone's time and position of scoring) and are sent from
// it: at once when the network is there, when it returns when not. A mark the server refuses
// stays in the queue with the reason, shown on its item; nothing is dropped silently. The
// submit of an inspection waits in the same queue behind its marks. The workspace puts the
// nearest site first once the phone knows where it is; the round page prints; the map colours
// the sites by their last score.
(function () {
  'use strict';
  var DB = 'citygrid-assess', STORE = 'queue', CACHE = 'citygrid-v1';

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: 'key'}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var out = fn(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  var all = function () { return tx('readonly', function (s) { return s.getAll(); }); };
  var put = function (e) { return tx('readwrite', function (s) { return s.put(e); }); };
  var del = function (key) { return tx('readwrite', function (s) { return s.delete(key); }); };

  var words = {};
  function word(k) { return words[k] || k; }
  function fill(s) {
    var args = Array.prototype.slice.call(arguments, 1);
    return s.replace(/%[ds]/g, function () { return String(args.shift()); });
  }

  // request answers the parsed body, or rejects with {refused: words, status} when the server
  // says no, or with a network error when it cannot be reached (then the queue waits).
  function request(method, url, body, json) {
    var opts = {method: method, credentials: 'same-origin', headers: {'X-Citygrid-Draft': '1'}};
    if (body !== undefined) {
      opts.body = json ? JSON.stringify(body) : body;
      if (json) { opts.headers['Content-Type'] = 'application/json'; }
    }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (r.ok) { return b; }
        if (r.status >= 500) { throw new Error('server ' + r.status); } // try again later
        throw {refused: b.error || r.statusText, status: r.status};
      });
    });
  }

  var listeners = [];
  function notify(ev) { listeners.forEach(function (fn) { fn(ev); }); }

  // send sends one queued entry: a mark (its photos first, once) or a submit.
  function send(e) {
    if (e.kind === 'submit') {
      return request('POST', '/assessment/inspections/' + e.inspection + '/submit').then(function (res) {
        return del(e.key).then(function () { notify({type: 'submitted', entry: e, res: res}); });
      });
    }
    var upload = Promise.resolve();
    if (e.files && e.files.length && !e.uploaded) {
      var fd = new FormData();
      e.files.forEach(function (f) { fd.append('photos', f, f.name || 'photo.jpg'); });
      upload = request('POST', '/assessment/photos', fd, false).then(function (res) {
        e.uploaded = res.ids;
        e.files = [];
        return put(e); // sent once: a later retry does not upload them again
      });
    }
    return upload.then(function () {
      var m = Object.assign({}, e.mark, {photos: (e.keep || []).concat(e.uploaded || [])});
      return request('PUT', '/assessment/inspections/' + e.inspection + '/items/' + encodeURIComponent(e.code), m, true);
    }).then(function (res) {
      return del(e.key).then(function () { notify({type: 'saved', entry: e, res: res}); });
    });
  }

  var sending = false;
  function flush() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    var sent = 0;
    return all().then(function (es) {
      es.sort(function (a, b) { return (a.kind === 'submit') - (b.kind === 'submit') || a.created - b.created; });
      return es.reduce(function (p, e) {
        return p.then(function () {
          if (e.error) { return; } // refused before: the inspector decides, nothing is resent blindly
          if (e.kind === 'submit' && es.some(function (o) { return o.kind === 'mark' && o.inspection === e.inspection && !o.sent; })) {
            return; // its marks first
          }
          return send(e).then(function () { e.sent = true; sent++; }, function (err) {
            if (err && err.refused) {
              e.error = err.refused;
              return put(e).then(function () { notify({type: 'refused', entry: e}); });
            }
            throw err; // offline again: stop, keep the rest
          });
        });
      }, Promise.resolve());
    }).catch(function () {}).then(function () {
      sending = false;
      notify({type: 'flushed', sent: sent});
    });
  }

  function registerWorker(urls) {
    window.addEventListener('load', function () {
      if ('serviceWorker' in navigator) {
        navigator.serviceWorker.register('/sw.js').catch(function () {});
      }
      keepForOffline(urls);
    });
  }
  // keepForOffline keeps pages and this page's files for opening without a network.
  function keepForOffline(urls) {
    if (!window.caches) { return; }
    var list = (urls || []).slice();
    document.querySelectorAll('script[src], link[rel=stylesheet]').forEach(function (el) { list.push(el.src || el.href); });
    caches.open(CACHE).then(function (c) { return c.addAll(list); }).catch(function () {});
  }

  function distance(lon1, lat1, lon2, lat2) {
    var r = 6371008.8, rad = Math.PI / 180;
    var dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    var h = Math.sin(dlat / 2) * Math.sin(dlat / 2) + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dlon / 2) * Math.sin(dlon / 2);
    return 2 * r * Math.asin(Math.sqrt(h));
  }
  function showDistance(m) {
    return m < 1000 ? fill(word('distance_m'), Math.round(m)) : fill(word('distance_km'), (m / 1000).toFixed(1));
  }

  // The workspace: today's sites nearest first, and the queue's state.
  function workspace(el) {
    var list = document.getElementById('assess-tasks');
    var order = document.getElementById('assess-order');
    var queue = document.getElementById('assess-queue');
    function sortBy(lon, lat) {
      if (!list) { return; }
      var items = Array.prototype.slice.call(list.querySelectorAll('li.site-task'));
      items.forEach(function (li) {
        li.dataset.distance = distance(lon, lat, parseFloat(li.dataset.lon), parseFloat(li.dataset.lat));
        li.querySelector('.dist').textContent = showDistance(+li.dataset.distance);
      });
      items.sort(function (a, b) { return a.dataset.distance - b.dataset.distance; });
      items.forEach(function (li) { list.appendChild(li); });
      order.textContent = word('by_distance');
      list.dataset.sorted = '1';
    }
    if (navigator.geolocation && list) {
      navigator.geolocation.getCurrentPosition(function (pos) { sortBy(pos.coords.longitude, pos.coords.latitude); },
        function () { /* denied or unavailable: the list keeps the rounds' order */ },
        {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
    }
    function showQueue() {
      return all().then(function (es) {
        queue.hidden = es.length === 0;
        queue.textContent = es.length ? fill(word('pending'), es.length) : '';
      });
    }
    listeners.push(function (ev) { if (ev.type === 'flushed' || ev.type === 'refused') { showQueue(); } });
    window.addEventListener('online', flush);
    showQueue().then(flush);
    var urls = ['/assessment'];
    if (list) { list.querySelectorAll('a[href]').forEach(function (a) { urls.push(a.getAttribute('href')); }); }
    registerWorker(urls);
    el.dataset.ready = '1';
  }

  // The scoring form of one inspection.
  function inspection(card) {
    var id = parseInt(card.dataset.id, 10);
    var editable = card.dataset.editable === '1';
    if (!editable) { return; }
    var forms = Array.prototype.slice.call(document.querySelectorAll('form.item'));
    var gps = document.getElementById('gps');
    var sync = document.getElementById('sync');
    var here = null;
    if (navigator.geolocation) {
      navigator.geolocation.watchPosition(function (pos) {
        here = {lon: pos.coords.longitude, lat: pos.coords.latitude, acc: pos.coords.accuracy};
        gps.textContent = fill(word('gps_on'), Math.round(here.acc || 0));
        gps.dataset.fixed = '1';
      }, function () { gps.textContent = word('gps_off'); }, {enableHighAccuracy: true, maximumAge: 30000, timeout: 20000});
    } else {
      gps.textContent = word('gps_off');
    }

    function state(form, cls, text) {
      form.classList.remove('done', 'pending', 'bad');
      if (cls) { form.classList.add(cls); }
      var s = form.querySelector('.item-state');
      s.className = 'item-state ' + ({done: 'ok', pending: 'pending', bad: 'bad'}[cls] || '');
      s.textContent = text;
    }
    function boxes(form) {
      var r = form.querySelector('input[name=result]:checked');
      var v = r ? r.value : '';
      var pts = form.querySelector('.points-box'), fnd = form.querySelector('.findings-box');
      if (pts) { pts.hidden = v !== 'points'; }
      if (fnd) { fnd.hidden = v !== 'fail'; }
    }
    function progress() {
      var done = forms.filter(function (f) { return f.classList.contains('done') || f.classList.contains('pending'); }).length;
      document.getElementById('done-text').textContent = fill(document.getElementById('progress').dataset.of, done, forms.length);
      return done;
    }

    forms.forEach(function (form) {
      if (form.dataset.marked) { form.classList.add('done'); }
      boxes(form);
      form.addEventListener('change', function (e) {
        if (e.target.name === 'result') { boxes(form); }
        if (e.target.name === 'photos') {
          var preview = form.querySelector('.photos');
          preview.querySelectorAll('img.new').forEach(function (img) { img.remove(); });
          Array.prototype.forEach.call(e.target.files, function (f) {
            var img = document.createElement('img');
            img.className = 'new';
            img.alt = f.name;
            img.src = URL.createObjectURL(f);
            preview.appendChild(img);
          });
        }
      });
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        var r = form.querySelector('input[name=result]:checked');
        if (!r) { state(form, 'bad', word('need_result')); return; }
        var keep = form.dataset.photos ? form.dataset.photos.split(';') : [];
        var files = Array.prototype.slice.call(form.querySelector('input[name=photos]').files);
        if (r.value === 'fail' && form.dataset.evidence === 'photo' && keep.length + files.length === 0) {
          state(form, 'bad', word('need_photo'));
          return;
        }
        var mark = {result: r.value, note: form.elements.note.value, at: new Date().toISOString()};
        if (r.value === 'points') { mark.points = parseFloat(form.elements.points.value || '0'); }
        if (r.value === 'fail' && form.elements.findings) { mark.findings = parseInt(form.elements.findings.value || '1', 10); }
        if (here) { mark.lon = +here.lon.toFixed(7); mark.lat = +here.lat.toFixed(7); mark.crs = 'wgs84'; }
        var entry = {key: id + ':' + form.dataset.code, kind: 'mark', inspection: id, code: form.dataset.code, mark: mark,
          keep: keep, files: files, uploaded: null, created: Date.now(), error: ''};
        put(entry).then(function () {
          state(form, 'pending', navigator.onLine ? word('sending') : word('queued'));
          return showSync().then(flush);
        });
      });
    });

    function showSync() {
      return all().then(function (es) {
        var mine = es.filter(function (e) { return e.inspection === id; });
        mine.forEach(function (e) {
          if (e.kind === 'submit') {
            var p = document.getElementById('submit-problem');
            p.hidden = !e.error;
            p.textContent = e.error || '';
            return;
          }
          var form = document.getElementById('item-' + e.code);
          if (!form) { return; }
          // A page opened from the phone's copy shows what waits to be sent.
          var r = form.querySelector('input[name=result][value="' + e.mark.result + '"]');
          if (r) { r.checked = true; }
          form.elements.note.value = e.mark.note || '';
          if (e.mark.points !== undefined && form.elements.points) { form.elements.points.value = e.mark.points; }
          if (e.mark.findings !== undefined && form.elements.findings) { form.elements.findings.value = e.mark.findings; }
          boxes(form);
          if (e.error) { state(form, 'bad', fill(word('refused'), e.error)); } else { state(form, 'pending', word('queued')); }
        });
        var waiting = mine.filter(function (e) { return !e.error; }).length;
        sync.hidden = waiting === 0;
        sync.textContent = waiting ? (mine.some(function (e) { return e.kind === 'submit'; }) ? word('submit_queued') : fill(word('pending'), waiting)) +
          (navigator.onLine ? '' : ' · ' + word('offline')) : '';
        progress();
        document.body.dataset.queued = String(mine.length);
      });
    }
    listeners.push(function (ev) {
      var e = ev.entry;
      if (ev.type === 'saved' && e.inspection === id) {
        var form = document.getElementById('item-' + e.code);
        form.dataset.marked = e.mark.result;
        form.dataset.photos = (e.keep || []).concat(e.uploaded || []).join(';');
        form.querySelector('input[name=photos]').value = '';
        state(form, 'done', word('saved'));
        if (ev.res.running && ev.res.running.percent !== null && ev.res.running.percent !== undefined) {
          document.getElementById('running').textContent = ev.res.running.percent + '%';
        }
      }
      if (ev.type === 'submitted' && e.inspection === id) {
        location.href = ev.res.url;
        return;
      }
      if (ev.type === 'flushed') {
        if (ev.sent) { keepForOffline([location.pathname]); } // the phone's copy shows what was sent
        showSync();
      }
      if (ev.type === 'refused') { showSync(); }
    });

    document.getElementById('submit-go').addEventListener('click', function () {
      var problem = document.getElementById('submit-problem');
      var missing = forms.filter(function (f) { return !f.classList.contains('done') && !f.classList.contains('pending'); });
      if (missing.length) {
        problem.textContent = fill(card.dataset.missing, missing.map(function (f) { return f.dataset.code; }).join('、'));
        problem.hidden = false;
        missing[0].scrollIntoView({block: 'center'});
        return;
      }
      problem.hidden = true;
      put({key: id + ':submit', kind: 'submit', inspection: id, created: Date.now(), error: ''}).then(function () {
        sync.hidden = false;
        sync.textContent = navigator.onLine ? word('submitting') : word('submit_queued');
        return flush();
      });
    });
    window.addEventListener('online', flush);
    window.addEventListener('offline', showSync);
    showSync().then(flush);
    registerWorker([location.pathname]);
    document.body.dataset.ready = '1';
  }

  // The map of sites, coloured by their last score.
  function siteMap(el) {
    var data = JSON.parse(document.getElementById('site-data').textContent);
    var map = L.map(el, {attributionControl: false, zoomSnap: 0.25});
    window.citygridBase(map, data.base);
    // Scored sites are drawn last, over the many not yet scored.
    data.sites.sort(function (a, b) { return (a.percent !== null && a.percent !== undefined) - (b.percent !== null && b.percent !== undefined); });
    (data.areas || []).forEach(function (g, i) {
      L.geoJSON(g, {interactive: false, style: {color: i === 0 ? '#b91c1c' : '#64748b', weight: i === 0 ? 2 : 1, fillOpacity: i === 0 ? 0.03 : 0}}).addTo(map);
    });
    var colours = {good: '#16a34a', fair: '#eab308', poor: '#f97316', bad: '#dc2626', none: '#9aa5b1'};
    function band(p) {
      if (p === null || p === undefined) { return 'none'; }
      return p >= 90 ? 'good' : p >= 80 ? 'fair' : p >= 60 ? 'poor' : 'bad';
    }
    var layer = L.featureGroup().addTo(map);
    function draw(type) {
      layer.clearLayers();
      data.sites.forEach(function (s) {
        if (type && s.type !== type) { return; }
        var b = band(s.percent);
        var m = L.circleMarker([s.lat, s.lon], {radius: b === 'none' ? 6 : 9, weight: b === 'none' ? 1 : 2,
          color: b === 'none' ? '#fff' : '#1f2933', fillColor: colours[b], fillOpacity: 0.9});
        m.options.band = b;
        var box = document.createElement('div');
        var h = document.createElement('strong');
        h.textContent = s.name;
        box.appendChild(h);
        var p = document.createElement('div');
        p.textContent = (data.types[s.type] || s.type) + ' · ' + (s.percent === null || s.percent === undefined ? data.words.unscored :
          data.words.score + ' ' + s.percent + '% · ' + data.words.failed + ' ' + s.failed);
        box.appendChild(p);
        if (s.inspection) {
          var a = document.createElement('a');
          a.href = '/assessment/inspections/' + s.inspection;
          a.textContent = data.words.open + (s.at ? ' · ' + data.words.at + ' ' + s.at : '');
          box.appendChild(a);
        }
        m.bindPopup(box);
        m.addTo(layer);
      });
      el.dataset.markers = String(layer.getLayers().length);
    }
    draw('');
    if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), {padding: [16, 16], maxZoom: 16}); } else { map.setView([35.2, 113.2], 11); }
    document.getElementById('map-type').addEventListener('change', function (e) { draw(e.target.value); });
    el.dataset.ready = '1';
  }

  document.addEventListener('DOMContentLoaded', function () {
    var w = document.getElementById('assess-words');
    if (w) { try { words = JSON.parse(w.textContent); } catch (err) { words = {}; } }
    var card = document.getElementById('inspection');
    if (card && window.indexedDB) { inspection(card); }
    var ws = document.getElementById('assess-workspace');
    if (ws && window.indexedDB) { workspace(ws); }
    var m = document.getElementById('site-map');
    if (m && window.L) { siteMap(m); }
    var pr = document.getElementById('round-print');
    if (pr) { pr.addEventListener('click', function () { window.print(); }); }
    // Photos chosen for a re-inspection show before sending.
    document.querySelectorAll('.reinspect-form input[type=file]').forEach(function (input) {
      input.addEventListener('change', function () {
        var preview = input.parentNode.querySelector('.photos');
        preview.textContent = '';
        Array.prototype.forEach.call(input.files, function (f) {
          var img = document.createElement('img');
          img.alt = f.name;
          img.src = URL.createObjectURL(f);
          preview.appendChild(img);
        });
      });
    });
  });
})();
