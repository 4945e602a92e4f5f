// Draws generated NFT-style avatar collections with DiceBear as SVG files:
// several styles, each a collection whose tokens share one background
// colour set and the same layers (eyes, mouths, hair...), the benchmark's
// hard negatives. Deterministic: token i of style s has seed "<s>-<i>".
//
// Usage: node scripts/dicebear.mjs NODE_MODULES_DIR OUT_DIR PER_STYLE
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [modules, out, perStyleArg] = process.argv.slice(2);
if (!modules || !out) {
  console.error('usage: node scripts/dicebear.mjs NODE_MODULES_DIR OUT_DIR [PER_STYLE]');
  process.exit(2);
}
const perStyle = Number(perStyleArg || 300);
const require = createRequire(join(resolve(modules), 'noop.js'));
const { createAvatar } = require('@dicebear/core');
const collection = require('@dicebear/collection');

// Styles drawn as layered characters on a shared background palette.
const styles = ['adventurer', 'avataaars', 'bigSmile', 'bottts', 'funEmoji', 'lorelei',
  'micah', 'notionists', 'openPeeps', 'personas', 'pixelArt', 'croodles', 'bigEars', 'toonHead'];
const backgrounds = ['b6e3f4', 'c0aede', 'd1d4f9', 'ffd5dc', 'ffdfbf'];
let n = 0;
for (const name of styles) {
  const style = collection[name];
  if (!style) { console.error(`dicebear: no style ${name}, skipped`); continue; }
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < perStyle; i++) {
    const svg = createAvatar(style, { seed: `${name}-${i}`, backgroundColor: backgrounds, size: 512 }).toString();
    writeFileSync(join(dir, `${String(i).padStart(5, '0')}.svg`), svg);
    n++;
  }
}
console.error(`dicebear: ${n} avatars in ${out}`);
