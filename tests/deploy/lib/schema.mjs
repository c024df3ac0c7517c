// Offline validation of Kubernetes objects, in two passes that together come
// close to what an API server with strict field validation (kubectl's default
// since 1.25) would say:
//  1. the JSON schemas of kubernetes-models (generated from the Kubernetes
//     OpenAPI spec) and @kubernetes-models/prometheus-operator (from the CRDs):
//     types, required fields, enums, formats, patterns;
//  2. unknown fields: those schemas allow additional properties, as the OpenAPI
//     spec does, so a misspelt or misplaced key (readinesProbe, or
//     readOnlyRootFilesystem in the pod's securityContext) would pass. The same
//     packages ship TypeScript declarations of every type; the TypeScript
//     compiler's excess-property check over the objects as literals catches
//     exactly those keys (the first problem in each object: fix and rerun).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const HERE = path.dirname(path.dirname(fileURLToPath(import.meta.url)));  // tests/deploy

// apiVersion -> module directory holding one module per kind.
function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'monitoring.coreos.com') {
    return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${kind}`;
  }
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  // kubernetes-models names API groups by their first label (apps, policy,
  // autoscaling) or in full (networking.k8s.io, rbac.authorization.k8s.io).
  const full = `kubernetes-models/${group}/${version}/${kind}`;
  const short = `kubernetes-models/${group.replace(/\.k8s\.io$/, '')}/${version}/${kind}`;
  for (const candidate of [full, short]) {
    try {
      require.resolve(candidate);
      return candidate;
    } catch {
      // try the next spelling
    }
  }
  return null;
}

export function modelFor(obj) {
  const mod = modulePath(obj.apiVersion, obj.kind);
  if (!mod) return null;
  try {
    const exports = require(mod);
    return { mod, Model: exports[obj.kind] };
  } catch {
    return null;
  }
}

// Pass 1. Returns a list of "kind/name: path message" strings.
export function schemaErrors(obj) {
  const found = modelFor(obj);
  const where = `${obj.kind}/${obj.metadata?.name}`;
  if (!found?.Model) return [`${where}: no schema for ${obj.apiVersion} ${obj.kind}`];
  try {
    new found.Model(obj).validate();
    return [];
  } catch (e) {
    if (!e.errors) throw e;
    return e.errors.map((err) => `${where}: ${err.instancePath || '/'} ${err.message}` +
      (err.params && Object.keys(err.params).length ? ` ${JSON.stringify(err.params)}` : ''));
  }
}

// Pass 2, for many objects at once (one compiler run, about a second). Returns
// a list of "kind/name: message (at: source line)" strings.
export function unknownFieldErrors(objects) {
  const virtualFile = path.join(HERE, '__manifests__.ts');
  const lines = [];
  const owners = [];  // line index -> object label
  objects.forEach((obj, i) => {
    const found = modelFor(obj);
    if (!found) return;  // reported by pass 1
    const label = `${obj.kind}/${obj.metadata?.name}`;
    lines.push(`import type { I${obj.kind} as T${i} } from ${JSON.stringify(found.mod)};`);
    owners.push(null);
    const body = `export const m${i}: T${i} = ${JSON.stringify(obj, null, 1)};`.split('\n');
    for (const l of body) {
      lines.push(l);
      owners.push(label);
    }
  });
  const source = lines.join('\n') + '\n';
  const options = {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2020,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    name === virtualFile ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest);
  host.fileExists = (name) => name === virtualFile || fileExists(name);
  const program = ts.createProgram([virtualFile], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0];
    if (!d.file || d.file.fileName !== virtualFile) return `${d.file?.fileName ?? '?'}: ${text}`;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${owners[line] ?? '?'}: ${text.slice(0, 300)} (at: ${lines[line].trim().slice(0, 120)})`;
  });
}

// The package versions in use, for messages.
export function schemaVersions() {
  const v = (p) => JSON.parse(fs.readFileSync(require.resolve(`${p}/package.json`), 'utf8')).version;
  return `kubernetes-models ${v('kubernetes-models')}, ` +
    `@kubernetes-models/prometheus-operator ${v('@kubernetes-models/prometheus-operator')}`;
}
