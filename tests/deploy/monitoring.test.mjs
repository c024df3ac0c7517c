// The monitoring side of deploy/: the PrometheusRule (promtool check + unit
// tests), the Grafana dashboard and the PromQL in docs/operations.md. Every
// query must parse (promtool) and use only metric names and labels that
// pushgw exports (lib/metrics.mjs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseManifests } from './lib/kustomize.mjs';
import { METRICS, familyOf, metricNamesIn, unknownMetricNames } from './lib/metrics.mjs';
import { readRepo, repoPath } from './lib/pushgw.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const tmp = fs.mkdtempSync(path.join(process.env.TEST_TMPDIR || os.tmpdir(), 'pushgw-deploy-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const [rule] = parseManifests(
  readRepo('deploy', 'kubernetes', 'components', 'monitoring', 'prometheusrule.yaml'), 'prometheusrule.yaml');
const alerts = rule.spec.groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readRepo('deploy', 'grafana', 'pushgw-dashboard.json'));
const operations = readRepo('docs', 'operations.md');

// Labels every series has once Prometheus scrapes it through the ServiceMonitor.
const TARGET_LABELS = new Set(['namespace', 'pod', 'job', 'instance', 'service', 'container', 'endpoint']);

function promtool(args, cwd = tmp) {
  try {
    return execFileSync('promtool', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error('promtool is missing: scripts/setup.sh installs it (Debian package prometheus)');
    throw new Error(`promtool ${args.join(' ')}:\n${e.stdout}${e.stderr}`);
  }
}

// Grafana's variables -> values PromQL accepts, so that promtool can parse.
function concreteQuery(expr) {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{?(\w+)(?::\w+)?\}?/g, '.*');
}

// Labels grouped by in an expression must exist on one of its metrics.
function unknownGroupingLabels(expr) {
  const metrics = [...metricNamesIn(expr)].map(familyOf).filter(Boolean);
  const labels = new Set([...TARGET_LABELS, 'le', ...metrics.flatMap((m) => METRICS[m].labels)]);
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)]
    .flatMap((m) => m[1].split(',').map((s) => s.trim()).filter(Boolean));
  const matchers = [...expr.matchAll(/[{,]\s*(\w+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]);
  return [...grouped, ...matchers].filter((l) => !labels.has(l) && l !== '__name__');
}

// PromQL expressions -> one rules file of recording rules, checked by promtool.
function checkParses(exprs, name) {
  const file = path.join(tmp, `${name}.yaml`);
  const rules = exprs.map((expr, i) => ({ record: `check:${name.replace(/\W/g, '_')}:${i}`, expr }));
  fs.writeFileSync(file, YAML.stringify({ groups: [{ name, rules }] }));
  promtool(['check', 'rules', file]);
}

test('PrometheusRule: promtool check rules', () => {
  fs.writeFileSync(path.join(tmp, 'pushgw-rules.yaml'), YAML.stringify({ groups: rule.spec.groups }));
  assert.match(promtool(['check', 'rules', 'pushgw-rules.yaml']), new RegExp(`SUCCESS: ${alerts.length} rules found`));
});

test('PrometheusRule: promtool test rules (alerts_test.yaml)', () => {
  fs.writeFileSync(path.join(tmp, 'pushgw-rules.yaml'), YAML.stringify({ groups: rule.spec.groups }));
  fs.copyFileSync(path.join(HERE, 'alerts_test.yaml'), path.join(tmp, 'alerts_test.yaml'));
  assert.match(promtool(['test', 'rules', 'alerts_test.yaml']), /SUCCESS/);
});

test('PrometheusRule: every alert has a severity, a summary, a description, and a section in docs', () => {
  for (const a of alerts) {
    assert.ok(a.alert, `only alerting rules: ${JSON.stringify(a)}`);
    assert.ok(['critical', 'warning', 'info'].includes(a.labels?.severity), `${a.alert} severity`);
    assert.ok(a.annotations?.summary && a.annotations?.description, `${a.alert} annotations`);
    assert.ok(operations.includes(a.alert), `docs/operations.md explains ${a.alert}`);
  }
  const names = alerts.map((a) => a.alert);
  assert.equal(new Set(names).size, names.length, 'alert names are unique');
});

test('PrometheusRule: only metrics and labels pushgw exports', () => {
  for (const a of alerts) {
    assert.deepEqual(unknownMetricNames(a.expr), [], a.alert);
    assert.deepEqual(unknownGroupingLabels(a.expr), [], a.alert);
  }
});

const panels = dashboard.panels.filter((p) => p.type !== 'row');
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

test('dashboard: identity, variables and layout', () => {
  assert.equal(dashboard.uid, 'pushgw');
  assert.equal(dashboard.title, 'pushgw');
  assert.ok(Number.isInteger(dashboard.schemaVersion));
  const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
  assert.equal(vars.datasource?.type, 'datasource');
  assert.equal(vars.datasource?.query, 'prometheus');
  for (const v of ['namespace', 'pod']) {
    assert.equal(vars[v]?.type, 'query');
    assert.deepEqual(unknownMetricNames(vars[v].definition), [], v);
  }
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  // No two panels overlap on the 24-column grid.
  const cells = new Map();
  for (const p of dashboard.panels) {
    const { x, y, w, h } = p.gridPos;
    assert.ok(x >= 0 && w > 0 && x + w <= 24 && h > 0, `${p.title}: gridPos ${JSON.stringify(p.gridPos)}`);
    for (let i = x; i < x + w; i++) {
      for (let j = y; j < y + h; j++) {
        assert.ok(!cells.has(`${i},${j}`), `${p.title} overlaps ${cells.get(`${i},${j}`)}`);
        cells.set(`${i},${j}`, p.title);
      }
    }
  }
  for (const p of panels) {
    assert.ok(p.targets?.length, `${p.title} has queries`);
    assert.equal(p.datasource?.uid, '${datasource}', `${p.title} uses the datasource variable`);
    for (const t of p.targets) assert.equal(t.datasource?.uid, '${datasource}', `${p.title} ${t.refId}`);
  }
});

test('dashboard: every query parses and uses only metrics and labels pushgw exports', () => {
  for (const q of queries) {
    assert.deepEqual(unknownMetricNames(q.expr), [], q.panel);
    assert.deepEqual(unknownGroupingLabels(concreteQuery(q.expr)), [], q.panel);
  }
  checkParses(queries.map((q) => concreteQuery(q.expr)), 'dashboard');
});

test('dashboard: every metric family pushgw exports is on a panel', () => {
  const shown = new Set(queries.flatMap((q) => [...metricNamesIn(q.expr)].map(familyOf)));
  assert.deepEqual(Object.keys(METRICS).filter((m) => !shown.has(m)), []);
});

test('docs/operations.md: its PromQL parses and uses only metrics pushgw exports', () => {
  const blocks = [...operations.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 2, 'docs/operations.md has ```promql blocks');
  // One expression per block, or several separated by blank lines.
  const exprs = blocks.flatMap((b) => b.split(/\n\s*\n/)).map((e) => e.replace(/^#.*$/gm, '').trim()).filter(Boolean);
  for (const e of exprs) {
    assert.deepEqual(unknownMetricNames(e), [], e);
    assert.deepEqual(unknownGroupingLabels(e), [], e);
  }
  checkParses(exprs, 'operations');
  assert.deepEqual(unknownMetricNames(operations), [], 'metric names in the prose');
});

test('docs and deploy files exist where the docs say', () => {
  for (const p of ['deploy/README.md', 'deploy/grafana/pushgw-dashboard.json', 'deploy/Dockerfile']) {
    assert.ok(fs.existsSync(repoPath(p)), p);
    assert.ok(operations.includes(p), `docs/operations.md mentions ${p}`);
  }
});

test('the name and label checks catch mistakes', () => {
  assert.deepEqual(unknownMetricNames('sum(rate(pushgw_messages_publish_total[5m]))'), ['pushgw_messages_publish_total']);
  assert.deepEqual(unknownMetricNames('rate(pushgw_publish_to_socket_latency_seconds_bucket[5m])'), []);
  assert.deepEqual(unknownGroupingLabels('sum by (channel) (pushgw_connections)'), ['channel']);
  assert.deepEqual(unknownGroupingLabels('sum by (transport, pod) (pushgw_connections{transport="ws"})'), []);
  assert.deepEqual(unknownGroupingLabels('pushgw_channels{transport="ws"}'), ['transport']);
  assert.equal(concreteQuery('rate(x{pod=~"$pod"}[$__rate_interval])'), 'rate(x{pod=~".*"}[5m])');
});
