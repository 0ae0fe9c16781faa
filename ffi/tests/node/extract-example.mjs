// Extracts the React Native example of ffi/README.md (between `<!-- example:start -->` and
// `<!-- example:end -->`) into a TypeScript file, pointing its import of
// '@trestle/react-native' at the module given, so that the documented code is the tested code.
//
// usage: node extract-example.mjs README.md OUT.ts MODULE_SPECIFIER
import { readFileSync, writeFileSync } from 'node:fs';

const [readme, out, specifier] = process.argv.slice(2);
if (!readme || !out || !specifier) {
  console.error('usage: node extract-example.mjs README.md OUT.ts MODULE_SPECIFIER');
  process.exit(2);
}
const text = readFileSync(readme, 'utf8');
const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(text);
if (!block) {
  console.error(`${readme}: no \`\`\`ts block between the example markers`);
  process.exit(1);
}
const from = "from '@trestle/react-native';";
if (!block[1].includes(from)) {
  console.error(`${readme}: the example must import ${from}`);
  process.exit(1);
}
writeFileSync(out, block[1].replace(from, `from '${specifier}';`));
