// citygrid's service worker: the report form and its files open without a network. Static
// files have content-hashed URLs, so a cached copy is always right; the form itself is fetched
// fresh when possible and taken from the cache when not.
'use strict';
var CACHE = 'citygrid-v1';
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (e) { e.waitUntil(self.clients.claim()); });
self.addEventListener('fetch', function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf('/static/') === 0) {
    e.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { c.put(req, copy); });
        return res;
      });
    }));
  } else if (req.mode === 'navigate' && url.pathname === '/report') {
    e.respondWith(fetch(req).catch(function () { return caches.match('/report'); }));
  }
});
