// Draws generated NFT-style avatar collections with DiceBear: several
// styles, each a collection whose tokens share one background colour set
// and the same layers (eyes, mouths, hair...), the benchmark's hard
// negatives. Deterministic: token i of style s has seed "<s>-<i>". With
// FORMAT png (the default) each token is drawn to a 512x512 PNG by resvg
// (@resvg/resvg-js), which draws every style faithfully (masks, the
// even-odd fill rule); with FORMAT svg the SVG documents are written as
// they are.
//
// Usage: node scripts/dicebear.mjs NODE_MODULES_DIR OUT_DIR [PER_STYLE [FORMAT]]
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [modules, out, perStyleArg] = process.argv.slice(2);
if (!modules || !out) {
  console.error('usage: node scripts/dicebear.mjs NODE_MODULES_DIR OUT_DIR [PER_STYLE]');
  process.exit(2);
}
const perStyle = Number(perStyleArg || 300);
const format = process.argv[5] || 'png';
if (format !== 'png' && format !== 'svg') {
  console.error(`dicebear: unknown format ${format} (png or svg)`);
  process.exit(2);
}
const require = createRequire(join(resolve(modules), 'noop.js'));
const { createAvatar } = require('@dicebear/core');
const collection = require('@dicebear/collection');
const { Resvg } = format === 'png' ? require('@resvg/resvg-js') : {};

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
    const file = join(dir, `${String(i).padStart(5, '0')}.${format}`);
    if (format === 'png') {
      writeFileSync(file, new Resvg(svg, { fitTo: { mode: 'width', value: 512 } }).render().asPng());
    } else {
      writeFileSync(file, svg);
    }
    n++;
  }
}
console.error(`dicebear: ${n} avatars in ${out}`);
