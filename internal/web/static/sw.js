// citygrid's service worker: the report form, the inspector's assessment pages and their files
// open without a network. Static files have content-hashed URLs, so a cached copy is always
// right; the pages themselves are fetched fresh when possible and taken from the cache when not.
'use strict';
var CACHE = 'citygrid-v1';
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (e) { e.waitUntil(self.clients.claim()); });
self.addEventListener('fetch', function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) { return; }
  // Static files and the site's emblem have content-hashed URLs.
  if (url.pathname.indexOf('/static/') === 0 || url.pathname.indexOf('/emblem/') === 0) {
    e.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { c.put(req, copy); });
        return res;
      });
    }));
  } else if (req.mode === 'navigate' && url.pathname === '/report') {
    e.respondWith(fetch(req).catch(function () { return caches.match('/report'); }));
  } else if (req.mode === 'navigate' && (url.pathname === '/assessment' || url.pathname.indexOf('/assessment/inspections/') === 0)) {
    // The inspector's workspace and scoring forms, as the phone last kept them.
    e.respondWith(fetch(req).catch(function () {
      return caches.match(url.pathname, {ignoreVary: true, ignoreSearch: true}).then(function (hit) { return hit || Response.error(); });
    }));
  }
});
