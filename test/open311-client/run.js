// An independent Open311 client against a real citygrid: the npm `open311` package (unchanged,
// JSON mode) runs discovery → services → definition → submit → fetch against `citygrid serve`
// over a fresh demo city; the case is then closed through the REST API and the client must see
// it closed. Every JSON answer is validated against the official GeoReport v2 schemas with ajv;
// the XML answers are checked for the spec's declaration and elements.
// Prints "N passed, M failed" last and exits 1 on any failure.
'use strict';
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Open311 = require('open311');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const repo = path.resolve(__dirname, '..', '..');
const schemaDir = path.join(__dirname, 'schemas'); // the official schemas, copied (see schemas/SOURCE)

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log('ok   ' + name); }
  else { failed++; console.log('FAIL ' + name + (detail ? ': ' + detail : '')); }
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
for (const f of ['request.json', 'service.json']) {
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, f))), f);
}
const validators = {};
for (const f of ['requests.json', 'services.json', 'service-definition.json']) {
  validators[f] = ajv.compile(JSON.parse(fs.readFileSync(path.join(schemaDir, f))));
}
function validate(name, schema, body) {
  const v = validators[schema];
  check(name + ' matches ' + schema, v(body), JSON.stringify(v.errors));
}

const promise = (fn) => new Promise((resolve, reject) => fn((err, data) => (err ? reject(new Error(String(data || err))) : resolve(data))));

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citygrid-open311-'));
  const bin = path.join(dir, 'citygrid');
  const db = 'sqlite:' + path.join(dir, 'citygrid.db');
  const run = (...args) => execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  execFileSync('go', ['build', '-o', bin, './cmd/citygrid'], { cwd: repo, stdio: 'inherit' });
  run('demo', '--small', '--seed-only', '--data', dir);
  const csv = path.join(dir, 'attributes.csv');
  const attrs = [
    { code: 'plate', datatype: 'string', required: true, description: '车牌号 licence plate' },
    { code: 'blocks', datatype: 'multivaluelist', description: '占用 what it blocks',
      values: [{ key: 'sidewalk', name: '人行道' }, { key: 'blind', name: '盲道' }] },
  ];
  fs.writeFileSync(csv, 'kind,code,major_code,major_name,name,attributes\nmatter,09009,09,街面秩序类,机动车乱停放,"' +
    JSON.stringify(attrs).replace(/"/g, '""') + '"\n');
  run('import', 'categories', '--db', db, csv);
  const key = run('open311', 'key', 'create', '--db', db, '--name', 'npm-open311').trim();
  check('the CLI prints an api_key', /^cgt_/.test(key), key);

  const server = spawn(bin, ['serve', '--db', db, '--data', dir, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const base = await new Promise((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/\S+)/);
        if (m) resolve(m[1]);
      });
      server.on('exit', (code) => reject(new Error('citygrid serve exited with ' + code)));
      setTimeout(() => reject(new Error('citygrid serve did not start')), 30000);
    });
    await flow(base, key);
  } finally {
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function raw(url, opts) {
  const r = await fetch(url, opts);
  return { status: r.status, headers: r.headers, text: await r.text() };
}

async function flow(base, key) {
  const client = new Open311({ discovery: base + '/open311/v2/discovery.json', apiKey: key });
  const disc = await promise((cb) => client.serviceDiscovery({ cache: true }, cb));
  check('discovery names the GeoReport v2 endpoint', disc.endpoints && disc.endpoints[0].url === base + '/open311/v2', JSON.stringify(disc));
  check('the client took the endpoint from discovery', client.endpoint === base + '/open311/v2/', client.endpoint);

  const services = await promise((cb) => client.serviceList(cb));
  const svc = services.find((s) => s.service_code === 'matter-09009');
  check('services list matter-09009 with metadata', svc && svc.metadata === true && svc.group === '街面秩序类', JSON.stringify(svc));
  validate('services', 'services.json', JSON.parse((await raw(base + '/open311/v2/services.json')).text));

  const def = await promise((cb) => client.serviceDefinition('matter-09009', cb));
  check('the definition asks for the plate', def.attributes.some((a) => a.code === 'plate' && a.required === true), JSON.stringify(def));
  validate('service definition', 'service-definition.json', def);

  // A photo goes up first; media_url then names it on this server.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');
  const upload = async () => {
    const fd = new FormData();
    fd.append('file', new Blob([png], { type: 'image/png' }), 'p.png');
    const r = await raw(base + '/api/v1/attachments', { method: 'POST', body: fd });
    if (r.status !== 201) throw new Error('upload: ' + r.status + ' ' + r.text);
    return JSON.parse(r.text);
  };
  const photo = await upload();

  const posted = await promise((cb) => client.submitRequest({
    service_code: 'matter-09009', address_id: '410802001001001', description: '车辆占用盲道\r\n请处理',
    media_url: base + photo.url, first_name: '王', email: 'wang@example.com',
    attributes: { plate: '豫H12345', blocks: ['sidewalk', 'blind'] },
  }, cb));
  const id = posted[0] && posted[0].service_request_id;
  check('submit returns a request id that is not 0', typeof id === 'string' && id !== '0' && /^\d{8}-\d{6}$/.test(id), JSON.stringify(posted));

  const fetched = await promise((cb) => client.serviceRequests(id, cb));
  check('the request reads back open', fetched.length === 1 && fetched[0].status === 'open' && fetched[0].service_code === 'matter-09009', JSON.stringify(fetched));
  check('its media_url is the public photo', fetched[0].media_url === base + '/api/v1/attachments/' + photo.id, fetched[0].media_url);
  validate('request (open)', 'requests.json', JSON.parse((await raw(base + '/open311/v2/requests/' + id + '.json')).text));

  const refused = await raw(base + '/open311/v2/requests.json', { method: 'POST', body: new URLSearchParams({ service_code: 'matter-09009', lat: '35', long: '113' }) });
  check('a request without api_key is refused with 403', refused.status === 403 && JSON.parse(refused.text)[0].code === 403, refused.text);

  // Close the case through the REST API as the demo staff.
  const login = async (username) => {
    const r = await raw(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: 'citygrid-demo' }) });
    if (r.status !== 200) throw new Error('login ' + username + ': ' + r.text);
    return r.headers.get('set-cookie').split(';')[0];
  };
  const admin = await login('admin');
  const list = JSON.parse((await raw(base + '/api/v1/cases?q=' + id, { headers: { Cookie: admin } })).text);
  let cs = list.cases[0];
  check('the case came from open311', cs && cs.source === 'open311', JSON.stringify(cs));
  cs = JSON.parse((await raw(base + '/api/v1/cases/' + cs.id, { headers: { Cookie: admin } })).text);
  const after = await upload();
  for (const [user, action, inputs] of [['operator', 'register', {}], ['dispatcher', 'dispatch', {}], ['handler', 'accept', {}],
    ['handler', 'handle', { result: '车辆已拖离', photos: [after.id] }], ['gridworker', 'verify', { pass: true }]]) {
    const cookie = await login(user);
    const r = await raw(base + '/api/v1/cases/' + cs.id + '/actions', { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie },
      body: JSON.stringify(Object.assign({ action, version: cs.version }, inputs)) });
    check('REST ' + action + ' as ' + user, r.status === 200, r.text);
    if (r.status === 200) cs = JSON.parse(r.text);
  }

  const closed = await promise((cb) => client.serviceRequests(id, cb));
  check('the client sees the request closed', closed[0].status === 'closed' && /closed/.test(closed[0].status_notes), JSON.stringify(closed));
  validate('request (closed)', 'requests.json', JSON.parse((await raw(base + '/open311/v2/requests/' + id + '.json')).text));
  validate('request list', 'requests.json', JSON.parse((await raw(base + '/open311/v2/requests.json?status=closed')).text));

  for (const p of ['services.xml', 'services/matter-09009.xml', 'requests/' + id + '.xml']) {
    const r = await raw(base + '/open311/v2/' + p);
    check(p + ' is the spec\'s XML', r.status === 200 && r.text.startsWith('<?xml version="1.0" encoding="utf-8"?>'), r.text.slice(0, 80));
  }
  const xml = (await raw(base + '/open311/v2/requests/' + id + '.xml')).text;
  check('XML shows the request closed', xml.includes('<service_request_id>' + id + '</service_request_id>') && xml.includes('<status>closed</status>'), xml);
}

main().catch((e) => { failed++; console.log('FAIL ' + e.stack); }).finally(() => {
  console.log(passed + ' passed, ' + failed + ' failed');
  process.exitCode = failed > 0 ? 1 : 0;
});
