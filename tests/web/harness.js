// Test helpers: the real pushgw binary as a process, headless Debian Chromium through
// playwright-core, and a harness page served on the gateway's origin.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.PUSHGW_BIN || path.join(ROOT, 'bazel-bin', 'app', 'pushgw');
const WEB = process.env.PUSHGW_WEB || path.join(ROOT, 'web');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Screenshots: PUSHGW_SCREENSHOTS=docs/img refreshes the README's; under Bazel they go
// to the test's undeclared outputs.
const SHOTS = process.env.PUSHGW_SCREENSHOTS || process.env.TEST_UNDECLARED_OUTPUTS_DIR || '';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Waits for fn() to become truthy (polling), failing with `what` after `ms`.
async function until(fn, what, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Gateways still running when this process exits (a crash, a timeout) are killed.
const running = new Set();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

class Gateway {
  // extra: more pushgw flags, e.g. ['--config=FILE'].
  constructor(extra = []) {
    this.extra = extra;
    this.proc = null;
    this.port = 0;
    this.log = '';
  }

  // Starts pushgw on 127.0.0.1 (port 0 the first time, the same port on a restart).
  async start() {
    for (const p of [BIN, WEB]) {
      if (!fs.existsSync(p)) throw new Error(`${p} is missing (set PUSHGW_BIN / PUSHGW_WEB, or bazel build //app:pushgw)`);
    }
    const args = [`--http_listen=127.0.0.1:${this.port}`, `--static_root=${WEB}`,
      '--grpc_listen=127.0.0.1:0', '--admin_listen=127.0.0.1:0', '--workers=2', ...this.extra];
    const proc = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    let err = '';
    proc.stderr.on('data', (d) => { err += d; this.log += d; });
    const exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    this.exited = exited;
    const port = await Promise.race([
      until(() => { const m = /listening for HTTP on [^\n]*\(port (\d+)\)/.exec(err); return m && Number(m[1]); }, 'pushgw to listen', 10000),
      exited.then((code) => { throw new Error(`pushgw exited (${code}): ${err}`); }),
    ]);
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop() {
    if (!this.proc) return;
    const proc = this.proc;
    this.proc = null;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    await this.exited;
    clearTimeout(timer);
  }

  async restart() {
    await this.stop();
    // The port may take a moment to be free again.
    await until(async () => { try { await this.start(); return true; } catch (e) { return false; } }, 'pushgw restart', 15000);
  }

  url(p) { return this.base + p; }

  // The admin listener's port (its log line may come after the HTTP one), 0 until known.
  get adminPort() {
    const m = /\(admin port (\d+)\)/.exec(this.log.slice(this.log.lastIndexOf('listening for HTTP')));
    return m ? Number(m[1]) : 0;
  }

  async publish(channel, text, headers = {}) {
    const res = await fetch(this.url(`/pub?id=${encodeURIComponent(channel)}`), { method: 'POST', body: text, headers });
    if (res.status !== 200) throw new Error(`publish to ${channel}: ${res.status}`);
    return res.text();
  }

  async remove(channel, body) {
    const res = await fetch(this.url(`/pub?id=${encodeURIComponent(channel)}`), { method: 'DELETE', body });
    if (res.status !== 200) throw new Error(`delete ${channel}: ${res.status}`);
  }

  async subscribers(channel) {
    const res = await fetch(this.url(`/channels-stats?id=${encodeURIComponent(channel)}`));
    if (res.status !== 200) return 0;
    const m = /"subscribers": (\d+)/.exec(await res.text());
    return m ? Number(m[1]) : 0;
  }

  // The server has attached at least n subscribers to the channel.
  async waitSubscribers(channel, n = 1) {
    await until(async () => (await this.subscribers(channel)) >= n, `${n} subscriber(s) on ${channel}`);
  }
}

class Browser {
  async launch() {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (scripts/setup.sh installs Debian's chromium)`);
    this.profile = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'pushgw-chromium-'));
    this.context = await chromium.launchPersistentContext(this.profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 720 },
    });
    this.errors = [];
    return this;
  }

  // A new page; page errors are collected (tests assert there are none where it matters).
  async page(gw, pathname) {
    const page = await this.context.newPage();
    page.pageErrors = [];
    page.on('pageerror', (e) => page.pageErrors.push(e.message));
    page.on('console', (m) => { if (process.env.PUSHGW_TEST_VERBOSE) console.log('console:', m.text()); });
    // Pages come from the gateway itself: Chrome's local-network-access checks block a
    // WebSocket to 127.0.0.1 from a page that did not (e.g. one fulfilled by page.route).
    // The client tests use web/client.html, whose make()/rec/texts()/send() record callbacks.
    await page.goto(gw.url(pathname || '/client.html'));
    return page;
  }

  async close() {
    if (this.context) await this.context.close();
    if (this.profile) fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

async function screenshot(page, name, options = {}) {
  if (!SHOTS) return null;
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name);
  await page.screenshot({ path: file, ...options });
  return file;
}

// A configuration file: the embedded default layout with some values replaced.
function defaultConfigWith(replacements) {
  const { execFileSync } = require('node:child_process');
  let yaml = execFileSync(BIN, ['--print_default_config'], { encoding: 'utf8' });
  for (const [from, to] of replacements) {
    if (!from.test(yaml)) throw new Error(`default config has no ${from}`);
    yaml = yaml.replace(from, to);
  }
  const dir = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'pushgw-config-'));
  const file = path.join(dir, 'pushgw.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}

module.exports = { Gateway, Browser, until, screenshot, defaultConfigWith, ROOT, BIN, WEB };
