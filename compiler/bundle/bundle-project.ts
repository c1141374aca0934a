/**
 * Lambda bundles: one self-contained ESM file per durable entry (the compiled handler, its
 * imports, `@aws/durable-execution-sdk-js` and `durablec/internal`), built with esbuild and the
 * durablec plugin, plus `durable.manifest.json` and an AWS SAM template that deploys each entry
 * as a durable function.
 *
 * ```
 * dist/lambda/
 *   checkout/index.mjs  index.mjs.map     ← Handler: index.handler, CodeUri: checkout/
 *   durable.manifest.json
 *   template.yaml
 * ```
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { durablec } from "../esbuild/index.js";
import type { Manifest } from "../emit/manifest.js";
import { MANIFEST_FILE } from "../emit/emit-project.js";
import { samTemplate, type DeploymentOptions } from "./sam-template.js";

export interface BundleOptions extends DeploymentOptions {
  /** tsconfig.json of the project. */
  tsconfig: string;
  /** The entries to bundle (from the project's manifest). */
  manifest: Manifest;
  /** Output directory (default `<tsconfig dir>/dist/lambda`). */
  outDir?: string;
  /** Minify the bundles (default false: readable stacks in CloudWatch even without source maps). */
  minify?: boolean;
}

export interface BundledEntry {
  /** The manifest key (the exported name, or `file#name` when two files export the same name). */
  entry: string;
  /** Logical id in the SAM template. */
  logicalId: string;
  /** Directory of the function's code, relative to outDir. */
  codeUri: string;
  /** Lambda handler: `index.handler`. */
  handler: string;
  bundle: string;
  bytes: number;
}

export interface BundleResult {
  errors: esbuild.Message[];
  warnings: esbuild.Message[];
  entries: BundledEntry[];
  outDir: string;
  /** Every file written. */
  files: string[];
}

/** A directory and logical-id friendly name for an entry key (`src/a.ts#order` → `src-a-order`). */
export function entrySlug(key: string): string {
  return key.replace(/\.[cm]?tsx?(?=#|$)/, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "") || "entry";
}

const NAMESPACE = "durablec-lambda-entry";
// ESM bundles of CommonJS dependencies call require() for Node built-ins; give them one.
const BANNER = `import { createRequire as __durablecCreateRequire } from "node:module";\nconst require = __durablecCreateRequire(import.meta.url);`;

/** Bundles every entry of `manifest`; writes nothing but what esbuild writes when there are errors. */
export async function bundleProject(options: BundleOptions): Promise<BundleResult> {
  const root = path.dirname(path.resolve(options.tsconfig));
  const outDir = path.resolve(options.outDir ?? path.join(root, "dist", "lambda"));
  const keys = Object.keys(options.manifest.entries).sort();
  const slugs = new Map(keys.map((k) => [k, entrySlug(k)]));
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: keys.map((k) => ({ in: `${NAMESPACE}:${k}`, out: `${slugs.get(k)}/index` })),
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    sourcemap: "linked",
    sourcesContent: true,
    minify: options.minify ?? false,
    banner: { js: BANNER },
    metafile: true,
    logLevel: "silent",
    plugins: [
      {
        // Each Lambda entry re-exports one durable handler as `handler`.
        name: "durablec-lambda-entries",
        setup(build) {
          build.onResolve({ filter: new RegExp(`^${NAMESPACE}:`) }, (args) => ({ path: args.path.slice(NAMESPACE.length + 1), namespace: NAMESPACE }));
          build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
            const entry = options.manifest.entries[args.path]!;
            const file = path.resolve(root, entry.file);
            const source = fs.readFileSync(file, "utf8");
            // The manifest names a default-exported function by its own name.
            const isDefault = entry.export === "default" || new RegExp(`export\\s+default\\s+(?:async\\s+function\\s+${entry.export}\\b|${entry.export}\\s*;)`).test(source);
            return { contents: `export { ${isDefault ? "default" : entry.export} as handler } from ${JSON.stringify(file)};\n`, loader: "js", resolveDir: root, watchFiles: [file] };
          });
        },
      },
      durablec({ tsconfig: options.tsconfig, manifest: false }),
    ],
  }).catch((error: esbuild.BuildFailure) => ({ errors: error.errors ?? [], warnings: error.warnings ?? [], metafile: undefined }));
  if (result.errors.length) return { errors: result.errors, warnings: result.warnings, entries: [], outDir, files: [] };

  const entries: BundledEntry[] = keys.map((k) => {
    const slug = slugs.get(k)!;
    const bundle = path.join(outDir, slug, "index.mjs");
    return { entry: k, logicalId: logicalId(slug), codeUri: `${slug}/`, handler: "index.handler", bundle, bytes: fs.statSync(bundle).size };
  });
  const manifestFile = path.join(outDir, MANIFEST_FILE);
  fs.writeFileSync(manifestFile, JSON.stringify(options.manifest, null, 2) + "\n");
  const templateFile = path.join(outDir, "template.yaml");
  fs.writeFileSync(templateFile, samTemplate(entries, options));
  const files = [...Object.keys(result.metafile?.outputs ?? {}).map((f) => path.resolve(root, f)), manifestFile, templateFile];
  return { errors: [], warnings: result.warnings, entries, outDir, files };
}

function logicalId(slug: string): string {
  const id = slug
    .split("-")
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("");
  return `${/^[A-Za-z]/.test(id) ? id : `F${id}`}Function`;
}
