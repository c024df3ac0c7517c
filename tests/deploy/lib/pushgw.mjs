// What the pushgw binary serves, read from the sources the binary is built
// from (config/default.yaml, app/main.cc, core/options.h), plus helpers that
// mirror how main() combines flags and the configuration file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const repoPath = (...p) => path.join(REPO, ...p);
export const readRepo = (...p) => fs.readFileSync(repoPath(...p), 'utf8');

// The admin listener's endpoints (issue 5; gateway/admin_server.h).
export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';
// The container port names used by probes, Services and the ServiceMonitor.
export const PORT_NAMES = { http_listen: 'http', grpc_listen: 'grpc', admin_listen: 'metrics' };
// listeners.drain_grace_period when the configuration does not set it.
export const DEFAULT_DRAIN_GRACE_SECONDS = 30;

// pushgw configuration YAML (yaml-cpp reads YAML 1.2).
export function parseConfig(text) {
  return YAML.parse(text);
}

// The flags main() defines: ABSL_FLAG(type, name, default, help).
export function binaryFlags() {
  const src = readRepo('app', 'main.cc');
  return new Set([...src.matchAll(/ABSL_FLAG\(\s*[\w:<>]+\s*,\s*(\w+)\s*,/g)].map((m) => m[1]));
}

// The built-in listener defaults (core/options.h), used when neither the
// configuration nor a flag sets an address.
export function builtinListenDefaults() {
  const src = readRepo('core', 'options.h');
  const out = {};
  for (const key of Object.keys(PORT_NAMES)) {
    const m = src.match(new RegExp(`std::string\\s+${key}\\s*=\\s*"([^"]+)"`));
    if (m) out[key] = m[1];
  }
  return out;
}

// HOST:PORT -> {host, port}; [::]:9080 allowed.
export function splitHostPort(address) {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  if (!m) throw new Error(`not HOST:PORT: ${address}`);
  return { host: m[1], port: Number(m[2]) };
}

// A flag's value in an argument list (--name=value or --name value).
export function flagValue(args, name) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}` && i + 1 < args.length) return args[i + 1];
    if (args[i].startsWith(`--${name}=`)) return args[i].slice(name.length + 3);
  }
  return undefined;
}

// The addresses main() listens on, given its arguments and the configuration
// file's contents: a flag wins over the file, the file over the built-in
// default (app/main.cc).
export function effectiveListeners(args, config) {
  const builtin = builtinListenDefaults();
  const out = {};
  for (const key of Object.keys(PORT_NAMES)) {
    out[key] = flagValue(args, key) || config?.listeners?.[key] || builtin[key];
  }
  return out;
}

// Durations as the config loader writes them: 30s, 5m, 1h, 500ms, 1.5s.
export function durationSeconds(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(text).trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
}

export function drainGraceSeconds(config) {
  const v = config?.listeners?.drain_grace_period;
  return v === undefined ? DEFAULT_DRAIN_GRACE_SECONDS : durationSeconds(v);
}
