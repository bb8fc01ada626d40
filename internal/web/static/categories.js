// citygrid's category picker: as one types in the search box (#category-search), the server's
// answer for the words (data-src) replaces the list of categories (#category-list) in place.
// The chosen category goes with each question, so it stays offered whatever is searched. Enter
// searches at once instead of sending the form. Offline the list stays as it was.
(function () {
  'use strict';
  var timer;
  var asked = 0;
  function search(box) {
    var list = document.getElementById('category-list');
    if (!list || !box.dataset.src) { return; }
    var params = new URLSearchParams({q: box.value});
    var chosen = list.querySelector('input[name=category]:checked');
    if (chosen) { params.set('category', chosen.value); }
    var mine = ++asked;
    fetch(box.dataset.src + '?' + params, {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || mine !== asked) { return; }
        var t = document.createElement('template');
        t.innerHTML = html;
        var fresh = t.content.getElementById('category-list');
        var now = document.getElementById('category-list');
        if (fresh && now) { now.replaceWith(fresh); }
      })
      .catch(function () { /* offline: the list stays as it is */ });
  }
  function later(box) {
    clearTimeout(timer);
    timer = setTimeout(function () { search(box); }, 250);
  }
  document.addEventListener('input', function (e) {
    if (e.target.id === 'category-search') { later(e.target); }
  });
  // The search box's clear button, and Enter.
  document.addEventListener('search', function (e) {
    if (e.target.id === 'category-search') { later(e.target); }
  }, true);
  document.addEventListener('keydown', function (e) {
    if (e.target.id === 'category-search' && e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(timer);
      search(e.target);
    }
  });
  // Some keyboards send Enter's character apart from the key, and the form would go with it.
  document.addEventListener('keypress', function (e) {
    if (e.target.id === 'category-search' && e.key === 'Enter') { e.preventDefault(); }
  });
})();
