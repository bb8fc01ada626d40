// Offline drafts for the report form. A report goes up with fetch; when the network is gone
// it is kept, photos and all, in IndexedDB and shown in a queue on the page, and it is sent
// when the network returns. A draft the server refuses stays in the queue with the reason:
// nothing is dropped silently.
(function () {
  'use strict';
  var DB = 'citygrid', STORE = 'drafts';

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: 'id', autoIncrement: true}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var out = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  var all = function () { return tx('readonly', function (s) { return s.getAll(); }); };
  var put = function (d) { return tx('readwrite', function (s) { return s.put(d); }); };
  var del = function (id) { return tx('readwrite', function (s) { return s.delete(id); }); };

  // A draft keeps the form's fields and its photos as blobs.
  function draftOf(form) {
    var fields = [], files = [];
    new FormData(form).forEach(function (v, k) {
      if (v instanceof File) { if (v.size > 0) { files.push({name: k, file: v}); } } else { fields.push([k, v]); }
    });
    return {fields: fields, files: files, created: Date.now(), error: ''};
  }
  function bodyOf(d) {
    var fd = new FormData();
    d.fields.forEach(function (f) { fd.append(f[0], f[1]); });
    d.files.forEach(function (f) { fd.append(f.name, f.file, f.file.name || 'photo.jpg'); });
    return fd;
  }
  // send posts a report; it resolves with {ticket, url}, rejects with {refused: message} when
  // the server says no, or with a network error when it cannot be reached.
  function send(fd) {
    return fetch('/report', {method: 'POST', body: fd, credentials: 'same-origin', headers: {'X-Citygrid-Draft': '1'}})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (b) {
          if (r.ok) { return b; }
          throw {refused: b.error || r.statusText};
        });
      });
  }

  // when writes a moment as the pages do (formatTime in i18n.go): China time, whatever zone the
  // phone is set to, "2026年1月2日 15:04" or "2 Jan 2026 15:04". China keeps no summer time.
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function when(ms) {
    var d = new Date(ms + 8 * 3600 * 1000);
    var hm = ('0' + d.getUTCHours()).slice(-2) + ':' + ('0' + d.getUTCMinutes()).slice(-2);
    if (document.documentElement.lang === 'en') {
      return d.getUTCDate() + ' ' + MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear() + ' ' + hm;
    }
    return d.getUTCFullYear() + '年' + (d.getUTCMonth() + 1) + '月' + d.getUTCDate() + '日 ' + hm;
  }

  var queue, sending = false;
  function render() {
    return all().then(function (ds) {
      queue.hidden = ds.length === 0 && !queue.querySelector('.sent');
      var list = queue.querySelector('ul');
      list.querySelectorAll('li.draft').forEach(function (li) { li.remove(); });
      ds.forEach(function (d) {
        var li = document.createElement('li');
        li.className = 'draft';
        li.dataset.id = d.id;
        var desc = (d.fields.filter(function (f) { return f[0] === 'description'; })[0] || [])[1] || '';
        li.textContent = when(d.created) + ' · ' + desc.slice(0, 40) + ' · ' + d.files.length + ' 📷';
        if (d.error) {
          var e = document.createElement('span');
          e.className = 'problem-inline';
          e.textContent = ' ' + d.error;
          li.appendChild(e);
        }
        list.appendChild(li);
      });
      queue.querySelector('.count').textContent = ds.length;
    });
  }
  function flush() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    return all().then(function (ds) {
      return ds.reduce(function (p, d) {
        return p.then(function () {
          if (d.error) { return; } // refused before: the reporter decides, nothing is resent blindly
          return send(bodyOf(d)).then(function (res) {
            var li = document.createElement('li');
            li.className = 'sent';
            var a = document.createElement('a');
            a.href = res.url;
            a.textContent = res.ticket;
            li.appendChild(document.createTextNode(queue.dataset.sent + ' '));
            li.appendChild(a);
            queue.querySelector('ul').appendChild(li);
            return del(d.id);
          }, function (err) {
            if (err && err.refused) { d.error = err.refused; return put(d); }
            throw err; // offline again: stop, keep the rest
          });
        });
      }, Promise.resolve());
    }).catch(function () {}).then(function () { sending = false; return render(); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('report-form');
    queue = document.getElementById('drafts');
    if (!form || !queue || !window.indexedDB) { return; }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var d = draftOf(form);
      var problem = document.getElementById('client-problem');
      problem.hidden = true;
      send(bodyOf(d)).then(function (res) {
        location.href = res.url + (res.url.includes('?') ? '&' : '?') + 'new=1';
      }, function (err) {
        if (err && err.refused) {
          problem.textContent = err.refused;
          problem.hidden = false;
          return;
        }
        put(d).then(function () {
          // A fresh form for the next report, at the same place.
          var lon = form.elements.lon.value, lat = form.elements.lat.value;
          form.reset();
          form.elements.lon.value = lon;
          form.elements.lat.value = lat;
          document.getElementById('photo-preview').textContent = '';
          document.getElementById('photo-count').textContent = '';
          return render();
        });
      });
    });
    window.addEventListener('online', flush);
    render().then(flush);
    // Keep the form and its files for opening offline next time, once the page has loaded:
    // the files come from the browser's cache then, not the network again.
    window.addEventListener('load', function () {
      if ('serviceWorker' in navigator) {
        navigator.serviceWorker.register('/sw.js').catch(function () {});
      }
      if (window.caches) {
        var urls = ['/report'];
        document.querySelectorAll('script[src], link[rel=stylesheet]').forEach(function (el) { urls.push(el.src || el.href); });
        caches.open('citygrid-v1').then(function (c) { return c.addAll(urls); }).catch(function () {});
      }
    });
    document.body.dataset.drafts = '1';
  });
})();
