// The manifests against a real pushgw binary (PUSHGW_BIN=path/to/pushgw;
// `bazel test //tests/deploy:deploy_live_test` sets it). Starts the binary the
// way the Deployment does (its args, the ConfigMap's configuration; listeners
// moved to free loopback ports), then checks that it serves what the probes
// and the ServiceMonitor ask for, that /metrics has every family the dashboard
// and alerts use, that stderr is one JSON object per line, and that SIGTERM
// flips readiness and exits 0 within the drain grace period.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { METRICS } from './lib/metrics.mjs';
import {
  HEALTH_PATH, METRICS_PATH, READY_PATH, drainGraceSeconds, parseConfig, repoPath,
} from './lib/pushgw.mjs';
import { one, render } from './lib/tree.mjs';

const BIN = process.env.PUSHGW_BIN;
// Families that may only appear once something happened (labels made on first use).
const LAZY = new Set(['pushgw_grpc_calls_total']);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function request(port, pathname, { method = 'GET', body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, timeout: 2000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the Deployment\'s pushgw serves its probes, metrics and drain', { skip: BIN ? false : 'PUSHGW_BIN is not set' }, async (t) => {
  const objects = render(repoPath('deploy', 'kubernetes', 'base'));
  const deployment = one(objects, 'Deployment', 'pushgw');
  const container = deployment.spec.template.spec.containers[0];
  const configMap = one(objects, 'ConfigMap');
  const tmp = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'pushgw-live-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const configFile = path.join(tmp, 'pushgw.yaml');
  fs.writeFileSync(configFile, configMap.data['pushgw.yaml']);
  const grace = drainGraceSeconds(parseConfig(configMap.data['pushgw.yaml']));

  const [httpPort, grpcPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const args = container.args.map((a) => a
    .replace(/^--config=.*/, `--config=${configFile}`)
    .replace(/\$\(PUSHGW_WORKERS\)/, '2'));
  args.push(`--http_listen=127.0.0.1:${httpPort}`, `--grpc_listen=127.0.0.1:${grpcPort}`,
    `--admin_listen=127.0.0.1:${adminPort}`);
  const child = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });

  // Live: /healthz answers 200 within 10 s.
  const deadline = Date.now() + 10000;
  let health = null;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) assert.fail(`pushgw exited ${child.exitCode}:\n${stderr}`);
    try {
      health = await request(adminPort, HEALTH_PATH);
      if (health.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  assert.equal(health?.status, 200, `GET ${HEALTH_PATH}\n${stderr}`);
  assert.equal((await request(adminPort, READY_PATH)).status, 200, `GET ${READY_PATH}`);

  // One publish, so that the counters have something to show.
  const pub = await request(httpPort, '/pub?id=live', { method: 'POST', body: 'hi' });
  assert.equal(pub.status, 200, `POST /pub: ${pub.body}`);

  const scrape = await request(adminPort, METRICS_PATH);
  assert.equal(scrape.status, 200);
  assert.match(scrape.headers['content-type'], /^text\/plain/);
  const types = new Map([...scrape.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
  const missing = Object.keys(METRICS).filter((m) => !types.has(m) && !LAZY.has(m));
  assert.deepEqual(missing, [], 'families the dashboard and the alerts use');
  for (const [name, { type }] of Object.entries(METRICS)) {
    if (types.has(name)) assert.equal(types.get(name), type, `${name} type`);
  }
  assert.match(scrape.body, /^pushgw_messages_published_total\{[^}]*source="http"[^}]*\} [1-9]/m);
  const promtool = execFileSync('promtool', ['check', 'metrics'], { input: scrape.body, encoding: 'utf8' });
  assert.equal(promtool.trim(), '', 'promtool check metrics is clean');

  // Drain: readiness flips at once, the process exits 0 within the grace period.
  const stopped = Date.now();
  child.kill('SIGTERM');
  let ready = 200;
  while (Date.now() - stopped < 2000 && ready === 200) {
    try {
      ready = (await request(adminPort, READY_PATH)).status;
    } catch {
      ready = 'refused';  // already gone: nothing left to drain
    }
    if (ready === 200) await sleep(20);
  }
  assert.notEqual(ready, 200, `${READY_PATH} still 200 two seconds after SIGTERM`);
  const { code, signal } = await exited;
  assert.equal(signal, null, `killed by ${signal}`);
  assert.equal(code, 0, `exit code\n${stderr}`);
  assert.ok(Date.now() - stopped <= (grace + 5) * 1000, `exited within ${grace} s + 5 s`);

  // Logs: one JSON object per line.
  const lines = stderr.split('\n').filter((l) => l.trim());
  assert.ok(lines.length > 0, 'pushgw logged its start');
  for (const l of lines) {
    let parsed;
    assert.doesNotThrow(() => { parsed = JSON.parse(l); }, `not JSON: ${l}`);
    assert.equal(typeof parsed, 'object', l);
  }
});
