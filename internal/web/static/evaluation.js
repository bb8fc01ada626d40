// The evaluation page: a ranking table of GET /api/v1/stats for a period and a grouping,
// drilled down district → subdistrict → community → grid → the cases behind a number, with
// ranking and trend charts, an Excel export (POST /api/v1/exports) and a printable 通报.
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var raw = document.getElementById('eval-data');
    if (!raw) { return; }
    var data = JSON.parse(raw.textContent);
    var W = data.words, L = data.labels;
    var $ = function (id) { return document.getElementById(id); };
    var next = {district: 'subdistrict', subdistrict: 'community', community: 'grid'};

    // Columns a centre reads first, by what is ranked (indicators.md's formulas); "all" shows
    // every count and rate.
    var keyColumns = {
      department: ['due_handle', 'handled', 'handled_on_time', 'pending_overdue', 'rework', 'handle_rate', 'on_time_handle_rate', 'rework_rate', 'pending_overdue_rate', 'extension_rate'],
      region: ['reported', 'registered', 'due_close', 'closed', 'closed_on_time', 'pending_overdue', 'close_rate', 'on_time_close_rate', 'satisfaction_rate'],
      gridworker: ['reported', 'valid_reported', 'due_verify', 'verified_on_time', 'valid_report_rate', 'on_time_verify_rate'],
      dispatcher: ['due_dispatch', 'dispatched', 'dispatched_on_time', 'wrong_dispatch', 'on_time_dispatch_rate', 'accurate_dispatch_rate'],
      operator: ['registered', 'registered_on_time', 'rejected', 'closed', 'on_time_register_rate', 'accurate_register_rate', 'on_time_close_rate'],
      handler: ['due_handle', 'handled', 'handled_on_time', 'pending_overdue', 'on_time_handle_rate', 'rework_rate']
    };
    keyColumns.leader = keyColumns.operator;
    keyColumns.person = ['reported', 'registered', 'dispatched', 'handled', 'handled_on_time'];
    var rateKeys = data.rates;
    var countKeys = data.keys.filter(function (k) { return rateKeys.indexOf(k) < 0; });

    var q = new URLSearchParams(location.search);
    var state = {
      group: data.order.indexOf(q.get('group')) >= 0 ? q.get('group') : data.order[0], // the first the viewer may rank
      from: q.get('from') || '', to: q.get('to') || '', role: q.get('role') || '',
      within: q.get('within') || '', key: q.get('key') || '',
      crumbs: [], sortBy: 'rank', sortDesc: false, rows: [], all: false
    };
    // The period: a named one when the dates are one, else custom; last month by default (a
    // 通报 ranks a whole period).
    var sel = $('eval-period');
    function pickPeriod() {
      var found = null;
      data.periods.forEach(function (p) { if (p.from === state.from && p.to === state.to) { found = p.key; } });
      if (!state.from || !state.to) {
        var lm = data.periods.filter(function (p) { return p.key === 'last_month'; })[0];
        state.from = lm.from; state.to = lm.to; found = 'last_month';
      }
      sel.value = found || 'custom';
      $('eval-custom').hidden = !!found;
      $('eval-from').value = state.from; $('eval-to').value = state.to;
    }
    pickPeriod();
    if (state.within) { state.crumbs = [{code: state.within, name: state.within, group: state.group}]; }

    function columns() {
      if (state.all) { return countKeys.concat(rateKeys); }
      if (state.group === 'department') { return keyColumns.department; }
      if (state.group === 'person') { return keyColumns[state.role] || keyColumns.person; }
      return keyColumns.region;
    }
    function pct(v, key) {
      if (v === null || v === undefined) { return W.none; }
      if (key === 'mean_handle_hours') { return v.toFixed(1); }
      return (v * 100).toFixed(1) + '%';
    }
    // A time in the city's zone, in the page's language.
    function when(t) {
      return new Date(t).toLocaleString(document.documentElement.lang || 'zh-CN',
        {timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false});
    }
    function fmt(n) { return n === null || n === undefined ? W.none : Number(n).toLocaleString(undefined, {maximumFractionDigits: 1}); }
    function params(extra) {
      var p = new URLSearchParams({from: state.from, to: state.to, group: state.group});
      if (state.within) { p.set('within', state.within); }
      if (state.group === 'person' && state.role) { p.set('role', state.role); }
      Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
      return p;
    }
    function remember() {
      var p = params();
      if (state.key) { p.set('key', state.key); }
      history.replaceState(null, '', '/evaluation?' + p.toString());
    }
    function status(text) { $('eval-status').textContent = text || ''; }
    // failure words a refused query in the page's language: the catalogue's words for its
    // reason, else (in English) the API's message; a Chinese page shows no English.
    function failure(resp) {
      var english = document.documentElement.lang === 'en';
      return resp.json().then(function (b) {
        var e = (b && b.error) || {};
        var words = data.errors && data.errors[e.reason || e.code];
        if (words) {
          return words.replace(/\{([a-z_]+)\}/g, function (_, k) { return e.params && e.params[k] != null ? String(e.params[k]) : ''; });
        }
        return english ? (e.message || resp.statusText) : '';
      }, function () { return english ? resp.statusText : ''; });
    }

    function title() {
      var where = state.crumbs.length ? state.crumbs[state.crumbs.length - 1].name : (data.scope_name || W.whole);
      var g = data.groups[state.group] + (state.group === 'person' && state.role ? '（' + data.roles[state.role] + '）' : '');
      return where + ' · ' + g + ' · ' + state.from + ' – ' + state.to;
    }

    var loads = 0;

    function load() {
      remember();
      document.querySelectorAll('#eval-tabs .tab').forEach(function (b) {
        b.setAttribute('aria-selected', b.dataset.group === state.group ? 'true' : 'false');
      });
      $('eval-role-box').hidden = state.group !== 'person';
      $('eval-title').textContent = title();
      drawCrumbs();
      status(W.loading);
      // The table says what it shows and whether it is still loading, so a quick second click
      // (or a test) never acts on the previous grouping's rows while the new ones are on the way.
      var table = $('eval-table'), seq = ++loads;
      table.setAttribute('aria-busy', 'true');
      delete table.dataset.shows;
      return fetch('/api/v1/stats?' + params().toString(), {credentials: 'same-origin'}).then(function (resp) {
        if (!resp.ok) { return failure(resp).then(function (m) { throw new Error(m); }); }
        return resp.json();
      }).then(function (t) {
        if (seq !== loads) { return; } // a later load replaced this one
        table.setAttribute('aria-busy', 'false');
        table.dataset.shows = state.group;
        state.rows = t.rows || [];
        status(state.rows.length ? '' : W.none);
        drawTable();
        drawRank();
        drawTrend();
        $('eval-card').hidden = true;
        if (state.key) {
          var row = state.rows.filter(function (x) { return x.key === state.key; })[0];
          if (row) { showCard(row); }
          showCases(state.key, rowName(state.key));
        }
      }).catch(function (e) {
        if (seq !== loads) { return; }
        table.setAttribute('aria-busy', 'false');
        state.rows = [];
        drawTable();
        status(W.failed + ' ' + e.message);
      });
    }

    function rowName(key) {
      var r = state.rows.filter(function (x) { return x.key === key; })[0];
      return r ? r.name : key;
    }

    function drawCrumbs() {
      var nav = $('eval-crumbs');
      nav.textContent = '';
      if (!state.crumbs.length) { return; }
      var top = document.createElement('a');
      top.href = '#'; top.textContent = data.scope_name || W.whole;
      top.addEventListener('click', function (ev) { ev.preventDefault(); state.crumbs = []; state.within = ''; state.group = 'district'; state.key = ''; load(); });
      nav.appendChild(top);
      state.crumbs.forEach(function (c, i) {
        if (i === 0 && c.code === data.scope) { return; } // the viewer's own area is the top already
        nav.appendChild(document.createTextNode(' › '));
        var a = document.createElement('a');
        a.href = '#'; a.textContent = c.name;
        a.addEventListener('click', function (ev) {
          ev.preventDefault();
          state.crumbs = state.crumbs.slice(0, i + 1);
          state.within = c.code; state.group = c.group; state.key = '';
          load();
        });
        nav.appendChild(a);
      });
    }

    function sorted() {
      var k = state.sortBy, rows = state.rows.slice();
      var val = function (r) {
        if (k === 'rank') { return r.rank === null ? Infinity : r.rank; }
        if (k === 'name') { return r.name; }
        if (k === 'score') { return r.score === null ? -Infinity : r.score; }
        if (k in r.rates) { return r.rates[k] === null ? -Infinity : r.rates[k]; }
        return r.counts[k];
      };
      rows.sort(function (a, b) {
        var x = val(a), y = val(b);
        var c = x < y ? -1 : x > y ? 1 : 0;
        return state.sortDesc ? -c : c;
      });
      return rows;
    }

    function th(text, key) {
      var h = document.createElement('th');
      h.scope = 'col';
      var b = document.createElement('button');
      b.type = 'button'; b.className = 'link sort'; b.textContent = text; b.dataset.key = key;
      if (state.sortBy === key) { h.setAttribute('aria-sort', state.sortDesc ? 'descending' : 'ascending'); }
      b.addEventListener('click', function () {
        state.sortDesc = state.sortBy === key ? !state.sortDesc : (key !== 'rank' && key !== 'name');
        state.sortBy = key;
        drawTable();
      });
      h.appendChild(b);
      return h;
    }

    function drawTable() {
      var cols = columns();
      var thead = document.querySelector('#eval-table thead'), tbody = document.querySelector('#eval-table tbody');
      thead.textContent = ''; tbody.textContent = '';
      var tr = document.createElement('tr');
      tr.appendChild(th(W.rank, 'rank'));
      tr.appendChild(th(W.name, 'name'));
      tr.appendChild(th(W.score, 'score'));
      tr.appendChild(th(W.grade, 'grade'));
      cols.forEach(function (k) { tr.appendChild(th(L[k] || k, k)); });
      thead.appendChild(tr);
      sorted().forEach(function (r) {
        var row = document.createElement('tr');
        row.dataset.key = r.key;
        var td = function (content, cls) {
          var c = document.createElement('td');
          if (cls) { c.className = cls; }
          if (typeof content === 'string') { c.textContent = content; } else { c.appendChild(content); }
          row.appendChild(c);
          return c;
        };
        td(r.rank === null ? W.none : String(r.rank), 'n-cell');
        td(nameCell(r), 'name');
        td(r.score === null ? W.none : r.score.toFixed(1), 'n-cell');
        var g = document.createElement('span');
        g.className = 'grade grade-' + (r.grade || 'none');
        g.textContent = r.grade || W.none;
        td(g);
        cols.forEach(function (k) {
          if (k in r.rates) { td(pct(r.rates[k], k), 'n-cell'); return; }
          var n = r.counts[k];
          if ((k === 'pending_overdue' || k === 'handled_late') && n > 0 && state.group !== 'person') {
            var a = document.createElement('a');
            a.href = '#'; a.textContent = fmt(n); a.className = 'drill-cases';
            a.addEventListener('click', function (ev) { ev.preventDefault(); showCases(r.key, r.name); });
            td(a, 'n-cell');
            return;
          }
          td(fmt(n), 'n-cell');
        });
        tbody.appendChild(row);
      });
    }

    // A region's name drills into the regions under it; a grid's and a department's name open
    // the cases behind their figures; a department's also its report card.
    function nameCell(r) {
      var span = document.createElement('span');
      var a = document.createElement('a');
      a.href = '#'; a.textContent = r.name || r.key;
      if (next[state.group]) {
        a.className = 'drill';
        a.addEventListener('click', function (ev) {
          ev.preventDefault();
          state.crumbs.push({code: r.key, name: r.name, group: next[state.group]});
          state.within = r.key; state.group = next[state.group]; state.key = ''; state.sortBy = 'rank'; state.sortDesc = false;
          load();
        });
      } else if (state.group === 'person') {
        span.textContent = r.name || r.key;
        if (r.role) {
          var role = document.createElement('small');
          role.className = 'muted';
          role.textContent = ' ' + (data.roles[r.role] || r.role);
          span.appendChild(role);
        }
        return span;
      } else {
        a.className = 'drill';
        a.addEventListener('click', function (ev) { ev.preventDefault(); state.key = r.key; remember(); showCard(r); showCases(r.key, r.name); drawTrend(); });
      }
      span.appendChild(a);
      return span;
    }

    // A row's report card (成绩单): its score, grade and rank, and every count and rate.
    function showCard(r) {
      var card = $('eval-card'), body = $('eval-card-body');
      card.hidden = false;
      $('eval-card-title').textContent = W.card + ' · ' + (r.name || r.key) + ' · ' + state.from + ' – ' + state.to;
      body.textContent = '';
      var head = document.createElement('p');
      head.className = 'card-head';
      var g = document.createElement('span');
      g.className = 'grade grade-' + (r.grade || 'none');
      g.textContent = r.grade || W.none;
      head.appendChild(g);
      head.appendChild(document.createTextNode(' ' + W.score + ' ' + (r.score === null ? W.none : r.score.toFixed(1)) +
        ' · ' + W.rank + ' ' + (r.rank === null ? W.none : r.rank) + ' / ' + state.rows.length));
      body.appendChild(head);
      [countKeys, rateKeys].forEach(function (keys) {
        var dl = document.createElement('dl');
        dl.className = 'facts card-facts';
        keys.forEach(function (k) {
          var dt = document.createElement('dt'), dd = document.createElement('dd');
          dt.textContent = L[k] || k;
          dd.textContent = k in r.rates ? pct(r.rates[k], k) : fmt(r.counts[k]);
          dl.appendChild(dt); dl.appendChild(dd);
        });
        body.appendChild(dl);
      });
    }

    // The cases behind a row's late figures: those of its region or department that are past a
    // deadline now, reported in the period, most overdue first.
    function showCases(key, name) {
      var card = $('eval-cases-card'), list = $('eval-cases');
      card.hidden = false;
      $('eval-cases-title').textContent = W['cases.overdue'] + ' · ' + name;
      list.textContent = '';
      var p = new URLSearchParams({overdue: 'true', sort: 'due', limit: '50'});
      p.set(state.group === 'department' ? 'department' : 'region', key);
      fetch('/api/v1/cases?' + p.toString(), {credentials: 'same-origin'}).then(function (resp) {
        if (!resp.ok) { return failure(resp).then(function (m) { throw new Error(m); }); }
        return resp.json();
      }).then(function (page) {
        var cs = page.cases || [];
        if (!cs.length) {
          var li = document.createElement('li');
          li.textContent = W['cases.none'];
          list.appendChild(li);
        }
        cs.forEach(function (c) {
          var li = document.createElement('li');
          li.className = 'task';
          var a = document.createElement('a');
          a.href = '/cases/' + c.id; a.dataset.ticket = c.ticket;
          var dot = document.createElement('span');
          dot.className = 'dot ' + (c.light || '');
          var tk = document.createElement('span');
          tk.className = 'ticket'; tk.textContent = c.ticket;
          var cat = document.createElement('span');
          cat.textContent = c.category_name || '';
          var what = document.createElement('span');
          what.className = 'what'; what.textContent = c.description || '';
          a.appendChild(dot); a.appendChild(tk); a.appendChild(cat); a.appendChild(what);
          if (c.due) {
            var due = document.createElement('span');
            due.className = 'meta light-red';
            due.textContent = W.due + ' ' + when(c.due);
            a.appendChild(due);
          }
          li.appendChild(a);
          list.appendChild(li);
        });
        if (page.next) {
          var more = document.createElement('li');
          more.className = 'muted';
          more.textContent = W['cases.more'];
          list.appendChild(more);
        }
        card.scrollIntoView({block: 'nearest'});
      }).catch(function (e) {
        var li = document.createElement('li');
        li.textContent = W.failed + ' ' + e.message;
        list.appendChild(li);
      });
    }

    var rankChart = echarts.init($('chart-rank')), trendChart = echarts.init($('chart-trend'));
    function empty(chart) {
      chart.clear();
      chart.setOption({title: {text: W.none, left: 'center', top: 'middle', textStyle: {color: '#7b8794', fontSize: 14}}});
    }
    function drawRank() {
      var rows = state.rows.filter(function (r) { return r.score !== null; })
        .sort(function (a, b) { return b.score - a.score; }).slice(0, 15).reverse();
      if (!rows.length) { empty(rankChart); return; }
      rankChart.clear();
      rankChart.setOption({animation: false, grid: {left: 8, right: 36, top: 4, bottom: 20, containLabel: true}, tooltip: {trigger: 'axis'},
        yAxis: {type: 'category', data: rows.map(function (r) { return r.name; }), axisLabel: {width: 120, overflow: 'truncate'}},
        xAxis: {type: 'value', min: 0, max: 100},
        series: [{type: 'bar', name: W.score, barMaxWidth: 22, data: rows.map(function (r) {
          return {value: Math.round(r.score * 10) / 10, itemStyle: {color: gradeColour(r.grade)}};
        }), label: {show: true, position: 'right'}}]});
    }
    function gradeColour(g) {
      return {A: '#15803d', B: '#4d7c0f', C: '#b45309', D: '#c2410c', E: '#b91c1c'}[g] || '#7b8794';
    }
    function every() {
      var days = (new Date(state.to) - new Date(state.from)) / 864e5 + 1;
      return days <= 31 ? 'day' : days <= 120 ? 'week' : 'month';
    }
    function drawTrend() {
      var extra = {every: every()};
      if (state.key) { extra.key = state.key; }
      $('trend-title').textContent = W['chart.trend'] + ' · ' + (state.key ? rowName(state.key) : W['trend.total']);
      var rate = state.group === 'department' || state.role === 'handler' ? 'on_time_handle_rate' : 'on_time_close_rate';
      fetch('/api/v1/stats/trend?' + params(extra).toString(), {credentials: 'same-origin'}).then(function (resp) {
        if (!resp.ok) { throw new Error(resp.statusText); }
        return resp.json();
      }).then(function (t) {
        var pts = t.points || [];
        if (!pts.length) { empty(trendChart); return; }
        trendChart.clear();
        trendChart.setOption({animation: false, grid: {left: 40, right: 12, top: 30, bottom: 24}, tooltip: {trigger: 'axis'},
          legend: {top: 0, data: [W.score, L[rate]]},
          xAxis: {type: 'category', data: pts.map(function (p) { return p.from.slice(5); })},
          yAxis: {type: 'value', min: 0, max: 100},
          series: [
            {type: 'line', name: W.score, data: pts.map(function (p) { return p.score === null ? null : Math.round(p.score * 10) / 10; }), connectNulls: false},
            {type: 'line', name: L[rate], data: pts.map(function (p) { var v = p.rates[rate]; return v === null || v === undefined ? null : Math.round(v * 1000) / 10; })}
          ]});
      }).catch(function () { empty(trendChart); });
    }

    // Export: a job on the server (large tables too), polled until its file is ready.
    $('eval-export').addEventListener('click', function () {
      var btn = this;
      btn.disabled = true;
      status(W.exporting);
      var filters = {from: state.from, to: state.to, group: state.group};
      if (state.within) { filters.within = state.within; }
      if (state.group === 'person' && state.role) { filters.role = state.role; }
      var body = {kind: 'stats', format: 'xlsx', filters: filters};
      fetch('/api/v1/exports', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
        .then(function (resp) {
          if (!resp.ok) { return failure(resp).then(function (m) { throw new Error(m); }); }
          return resp.json();
        }).then(function (job) {
          return new Promise(function (resolve, reject) {
            (function poll() {
              fetch('/api/v1/exports/' + encodeURIComponent(job.id), {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (s) {
                if (s.state === 'done') { resolve(s); return; }
                if (s.state === 'failed') { reject(new Error(s.error || '')); return; }
                status(W.exporting + (s.total ? ' ' + s.rows + ' / ' + s.total : ''));
                setTimeout(poll, 700);
              }, reject);
            })();
          });
        }).then(function (s) {
          status('');
          var a = document.createElement('a');
          a.href = s.download; a.id = 'eval-download'; a.textContent = W.download;
          $('eval-status').appendChild(a);
          a.focus();
        }).catch(function (e) { status(W.failed + ' ' + e.message); })
        .then(function () { btn.disabled = false; });
    });
    $('eval-print').addEventListener('click', function () { window.print(); });
    $('eval-all').addEventListener('change', function () { state.all = this.checked; drawTable(); });

    sel.addEventListener('change', function () {
      if (sel.value === 'custom') { $('eval-custom').hidden = false; return; }
      var o = sel.options[sel.selectedIndex];
      state.from = o.dataset.from; state.to = o.dataset.to;
      $('eval-custom').hidden = true;
      load();
    });
    $('eval-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (!$('eval-from').value || !$('eval-to').value) { return; }
      state.from = $('eval-from').value; state.to = $('eval-to').value;
      load();
    });
    $('eval-role').value = state.role;
    $('eval-role').addEventListener('change', function () { state.role = this.value; load(); });
    document.querySelectorAll('#eval-tabs .tab').forEach(function (b) {
      b.addEventListener('click', function () {
        state.group = b.dataset.group; state.key = ''; state.sortBy = 'rank'; state.sortDesc = false;
        // Tabs of regions keep the drill's place; departments and people rank within it too.
        load();
      });
    });
    window.addEventListener('resize', function () { rankChart.resize(); trendChart.resize(); });
    load();
  });
})();
