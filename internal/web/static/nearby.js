// The report form's "already reported?": once the place is known (and the category, when one
// is chosen), the open reports around it show on the map and in a short list, each with a
// button to say "me too" (附议) to it instead of filing the same problem again; the form stays
// as it is, to report something else. nearby-load.js loads this with the first place known;
// report.js tells of each next place (citygrid:place). The words come with the answers.
(function () {
  'use strict';
  var form = document.getElementById('report-form');
  var box = document.getElementById('nearby');
  if (!form || !box) { return; }
  var words = {}, at = null, api = null, layer = null, timer = null, asked = '', styled = false;
  var list = el('ul', 'nearby-list');
  list.id = 'nearby-list';
  // Beside the category, out of the list's sight on a phone by then, a note leads up to it.
  var note = el('p', 'nearby-note');
  note.id = 'nearby-note';
  note.hidden = true;
  var description = form.querySelector('label[for=description]');
  if (description) { description.parentNode.insertBefore(note, description); }

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text) { n.textContent = text; }
    return n;
  }
  function category() {
    var c = form.querySelector('input[name=category]:checked') || form.querySelector('input[type=hidden][name=category]');
    return c ? c.value : '';
  }
  function colour(phase) {
    return getComputedStyle(document.documentElement).getPropertyValue('--phase-' + phase).trim() || '#52606d';
  }

  function ask() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (!at) { return; }
      var q = 'lon=' + at[0].toFixed(7) + '&lat=' + at[1].toFixed(7);
      var c = category();
      if (c) { q += '&category=' + encodeURIComponent(c); }
      if (q === asked) { return; }
      asked = q;
      fetch('/report/nearby?' + q, {credentials: 'same-origin'})
        .then(function (r) { return r.ok ? r.json() : {cases: []}; })
        .then(function (d) {
          if (q !== asked) { return; }
          words = d.words || words;
          if (!styled && d.css) { // its styles, the public pages', with the first answer
            styled = true;
            var css = el('link');
            css.rel = 'stylesheet';
            css.href = d.css;
            document.head.appendChild(css);
          }
          show(d.cases || []);
        })
        .catch(function () { /* offline: the form works without it */ });
    }, 300);
  }

  function draw(found) {
    if (!api) { return; }
    api.whenReady(function (map) {
      if (layer) { map.removeLayer(layer); }
      layer = L.layerGroup(found.map(function (c) {
        var col = colour(c.phase);
        var m = L.circleMarker([c.lat, c.lon], {radius: c.same_category ? 9 : 7, color: col, weight: c.blurred ? 3 : 2,
          dashArray: c.blurred ? '3 3' : null, fillColor: col, fillOpacity: c.blurred ? 0.1 : 0.55});
        m.bindTooltip(c.category_name + ' · ' + c.status_name);
        m.on('click', function () {
          var li = list.querySelector('[data-ticket="' + c.ticket + '"]');
          if (!li) { return; }
          li.scrollIntoView({block: 'center', behavior: 'smooth'});
          li.classList.add('flash');
          setTimeout(function () { li.classList.remove('flash'); }, 1200);
        });
        return m;
      })).addTo(map);
    });
  }

  // item is one report: what and how far along, how far off, and "is it this one?".
  function item(c) {
    var li = el('li', 'ph-' + c.phase);
    li.dataset.ticket = c.ticket;
    if (c.thumbnail) {
      var img = el('img', 'thumb');
      img.src = c.thumbnail;
      img.alt = words.photo;
      img.loading = 'lazy';
      li.appendChild(img);
    }
    var body = el('div', 'nb-body');
    var head = el('div');
    head.appendChild(el('span', 'ph-dot'));
    head.appendChild(el('strong', '', c.category_name));
    head.appendChild(document.createTextNode(' '));
    head.appendChild(el('span', 'badge s-' + c.status, c.status_name));
    body.appendChild(head);
    var facts = [c.blurred ? words.blurred : c.distance_m < 10 ? words.here : words.distance.replace('%d', String(Math.round(c.distance_m)))];
    facts.push(words.reported.replace('%s', c.reported));
    if (c.supports) { facts.push(words.supports.replace('%d', String(c.supports))); }
    body.appendChild(el('div', 'hint', facts.join(' · ')));
    var act = el('div', 'nb-ask');
    act.appendChild(el('span', '', words.ask));
    var b = el('button', 'secondary nb-support', words.support);
    b.type = 'button';
    b.addEventListener('click', function () { support(c, act, b); });
    act.appendChild(b);
    body.appendChild(act);
    li.appendChild(body);
    return li;
  }

  function show(found) {
    if (!box.firstChild && found.length) {
      box.appendChild(el('h2', '', words.heading));
      box.appendChild(list);
      box.appendChild(el('p', 'hint', words.other));
    }
    list.textContent = '';
    found.forEach(function (c) { list.appendChild(item(c)); });
    box.hidden = !found.length;
    draw(found);
    var same = found.filter(function (c) { return c.same_category; }).length;
    note.textContent = '';
    note.hidden = !same;
    if (same) {
      var a = el('a', '', words.note.replace('%d', String(same)));
      a.href = '#nearby';
      note.appendChild(a);
    }
  }

  // support says "me too" to a case: the answer takes the button's place, with the ticket and
  // a link to its tracking page, or says why not.
  function support(c, act, b) {
    b.disabled = true;
    var data = new URLSearchParams();
    data.set('ticket', c.ticket);
    fetch('/report/support', {method: 'POST', credentials: 'same-origin', body: data})
      .then(function (r) { return r.json().then(function (d) { return {ok: r.ok, d: d}; }); })
      .then(function (res) {
        act.textContent = '';
        var p = el('p', res.ok ? 'notice' : 'problem', res.ok ? res.d.message : (res.d.error || words.failed));
        p.setAttribute('role', 'status');
        act.appendChild(p);
        var a = el('a', 'nb-track', words.track);
        a.href = '/track/' + encodeURIComponent(res.ok ? res.d.ticket : c.ticket);
        act.appendChild(a);
      })
      .catch(function () {
        b.disabled = false;
        b.textContent = words.failed;
      });
  }

  function placed(p) {
    at = [p.lon, p.lat];
    api = p.map || api;
    ask();
  }
  form.addEventListener('citygrid:place', function (e) { placed(e.detail); });
  form.addEventListener('change', function (e) {
    if (e.target && e.target.name === 'category') { ask(); }
  });
  if (box.citygridPlace) { placed(box.citygridPlace); }
})();
