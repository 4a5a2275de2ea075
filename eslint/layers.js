// Enforces the import arrows of ARCHITECTURE.md: each file belongs to a layer named by its
// folder, and may import only from the layers listed for it. Relative imports are resolved
// against the file, so `../../queue/x` from inside http/ is caught however deep it sits.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

const ENGINES = ['http', 'queue', 'lang', 'vision'];

/** layer -> layers it may import (its own layer is always allowed). */
const ALLOWED = {
  'main/http': [],
  'main/queue': [],
  'main/vision': [],
  'main/lang': [],
  'main/store': [],
  'main/services': ['main/store', ...ENGINES.map((e) => `main/${e}`), 'shared'],
  'main/api': ['main/services', 'main/store', ...ENGINES.map((e) => `main/${e}`), 'shared', 'main/ipc'],
  'main/ipc': ['main/services', 'main/store', ...ENGINES.map((e) => `main/${e}`), 'shared'],
  'main/workers': ['main/services', 'main/store', ...ENGINES.map((e) => `main/${e}`), 'shared'],
  // The desktop shell's pure parts (app:// scheme files, permission rules, renderer URL): electron.ts stays thin.
  'main/desktop': ['main/api', 'main/http', 'shared'],
  'main/root': [
    'main/desktop',
    'main/cli',
    'main/api',
    'main/ipc',
    'main/workers',
    'main/services',
    'main/store',
    ...ENGINES.map((e) => `main/${e}`),
    'shared',
  ],
  // The CLI's commands (loupe run/check/repl…) sit beside cli.ts and may use what it uses:
  // cli.ts only dispatches, so the commands that open a data folder load app.ts themselves.
  'main/cli': ['main/root', 'main/api', 'main/ipc', 'main/workers', 'main/services', 'main/store', ...ENGINES.map((e) => `main/${e}`), 'shared'],
  preload: ['shared'],
  renderer: ['shared'],
  shared: [],
};

function layerOf(absFile) {
  const rel = path.relative(path.join(ROOT, 'src'), absFile).split(path.sep);
  if (rel[0] === '..' || rel.length < 2) return null;
  if (rel[0] === 'main') {
    if (rel.length > 2) return `main/${rel[1]}`;
    // `../../store` (a folder import) belongs to the store layer, `../app` to the root.
    const dir = path.join(ROOT, 'src', 'main', rel[1]);
    return existsSync(dir) && statSync(dir).isDirectory() ? `main/${rel[1]}` : 'main/root';
  }
  return rel[0];
}

const ELECTRON_OK = new Set(['src/main/electron.ts']);

/**
 * The vision engine's pure half (training, evaluation, selection, the head's maths) runs
 * wherever JavaScript runs: it imports only itself and these packages, never node:* nor the
 * Node half (src/main/vision/node: inference, preprocess, convert, onnx, export).
 * tsconfig.vision-pure.json checks the same from the types' side.
 */
const VISION_PURE = 'src/main/vision/pure/';
const VISION_PURE_PACKAGES = new Set(['zod']);

/** Where SQL may be prepared: Loupe's repositories, and the queue engine's own store. */
const SQL_HOMES = ['src/main/store/', 'src/main/queue/store/'];

export default {
  rules: {
    // SQL lives in src/main/store (and the queue engine's store): a service that needs a new
    // query asks a repository for it, so every statement on Loupe's tables is in one place.
    'sql-in-store': {
      meta: { type: 'problem', schema: [], messages: { sql: '{{msg}}' } },
      create(context) {
        const relFile = path.relative(ROOT, context.filename).split(path.sep).join('/');
        if (!relFile.startsWith('src/main/') || SQL_HOMES.some((h) => relFile.startsWith(h))) return {};
        return {
          CallExpression(node) {
            const callee = node.callee;
            if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && callee.property.name === 'prepare') {
              context.report({
                node,
                messageId: 'sql',
                data: {
                  msg: 'SQL lives in src/main/store (or src/main/queue/store for the queue engine): add a repository method there instead of .prepare() here.',
                },
              });
            }
          },
        };
      },
    },
    'import-layers': {
      meta: { type: 'problem', schema: [], messages: { layer: '{{msg}}' } },
      create(context) {
        const file = context.filename;
        const from = layerOf(file);
        if (!from) return {};
        const relFile = path.relative(ROOT, file).split(path.sep).join('/');
        const check = (node, spec) => {
          if (typeof spec !== 'string') return;
          if (spec === 'electron' || spec.startsWith('electron/')) {
            if (!ELECTRON_OK.has(relFile) && from !== 'preload') {
              context.report({ node, messageId: 'layer', data: { msg: `Only src/main/electron.ts and src/preload may import 'electron'.` } });
            }
            return;
          }
          if (from === 'main/lang' && (spec.startsWith('node:') || !spec.startsWith('.'))) {
            context.report({
              node,
              messageId: 'layer',
              data: { msg: `src/main/lang is pure TypeScript: it may not import '${spec}'. Hand host functions in instead.` },
            });
            return;
          }
          if (relFile.startsWith(VISION_PURE)) {
            const inside = spec.startsWith('.')
              ? path
                  .relative(ROOT, path.resolve(path.dirname(file), spec))
                  .split(path.sep)
                  .join('/')
                  .startsWith(VISION_PURE)
              : VISION_PURE_PACKAGES.has(spec);
            if (!inside) {
              context.report({
                node,
                messageId: 'layer',
                data: {
                  msg: `src/main/vision/pure runs without Node: it may import only itself and ${[...VISION_PURE_PACKAGES].join(', ')}, not '${spec}'. Put Node work in src/main/vision/node.`,
                },
              });
            }
            return;
          }
          if (from === 'renderer' && spec.startsWith('node:')) {
            context.report({ node, messageId: 'layer', data: { msg: `The renderer runs in a browser: it may not import '${spec}'.` } });
            return;
          }
          if (!spec.startsWith('.')) return;
          const target = layerOf(path.resolve(path.dirname(file), spec));
          if (!target || target === from) return;
          if (!ALLOWED[from]?.includes(target)) {
            context.report({ node, messageId: 'layer', data: { msg: `${from} may not import ${target} (see ARCHITECTURE.md: dependencies point one way).` } });
          }
        };
        return {
          ImportDeclaration: (n) => check(n, n.source.value),
          ExportAllDeclaration: (n) => check(n, n.source.value),
          ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
          ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
        };
      },
    },
  },
};
