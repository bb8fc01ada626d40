// citygrid maps: what every map draws (the report form, the case page, the public map, the
// dashboard, the wall and the assessment map): the configured tiles, if any, in their own
// coordinate system; the offline base layer of district, subdistrict and community outlines
// with their names, and the unit grids from a zoom on, fetched as the view needs them; and a
// search box that finds a place by name. Points stay in WGS-84 everywhere: the map's own CRS
// converts them to the tiles' system on the way to the screen and back on a click.
(function () {
  'use strict';

  // ---- Coordinate systems: the formulas of internal/crs, to agree with the server's to 1e-9°.
  var PI = Math.PI, KA = 6378245.0, KEE = 0.00669342162296594323, XPI = PI * 3000.0 / 180.0;
  function inChina(lon, lat) { return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271; }
  function gcjForward(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0;
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    dLat += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    dLon += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dLon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * PI;
    var magic = Math.sin(radLat);
    magic = 1 - KEE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((KA * (1 - KEE)) / (magic * sqrtMagic) * PI);
    dLon = (dLon * 180.0) / (KA / sqrtMagic * Math.cos(radLat) * PI);
    return [lon + dLon, lat + dLat];
  }
  // invert solves forward(w) = (lon, lat) by fixed-point iteration, as the server does.
  function invert(forward, lon, lat, wLon, wLat) {
    for (var i = 0; i < 30; i++) {
      var f = forward(wLon, wLat), eLon = f[0] - lon, eLat = f[1] - lat;
      wLon -= eLon;
      wLat -= eLat;
      if (Math.abs(eLon) < 1e-12 && Math.abs(eLat) < 1e-12) { break; }
    }
    return [wLon, wLat];
  }
  function gcj02ToBd09(lon, lat) {
    var z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * XPI);
    var theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * XPI);
    return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
  }
  var crs = {
    wgs84ToGcj02: function (lon, lat) { return inChina(lon, lat) ? gcjForward(lon, lat) : [lon, lat]; },
    gcj02ToWgs84: function (lon, lat) { return inChina(lon, lat) ? invert(gcjForward, lon, lat, lon, lat) : [lon, lat]; },
    gcj02ToBd09: gcj02ToBd09,
    bd09ToGcj02: function (lon, lat) {
      var x = lon - 0.0065, y = lat - 0.006;
      var z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * XPI);
      var theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * XPI);
      return invert(gcj02ToBd09, lon, lat, z * Math.cos(theta), z * Math.sin(theta));
    },
    // convert goes through GCJ-02, the system both others are defined against.
    convert: function (from, to, lon, lat) {
      var known = {wgs84: 1, gcj02: 1, bd09: 1};
      if (from === to || !known[from] || !known[to]) { return [lon, lat]; }
      var g = from === 'wgs84' ? crs.wgs84ToGcj02(lon, lat) : from === 'bd09' ? crs.bd09ToGcj02(lon, lat) : [lon, lat];
      return to === 'wgs84' ? crs.gcj02ToWgs84(g[0], g[1]) : to === 'bd09' ? gcj02ToBd09(g[0], g[1]) : g;
    }
  };
  window.citygridCRS = crs;

  // leafletCRS is web Mercator in the tiles' system: a WGS-84 point is drawn where the tiles
  // draw it, and a click is read back in WGS-84.
  function leafletCRS(system) {
    if (system !== 'gcj02' && system !== 'bd09') { return L.CRS.EPSG3857; }
    var merc = L.Projection.SphericalMercator;
    return L.extend({}, L.CRS.EPSG3857, {
      code: 'citygrid:' + system,
      projection: {
        bounds: merc.bounds,
        project: function (ll) { var p = crs.convert('wgs84', system, ll.lng, ll.lat); return merc.project(L.latLng(p[1], p[0])); },
        unproject: function (pt) { var ll = merc.unproject(pt), p = crs.convert(system, 'wgs84', ll.lng, ll.lat); return L.latLng(p[1], p[0]); }
      }
    });
  }

  // ---- The offline base layer.
  // Each level: the zooms its outlines are drawn at, filled (the finest level in view), and
  // labelled; the whole level at once, or tiles of that many degrees around the view.
  var LEVELS = [
    {level: 'district', draw: [0, 12], fill: [0, 10], label: [0, 10], style: {color: '#6b4f7a', weight: 2.5}},
    {level: 'subdistrict', draw: [11, 14], fill: [11, 12], label: [11, 12], style: {color: '#8b6f99', weight: 1.6, dashArray: '6 4'}},
    {level: 'community', draw: [13, 30], fill: [13, 30], label: [13, 30], tile: 0.1, style: {color: '#7d8b99', weight: 1.1}},
    {level: 'grid', draw: [15, 30], fill: [99, 99], label: [16, 30], tile: 0.02, style: {color: '#aab4be', weight: 0.8}}
  ];
  var MAX_TILES = 24; // per level and view: a wall screen at the level's first zoom needs fewer
  var fetched = {}; // url → promise of the answer, shared by every map on the page

  function within(z, range) { return z >= range[0] && z <= range[1]; }
  function fixed(v) { return String(+v.toFixed(4)); }

  function fetchLevel(url) {
    if (!fetched[url]) {
      fetched[url] = fetch(url, {credentials: 'same-origin'}).then(function (r) {
        if (!r.ok) { throw new Error('base layer ' + r.status); }
        return r.json();
      });
      fetched[url].catch(function () { delete fetched[url]; }); // asked again next time
    }
    return fetched[url];
  }

  // On a dark map (the wall screen) the outlines are light and the regions a shade lighter than
  // the ground.
  var DARK = {district: '#a5b4fc', subdistrict: '#818cf8', community: '#64748b', grid: '#475569'};

  function baseLayer(map, dark) {
    var el = map.getContainer();
    map.createPane('cgBase').style.zIndex = 250; // above tiles, below everything a page draws
    map.createPane('cgLabels').style.zIndex = 350;
    map.getPane('cgLabels').style.pointerEvents = 'none';
    var renderer = L.canvas({pane: 'cgBase', padding: 0.5});
    var levels = LEVELS.map(function (spec, i) {
      var lv = {spec: spec, rank: i, seen: {}, labels: [], labelGroup: L.layerGroup([], {pane: 'cgLabels'}),
        line: dark ? L.extend({}, spec.style, {color: DARK[spec.level]}) : spec.style};
      lv.style = lv.line;
      lv.outlines = L.geoJSON(null, {pane: 'cgBase', renderer: renderer, interactive: false, style: function () { return lv.style; }});
      return lv;
    });
    var pending = 0;

    function add(lv, answer) {
      (answer.features || []).forEach(function (f) {
        if (lv.seen[f.id]) { return; }
        lv.seen[f.id] = true;
        lv.outlines.addData(f);
        var p = f.properties || {};
        if (!p.at || !p.label) { return; }
        var span = document.createElement('span');
        span.textContent = p.label;
        span.title = p.name || p.label;
        var m = L.marker([p.at[1], p.at[0]], {pane: 'cgLabels', interactive: false, keyboard: false,
          icon: L.divIcon({className: 'cg-label cg-label-' + lv.spec.level, html: span, iconSize: null})});
        m.cgRank = lv.rank;
        lv.labels.push(m);
        lv.labelGroup.addLayer(m);
      });
    }

    function need(lv, urls) {
      urls.forEach(function (url) {
        pending++;
        fetchLevel(url).then(function (answer) { add(lv, answer); }, function () { /* offline: the outlines come back with the network */ })
          .then(function () {
            pending--;
            declutter();
            if (!pending) {
              el.dataset.basemap = 'ready';
              if (!el.dataset.readyAt) { el.dataset.readyAt = String(Math.round(performance.now())); } // the budget test reads it
            }
          });
      });
    }

    function urlsFor(spec) {
      if (!spec.tile) { return ['/api/v1/basemap?level=' + spec.level]; }
      var b = map.getBounds().pad(0.15), t = spec.tile;
      var w = Math.floor(Math.max(b.getWest(), -180) / t), e = Math.floor(Math.min(b.getEast(), 179.999) / t);
      var s = Math.floor(Math.max(b.getSouth(), -85) / t), n = Math.floor(Math.min(b.getNorth(), 85) / t);
      var out = [];
      for (var x = w; x <= e; x++) {
        for (var y = s; y <= n; y++) {
          if (out.length < MAX_TILES) {
            out.push('/api/v1/basemap?level=' + spec.level + '&bbox=' + [fixed(x * t), fixed(y * t), fixed((x + 1) * t), fixed((y + 1) * t)].join(','));
          }
        }
      }
      return out;
    }

    function update() {
      var z = map.getZoom();
      el.dataset.basemap = 'loading';
      levels.forEach(function (lv) {
        var s = lv.spec, on = within(z, s.draw);
        if (on !== map.hasLayer(lv.outlines)) { if (on) { lv.outlines.addTo(map); } else { map.removeLayer(lv.outlines); } }
        var labelled = within(z, s.label);
        if (labelled !== map.hasLayer(lv.labelGroup)) { if (labelled) { lv.labelGroup.addTo(map); } else { map.removeLayer(lv.labelGroup); } }
        var filled = within(z, s.fill);
        if (lv.filled !== filled) {
          lv.filled = filled;
          lv.style = L.extend({}, lv.line, {fill: filled, fillColor: dark ? '#1e293b' : '#ffffff', fillOpacity: filled ? (dark ? 0.5 : 0.6) : 0});
          lv.outlines.setStyle(lv.style);
        }
        if (on) { need(lv, urlsFor(s)); }
      });
      declutter();
      if (!pending) { el.dataset.basemap = 'ready'; }
    }

    // declutter hides the labels that would overlap one already shown, coarser levels first.
    function declutter() {
      var size = map.getSize(), shown = [];
      // The map's own controls (zoom, search) hide what is under them.
      var origin = el.getBoundingClientRect();
      el.querySelectorAll('.leaflet-control').forEach(function (c) {
        var r = c.getBoundingClientRect();
        if (r.width) { shown.push([r.left - origin.left, r.top - origin.top, r.right - origin.left, r.bottom - origin.top]); }
      });
      levels.forEach(function (lv) {
        if (!map.hasLayer(lv.labelGroup)) { return; }
        lv.labels.forEach(function (m) {
          var node = m.getElement();
          if (!node) { return; }
          var p = map.latLngToContainerPoint(m.getLatLng());
          if (p.x < -300 || p.y < -50 || p.x > size.x + 300 || p.y > size.y + 50) { node.style.visibility = 'hidden'; return; }
          var r = (node.firstChild || node).getBoundingClientRect(); // where the name is drawn, as styled
          var box = [r.left - origin.left - 2, r.top - origin.top - 1, r.right - origin.left + 2, r.bottom - origin.top + 1];
          var cut = box[0] < 0 || box[1] < 0 || box[2] > size.x || box[3] > size.y; // a name half off the map
          var clash = cut || shown.some(function (o) { return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]; });
          node.style.visibility = clash ? 'hidden' : '';
          if (!clash) { shown.push(box); }
        });
      });
    }

    map.on('moveend', update);
    map.whenReady(update);
    return {update: update};
  }

  // ---- Finding a place by name: a search box on the map.
  function searchControl(map, words, onPlace) {
    words = words || {};
    var Search = L.Control.extend({
      options: {position: 'topright'},
      onAdd: function () {
        var box = L.DomUtil.create('div', 'cg-search leaflet-bar');
        var input = L.DomUtil.create('input', '', box);
        input.type = 'search';
        input.placeholder = words.placeholder || '';
        input.setAttribute('aria-label', words.label || words.placeholder || 'search');
        input.setAttribute('autocomplete', 'off');
        input.setAttribute('enterkeyhint', 'search');
        var list = L.DomUtil.create('ul', 'cg-results', box);
        list.setAttribute('role', 'listbox');
        list.hidden = true;
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        var timer = null, asked = '', found = [];
        function go(place) {
          list.hidden = true;
          input.value = place.name;
          if (place.bbox) {
            var b = place.bbox;
            map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: 17, padding: [8, 8]});
          } else if (place.point) {
            map.setView([place.point[1], place.point[0]], Math.max(map.getZoom(), 17));
          }
          if (onPlace) { onPlace(place); }
        }
        function show(places) {
          found = places;
          list.textContent = '';
          if (!places.length) {
            var none = L.DomUtil.create('li', 'cg-none', list);
            none.textContent = words.none || '';
          }
          places.forEach(function (p) {
            var li = L.DomUtil.create('li', 'cg-result', list);
            li.setAttribute('role', 'option');
            li.tabIndex = 0;
            var name = L.DomUtil.create('span', 'cg-name', li);
            name.textContent = p.name;
            var kind = L.DomUtil.create('span', 'cg-kind', li);
            kind.textContent = ((words.kinds || {})[p.kind] || p.kind_label || '') + (p.context ? ' · ' + p.context : '');
            L.DomEvent.on(li, 'click', function () { go(p); });
            L.DomEvent.on(li, 'keydown', function (e) { if (e.key === 'Enter') { go(p); } });
          });
          list.hidden = false;
        }
        function ask(now) {
          var q = input.value.trim();
          clearTimeout(timer);
          if (!q) { list.hidden = true; asked = ''; return; }
          if (q === asked && !now) { return; }
          timer = setTimeout(function () {
            asked = q;
            fetch('/api/v1/places?q=' + encodeURIComponent(q), {credentials: 'same-origin'})
              .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
              .then(function (places) {
                if (q !== input.value.trim()) { return; }
                show(places);
                if (now && places.length) { go(places[0]); }
              }, function () {
                list.textContent = '';
                L.DomUtil.create('li', 'cg-none', list).textContent = words.failed || '';
                list.hidden = false;
              });
          }, now ? 0 : 250);
        }
        L.DomEvent.on(input, 'input', function () { ask(false); });
        L.DomEvent.on(input, 'keydown', function (e) {
          if (e.key === 'Enter') {
            L.DomEvent.preventDefault(e); // never the form around the map
            if (found.length && asked === input.value.trim()) { go(found[0]); } else { ask(true); }
          } else if (e.key === 'Escape') {
            list.hidden = true;
          }
        });
        return box;
      }
    });
    var control = new Search();
    control.addTo(map);
    return control;
  }

  // base gives a page's map what every map has; the page calls it right after L.map(). cfg is
  // the page's map data's "base": the tiles (null: none) and the words of the search box; opts
  // may ask for no search box (search: false), a dark map (dark: true) and say what to do once
  // a place is found (onPlace).
  function base(map, cfg, opts) {
    cfg = cfg || {};
    opts = opts || {};
    var tiles = cfg.tiles;
    var system = tiles ? tiles.crs : 'wgs84';
    if (system !== 'wgs84') {
      var centre = map._loaded ? map.getCenter() : null, zoom = map._loaded ? map.getZoom() : null;
      map.options.crs = leafletCRS(system);
      if (centre) { map.setView(centre, zoom, {reset: true}); }
    }
    if (map.options.maxZoom === undefined) { map.setMaxZoom(19); }
    var el = map.getContainer();
    el.classList.add('cg-map');
    el.dataset.crs = system;
    el.citygridMap = map; // for the browser tests and the console: the map behind the element
    if (tiles) {
      if (!map.attributionControl) { map.attributionControl = L.control.attribution({prefix: false}).addTo(map); }
      tiles.layers.forEach(function (l) {
        L.tileLayer(l.url, {subdomains: l.subdomains || 'abc', maxNativeZoom: l.max_zoom || 18, maxZoom: 19, attribution: l.attribution || ''}).addTo(map);
      });
    } else {
      el.classList.add('cg-offline');
    }
    var layer = baseLayer(map, !!opts.dark);
    if (opts.search !== false) { searchControl(map, cfg.words, opts.onPlace); }
    return layer;
  }
  window.citygridBase = base;

  // leaflet runs fn once Leaflet is there: a page that lists it among its scripts has it
  // already; the report form fetches it after the form is usable (its data-leaflet and
  // data-leaflet-css name the files), as the form works without the map.
  function leaflet(el, fn) {
    if (window.L) { fn(); return; }
    var waits = [];
    function load(tag, attrs) {
      waits.push(new Promise(function (resolve, reject) {
        var node = document.createElement(tag);
        Object.keys(attrs).forEach(function (k) { node[k] = attrs[k]; });
        node.onload = resolve;
        node.onerror = reject;
        document.head.appendChild(node);
      }));
    }
    if (el.dataset.leafletCss) { load('link', {rel: 'stylesheet', href: el.dataset.leafletCss}); }
    if (el.dataset.leaflet) { load('script', {src: el.dataset.leaflet}); }
    Promise.all(waits).then(fn, function () { el.dataset.basemap = 'failed'; });
  }

  function pin(cls) {
    return L.divIcon({className: 'pin ' + (cls || ''), iconSize: [22, 22], iconAnchor: [11, 22]});
  }

  // citygridMap is a map with a place on it: the point (draggable when opts.onMove is given),
  // the unit grid around it, and a reported line or area. Calls made before Leaflet has
  // arrived are kept and drawn when it has.
  function citygridMap(el, data, opts) {
    opts = opts || {};
    var st = {grid: null, shape: null, point: null, pointShown: true, view: null};
    var map = null, gridLayer = null, shapeLayer = null, marker = null, ready = [];

    function drawGrid() {
      if (gridLayer) { map.removeLayer(gridLayer); gridLayer = null; }
      if (st.grid) {
        gridLayer = L.geoJSON(st.grid, {interactive: false, style: {color: '#b91c1c', weight: 2, fillOpacity: 0.08}}).addTo(map);
      }
    }
    function drawShape() {
      if (shapeLayer) { map.removeLayer(shapeLayer); shapeLayer = null; }
      if (st.shape) {
        shapeLayer = L.geoJSON(st.shape, {interactive: false, style: {color: '#1d4ed8', weight: 4, fillOpacity: 0.25},
          pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 5, color: '#1d4ed8', fillOpacity: 0.8}); }}).addTo(map);
      }
    }
    function drawPoint(fit) {
      if (!st.point) { return; }
      var ll = L.latLng(st.point[1], st.point[0]);
      if (!marker) {
        marker = L.marker(ll, {icon: pin(), draggable: !!opts.draggable, keyboard: true, title: opts.title || ''}).addTo(map);
        if (opts.onMove) {
          marker.on('dragend', function () { var p = marker.getLatLng(); st.point = [p.lng, p.lat]; opts.onMove(p.lng, p.lat); });
        }
      } else {
        marker.setLatLng(ll);
      }
      marker.setOpacity(st.pointShown ? 1 : 0);
      if (fit) { map.setView(ll, Math.max(map.getZoom() || 0, 16)); }
    }
    function fitGrid() {
      var b = gridLayer ? gridLayer.getBounds() : null;
      if (shapeLayer) { b = b ? b.extend(shapeLayer.getBounds()) : shapeLayer.getBounds(); }
      if (b) { map.fitBounds(b, {padding: [16, 16], maxZoom: 17}); }
      return !!b;
    }

    var api = {
      map: null,
      // whenReady runs fn with the Leaflet map once there is one.
      whenReady: function (fn) { if (map) { fn(map); } else { ready.push(fn); } },
      setGrid: function (geometry) { st.grid = geometry || null; if (map) { drawGrid(); } },
      setPoint: function (lon, lat, fit) {
        st.point = [lon, lat];
        if (fit) { st.view = 'point'; }
        if (map) { drawPoint(fit); }
      },
      // setShape draws a reported line or area (GeoJSON), or removes it.
      setShape: function (geometry) { st.shape = geometry || null; if (map) { drawShape(); } },
      showPoint: function (on) { st.pointShown = on; if (marker) { marker.setOpacity(on ? 1 : 0); } },
      fitGrid: function () { st.view = 'grid'; if (map) { fitGrid(); } }
    };

    leaflet(el, function () {
      map = L.map(el, {zoomControl: true, attributionControl: false});
      api.map = map;
      base(map, data.base, {onPlace: opts.onPlace});
      if (opts.onMove) {
        map.on('click', function (e) {
          if (opts.onTap && opts.onTap(e.latlng.lng, e.latlng.lat)) { return; } // drawing a line or area
          api.setPoint(e.latlng.lng, e.latlng.lat);
          opts.onMove(e.latlng.lng, e.latlng.lat);
        });
      }
      map.setView([data.lat || 0, data.lon || 0], data.lat ? 15 : 3);
      drawGrid();
      drawShape();
      drawPoint(st.view === 'point');
      if (st.view === 'grid') { fitGrid(); }
      ready.forEach(function (fn) { fn(map); });
      ready = [];
    });
    return api;
  }
  window.citygridMap = citygridMap;

  // A case page: the point in its grid, not editable.
  document.addEventListener('DOMContentLoaded', function () {
    var el = document.getElementById('map');
    var raw = document.getElementById('map-data');
    if (!el || !raw || document.getElementById('report-form') || document.getElementById('desk-form')) { return; }
    var data = JSON.parse(raw.textContent);
    var m = citygridMap(el, data, {});
    m.setGrid(data.grid);
    m.setShape(data.shape);
    m.setPoint(data.lon, data.lat);
    if (data.grid || data.shape) { m.fitGrid(); }
  });
})();
