// citygrid pickers: a search box that finds a region, department, category or person by name
// and posts its code. The markup is a .picker holding the visible search box (.picker-q), the
// hidden input that is posted, and a listbox; the options come from a JSON script on the page
// (data-options names it) or from the server as one types (data-src). Each option is
// {v: value, l: label, s: secondary text (the code, the parent)}. Events are delegated, so rows
// added to a table later pick too.
(function () {
  'use strict';
  var MAX = 30;
  var local = {};      // options by script id, parsed once
  var timers = new WeakMap();
  var serial = 0;

  function parts(el) {
    var box = el.closest('.picker');
    if (!box) { return null; }
    return {box: box, q: box.querySelector('.picker-q'), value: box.querySelector('input[type=hidden]'),
      list: box.querySelector('.picker-list')};
  }
  // optionsOf reads the options of one or more JSON scripts (ids separated by spaces).
  function optionsOf(ids) {
    if (!local[ids]) {
      local[ids] = [];
      ids.split(' ').forEach(function (id) {
        var s = document.getElementById(id);
        if (s) { local[ids] = local[ids].concat(JSON.parse(s.textContent || '[]')); }
      });
    }
    return local[ids];
  }
  function matches(o, q) {
    if (!q) { return true; }
    q = q.toLowerCase();
    return (o.l || '').toLowerCase().indexOf(q) >= 0 || (o.s || '').toLowerCase().indexOf(q) >= 0 ||
      String(o.v).toLowerCase().indexOf(q) === 0;
  }
  function close(p) {
    p.list.hidden = true;
    p.q.setAttribute('aria-expanded', 'false');
    p.q.removeAttribute('aria-activedescendant');
  }
  function render(p, opts) {
    var ul = p.list;
    ul.textContent = '';
    var any = p.box.dataset.any;
    if (any !== undefined && !p.q.value.trim()) {
      opts = [{v: '', l: any}].concat(opts);
    }
    if (!p.list.id) { p.list.id = 'picker-list-' + (++serial); }
    opts.slice(0, MAX).forEach(function (o, i) {
      var li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.id = p.list.id + '-' + i;
      li.dataset.v = o.v;
      li.dataset.l = o.l;
      var b = document.createElement('span');
      b.textContent = o.l;
      li.appendChild(b);
      if (o.s) {
        var s = document.createElement('small');
        s.textContent = o.s;
        li.appendChild(s);
      }
      if (String(o.v) === p.value.value) { li.setAttribute('aria-selected', 'true'); }
      ul.appendChild(li);
    });
    if (!ul.children.length) {
      var none = document.createElement('li');
      none.className = 'picker-none';
      none.textContent = p.box.dataset.none || '';
      ul.appendChild(none);
    }
    ul.hidden = false;
    p.q.setAttribute('aria-expanded', 'true');
    place(p);
  }
  // place lays the list under its box, over whatever scrolls: a picker in a table that scrolls
  // sideways would otherwise have its list cut off.
  function place(p) {
    var r = p.q.getBoundingClientRect();
    var w = Math.min(Math.max(r.width, 240), window.innerWidth - 8);
    p.list.style.width = w + 'px';
    p.list.style.left = Math.max(4, Math.min(r.left, window.innerWidth - w - 4)) + 'px';
    // Below the box when there is room, else above it: a list off the screen cannot be chosen from.
    var below = window.innerHeight - r.bottom - 8;
    var above = r.top - 8;
    if (below >= 200 || below >= above) {
      p.list.style.top = r.bottom + 'px';
      p.list.style.bottom = '';
      p.list.style.maxHeight = Math.max(below, 120) + 'px';
    } else {
      p.list.style.top = '';
      p.list.style.bottom = (window.innerHeight - r.top) + 'px';
      p.list.style.maxHeight = Math.min(above, 288) + 'px';
    }
  }
  window.addEventListener('scroll', function () {
    document.querySelectorAll('.picker-list:not([hidden])').forEach(function (ul) { place(parts(ul)); });
  }, true);
  window.addEventListener('resize', function () {
    document.querySelectorAll('.picker-list:not([hidden])').forEach(function (ul) { place(parts(ul)); });
  });
  function search(p) {
    var q = p.q.value.trim();
    if (p.box.dataset.options) {
      render(p, optionsOf(p.box.dataset.options).filter(function (o) { return matches(o, q); }));
      return;
    }
    var src = p.box.dataset.src;
    if (!src) { return; }
    clearTimeout(timers.get(p.box));
    timers.set(p.box, setTimeout(function () {
      var mine = ++serial;
      p.box.dataset.asked = mine;
      fetch(src + (src.indexOf('?') >= 0 ? '&' : '?') + 'q=' + encodeURIComponent(q), {credentials: 'same-origin'})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (opts) {
          if (String(mine) === p.box.dataset.asked && document.activeElement === p.q) { render(p, opts || []); }
        })
        .catch(function () { /* offline: the typed text stays, the server will say */ });
    }, 150));
  }
  function choose(p, li) {
    p.value.value = li.dataset.v;
    p.q.value = li.dataset.v === '' ? '' : li.dataset.l;
    p.box.dataset.label = p.q.value;
    p.q.setCustomValidity('');
    close(p);
    p.value.dispatchEvent(new Event('change', {bubbles: true}));
  }
  function active(p) { return p.list.querySelector('[data-active]'); }
  function move(p, by) {
    var items = Array.prototype.slice.call(p.list.querySelectorAll('[role=option]'));
    if (!items.length) { return; }
    var cur = items.indexOf(active(p));
    if (cur >= 0) { items[cur].removeAttribute('data-active'); }
    var next = items[(cur + by + items.length) % items.length];
    next.setAttribute('data-active', '');
    p.q.setAttribute('aria-activedescendant', next.id);
    next.scrollIntoView({block: 'nearest'});
  }

  // The list opens when the box is clicked or typed in, not when tabbing through the form passes it.
  document.addEventListener('focusin', function (e) {
    if (!e.target.classList || !e.target.classList.contains('picker-q')) { return; }
    var p = parts(e.target);
    if (p.box.dataset.label === undefined) { p.box.dataset.label = p.q.value; }
  });
  document.addEventListener('click', function (e) {
    if (!e.target.classList || !e.target.classList.contains('picker-q')) { return; }
    var p = parts(e.target);
    if (p.list.hidden) { search(p); }
  });
  document.addEventListener('input', function (e) {
    if (!e.target.classList || !e.target.classList.contains('picker-q')) { return; }
    search(parts(e.target));
  });
  document.addEventListener('keydown', function (e) {
    if (!e.target.classList || !e.target.classList.contains('picker-q')) { return; }
    var p = parts(e.target);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (p.list.hidden) { search(p); } else { move(p, e.key === 'ArrowDown' ? 1 : -1); }
    } else if (e.key === 'Enter' && !p.list.hidden) {
      var li = active(p) || p.list.querySelector('[role=option]');
      if (li) { e.preventDefault(); choose(p, li); }
    } else if (e.key === 'Escape') {
      close(p);
    }
  });
  // mousedown, not click: the box would lose focus (and close the list) before the click.
  document.addEventListener('mousedown', function (e) {
    var li = e.target.closest && e.target.closest('.picker-list [role=option]');
    if (!li) { return; }
    e.preventDefault();
    choose(parts(li), li);
  });
  document.addEventListener('focusout', function (e) {
    if (!e.target.classList || !e.target.classList.contains('picker-q')) { return; }
    var p = parts(e.target);
    close(p);
    // What was typed but not chosen is not a choice: an emptied box chooses nothing (when
    // nothing is allowed), anything else goes back to the chosen name.
    if (!p.q.value.trim() && p.box.dataset.any !== undefined) {
      if (p.value.value !== '') {
        p.value.value = '';
        p.value.dispatchEvent(new Event('change', {bubbles: true}));
      }
      p.box.dataset.label = '';
    } else if (p.q.value !== p.box.dataset.label) {
      p.q.value = p.box.dataset.label || '';
    }
  });
})();
