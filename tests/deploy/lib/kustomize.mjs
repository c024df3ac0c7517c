// Renders a Kustomize directory offline, for the subset of Kustomize that
// deploy/kubernetes uses: resources (files and directories), components,
// configMapGenerator (files, options.labels/annotations; the name gets
// Kustomize's content hash and references to it are rewritten), namespace and
// images. Any other kustomization field is an error, so the tree cannot start
// using a feature that this renderer would silently ignore. Where kubectl is
// installed, kustomize.test.mjs checks that the output equals
// `kubectl kustomize`.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

// Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml): 0444 is octal.
export function parseManifests(text, origin) {
  const docs = YAML.parseAllDocuments(text, { version: '1.1' });
  const out = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`${origin}: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (obj !== null && obj !== undefined) out.push(obj);
  }
  return out;
}

const KUSTOMIZATION_FIELDS = new Set([
  'apiVersion', 'kind', 'resources', 'components', 'configMapGenerator', 'namespace', 'images',
]);
const COMPONENT_FIELDS = new Set(['apiVersion', 'kind', 'resources']);
const GENERATOR_FIELDS = new Set(['name', 'files', 'options']);
const GENERATOR_OPTION_FIELDS = new Set(['labels', 'annotations']);
const IMAGE_FIELDS = new Set(['name', 'newName', 'newTag', 'digest']);

// Kinds that have no namespace (the ones this renderer could meet).
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'PriorityClass', 'StorageClass', 'PersistentVolume', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'APIService', 'IngressClass', 'RuntimeClass',
]);

function readKustomization(dir) {
  const file = path.join(dir, 'kustomization.yaml');
  if (!fs.existsSync(file)) throw new Error(`${dir}: no kustomization.yaml`);
  const [k] = parseManifests(fs.readFileSync(file, 'utf8'), file);
  return { file, k };
}

function checkFields(obj, allowed, where) {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) {
      throw new Error(`${where}: "${key}" is not supported by tests/deploy/lib/kustomize.mjs ` +
                      '(extend the renderer and its kubectl cross-check first)');
    }
  }
}

// Kustomize's name suffix for generated ConfigMaps (api/hasher): sha256 of the
// JSON encoding of {data, kind, name} (keys sorted; Go's encoder escapes <, >,
// & and U+2028/9), the first 10 hex digits, with 0 1 3 a e replaced so that the
// suffix never looks like a number or a word. The name is always "": kustomize
// looks it up as the single key "metadata/name", which never exists (checked
// against kubectl kustomize v5.5).
export function configMapHash(data) {
  const sorted = Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]]));
  const json = JSON.stringify({ data: sorted, kind: 'ConfigMap', name: '' })
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const hex = createHash('sha256').update(json).digest('hex');
  const map = { 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => map[c] ?? c).join('');
}

function generateConfigMap(gen, dir, where) {
  checkFields(gen, GENERATOR_FIELDS, where);
  if (gen.options) checkFields(gen.options, GENERATOR_OPTION_FIELDS, `${where}.options`);
  const data = {};
  for (const entry of gen.files ?? []) {
    const [key, rel] = entry.includes('=') ? entry.split('=', 2) : [path.basename(entry), entry];
    data[key] = fs.readFileSync(path.join(dir, rel), 'utf8');
  }
  const metadata = { name: gen.name };
  if (gen.options?.labels) metadata.labels = { ...gen.options.labels };
  if (gen.options?.annotations) metadata.annotations = { ...gen.options.annotations };
  return {
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata, data },
    rename: [gen.name, `${gen.name}-${configMapHash(data)}`],
  };
}

function podSpecs(obj) {
  const spec = obj.spec ?? {};
  switch (obj.kind) {
    case 'Pod': return [spec];
    case 'CronJob': return [spec.jobTemplate?.spec?.template?.spec].filter(Boolean);
    default: return [spec.template?.spec].filter(Boolean);
  }
}

function renameConfigMapRefs(objects, from, to) {
  for (const obj of objects) {
    for (const pod of podSpecs(obj)) {
      for (const v of pod.volumes ?? []) {
        if (v.configMap?.name === from) v.configMap.name = to;
        for (const s of v.projected?.sources ?? []) {
          if (s.configMap?.name === from) s.configMap.name = to;
        }
      }
      for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
        for (const e of c.env ?? []) {
          if (e.valueFrom?.configMapKeyRef?.name === from) e.valueFrom.configMapKeyRef.name = to;
        }
        for (const e of c.envFrom ?? []) {
          if (e.configMapRef?.name === from) e.configMapRef.name = to;
        }
      }
    }
  }
}

// An image reference without its tag and digest.
function imageName(image) {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const colon = base.lastIndexOf(':');
  return colon > base.lastIndexOf('/') ? base.slice(0, colon) : base;
}

function setImages(objects, images, where) {
  for (const img of images) {
    checkFields(img, IMAGE_FIELDS, `${where}.images`);
    for (const obj of objects) {
      for (const pod of podSpecs(obj)) {
        for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
          if (typeof c.image !== 'string' || imageName(c.image) !== img.name) continue;
          let ref = img.newName ?? img.name;
          if (img.digest) ref += `@${img.digest}`;
          else if (img.newTag !== undefined) ref += `:${img.newTag}`;
          else ref += c.image.slice(img.name.length);  // keep the old tag or digest
          c.image = ref;
        }
      }
    }
  }
}

function loadResource(entry, dir) {
  const target = path.join(dir, entry);
  if (fs.statSync(target).isDirectory()) return renderKustomization(target);
  return parseManifests(fs.readFileSync(target, 'utf8'), target);
}

// Returns the rendered objects (plain JS, in Kustomize's input order).
export function renderKustomization(dir) {
  const { file, k } = readKustomization(dir);
  if (k.kind !== 'Kustomization' && k.kind !== undefined) {
    throw new Error(`${file}: kind ${k.kind} where a Kustomization was expected`);
  }
  checkFields(k, KUSTOMIZATION_FIELDS, file);
  const objects = [];
  for (const entry of k.resources ?? []) objects.push(...loadResource(entry, dir));

  const renames = [];
  for (const gen of k.configMapGenerator ?? []) {
    const { obj, rename } = generateConfigMap(gen, dir, `${file}: configMapGenerator`);
    objects.push(obj);
    renames.push(rename);
  }

  for (const entry of k.components ?? []) {
    const cdir = path.join(dir, entry);
    const { file: cfile, k: c } = readKustomization(cdir);
    if (c.kind !== 'Component') throw new Error(`${cfile}: components must be kind Component`);
    checkFields(c, COMPONENT_FIELDS, cfile);
    for (const r of c.resources ?? []) objects.push(...loadResource(r, cdir));
  }

  for (const [from, to] of renames) {
    renameConfigMapRefs(objects, from, to);
    for (const obj of objects) {
      if (obj.kind === 'ConfigMap' && obj.metadata?.name === from) obj.metadata.name = to;
    }
  }
  if (k.namespace) {
    for (const obj of objects) {
      if (!CLUSTER_SCOPED.has(obj.kind)) obj.metadata = { ...obj.metadata, namespace: k.namespace };
    }
  }
  if (k.images) setImages(objects, k.images, file);
  return objects;
}

export function objectKey(obj) {
  return `${obj.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`;
}
