import * as path from "node:path";
import type { SourceFile, ts } from "./project/ts-morph.js";
import { hasErrors, type Diagnostic } from "./diagnostics/diagnostic.js";
import { fromTsDiagnostic } from "./project/load-project.js";
import type { BuildCache } from "./incremental.js";

export interface TypeScriptCheckOptions {
  /** Also the program's options and global diagnostics (a project loaded from a tsconfig). */
  projectLevel: boolean;
  /** Watch mode: semantic diagnostics of the files that are not dirty come from here. */
  cache?: BuildCache;
  isDirty: (file: SourceFile) => boolean;
  /** Called after each file's semantic check. */
  onFileChecked?: () => void;
}

/**
 * TypeScript's diagnostics for `files`, gathered as `tsc -p` gathers them (TypeScript's
 * `emitFilesAndReportErrors`): the syntax errors of every file; without any, the program's
 * options diagnostics (the tsconfig's options and what they require of the files: TS5011,
 * TS5053, TS6059…) and global diagnostics (a `types` entry not found: TS2688…); without errors
 * there, each file's semantic diagnostics.
 *
 * The project-level diagnostics cost nothing measurable: TypeScript verified the options when it
 * created the program, and the global diagnostics come from the type checker the semantic check
 * creates anyway. They are computed again on every build, so a watch-mode rebuild that still has
 * a bad option still fails.
 */
export function typeScriptDiagnostics(program: ts.Program, files: readonly SourceFile[], options: TypeScriptCheckOptions): Diagnostic[] {
  const { cache, isDirty } = options;
  const nameOf = (file: SourceFile) => path.normalize(file.getFilePath());
  const sourceFiles = files.flatMap((file) => {
    const sf = program.getSourceFile(file.getFilePath());
    return sf ? [{ file, sf }] : [];
  });
  // A build that stops before the semantic check leaves the dirty files unchecked for the next one.
  const stop = (found: Diagnostic[]) => {
    for (const { file } of sourceFiles) if (isDirty(file)) cache?.tsDiagnostics.delete(nameOf(file));
    return found;
  };
  const syntactic = sourceFiles.flatMap(({ sf }) => program.getSyntacticDiagnostics(sf)).map(fromTsDiagnostic);
  if (syntactic.length) return stop(syntactic);
  const projectLevel = options.projectLevel ? [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(fromTsDiagnostic) : [];
  if (hasErrors(projectLevel)) return stop(projectLevel);
  const found = projectLevel;
  for (const { file, sf } of sourceFiles) {
    const cached = isDirty(file) ? undefined : cache?.tsDiagnostics.get(nameOf(file));
    if (cached) {
      found.push(...cached);
      continue;
    }
    const semantic = program.getSemanticDiagnostics(sf).map(fromTsDiagnostic);
    cache?.tsDiagnostics.set(nameOf(file), semantic);
    found.push(...semantic);
    options.onFileChecked?.();
  }
  return found;
}
