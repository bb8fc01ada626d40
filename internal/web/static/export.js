// "导出 Excel" on a case list: starts an export job of the list as it is filtered
// (POST /api/v1/exports), shows its progress while a server writes the file, then the link to
// download it. The file is kept a day for the person who asked.
(function () {
  'use strict';
  var box = document.getElementById('export');
  if (!box || !window.fetch) return;
  var button = document.getElementById('export-go');
  var state = document.getElementById('export-state');
  var link = document.getElementById('export-file');
  var d = box.dataset;

  function fill(template, a, b) {
    return template.replace('%s', a).replace('%s', b);
  }
  function num(n) {
    return (n || 0).toLocaleString(document.documentElement.lang || undefined);
  }
  function say(text) {
    state.textContent = text;
  }
  function fail(busy) {
    say(busy ? d.busy : d.failed);
    button.disabled = false;
  }
  function poll(id) {
    fetch('/api/v1/exports/' + id, { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (job) {
      if (!job) return fail(false);
      if (job.state === 'done') {
        say(fill(d.ready, num(job.rows)));
        link.href = job.download;
        link.textContent = job.file_name;
        link.setAttribute('download', job.file_name);
        link.hidden = false;
        button.disabled = false;
        return;
      }
      if (job.state === 'failed') return fail(false);
      say(job.state === 'running' && job.total ? fill(d.progress, num(job.rows), num(job.total)) : d.queued);
      setTimeout(function () { poll(id); }, 1000);
    }, function () { setTimeout(function () { poll(id); }, 3000); });
  }
  button.addEventListener('click', function () {
    var filters = {};
    try { filters = JSON.parse(d.filters || '{}'); } catch (e) { filters = {}; }
    button.disabled = true;
    link.hidden = true;
    say(d.queued);
    fetch('/api/v1/exports', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'cases', format: 'xlsx', filters: filters })
    }).then(function (res) {
      if (res.status === 202) return res.json().then(function (job) { poll(job.id); });
      fail(res.status === 429);
    }, function () { fail(false); });
  });
})();
