// A program holding objects, JSON, maps and typed arrays.
let seed = 1;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const words = [];
for (let i = 0; i < 5000; i++) {
  let w = ""; const n = 3 + Math.floor(rand() * 8);
  for (let j = 0; j < n; j++) w += String.fromCharCode(97 + Math.floor(rand() * 26));
  words.push(w);
}
const pick = () => words[Math.floor(rand() * words.length)];
const objects = [];
for (let i = 0; i < 60000; i++) objects.push({ id: i, name: pick(), score: rand(), tags: [pick(), pick()], text: pick() + " " + pick() });
const json = JSON.stringify(objects);
const parsed = JSON.parse(json);
const map = new Map();
for (let i = 0; i < 50000; i++) map.set("key" + i, pick() + "/" + pick());
const floats = new Float64Array(200000).map((_, i) => Math.sin(i) * rand());
globalThis.keep = [objects, json, parsed, map, floats];
console.log("ready");
process.stdin.resume();
