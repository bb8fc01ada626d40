// The command dashboard: counters, the newest cases on a map and in a list, and charts, kept
// current without reloading by the server-sent events of /api/v1/events.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var raw = document.getElementById('dash-data');
    if (!raw) { return; }
    var data = JSON.parse(raw.textContent);
    var live = document.getElementById('live');
    var map = L.map('dash-map', {attributionControl: false});
    window.citygridBase(map, data.base);
    (data.areas || []).forEach(function (g, i) {
      L.geoJSON(g, {interactive: false, style: {color: i === 0 ? '#b91c1c' : '#7b8794', weight: i === 0 ? 2 : 1, fill: false}}).addTo(map);
    });
    map.setView([data.lat || 0, data.lon || 0], data.lat ? 12 : 2);
    var fitted = false;
    var points = L.layerGroup().addTo(map);
    var intake = echarts.init(document.getElementById('chart-intake'));
    var overdue = echarts.init(document.getElementById('chart-overdue'));

    function draw(d) {
      d.areas = data.areas;
      data = d;
      Object.keys(d.statuses).forEach(function (s) {
        var el = document.getElementById('count-' + s);
        if (el) { el.textContent = (d.by_status[s] || 0).toLocaleString(); }
      });
      document.getElementById('count-overdue').textContent = (d.overdue || 0).toLocaleString();
      points.clearLayers();
      var bounds = [];
      (d.newest || []).forEach(function (c) {
        var label = c.ticket + ' ' + (d.statuses[c.status] || c.status);
        if (c.geometry) { // a line or area as reported
          L.geoJSON(c.geometry, {style: {color: '#1d4ed8', weight: 3, fillOpacity: 0.2}}).bindTooltip(label).addTo(points);
        }
        L.circleMarker([c.lat, c.lon], {radius: 6, color: '#b91c1c', weight: 2, fillOpacity: 0.6})
          .bindTooltip(label).addTo(points);
        bounds.push([c.lat, c.lon]);
      });
      if (bounds.length && !fitted) { fitted = true; map.fitBounds(bounds, {padding: [20, 20], maxZoom: 13}); }
      intake.setOption({animation: false, grid: {left: 36, right: 8, top: 10, bottom: 24}, tooltip: {trigger: 'axis'},
        xAxis: {type: 'category', data: d.days.map(function (x) { return x.slice(5); })},
        yAxis: {type: 'value', minInterval: 1},
        series: [{type: 'bar', name: d.words.intake, data: d.days.map(function (x) { return d.intake_by_day[x]; }), itemStyle: {color: '#b91c1c'}}]});
      // The departments with the most overdue cases, largest on top, named as people know them.
      var depts = Object.keys(d.overdue_by_department || {}).sort(function (a, b) {
        return d.overdue_by_department[a] - d.overdue_by_department[b] || (a < b ? 1 : -1);
      }).slice(-10);
      var name = function (k) { return k ? ((d.department_names || {})[k] || k) : d.words.centre; };
      overdue.setOption({animation: false, grid: {left: 8, right: 24, top: 4, bottom: 20, containLabel: true}, tooltip: {trigger: 'axis'},
        yAxis: {type: 'category', data: depts.map(name), axisLabel: {width: 110, overflow: 'truncate'}}, xAxis: {type: 'value', minInterval: 1},
        series: [{type: 'bar', name: d.words.overdue, data: depts.map(function (k) { return d.overdue_by_department[k]; }), itemStyle: {color: '#dc2626'}}]});
    }

    function showChange(c) {
      var list = document.getElementById('newest');
      var li = list.querySelector('li[data-ticket="' + c.ticket + '"]');
      if (!li) {
        li = document.createElement('li');
        li.dataset.ticket = c.ticket;
        list.insertBefore(li, list.firstChild);
      }
      li.textContent = '';
      var a = document.createElement('a');
      a.href = '/cases/' + c.id;
      a.textContent = c.ticket;
      var badge = document.createElement('span');
      badge.className = 'badge s-' + c.status;
      badge.textContent = data.statuses[c.status] || c.status;
      li.appendChild(a);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(badge);
      li.appendChild(document.createTextNode(' ' + (c.category_name || '')));
    }

    var pending = null;
    function refresh() {
      if (pending) { return; }
      pending = setTimeout(function () {
        pending = null;
        fetch('/dashboard/data', {credentials: 'same-origin'}).then(function (r) { return r.ok ? r.json() : null; })
          .then(function (d) { if (d) { draw(d); } }).catch(function () {});
      }, 300);
    }

    draw(data);
    var es = new EventSource('/api/v1/events?after=' + data.head);
    es.addEventListener('open', function () { live.textContent = live.dataset.labelLive; document.body.dataset.live = '1'; });
    es.addEventListener('error', function () { live.textContent = live.dataset.labelDown; });
    es.addEventListener('case', function (e) {
      var c = JSON.parse(e.data);
      showChange(c);
      refresh();
    });
    window.addEventListener('resize', function () { intake.resize(); overdue.resize(); });
  });
})();
