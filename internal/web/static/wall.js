// The wall screen: figures that open their lists, every open case on a clustered map coloured
// by its light, bars by street and by category, the newest cases scrolling; refreshed every
// half minute from /dashboard/wall/data.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var raw = document.getElementById('wall-data');
    if (!raw) { return; }
    var data = JSON.parse(raw.textContent);
    var W = data.words;
    var $ = function (id) { return document.getElementById(id); };
    // The status a stage's overdue cases wait in, for the list a figure opens.
    var stageStatus = {accept: 'reported', dispatch: 'registered', sign: 'dispatched', handle: 'in_progress', verify: 'handled'};
    var rank = {red: 3, yellow: 2, green: 1, '': 0};

    var map = L.map('wall-map', {attributionControl: false, zoomControl: true, maxZoom: 18});
    map.zoomControl.getContainer().querySelectorAll('a').forEach(function (a) { a.title = ''; });
    window.citygridBase(map, data.base, {dark: true});
    (data.areas || []).forEach(function (g, i) {
      L.geoJSON(g, {interactive: false, style: {color: i === 0 ? '#f87171' : '#64748b', weight: i === 0 ? 2 : 1, fill: false}}).addTo(map);
    });
    map.setView([data.lat || 0, data.lon || 0], data.lat ? 11 : 2);
    var clusters = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 50,
      // A cluster takes the worst light of its cases: red anywhere inside shows red.
      iconCreateFunction: function (c) {
        var worst = '';
        c.getAllChildMarkers().forEach(function (m) { if (rank[m.options.light] > rank[worst]) { worst = m.options.light; } });
        var n = c.getChildCount();
        var size = n < 10 ? 30 : n < 100 ? 38 : 46;
        return L.divIcon({html: '<span>' + n + '</span>', className: 'wall-cluster light-' + (worst || 'none'), iconSize: [size, size]});
      }
    });
    map.addLayer(clusters);

    function link(href, cls, n, label) {
      var a = document.createElement('a');
      a.href = href; a.className = 'wall-kpi ' + (cls || '');
      var b = document.createElement('span');
      b.className = 'n'; b.textContent = typeof n === 'number' ? n.toLocaleString() : n;
      var l = document.createElement('span');
      l.className = 'l'; l.textContent = label;
      a.appendChild(b); a.appendChild(l);
      return a;
    }

    function kpis(d) {
      var box = $('wall-kpis');
      box.textContent = '';
      // The day's figures, each opening the day's list of its kind.
      var day = new Date().toLocaleDateString('sv', {timeZone: 'Asia/Shanghai'}); // YYYY-MM-DD in China
      var t = d.today || {};
      [['reported', '/tasks?status=all'], ['registered', '/tasks?status=open'], ['dispatched', '/tasks?status=open'], ['handled', '/tasks?status=all']].forEach(function (k) {
        if (t[k[0]] !== undefined && t[k[0]] !== null) { box.appendChild(link(k[1], 'day', t[k[0]], W['today_' + k[0]])); }
      });
      var rate = t.on_time_handle_rate;
      box.appendChild(link('/evaluation?group=department&from=' + day + '&to=' + day, 'day rate',
        rate === null || rate === undefined ? W.dash : (rate * 100).toFixed(1) + '%', W.today_on_time));
      var lights = {red: 0, yellow: 0};
      d.points.forEach(function (p) { if (p.light in lights) { lights[p.light]++; } });
      box.appendChild(link('/tasks?status=open', '', d.open, W.open));
      box.appendChild(link('/tasks?status=open&light=red', 'red', lights.red, W.red));
      box.appendChild(link('/tasks?status=open&light=yellow', 'yellow', lights.yellow, W.yellow));
      (d.overdue_by_stage || []).forEach(function (s) {
        box.appendChild(link('/tasks?status=' + stageStatus[s.key] + '&light=red', 'red', s.count, W.overdue + ' · ' + (d.stages[s.key] || s.key)));
      });
    }

    function bars(id, rows, href) {
      var ol = $(id);
      ol.textContent = '';
      if (!rows || !rows.length) {
        var li = document.createElement('li');
        li.className = 'wall-none'; li.textContent = W.none;
        ol.appendChild(li);
        return;
      }
      var top = rows.slice(0, 10), max = top[0].count;
      top.forEach(function (r) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = href(r);
        var name = document.createElement('span');
        name.className = 'name'; name.textContent = r.name || r.key;
        var bar = document.createElement('span');
        bar.className = 'bar'; bar.style.width = Math.max(2, Math.round(100 * r.count / max)) + '%';
        var n = document.createElement('span');
        n.className = 'count'; n.textContent = r.count.toLocaleString();
        a.appendChild(name); a.appendChild(bar); a.appendChild(n);
        li.appendChild(a);
        ol.appendChild(li);
      });
    }

    function newest(d) {
      var ul = $('wall-newest');
      ul.textContent = '';
      var pts = d.points.slice(0, 30);
      if (!pts.length) {
        var none = document.createElement('li');
        none.className = 'wall-none'; none.textContent = W.none;
        ul.appendChild(none);
        return;
      }
      pts.forEach(function (p) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = '/cases/' + p.id;
        var dot = document.createElement('span');
        dot.className = 'dot ' + (p.light || '');
        a.appendChild(dot);
        a.appendChild(document.createTextNode(p.ticket + ' ' + (p.category_name || '')));
        li.appendChild(a);
        ul.appendChild(li);
      });
    }

    var fitted = false;
    function draw(d) {
      kpis(d);
      clusters.clearLayers();
      var ms = [];
      d.points.forEach(function (p) {
        var m = L.marker([p.lat, p.lon], {light: p.light || '', keyboard: false,
          icon: L.divIcon({className: 'wall-pin light-' + (p.light || 'none'), iconSize: [14, 14]})});
        m.bindTooltip(p.ticket + ' ' + (p.category_name || ''));
        m.on('click', function () { location.href = '/cases/' + p.id; });
        ms.push(m);
      });
      clusters.addLayers(ms);
      if (ms.length && !fitted) { fitted = true; map.fitBounds(clusters.getBounds(), {padding: [20, 20], maxZoom: 14}); }
      $('wall-truncated').hidden = !d.truncated;
      bars('wall-streets', d.by_street, function (r) { return '/tasks?status=open&region=' + encodeURIComponent(r.key); });
      bars('wall-categories', d.by_category, function (r) {
        var kc = r.key.split(':');
        return '/tasks?status=open&kind=' + encodeURIComponent(kc[0]) + '&category=' + encodeURIComponent(kc[1]);
      });
      newest(d);
      $('wall-updated').textContent = W.updated + ' ' + clock(new Date(d.at), false);
    }

    // Times in the city's zone and the page's language, whatever the screen's computer says.
    var lang = document.documentElement.lang || 'zh-CN';
    function clock(t, withDate) {
      var o = {timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false};
      if (withDate) { o.year = 'numeric'; o.month = 'long'; o.day = 'numeric'; o.weekday = 'short'; }
      return t.toLocaleString(lang, o);
    }
    function tick() { $('wall-clock').textContent = clock(new Date(), true); }
    tick();
    setInterval(tick, 1000);
    // The newest list scrolls: the top line moves to the bottom every few seconds.
    setInterval(function () {
      var ul = $('wall-newest');
      if (ul.children.length > 8 && !ul.matches(':hover')) { ul.appendChild(ul.firstElementChild); }
    }, 4000);
    setInterval(function () {
      fetch('/dashboard/wall/data', {credentials: 'same-origin'}).then(function (r) {
        if (!r.ok) { throw new Error(r.statusText); }
        return r.json();
      }).then(function (d) { data = Object.assign(data, d); draw(data); }).catch(function () {});
    }, 30000);
    $('wall-full').addEventListener('click', function () {
      var el = document.documentElement;
      if (document.fullscreenElement) { document.exitFullscreen(); } else if (el.requestFullscreen) { el.requestFullscreen(); }
    });
    draw(data);
  });
})();
