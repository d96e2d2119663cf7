#!/usr/bin/env node
// The dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core, against a 3-member cluster.
//
//   node tests/dashboard/dashboard_test.mjs --chorus-binary build/src/chorus --out-dir OUT
//   node tests/dashboard/dashboard_test.mjs --fixture --out-dir OUT     (web/dashboard/fixture_server.py)
//
// Checks: the page shows three members and exactly one leader; after the leader is SIGKILLed it
// shows a different leader and the killed member as unreachable within 10 s (the page is first
// moved off the leader: it must work from any member). Writes OUT/dashboard-before.png,
// OUT/dashboard-after.png and OUT/result.json; prints one PASS/FAIL line; exits non-zero on failure.
// Every process it starts is killed on every exit path (the whole run is bounded to 90 s).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const OVERALL_TIMEOUT_MS = 90_000;
const STARTUP_TIMEOUT_MS = 30_000;    // until every member answers /dashboard/api/cluster
const FIRST_VIEW_TIMEOUT_MS = 15_000; // until the page shows 3 members and one leader
const FAILOVER_TIMEOUT_MS = 10_000;   // from the kill until the page shows the new leader
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// ---------- arguments ----------

function usage(msg) {
  if (msg) console.error(`dashboard_test: ${msg}`);
  console.error('usage: dashboard_test.mjs (--chorus-binary PATH | --fixture) [--out-dir DIR]\n' +
    '                         [--chromium PATH] [--no-load]');
  process.exit(2);
}

const opts = { chorus: null, fixture: false, outDir: null, chromium: '/usr/bin/chromium', load: true };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const val = () => (i + 1 < process.argv.length ? process.argv[++i] : usage(`${a} needs a value`));
  if (a === '--chorus-binary') opts.chorus = path.resolve(val());
  else if (a === '--out-dir') opts.outDir = path.resolve(val());
  else if (a === '--fixture') opts.fixture = true;
  else if (a === '--chromium') opts.chromium = val();
  else if (a === '--no-load') opts.load = false;
  else if (a === '-h' || a === '--help') usage();
  else usage(`unknown argument ${a}`);
}
if (!opts.fixture && !opts.chorus) usage('give --chorus-binary PATH or --fixture');
opts.outDir ??= path.join(os.tmpdir(), 'chorus-dashboard-test');
fs.mkdirSync(opts.outDir, { recursive: true });

const t0 = Date.now();
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- processes: tracked so that every exit path kills them ----------

const children = new Set();
let browser = null;

function startProcess(name, cmd, args, logFile) {
  const fd = fs.openSync(logFile, 'w');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  child.label = name;
  child.logFile = logFile;
  child.exited = false;
  child.on('exit', (code, signal) => { child.exited = true; child.exitInfo = signal || `code ${code}`; children.delete(child); });
  child.on('error', (err) => { child.exited = true; child.exitInfo = err.message; children.delete(child); });
  children.add(child);
  return child;
}

function killAll() {
  for (const c of children) {
    try { c.kill('SIGKILL'); } catch { /* already gone */ }
  }
}
// Last resort (synchronous): whatever happens, no member outlives the test.
process.on('exit', killAll);

function logTail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log)';
  }
}

// ---------- result ----------

const result = {
  result: 'FAIL', mode: opts.fixture ? 'fixture' : 'cluster', failover_visible_s: null,
  old_leader: null, new_leader: null, page_served_by: null, page_reopened: false,
  screenshots: [], page_errors: [], error: null,
};
let page = null;
let finished = false;

async function finish(error) {
  if (finished) return;
  finished = true;
  clearTimeout(overallTimer);
  if (error) {
    result.error = String(error && error.message ? error.message : error);
    if (page) {
      const shot = path.join(opts.outDir, 'dashboard-failure.png');
      await withTimeout(page.screenshot({ path: shot, fullPage: true }), 5000).then(
        () => result.screenshots.push(shot), () => {});
    }
  }
  if (browser) await withTimeout(browser.close(), 5000).catch(() => {});
  // Kill, then reap (briefly), so no member outlives the test nor lingers as a zombie.
  const exits = [...children].map((c) => new Promise((r) => c.once('exit', r)));
  killAll();
  await withTimeout(Promise.all(exits), 3000).catch(() => {});
  if (!error) {
    // After a pass the members' data (each WAL preallocates 64 MiB) is of no further use; the
    // logs and screenshots stay in the out-dir.
    for (const m of members) fs.rmSync(path.join(opts.outDir, m.name), { recursive: true, force: true });
  }
  result.result = error ? 'FAIL' : 'PASS';
  result.duration_s = +((Date.now() - t0) / 1000).toFixed(2);
  fs.writeFileSync(path.join(opts.outDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (error) {
    console.log(`FAIL dashboard (${result.mode}): ${result.error}`);
    for (const c of memberProcs) {
      if (c && c.logFile) console.log(`  ${c.label} log (${c.logFile}):\n${logTail(c.logFile)}`);
    }
  } else {
    console.log(`PASS dashboard (${result.mode}): 3 members, leader ${result.old_leader.name} -> ` +
      `${result.new_leader.name} visible after ${result.failover_visible_s.toFixed(2)} s ` +
      `(page served by ${result.page_served_by}); screenshots in ${opts.outDir}`);
  }
  process.exit(error ? 1 : 0);
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('timeout')), ms); })])
    .finally(() => clearTimeout(timer));
}

const overallTimer = setTimeout(() => finish(new Error(`overall timeout (${OVERALL_TIMEOUT_MS / 1000} s)`)),
  OVERALL_TIMEOUT_MS);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => finish(new Error(`got ${sig}`)));
process.on('unhandledRejection', (err) => finish(err));
process.on('uncaughtException', (err) => finish(err));

// ---------- the cluster (real or fixture) ----------

// Free loopback ports: hold them all open at once so none is handed out twice.
async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const memberProcs = [];   // index i: the process serving member n(i+1) (the fixture: one for all)
let members = [];         // {name, url, proc}

async function startCluster() {
  if (opts.fixture) {
    const ports = await freePorts(3);
    const script = path.join(REPO, 'web', 'dashboard', 'fixture_server.py');
    const proc = startProcess('fixture', '/usr/bin/python3', [script, '--ports', ports.join(',')],
      path.join(opts.outDir, 'fixture.log'));
    memberProcs.push(proc);
    members = ports.map((p, i) => ({ name: `n${i + 1}`, url: `http://127.0.0.1:${p}`, proc }));
    return;
  }
  if (!fs.existsSync(opts.chorus)) throw new Error(`no chorus binary at ${opts.chorus}`);
  const ports = await freePorts(6);
  const client = ports.slice(0, 3);
  const peer = ports.slice(3);
  const initialCluster = peer.map((p, i) => `n${i + 1}=http://127.0.0.1:${p}`).join(',');
  for (let i = 0; i < 3; i++) {
    const name = `n${i + 1}`;
    const dataDir = path.join(opts.outDir, name);
    fs.rmSync(dataDir, { recursive: true, force: true });   // a fresh cluster every run
    const proc = startProcess(name, opts.chorus, [
      'serve', '--name', name, '--data-dir', dataDir,
      '--listen-client-urls', `http://127.0.0.1:${client[i]}`,
      '--advertise-client-urls', `http://127.0.0.1:${client[i]}`,
      '--listen-peer-urls', `http://127.0.0.1:${peer[i]}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peer[i]}`,
      '--initial-cluster', initialCluster, '--initial-cluster-state', 'new',
      '--initial-cluster-token', 'dash-test', '--heartbeat-interval', '50', '--election-timeout', '500',
    ], path.join(opts.outDir, `${name}.log`));
    memberProcs.push(proc);
    members.push({ name, url: `http://127.0.0.1:${client[i]}`, proc });
  }
  log(`started ${members.map((m) => `${m.name} (pid ${m.proc.pid}) ${m.url}`).join(', ')}`);
}

async function getCluster(url) {
  const resp = await fetch(`${url}/dashboard/api/cluster`, { signal: AbortSignal.timeout(1500) });
  if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
  const data = await resp.json();
  if (!data || !Array.isArray(data.members)) throw new Error('no members array');
  return data;
}

async function waitForApis() {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  const pending = new Set(members);
  let lastErr = {};
  while (pending.size) {
    for (const m of [...pending]) {
      if (m.proc.exited) throw new Error(`${m.proc.label} exited (${m.proc.exitInfo}) during startup`);
      try {
        await getCluster(m.url);
        pending.delete(m);
      } catch (err) {
        lastErr[m.name] = err.cause ? `${err.message}: ${err.cause.code || err.cause.message}` : err.message;
      }
    }
    if (!pending.size) break;
    if (Date.now() > deadline) {
      throw new Error(`/dashboard/api/cluster not answering after ${STARTUP_TIMEOUT_MS / 1000} s on ` +
        [...pending].map((m) => `${m.name} ${m.url} (${lastErr[m.name]})`).join(', '));
    }
    await sleep(250);
  }
  log('every member answers /dashboard/api/cluster');
}

// Background load so the charts show something: best effort, never a failure.
function startLoad() {
  if (opts.fixture || !opts.load) return;
  startProcess('bench', opts.chorus, [
    'bench', '--endpoints', members.map((m) => m.url).join(','), '--workload', 'mixed',
    '--rate', '150', '--clients', '4', '--conns', '3', '--key-space-size', '1000',
    '--duration', '80', '--request-timeout', '2', '--quiet',
  ], path.join(opts.outDir, 'bench.log'));
  log('started background load (chorus bench, 150 req/s)');
}

async function killMember(member) {
  if (opts.fixture) {
    const live = members.find((m) => m !== member && !m.killed);
    const resp = await fetch(`${live.url}/fixture/kill?member=${member.id}`, { method: 'POST' });
    if (!resp.ok) throw new Error(`fixture kill: HTTP ${resp.status}`);
  } else {
    member.proc.kill('SIGKILL');
  }
  member.killed = true;
}

// ---------- the page ----------

// True once the page shows `n` members, all reachable, exactly one leader, and its name on top.
function pageShowsHealthy(n) {
  const rows = [...document.querySelectorAll('tr[data-member-id]')];
  const leaders = rows.filter((r) => r.getAttribute('data-role') === 'leader');
  const name = (document.querySelector('#leader-name')?.textContent || '').trim();
  const count = (document.querySelector('#member-count')?.textContent || '').trim();
  return rows.length === n && count === String(n) && leaders.length === 1 &&
    rows.every((r) => r.getAttribute('data-reachable') === 'true') &&
    name !== '' && name !== 'none' && !/^[\u2013-]$/.test(name);
}

// True once another member leads and the old one is shown unreachable.
function pageShowsFailover({ oldId, oldName }) {
  const rows = [...document.querySelectorAll('tr[data-member-id]')];
  const leaders = rows.filter((r) => r.getAttribute('data-role') === 'leader');
  const oldRow = rows.find((r) => r.getAttribute('data-member-id') === oldId);
  const name = (document.querySelector('#leader-name')?.textContent || '').trim();
  return rows.length === 3 && !!oldRow && oldRow.getAttribute('data-reachable') === 'false' &&
    leaders.length === 1 && leaders[0].getAttribute('data-member-id') !== oldId &&
    name !== '' && name !== 'none' && name !== oldName;
}

async function openDashboard(member) {
  log(`opening ${member.url}/dashboard`);
  await page.goto(`${member.url}/dashboard`, { waitUntil: 'load', timeout: 10_000 });
  result.page_served_by = member.name;
  try {
    await page.waitForFunction(pageShowsHealthy, 3, { timeout: FIRST_VIEW_TIMEOUT_MS, polling: 100 });
  } catch {
    const rows = await page.$$eval('tr[data-member-id]', (rs) => rs.map((r) =>
      `${r.getAttribute('data-member-id')}:${r.getAttribute('data-role')}/${r.getAttribute('data-reachable')}`));
    const lead = await page.textContent('#leader-name').catch(() => '?');
    throw new Error(`page on ${member.name} did not show 3 reachable members and one leader within ` +
      `${FIRST_VIEW_TIMEOUT_MS / 1000} s (rows: ${rows.join(' ') || 'none'}; leader: ${lead})`);
  }
}

async function readLeader() {
  const id = await page.getAttribute('tr[data-member-id][data-role="leader"]', 'data-member-id');
  const name = (await page.textContent('#leader-name')).trim();
  const rowName = (await page.textContent(`tr[data-member-id="${id}"] td.name strong`)).trim();
  if (rowName !== name) throw new Error(`#leader-name says ${name} but the leader row is ${rowName} (${id})`);
  return { id, name };
}

async function screenshot(file) {
  const p = path.join(opts.outDir, file);
  await page.screenshot({ path: p, fullPage: true });
  result.screenshots.push(p);
  log(`screenshot ${p}`);
}

// ---------- the test ----------

async function main() {
  if (!fs.existsSync(opts.chromium)) {
    throw new Error(`no Chromium at ${opts.chromium} (Debian: apt-get install chromium)`);
  }
  log(`mode ${result.mode}, out-dir ${opts.outDir}`);
  await startCluster();
  await waitForApis();
  startLoad();

  browser = await chromium.launch({ executablePath: opts.chromium, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  page = await context.newPage();
  page.on('pageerror', (err) => { result.page_errors.push(String(err)); log(`page error: ${err}`); });

  let viewer = members[0];
  await openDashboard(viewer);
  let leader = await readLeader();
  log(`page on ${viewer.name} shows 3 members, leader ${leader.name} (${leader.id})`);

  // The leader is about to die: watch from another member (any member must serve the page).
  if (leader.name === viewer.name) {
    viewer = members.find((m) => m.name !== leader.name);
    result.page_reopened = true;
    await openDashboard(viewer);
    leader = await readLeader();
    log(`page moved to ${viewer.name}; leader ${leader.name} (${leader.id})`);
  }
  const victim = members.find((m) => m.name === leader.name);
  if (!victim) throw new Error(`leader name ${leader.name} is none of ${members.map((m) => m.name)}`);
  victim.id = leader.id;
  if (victim === viewer) throw new Error('the page is served by the leader it is about to kill');
  result.old_leader = leader;

  // A few polls so the charts have points (best effort).
  await page.waitForFunction(() => document.querySelectorAll('#chart-throughput path.line').length > 0,
    null, { timeout: 5000, polling: 200 }).catch(() => log('no throughput line yet; going on'));
  await screenshot('dashboard-before.png');

  log(`killing leader ${victim.name}`);
  const killedAt = performance.now();
  await killMember(victim);
  try {
    await page.waitForFunction(pageShowsFailover, { oldId: leader.id, oldName: leader.name },
      { timeout: FAILOVER_TIMEOUT_MS, polling: 100 });
  } catch {
    const rows = await page.$$eval('tr[data-member-id]', (rs) => rs.map((r) =>
      `${r.getAttribute('data-member-id')}:${r.getAttribute('data-role')}/${r.getAttribute('data-reachable')}`));
    throw new Error(`within ${FAILOVER_TIMEOUT_MS / 1000} s of killing ${leader.name} the page did not show ` +
      `a new leader with ${leader.name} unreachable (rows: ${rows.join(' ')})`);
  }
  const seconds = (performance.now() - killedAt) / 1000;
  result.failover_visible_s = +seconds.toFixed(3);
  result.new_leader = await readLeader();
  log(`page shows new leader ${result.new_leader.name} after ${seconds.toFixed(2)} s`);

  if (await page.isVisible('#conn-banner')) throw new Error(`the page on ${viewer.name} shows "connection lost"`);
  await sleep(1500);   // let the history, events and charts catch up for the picture
  await screenshot('dashboard-after.png');
  if (result.page_errors.length) throw new Error(`JavaScript errors on the page: ${result.page_errors.join('; ')}`);
}

main().then(() => finish(null), (err) => finish(err));
