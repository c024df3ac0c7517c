// Validates every Kustomize root under deploy/kubernetes (the base and each
// overlay), rendered offline: against the Kubernetes and prometheus-operator
// schemas, and against what the pushgw binary serves (ports from the mounted
// configuration and the flags, probe paths, the metrics port), plus the
// deployment rules of deploy/README.md (drain timing, security, resources).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { schemaErrors, unknownFieldErrors, schemaVersions } from './lib/schema.mjs';
import {
  HEALTH_PATH, READY_PATH, METRICS_PATH, PORT_NAMES, binaryFlags, durationSeconds,
  drainGraceSeconds, effectiveListeners, flagValue, parseConfig, readRepo, splitHostPort,
} from './lib/pushgw.mjs';
import { byKind, kustomizeRoots, one, relRoot, render } from './lib/tree.mjs';
import { objectKey } from './lib/kustomize.mjs';
import { dockerfileStages } from './lib/dockerfile.mjs';

const roots = kustomizeRoots();
const defaultConfig = parseConfig(readRepo('config', 'default.yaml'));

test('the validators reject what an API server would', () => {
  const broken = (name, mutate) => {
    const d = one(render(roots[0]), 'Deployment', 'pushgw');
    d.metadata.name = name;
    mutate(d.spec.template.spec);
    return d;
  };
  const objects = [
    broken('misspelt', (pod) => { pod.containers[0].readinesProbe = {}; }),
    broken('misplaced', (pod) => { pod.securityContext.readOnlyRootFilesystem = true; }),
    broken('wrong-type', (pod) => { pod.containers[0].ports[0].containerPort = '9080'; }),
    broken('missing', (pod) => { delete pod.containers[0].name; }),
  ];
  const unknown = unknownFieldErrors(objects.slice(0, 2)).join('\n');
  assert.match(unknown, /Deployment\/misspelt: .*readinesProbe/);
  assert.match(unknown, /Deployment\/misplaced: .*readOnlyRootFilesystem.*IPodSecurityContext/);
  const schema = objects.slice(2).flatMap(schemaErrors).join('\n');
  assert.match(schema, /Deployment\/wrong-type: .*containerPort must be integer/);
  assert.match(schema, /Deployment\/missing: .*must have required property name/);
});

test('deploy/kubernetes has a base and at least one overlay', () => {
  const rel = roots.map(relRoot);
  assert.ok(rel.includes('deploy/kubernetes/base'), rel.join(', '));
  assert.ok(rel.some((r) => r.startsWith('deploy/kubernetes/overlays/')), rel.join(', '));
});

const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

// The pushgw workload of a rendered root, with everything derived from it.
function workload(objects) {
  const deployment = one(objects, 'Deployment', 'pushgw');
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((c) => c.name === 'pushgw');
  assert.ok(container, 'a container named pushgw');
  const args = [...(container.command ?? []).slice(1), ...(container.args ?? [])];
  const configPath = flagValue(args, 'config');
  assert.ok(configPath, 'pushgw gets --config');
  // The ConfigMap key mounted at --config's path.
  const mount = (container.volumeMounts ?? []).find((m) => configPath.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `a volume mounted above ${configPath}`);
  const volume = pod.volumes.find((v) => v.name === mount.name);
  assert.ok(volume?.configMap, `volume ${mount.name} is a ConfigMap`);
  const key = configPath.slice(mount.mountPath.length + 1);
  if (volume.configMap.items) {
    assert.ok(volume.configMap.items.some((i) => i.path === key), `${key} among the volume's items`);
  }
  const configMap = one(objects, 'ConfigMap', volume.configMap.name);
  assert.ok(configMap.data?.[key], `ConfigMap ${configMap.metadata.name} has key ${key}`);
  const config = parseConfig(configMap.data[key]);
  const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
  return { deployment, pod, container, args, config, configMap, ports };
}

// A Service/probe port (a name or a number) -> the container port number.
function resolvePort(port, ports) {
  if (typeof port === 'number') return port;
  assert.ok(ports.has(port), `container port named "${port}"`);
  return ports.get(port);
}

for (const root of roots) {
  describe(relRoot(root), () => {
    const objects = render(root);

    test(`every object matches its schema (${schemaVersions()})`, () => {
      const errors = objects.flatMap(schemaErrors);
      assert.deepEqual(errors, []);
    });

    test('no unknown or misplaced fields', () => {
      assert.deepEqual(unknownFieldErrors(objects), []);
    });

    test('object names are unique and namespaces consistent', () => {
      const keys = objects.map(objectKey);
      assert.equal(new Set(keys).size, keys.length, keys.join('\n'));
      const namespaces = new Set(objects.map((o) => o.metadata.namespace));
      assert.equal(namespaces.size, 1, `one namespace for all objects: ${[...namespaces]}`);
    });

    test('listeners: container ports are where the binary listens (config + flags)', () => {
      const { args, config, ports } = workload(objects);
      const listen = effectiveListeners(args, config);
      for (const [key, portName] of Object.entries(PORT_NAMES)) {
        const { host, port } = splitHostPort(listen[key]);
        assert.ok(['0.0.0.0', '[::]'].includes(host),
          `${key} ${listen[key]} must listen on all interfaces (kubelet probes and Services reach the pod IP)`);
        assert.equal(ports.get(portName), port, `containerPort "${portName}" = ${key} ${listen[key]}`);
        // The standard ports of config/default.yaml (README, docs).
        assert.equal(port, splitHostPort(defaultConfig.listeners[key]).port,
          `${key} keeps config/default.yaml's port`);
      }
      assert.equal(ports.size, Object.keys(PORT_NAMES).length, 'no other container ports');
    });

    test('args: only flags pushgw defines; workers follow the CPU request', () => {
      const { container, args } = workload(objects);
      const flags = binaryFlags();
      for (const a of args) {
        const m = /^--([a-z_]+)(=|$)/.exec(a);
        assert.ok(m && flags.has(m[1]), `${a}: pushgw defines --${m?.[1]} (app/main.cc)`);
      }
      const workers = flagValue(args, 'workers');
      assert.match(workers, /^\$\((\w+)\)$/, '--workers comes from an environment variable');
      const env = container.env.find((e) => `$(${e.name})` === workers);
      assert.deepEqual(env?.valueFrom?.resourceFieldRef,
        { containerName: 'pushgw', resource: 'requests.cpu', divisor: '1' });
    });

    test(`probes: liveness ${HEALTH_PATH}, readiness ${READY_PATH}, on the admin listener`, () => {
      const { container, args, config, ports } = workload(objects);
      const admin = splitHostPort(effectiveListeners(args, config).admin_listen).port;
      const expect = { livenessProbe: HEALTH_PATH, readinessProbe: READY_PATH };
      for (const [probe, path] of Object.entries(expect)) {
        const get = container[probe]?.httpGet;
        assert.ok(get, `${probe} is an httpGet probe`);
        assert.equal(get.path, path, `${probe} path`);
        assert.equal(get.port, PORT_NAMES.admin_listen, `${probe} uses the named port`);
        assert.equal(resolvePort(get.port, ports), admin, `${probe} port = admin_listen`);
        assert.ok((get.scheme ?? 'HTTP') === 'HTTP', `${probe} scheme HTTP`);
      }
      assert.equal(container.startupProbe, undefined, 'no startup probe (pushgw starts in milliseconds)');
      assert.ok(container.readinessProbe.periodSeconds * container.readinessProbe.failureThreshold <= 15,
        'readiness notices a drain within 15 s');
    });

    test('Services: selectors match the pods, ports resolve to named container ports', () => {
      const { deployment, ports } = workload(objects);
      const podLabels = deployment.spec.template.metadata.labels;
      assert.ok(matches(deployment.spec.selector.matchLabels, podLabels), 'Deployment selects its pods');
      const services = byKind(objects, 'Service');
      assert.deepEqual(services.map((s) => s.metadata.name).sort(), ['pushgw', 'pushgw-metrics', 'pushgw-pods']);
      for (const svc of services) {
        assert.ok(matches(svc.spec.selector, podLabels), `${svc.metadata.name} selects the pods`);
        for (const p of svc.spec.ports) {
          assert.equal(p.targetPort, p.name, `${svc.metadata.name}:${p.name} targets the port of its name`);
          assert.equal(p.port, resolvePort(p.targetPort, ports), `${svc.metadata.name}:${p.name} keeps the number`);
        }
      }
      const names = (n) => one(objects, 'Service', n).spec.ports.map((p) => p.name).sort();
      assert.deepEqual(names('pushgw'), ['grpc', 'http']);
      assert.deepEqual(names('pushgw-pods'), ['grpc', 'http']);
      assert.deepEqual(names('pushgw-metrics'), ['metrics'], 'the admin port only on pushgw-metrics');
      const headless = one(objects, 'Service', 'pushgw-pods').spec;
      assert.equal(headless.clusterIP, 'None');
      assert.equal(headless.publishNotReadyAddresses, true);
    });

    test(`ServiceMonitor: ${METRICS_PATH} on the metrics port of pushgw-metrics only`, () => {
      const monitors = byKind(objects, 'ServiceMonitor');
      if (relRoot(root).endsWith('/base')) {
        // The base applies on clusters without the Prometheus Operator's CRDs.
        assert.deepEqual(objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/')), []);
        return;
      }
      assert.equal(monitors.length, 1, 'overlays include components/monitoring');
      const { args, config, ports } = workload(objects);
      const admin = splitHostPort(effectiveListeners(args, config).admin_listen).port;
      const [sm] = monitors;
      const selected = byKind(objects, 'Service').filter((s) => matches(sm.spec.selector.matchLabels, s.metadata.labels));
      assert.deepEqual(selected.map((s) => s.metadata.name), ['pushgw-metrics']);
      assert.equal(sm.spec.endpoints.length, 1);
      const [ep] = sm.spec.endpoints;
      assert.equal(ep.path ?? '/metrics', METRICS_PATH);
      assert.equal(ep.port, PORT_NAMES.admin_listen);
      const svcPort = selected[0].spec.ports.find((p) => p.name === ep.port);
      assert.equal(resolvePort(svcPort.targetPort, ports), admin, 'scrapes admin_listen');
      assert.ok(durationSeconds(ep.scrapeTimeout) < durationSeconds(ep.interval));
    });

    test('drain: terminationGracePeriodSeconds covers preStop + listeners.drain_grace_period', () => {
      const { pod, container, config } = workload(objects);
      const cmd = container.lifecycle?.preStop?.exec?.command;
      assert.ok(cmd?.[0] === 'sleep' && /^\d+$/.test(cmd[1]) && cmd.length === 2,
        `preStop is a plain sleep: ${JSON.stringify(cmd)}`);
      const preStop = Number(cmd[1]);
      const drain = drainGraceSeconds(config);
      const grace = pod.terminationGracePeriodSeconds;
      assert.ok(preStop >= 2 && preStop <= 15, `preStop sleep ${preStop}s lets endpoints propagate`);
      assert.ok(grace >= preStop + drain + 1,
        `terminationGracePeriodSeconds ${grace} >= preStop ${preStop} + drain ${drain} + margin`);
      assert.ok(grace <= preStop + drain + 30,
        `terminationGracePeriodSeconds ${grace} is not far above preStop ${preStop} + drain ${drain}`);
    });

    test('security: non-root, read-only root filesystem, no privileges, no API token', () => {
      const { pod, container } = workload(objects);
      const podSec = pod.securityContext;
      const sec = container.securityContext;
      assert.equal(podSec.runAsNonRoot, true);
      assert.ok(podSec.runAsUser > 0, 'a numeric non-root uid (runAsNonRoot needs one to verify)');
      assert.equal(podSec.seccompProfile?.type, 'RuntimeDefault');
      assert.equal(sec.readOnlyRootFilesystem, true);
      assert.equal(sec.allowPrivilegeEscalation, false);
      assert.deepEqual(sec.capabilities?.drop, ['ALL']);
      assert.equal(sec.capabilities?.add, undefined);
      assert.equal(sec.privileged, undefined);
      assert.equal(pod.automountServiceAccountToken, false);
      assert.equal(pod.hostNetwork, undefined);
      const user = dockerfileStages().at(-1).user;
      assert.equal(String(podSec.runAsUser), user.split(':')[0], 'runAsUser is deploy/Dockerfile\'s USER');
      assert.equal(String(podSec.runAsGroup), user.split(':')[1], 'runAsGroup is deploy/Dockerfile\'s group');
      for (const m of container.volumeMounts) assert.equal(m.readOnly, true, `${m.name} mounted read-only`);
    });

    test('resources: requests set; memory limit = request; no CPU limit', () => {
      const { container } = workload(objects);
      const { requests, limits } = container.resources;
      assert.ok(requests?.cpu && requests?.memory, 'cpu and memory requests (the HPA needs them)');
      assert.equal(limits?.memory, requests.memory, 'memory limit = request: no overcommit of connections');
      assert.equal(limits?.cpu, undefined, 'no CPU limit (throttling stalls every connection at once)');
    });

    test('rollout and scaling: HPA owns replicas, PDB and strategy keep pods serving', () => {
      const { deployment } = workload(objects);
      assert.equal(deployment.spec.replicas, undefined, 'no replicas field: the HPA owns the count');
      assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);
      const hpa = one(objects, 'HorizontalPodAutoscaler');
      assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'pushgw' });
      assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas >= hpa.spec.minReplicas);
      assert.ok(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds >= 300, 'slow scale-down');
      const pdb = one(objects, 'PodDisruptionBudget');
      assert.ok(matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels));
      assert.equal(pdb.spec.maxUnavailable, 1);
    });

    test('image: the base names pushgw; overlays pin a registry image', () => {
      const { container } = workload(objects);
      if (relRoot(root).endsWith('/base')) {
        assert.equal(container.image, 'pushgw:dev');
      } else {
        assert.match(container.image, /^[\w.-]+(:\d+)?\/[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/,
          'a registry, a repository and a tag or digest');
        assert.doesNotMatch(container.image, /:latest$/);
      }
    });
  });
}

describe('deploy/kubernetes/base configuration', () => {
  const base = roots.find((r) => relRoot(r) === 'deploy/kubernetes/base');
  const { config } = workload(render(base));

  test('everything but listeners is config/default.yaml', () => {
    const strip = ({ listeners, ...rest }) => rest;
    assert.deepEqual(strip(config), strip(defaultConfig));
  });

  test('listeners: the default ports on all interfaces, a drain grace period', () => {
    for (const key of Object.keys(PORT_NAMES)) {
      assert.equal(config.listeners[key], `0.0.0.0:${splitHostPort(defaultConfig.listeners[key]).port}`);
    }
    assert.equal(config.listeners.drain_grace_period, '30s');
    const allowed = new Set([...Object.keys(PORT_NAMES), 'workers', 'drain_grace_period']);
    for (const k of Object.keys(config.listeners)) assert.ok(allowed.has(k), `listeners.${k}`);
  });

  test('every listeners key exists in the config schema', () => {
    const proto = readRepo('proto', 'pushgw', 'config', 'v1', 'config.proto');
    const listeners = /message Listeners \{([\s\S]*?)\n\}/.exec(proto)[1];
    for (const k of Object.keys(config.listeners)) {
      assert.match(listeners, new RegExp(`\\b${k}\\s*=\\s*\\d+;`), `Listeners.${k} in config.proto`);
    }
  });
});
