// ort_runner.js: ONNX Runtime's side of bench/compare-ort. It opens one inference session (CPU,
// a fixed thread count) on an ONNX model and then times blocks of runs on request, speaking the
// same line protocol as sqzc_bench_server, so the comparison can alternate between them:
//
//   node ort_runner.js --model M.onnx --threads N --input X.f32 --dims 1,3,227,227
//   (start-up)            -> {"ready": true, "engine": "ort", "version": ..., "threads": N, ...}
//   run ort K [W]         -> {"engine": "ort", "ms": [K run times]}   (after W untimed runs)
//   output ort PATH       -> {"engine": "ort", "output": PATH, "values": N}   (raw float32, all outputs)
//   quit
//
// onnxruntime-node is found through NODE_PATH (compare-ort installs it in bench/.cache/ort).
// A time is the wall time of one awaited session.run(), including the few microseconds that the
// Node.js binding adds.
'use strict';

const fs = require('fs');
const readline = require('readline');

function fail(message) {
  process.stderr.write(`ort_runner: error: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const o = {threads: 1};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i], value = argv[i + 1];
    if (value === undefined) fail(`${key} needs a value`);
    if (key === '--model') o.model = value;
    else if (key === '--threads') o.threads = Number(value);
    else if (key === '--input') o.input = value;
    else if (key === '--dims') o.dims = value.split(',').map(Number);
    else fail(`unknown argument '${key}'`);
  }
  if (!o.model || !o.input || !o.dims) fail('usage: ort_runner.js --model M.onnx --threads N --input X.f32 --dims 1,3,227,227');
  if (!Number.isInteger(o.threads) || o.threads < 1) fail(`--threads ${o.threads}: expected a whole number >= 1`);
  if (o.dims.some((d) => !Number.isInteger(d) || d < 1)) fail(`--dims ${o.dims}: expected positive whole numbers`);
  return o;
}

function readInput(path, dims) {
  const count = dims.reduce((a, b) => a * b, 1);
  const bytes = fs.readFileSync(path);
  if (bytes.length !== count * 4) fail(`${path}: ${bytes.length} bytes, expected ${count * 4} (float32 ${dims.join('x')})`);
  // Copy into an aligned buffer of its own (a Buffer may share a larger, unaligned pool).
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes);
  return data;
}

function parseCount(text, lo) {
  const v = Number(text);
  if (!Number.isInteger(v) || v < lo || v > 100000) throw new Error(`'${text}': expected a whole number in [${lo}, 100000]`);
  return v;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    fail(`cannot load onnxruntime-node (${e.message}); compare-ort installs it in bench/.cache/ort`);
  }
  const session = await ort.InferenceSession.create(o.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  if (session.inputNames.length !== 1) fail(`${o.model}: ${session.inputNames.length} inputs, expected 1`);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', readInput(o.input, o.dims), o.dims)};
  let last = null;
  const runOnce = async () => { last = await session.run(feeds); };

  const reply = (object) => process.stdout.write(JSON.stringify(object) + '\n');
  reply({
    ready: true,
    engine: 'ort',
    version: require('onnxruntime-node/package.json').version,
    threads: o.threads,
    inputs: session.inputNames,
    outputs: session.outputNames,
  });

  const lines = readline.createInterface({input: process.stdin, terminal: false});
  for await (const line of lines) {
    const words = line.trim().split(/\s+/).filter((w) => w.length > 0);
    if (words.length === 0) continue;
    if (words[0] === 'quit') break;
    try {
      if (words[1] !== undefined && words[1] !== 'ort') throw new Error(`no engine '${words[1]}' in this runner`);
      if (words[0] === 'run' && (words.length === 3 || words.length === 4)) {
        const count = parseCount(words[2], 1), warmup = words.length === 4 ? parseCount(words[3], 0) : 0;
        for (let i = 0; i < warmup; ++i) await runOnce();
        const ms = [];
        for (let i = 0; i < count; ++i) {
          const start = process.hrtime.bigint();
          await runOnce();
          ms.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
        reply({engine: 'ort', ms});
      } else if (words[0] === 'output' && words.length === 3) {
        if (last === null) await runOnce();
        const parts = session.outputNames.map((name) => Float32Array.from(last[name].data));
        const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) { all.set(p, at); at += p.length; }
        fs.writeFileSync(words[2], Buffer.from(all.buffer));
        reply({engine: 'ort', output: words[2], values: all.length});
      } else {
        throw new Error(`unknown command '${line}' (expected: run ort K [W], output ort PATH, quit)`);
      }
    } catch (e) {
      reply({error: e.message});
    }
  }
  await session.release();
}

main().catch((e) => fail(e.message));
