// Patrol tracking (巡查): while a patrol runs, the workspace watches the phone's position and
// posts the fixes to /patrol/points, the first at once and then every 20 seconds. Fixes that
// cannot be sent wait (in sessionStorage, so a reload keeps them) and go with the next post.
// A web page sees the position only while it is open: a closed tab or a sleeping phone leaves
// a gap in the track, which the page says it needs to stay open for.
(function () {
  'use strict';
  var box = document.getElementById('patrol');
  if (!box || !box.dataset.running || !window.fetch) return;
  var key = 'citygrid.patrol.' + box.dataset.running;
  var status = document.getElementById('patrol-track');
  var recorded = parseInt(box.dataset.points || '0', 10) || 0;
  var pending = [];
  var sending = null;
  var lastAt = 0;
  var watch = null;
  var first = true;
  try { pending = JSON.parse(sessionStorage.getItem(key) || '[]') || []; } catch (e) { pending = []; }

  function save() {
    try { sessionStorage.setItem(key, JSON.stringify(pending)); } catch (e) { /* private mode: memory only */ }
  }
  function say(template, n) {
    if (status && template) status.textContent = template.replace('%s', String(n));
  }
  function flush() {
    if (sending) return sending;
    if (!pending.length) return Promise.resolve();
    var batch = pending.slice(0, 500);
    sending = fetch('/patrol/points', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ points: batch })
    }).then(function (res) {
      if (res.ok) {
        pending = pending.slice(batch.length);
        save();
        return res.json().then(function (out) {
          recorded += out.recorded || 0;
          if (out.track) {
            // The server's count of the whole track, worded as the card words it: the running
            // line and the day's list show the same numbers.
            if (status) status.textContent = out.track;
            var entry = box.querySelector('li[data-running] .track');
            if (entry) entry.textContent = out.track;
            return;
          }
          say(box.dataset.sent, recorded);
        });
      }
      if (res.status === 409 || res.status === 422 || res.status === 400) {
        // Refused for good (the patrol was stopped elsewhere, or a fix is no position): sending
        // it again would be refused again.
        pending = pending.slice(batch.length);
        save();
        if (res.status === 409 && watch !== null) navigator.geolocation.clearWatch(watch);
        return;
      }
      say(box.dataset.waiting, pending.length);
    }, function () {
      say(box.dataset.waiting, pending.length);
    }).then(function () { sending = null; });
    return sending;
  }

  if (!navigator.geolocation) {
    say(box.dataset.noGps, 0);
  } else {
    watch = navigator.geolocation.watchPosition(function (pos) {
      var at = pos.timestamp || Date.now();
      if (at - lastAt < 5000) return; // a fix every five seconds is track enough
      lastAt = at;
      pending.push({ at: new Date(at).toISOString(), lon: pos.coords.longitude, lat: pos.coords.latitude,
        accuracy: pos.coords.accuracy || 0 });
      save();
      if (first) { first = false; flush(); } // show at once that the track is being kept
    }, function (err) {
      if (err.code === 1) say(box.dataset.noGps, 0); // permission denied
    }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 60000 });
  }
  setInterval(flush, 20000);
  window.addEventListener('online', flush);
  flush();

  // Stopping sends what is still waiting first, then stops (within three seconds at most).
  var stop = document.getElementById('patrol-stop');
  if (stop) {
    stop.addEventListener('submit', function (e) {
      if (!pending.length) return;
      e.preventDefault();
      var done = false;
      var go = function () { if (!done) { done = true; stop.submit(); } };
      flush().then(go, go);
      setTimeout(go, 3000);
    });
  }
})();
