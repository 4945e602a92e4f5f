// reference.js writes reference.json: the verdicts of eth-phishing-detect's
// own detector (src/detector.js of the npm package, the version named in
// ../data/SOURCE) on its own config.json, for a few thousand domains. The
// Go port must give the same verdict for every one (TestReference).
//
// Run from an unpacked package (npm pack eth-phishing-detect@1.2.0; tar xzf;
// put fast-levenshtein@2.0.6 in package/node_modules):
//
//	node reference.js /path/to/package > reference.json
const path = require('path')
const root = process.argv[2]
const PhishingDetector = require(path.join(root, 'src/detector'))
const config = require(path.join(root, 'src/config.json'))
const detector = new PhishingDetector(config)

let seed = 42
function rnd (n) { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
function pick (list, n) { const out = []; for (let i = 0; i < n; i++) out.push(list[rnd(list.length)]); return out }

const domains = new Set()
const add = (d) => domains.add(d)
// The package's own test cases.
;[
  'metamask.com', 'wallet-ethereum.net', 'etherclassicwallet.com', 'wallet-ethereum.net.',
  'ledgerwallet.com', 'metamask.io', 'etherscan.io', 'ethereum.org', 'www.metamask.io',
  'faucet.metamask.io', 'zero.metamask.io', 'zero-faucet.metamask.io', 'www.myetherwallet.com',
  'metmask.io', 'myetherwallet.cx', 'myetherwallet.aaa', 'myetherwallet.za', 'myetherwallet.z',
  'MetaMask', 'localhost', 'bancor', '127.0.0.1', 'myetherwallèt.com', 'myÄ—therwallet.com',
  '', '.', '..', 'a..b', 'www.www.metamask.io', 'wwwmetamask.io', 'METAMASK.IO', 'metamask.io..',
  'xn--metamsk-en4c.io', 'opensea.io', 'opensea.com', 'opensae.io', 'www.opensaa.io', 'open-sea.io',
  'blur.io', 'openseaa.io', 'ppensea.io', 'opensea.io.evil.com', 'evil.com.opensea.io'
].forEach(add)
for (const f of ['alexa.json', 'dapps.json']) require(path.join(root, 'test', f)).forEach(add)
// Blacklist and whitelist entries, their subdomains and parents.
for (const d of pick(config.blacklist, 400).concat(pick(config.whitelist, 200))) {
  add(d); add('www.' + d); add('a.b.' + d); add(d.split('.').slice(1).join('.')); add(d + '.')
  add('x' + d)
}
// Fuzzylist targets with edits of one to three characters, and other TLDs.
const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-.'
function edit (s) {
  const i = rnd(s.length + 1); const c = alphabet[rnd(alphabet.length)]
  switch (rnd(3)) {
    case 0: return s.slice(0, i) + c + s.slice(i)
    case 1: return s.slice(0, i) + s.slice(i + 1)
    default: return s.slice(0, i) + c + s.slice(i + 1)
  }
}
const tlds = ['com', 'io', 'net', 'xyz', 'app', 'co', 'org', 'trade']
for (const d of config.fuzzylist) {
  for (let k = 0; k < 60; k++) {
    let s = d.split('.').slice(0, -1).join('.')
    const edits = 1 + rnd(4)
    for (let e = 0; e < edits; e++) s = edit(s)
    add(s + '.' + tlds[rnd(tlds.length)])
    if (k % 6 === 0) add('www.' + s + '.' + tlds[rnd(tlds.length)])
  }
}
const out = []
for (const d of domains) {
  const r = detector.check(d)
  const row = { domain: d, result: r.result, type: r.type }
  if (r.match !== undefined) row.match = r.match
  out.push(row)
}
process.stdout.write(JSON.stringify({ package: 'eth-phishing-detect@' + require(path.join(root, 'package.json')).version, cases: out }, null, 1) + '\n')
