// compare_ort.js: the measurement behind bench/compare-ort (run that script; it builds the tools,
// installs ONNX Runtime and then calls this). For each model, thread count and precision it starts
// sqzc_bench_server (sqzc's JIT and emitted-source engines, compiled once) and ort_runner.js (ONNX
// Runtime on the model exported by `sqzc export`; for int8, `sqzc export --precision int8`: the
// same quantized model in QDQ form, with sqzc's own scales), feeds both the same input, and
// alternates between the engines in rounds -- each round times a block of runs of every engine, the
// order rotating from round to round -- so that machine noise falls on all of them alike. Then it
// checks that the outputs agree, and prints and writes the table (JSON) and a bar chart (PNG, gnuplot).
//
// One thread is measured on every core in turn (both servers pinned to one core per round): the
// cores of a virtual machine can differ in speed (seen: one running a model 29% slower than the
// other at the same FMA peak, its caches shared with another guest), and where the scheduler puts
// a one-thread run would otherwise decide its figure. The per-core times also bound what two
// threads can reach: a perfectly divided run takes 1 / (1/t0 + 1/t1), which the second table
// compares with the two-thread time.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const {spawn, spawnSync, execFileSync} = require('child_process');
const readline = require('readline');

const TOLERANCE = 1e-4;  // max |a - b| / max |ort| between any sqzc engine and ONNX Runtime (float32)
// int8: the same top class, and max |a - b| / max |ort| within a few quantisation steps (sqzc
// requantises in fixed point where ONNX Runtime rounds in float, so a value on a rounding boundary
// can land one step apart and the steps spread through the layers after it).
const INT8_TOLERANCE = 0.05;
const PRECISIONS = ['float32', 'int8'];
// Idle time before each block of runs (see the alternation loop).
const PAUSE_MS = 50;
const ENGINES = [
  {key: 'jit', label: 'sqzc-jit', server: 'sqzc'},
  {key: 'source', label: 'sqzc-source', server: 'sqzc'},
  {key: 'ort', label: 'onnxruntime', server: 'ort'},
];

// The models compared; paths are relative to the repository (repo) or ../shared (shared).
const MODELS = {
  'v1.0-dc': {
    title: 'SqueezeNet v1.0 Deep Compression (real weights)',
    model: ['shared', 'models/squeezenet_v1.0_deep_compression/deploy.prototxt'],
    weights: ['shared', 'models/squeezenet_v1.0_deep_compression/compressed_SqueezeNet.net'],
    input: ['shared', 'models/squeezenet_v1.0_deep_compression/golden/input_1x3x227x227.f32'],
    golden: ['shared', 'models/squeezenet_v1.0_deep_compression/golden/output_1000.f32'],
  },
  'v1.1': {title: 'SqueezeNet v1.1 (seeded weights)', model: ['repo', 'examples/squeezenet_v1.1.sqz']},
  'simple-bypass': {
    title: 'SqueezeNet v1.0 with simple bypass (seeded weights)',
    model: ['repo', 'examples/squeezenet_v1.0_simple_bypass.sqz'],
  },
};

const USAGE = `usage: bench/compare-ort [options]

  --models LIST      models to compare (default: ${Object.keys(MODELS).join(',')})
  --threads LIST     thread counts (default: 1,2)
  --precision LIST   float32, int8 or both (default: float32,int8); int8 compares sqzc's int8
                     engines with ONNX Runtime on sqzc's QDQ export of the same quantized model
  --rounds R         rounds of alternation (default: 12)
  --iterations K     timed runs of each engine per round (default: 5)
  --warmup W         untimed runs of each engine before the first round (default: 10)
  --quick            few runs, for tests: --rounds 3 --iterations 2 --warmup 2
  --disable-pass P   switch off one of sqzc's passes (repeatable; see sqzc bench --help)
  --out FILE.json    where to write the table (default: bench/results/compare-ort.json); the chart
                     goes beside it as FILE.png
  --build-dir DIR    the sqzc build tree (default: build)
  --cache-dir DIR    ONNX Runtime and exported models (default: bench/.cache)
  --shared-dir DIR   the shared model data (default: ../shared beside the repository)
  --no-pin           leave one-thread runs where the scheduler puts them (default: both servers
                     pinned to each core in turn, round by round, with taskset)
  --no-build         do not (re)build the tools first (compare-ort only)`;

function fail(message) {
  process.stderr.write(`compare-ort: error: ${message}\n`);
  process.exit(1);
}

function parseList(option, text, allowed, what = 'model') {
  const items = text.split(',').filter((s) => s.length > 0);
  if (items.length === 0) fail(`${option} '${text}': empty list`);
  for (const item of items)
    if (allowed && !allowed.includes(item)) fail(`${option}: unknown ${what} '${item}' (choose from ${allowed.join(', ')})`);
  return items;
}

function parseCount(option, text, lo, hi) {
  const v = Number(text);
  if (!Number.isInteger(v) || v < lo || v > hi) fail(`${option} ${text}: expected a whole number in [${lo}, ${hi}]`);
  return v;
}

function parseArgs(argv, repo) {
  const o = {
    models: Object.keys(MODELS), threads: [1, 2], precisions: PRECISIONS, rounds: 12, iterations: 5, warmup: 10, pin: true,
    disabledPasses: [],
    out: path.join(repo, 'bench/results/compare-ort.json'), buildDir: path.join(repo, 'build'),
    cacheDir: path.join(repo, 'bench/.cache'), sharedDir: process.env.SQZ_SHARED_DIR || path.join(repo, '../shared'),
  };
  for (let i = 0; i < argv.length; ++i) {
    const key = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${key} needs a value`);
      return argv[++i];
    };
    if (key === '--models') o.models = parseList(key, value(), Object.keys(MODELS));
    else if (key === '--threads') o.threads = parseList(key, value()).map((t) => parseCount(key, t, 1, 256));
    else if (key === '--precision') o.precisions = parseList(key, value(), PRECISIONS, 'precision');
    else if (key === '--rounds') o.rounds = parseCount(key, value(), 1, 10000);
    else if (key === '--iterations') o.iterations = parseCount(key, value(), 1, 10000);
    else if (key === '--warmup') o.warmup = parseCount(key, value(), 0, 10000);
    else if (key === '--quick') Object.assign(o, {rounds: 3, iterations: 2, warmup: 2});
    else if (key === '--disable-pass') o.disabledPasses.push(value());
    else if (key === '--out') o.out = path.resolve(value());
    else if (key === '--build-dir') o.buildDir = path.resolve(value());
    else if (key === '--cache-dir') o.cacheDir = path.resolve(value());
    else if (key === '--shared-dir') o.sharedDir = path.resolve(value());
    else if (key === '--no-build') continue;
    else if (key === '--no-pin') o.pin = false;
    else if (key === '--help' || key === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown option '${key}'\n${USAGE}`);
  }
  return o;
}

// A child process that answers each command line with one JSON line (see sqzc_bench_server.cpp).
class LineServer {
  constructor(name, command, args, env) {
    this.name = name;
    this.stderr = '';
    this.waiting = [];
    this.lines = [];
    this.exited = null;
    this.child = spawn(command, args, {stdio: ['pipe', 'pipe', 'pipe'], env: {...process.env, ...env}});
    this.child.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    this.child.on('error', (e) => this.finish(`cannot start ${command}: ${e.message}`));
    this.child.on('exit', (code, signal) => this.finish(`exited (${signal || 'status ' + code})`));
    readline.createInterface({input: this.child.stdout}).on('line', (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(line);
      else this.lines.push(line);
    });
  }

  finish(why) {
    this.exited = why;
    for (const w of this.waiting.splice(0)) w.reject(new Error(this.describe()));
  }

  describe() {
    return `${this.name} ${this.exited}\n${this.stderr.trim()}`;
  }

  // The next reply, parsed; throws if the process dies or answers with an error.
  async next() {
    const line = this.lines.length > 0 ? this.lines.shift() : await new Promise((resolve, reject) => {
      if (this.exited) reject(new Error(this.describe()));
      else this.waiting.push({resolve, reject});
    });
    let reply;
    try {
      reply = JSON.parse(line);
    } catch (e) {
      throw new Error(`${this.name} answered with a line that is not JSON: ${line}`);
    }
    if (reply.error) throw new Error(`${this.name}: ${reply.error}`);
    return reply;
  }

  async request(command) {
    this.child.stdin.write(command + '\n');
    return this.next();
  }

  async quit() {
    if (this.exited) return;
    const done = new Promise((resolve) => this.child.on('exit', resolve));
    this.child.stdin.end('quit\n');
    await done;
  }
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function readF32(file) {
  const bytes = fs.readFileSync(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

// The index of the largest value.
function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; ++i) if (values[i] > values[best]) best = i;
  return best;
}

// max |a - ref| / max |ref|, as sqzc's own checks measure it.
function maxRelativeError(a, ref) {
  if (a.length !== ref.length) return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; ++i) {
    diff = Math.max(diff, Math.abs(a[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

function machineInfo() {
  let cpu = os.cpus()[0] ? os.cpus()[0].model.trim() : 'unknown';
  let family = null, model = null;
  try {
    const lscpu = execFileSync('lscpu', {encoding: 'utf8'});
    const field = (name) => (lscpu.match(new RegExp(`^${name}:\\s*(.+)$`, 'm')) || [])[1];
    cpu = field('Model name') || cpu;
    family = field('CPU family') || null;
    model = field('Model') || null;
  } catch (e) { /* keep os.cpus()'s name */ }
  return {cpu, cpu_family: family, cpu_model: model, cores: os.cpus().length,
          kernel: `${os.type()} ${os.release()}`, node: process.version, load_average_before: os.loadavg()[0]};
}

function measurePeak(o) {
  const exe = path.join(o.buildDir, 'bench/fma_peak');
  const r = spawnSync(exe, ['--threads', o.threads.join(','), '--json'], {encoding: 'utf8'});
  if (r.status !== 0) fail(`${exe} failed: ${r.error ? r.error.message : r.stderr}`);
  const peak = JSON.parse(r.stdout);
  const gflops = {};
  for (const p of peak.peak) gflops[p.threads] = p.gflops;
  return {isa: peak.isa, accumulators: peak.accumulators, gflops};
}

// The cores this process may run on (taskset's affinity list, e.g. "0-1,4"), or null when there
// are fewer than two or taskset is missing: then one-thread runs are not pinned.
function affinityCpus() {
  const r = spawnSync('taskset', ['-cp', String(process.pid)], {encoding: 'utf8'});
  if (r.status !== 0) return null;
  const list = (r.stdout.match(/:\s*([0-9,-]+)\s*$/) || [])[1];
  if (!list) return null;
  const cpus = [];
  for (const part of list.split(',')) {
    const [lo, hi] = part.split('-').map(Number);
    for (let c = lo; c <= (hi === undefined ? lo : hi); ++c) cpus.push(c);
  }
  if (cpus.length < 2) return null;
  // Pinning must be allowed here (a container may refuse it): set this process's own list again.
  const check = spawnSync('taskset', ['-cp', list, String(process.pid)], {encoding: 'utf8'});
  return check.status === 0 ? cpus : null;
}

// Moves every thread of the given processes to one core.
function pinTo(cpu, pids) {
  for (const pid of pids) {
    const r = spawnSync('taskset', ['-a', '-cp', String(cpu), String(pid)], {encoding: 'utf8'});
    if (r.status !== 0) fail(`taskset -a -cp ${cpu} ${pid} failed: ${r.stderr || (r.error && r.error.message)}`);
  }
}

function resolve(o, repo, where) {
  return where ? path.join(where[0] === 'shared' ? o.sharedDir : repo, where[1]) : null;
}

// float32: the model as loaded; int8: its int8 form (the passes as the server runs them, calibrated
// on the test pattern as the server is) in QDQ form.
function exportModel(o, key, modelPath, weightsPath, precision) {
  const int8 = precision === 'int8';
  const onnx = path.join(o.cacheDir, 'models', `${key}${int8 ? '.int8' : ''}.onnx`);
  fs.mkdirSync(path.dirname(onnx), {recursive: true});
  const args = ['export', modelPath, ...(weightsPath ? ['--weights', weightsPath] : []), '-o', onnx,
                ...(int8 ? ['--precision', 'int8', ...o.disabledPasses.flatMap((p) => ['--disable-pass', p])] : [])];
  const r = spawnSync(path.join(o.buildDir, 'sqzc'), args, {encoding: 'utf8'});
  if (r.status !== 0) fail(`sqzc ${args.join(' ')} failed:\n${r.error ? r.error.message : r.stderr}`);
  return onnx;
}

const exported = new Map();  // model key and precision -> its ONNX file, exported once per run

// One model at one thread count and precision: both servers up, warm-up, alternating rounds,
// output check.
async function compareOne(o, repo, key, threads, precision, work, log) {
  const spec = MODELS[key];
  const modelPath = resolve(o, repo, spec.model), weightsPath = resolve(o, repo, spec.weights);
  const inputPath = resolve(o, repo, spec.input), goldenPath = resolve(o, repo, spec.golden);
  for (const p of [modelPath, weightsPath, inputPath, goldenPath])
    if (p && !fs.existsSync(p)) fail(`${key}: ${p} not found`);
  const exportKey = `${key} ${precision}`;
  if (!exported.has(exportKey)) exported.set(exportKey, exportModel(o, key, modelPath, weightsPath, precision));
  const onnx = exported.get(exportKey);
  const usedInput = path.join(work, `${key}.input.f32`);
  const label = `${key}, ${threads} thread(s), ${precision}`;

  log(`${label}: compiling sqzc's engines`);
  const sqzc = new LineServer('sqzc_bench_server', path.join(o.buildDir, 'bench/sqzc_bench_server'), [
    modelPath, ...(weightsPath ? ['--weights', weightsPath] : []), ...(inputPath ? ['--input', inputPath] : []),
    '--save-input', usedInput, '--threads', String(threads), '--engines', 'jit,source', '--precision', precision,
    ...o.disabledPasses.flatMap((p) => ['--disable-pass', p]),
  ]);
  let ort = null;
  try {
    const info = await sqzc.next();
    ort = new LineServer('ort_runner.js', process.execPath, [
      path.join(__dirname, 'ort_runner.js'), '--model', onnx, '--threads', String(threads), '--input', usedInput,
      '--dims', info.input_dims.join(','),
    ], {NODE_PATH: path.join(o.cacheDir, 'ort/node_modules')});
    const ortInfo = await ort.next();
    const serverOf = (engine) => (engine.server === 'ort' ? ort : sqzc);

    log(`${label}: warm-up, then ${o.rounds} rounds of ${o.iterations} runs per engine`);
    for (const e of ENGINES) await serverOf(e).request(`run ${e.key} 1 ${o.warmup}`);
    const times = Object.fromEntries(ENGINES.map((e) => [e.key, []]));
    const pinned = threads === 1 && o.cpus ? o.cpus : null;
    const byCpu = Object.fromEntries(ENGINES.map((e) => [e.key, {}]));
    for (let round = 0; round < o.rounds; ++round) {
      const cpu = pinned ? pinned[round % pinned.length] : null;
      if (pinned) pinTo(cpu, [sqzc.child.pid, ort.child.pid]);
      for (let i = 0; i < ENGINES.length; ++i) {
        const e = ENGINES[(round + i) % ENGINES.length];
        // A pause first, so that the previous engine's threads have gone idle (ONNX Runtime's
        // workers spin after each run by default; on 2 cores a spinning worker takes a core from
        // the next engine, which halved sqzc's speed at 2 threads); then one untimed run, so each
        // block starts warm whoever ran before it.
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
        const reply = await serverOf(e).request(`run ${e.key} ${o.iterations} 1`);
        times[e.key].push(...reply.ms);
        if (pinned) (byCpu[e.key][cpu] = byCpu[e.key][cpu] || []).push(...reply.ms);
      }
    }

    const outputs = {};
    for (const e of ENGINES) {
      const file = path.join(work, `${key}.t${threads}.${e.key}.out.f32`);
      await serverOf(e).request(`output ${e.key} ${file}`);
      outputs[e.key] = readF32(file);
    }
    const golden = goldenPath ? readF32(goldenPath) : null;
    const rows = ENGINES.map((e) => {
      const ms = times[e.key];
      return {
        model: key, model_name: info.model, threads, precision, engine: e.label, runs: ms.length,
        median_ms: percentile(ms, 0.5), p10_ms: percentile(ms, 0.1), p90_ms: percentile(ms, 0.9),
        min_ms: Math.min(...ms), macs: info.macs,
        compile_ms: e.server === 'sqzc' ? info.compile_ms[e.key] : null,
        max_rel_err_vs_ort: maxRelativeError(outputs[e.key], outputs.ort),
        top1_agrees_with_ort: argmax(outputs[e.key]) === argmax(outputs.ort),
        max_rel_err_vs_golden: golden ? maxRelativeError(outputs[e.key], golden) : null,
        per_cpu_median_ms: pinned ? Object.fromEntries(Object.entries(byCpu[e.key]).map(([c, v]) => [c, percentile(v, 0.5)]))
                                  : null,
        ort_version: ortInfo.version,
      };
    });
    return rows;
  } finally {
    await sqzc.quit();
    if (ort) await ort.quit();
  }
}

// The row of the same model and precision as `r`, at `threads`, of `engine`.
function cellOf(rows, r, threads, engine) {
  return rows.find((x) => x.model === r.model && x.threads === threads && x.precision === r.precision &&
                          x.engine === engine);
}

function addDerived(rows, peak) {
  for (const r of rows) {
    const ort = cellOf(rows, r, r.threads, 'onnxruntime');
    r.gflops = (2 * r.macs) / (r.median_ms * 1e6);
    r.peak_gflops = peak.gflops[r.threads];
    r.peak_share = r.gflops / r.peak_gflops;
    r.ratio_to_ort = r.median_ms / ort.median_ms;
    r.agrees = r.precision === 'int8' ? r.top1_agrees_with_ort && r.max_rel_err_vs_ort <= INT8_TOLERANCE
                                      : r.max_rel_err_vs_ort <= TOLERANCE;
    // Against the same engine on one thread: the speed-up, and where each core's one-thread time is
    // known and there are as many threads as cores, the share of the perfectly divided run's time.
    const one = cellOf(rows, r, 1, r.engine);
    r.speedup = r.threads > 1 && one ? one.median_ms / r.median_ms : null;
    const cores = one && one.per_cpu_median_ms ? Object.values(one.per_cpu_median_ms) : [];
    r.two_core_bound_ms = r.threads > 1 && cores.length === r.threads ? 1 / cores.reduce((a, t) => a + 1 / t, 0) : null;
    r.share_of_bound = r.two_core_bound_ms ? r.two_core_bound_ms / r.median_ms : null;
  }
}

// A table in aligned columns: the first `left` columns flush left, the others flush right.
function printColumns(header, body, left) {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells) => cells.map((s, c) => (c < left ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ');
  console.log(line(header));
  for (const b of body) console.log(line(b));
}

// Each multi-thread row against the same engine's one-thread runs on each core.
function printScaling(rows) {
  const multi = rows.filter((r) => r.speedup !== null);
  if (multi.length === 0) return;
  const header = ['model', 'threads', 'precision', 'engine', '1 thread ms (per core)', 'bound ms', 'median ms',
                  'speed-up', 'of bound'];
  const body = multi.map((r) => {
    const one = cellOf(rows, r, 1, r.engine);
    const cores = one.per_cpu_median_ms ? ' (' + Object.entries(one.per_cpu_median_ms)
        .map(([c, t]) => `cpu${c} ${t.toFixed(2)}`).join(', ') + ')' : '';
    return [r.model, String(r.threads), r.precision, r.engine, one.median_ms.toFixed(2) + cores,
            r.two_core_bound_ms ? r.two_core_bound_ms.toFixed(2) : '-', r.median_ms.toFixed(2),
            r.speedup.toFixed(2) + 'x', r.share_of_bound ? (100 * r.share_of_bound).toFixed(0) + '%' : '-'];
  });
  console.log('');
  printColumns(header, body, 5);
  console.log('bound: 1 / (sum over cores of 1 / that core\'s one-thread median), the time of a run divided perfectly ' +
              'between cores of these speeds; of bound: bound / median');
}

function printTable(rows, peak) {
  const header = ['model', 'threads', 'precision', 'engine', 'median ms', 'p90 ms', 'GFLOP/s', '% peak', 'vs ORT',
                  'max err vs ORT', 'top-1 = ORT'];
  const body = rows.map((r) => [r.model, String(r.threads), r.precision, r.engine, r.median_ms.toFixed(2),
    r.p90_ms.toFixed(2), r.gflops.toFixed(1), (100 * r.peak_share).toFixed(1) + '%', r.ratio_to_ort.toFixed(2) + 'x',
    r.max_rel_err_vs_ort.toExponential(1), r.top1_agrees_with_ort ? 'yes' : 'NO']);
  printColumns(header, body, 4);
  console.log(`\npeak (${peak.isa} FMA, measured now): ` +
              Object.entries(peak.gflops).map(([t, g]) => `${g.toFixed(1)} GFLOP/s on ${t} thread(s)`).join(', '));
  console.log('vs ORT: median latency divided by ONNX Runtime\'s at the same precision (below 1: faster than ONNX Runtime)');
  console.log(`int8: ONNX Runtime runs sqzc's QDQ export of the same quantized model; outputs agree when the top class ` +
              `is the same and max |a-b|/max|ort| <= ${INT8_TOLERANCE}`);
  console.log('GFLOP/s: direct convolution\'s flops over the latency for every engine; sqzc\'s Winograd convs do ' +
              'fewer, so its figure (and % peak) may exceed the FMA peak');
}

// "AMD EPYC (family 26, model 2), 2 cores"
function cpuLabel(machine) {
  const id = machine.cpu_family ? ` (family ${machine.cpu_family}, model ${machine.cpu_model})` : '';
  return `${machine.cpu}${id}, ${machine.cores} cores`;
}

// Grouped bars: median latency per model and thread count, one bar per engine, p10-p90 as whiskers.
function drawChart(rows, machine, date, png, scratch) {
  const group = (r) => `${r.model} ${r.threads}T${r.precision === 'int8' ? ' int8' : ''}`;
  const groups = [...new Set(rows.map(group))];
  const data = groups.map((g) => {
    const cells = ENGINES.map((e) => {
      const r = rows.find((x) => group(x) === g && x.engine === e.label);
      return `${r.median_ms.toFixed(3)} ${r.p10_ms.toFixed(3)} ${r.p90_ms.toFixed(3)}`;
    });
    return `"${g}" ${cells.join(' ')}`;
  }).join('\n');
  const dataFile = path.join(scratch, 'compare-ort.dat');
  fs.writeFileSync(dataFile, data + '\n');
  const plots = ENGINES.map((e, i) =>
    `'${dataFile}' using ${2 + 3 * i}:${3 + 3 * i}:${4 + 3 * i}:xtic(1) title '${e.label}' lc rgb '${['#1f77b4', '#6baed6', '#d62728'][i]}'`);
  const script = [
    `set terminal pngcairo size 1000,480 font ',10'`,
    `set output '${png}'`,
    `set title "sqzc vs ONNX Runtime: median latency (whiskers p10-p90)\\n${cpuLabel(machine)}, ${date}" noenhanced`,
    `set style data histogram`,
    `set style histogram errorbars gap 1 lw 1`,
    `set style fill solid 0.85 border -1`,
    `set boxwidth 0.9`,
    `set ylabel 'ms per run (lower is better)'`,
    `set yrange [0:*]`,
    `set grid ytics`,
    `set key top right`,
    `set xtics noenhanced`,
    `plot ${plots.join(', ')}`,
  ].join('\n');
  const r = spawnSync('gnuplot', [], {input: script, encoding: 'utf8'});
  if (r.status !== 0 || !fs.existsSync(png))
    fail(`gnuplot failed to draw ${png} (is gnuplot-nox installed?): ${r.error ? r.error.message : r.stderr}`);
}

async function main() {
  const repo = path.resolve(__dirname, '..');
  const o = parseArgs(process.argv.slice(2), repo);
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const machine = machineInfo();
  const log = (message) => process.stderr.write(`compare-ort: ${message}\n`);

  // Inputs, outputs and chart data of this run (exported models stay in the cache).
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'compare-ort-'));
  process.on('exit', () => fs.rmSync(work, {recursive: true, force: true}));
  log(`measuring the FMA peak on ${o.threads.join(', ')} thread(s)`);
  const peak = measurePeak(o);
  o.cpus = o.pin ? affinityCpus() : null;
  log(o.cpus ? `one thread: pinned to cpu ${o.cpus.join(', ')} in turn, round by round` : 'one thread: not pinned');
  const rows = [];
  for (const key of o.models)
    for (const precision of o.precisions)
      for (const threads of o.threads) rows.push(...(await compareOne(o, repo, key, threads, precision, work, log)));
  // The peak again at the end; the better figure of the two counts (noise only lowers it).
  const peakAfter = measurePeak(o);
  for (const t of o.threads) peak.gflops[t] = Math.max(peak.gflops[t], peakAfter.gflops[t]);
  addDerived(rows, peak);

  const png = o.out.replace(/\.json$/, '') + '.png';
  fs.mkdirSync(path.dirname(o.out), {recursive: true});
  const disagree = rows.filter((r) => !r.agrees);
  machine.load_average_after = os.loadavg()[0];
  const report = {
    tool: 'bench/compare-ort', date, machine, peak,
    ort_version: rows[0].ort_version,
    settings: {rounds: o.rounds, iterations: o.iterations, warmup: o.warmup, pinned_cpus: o.cpus, tolerance: TOLERANCE,
               int8_tolerance: INT8_TOLERANCE, precisions: o.precisions, disabled_passes: o.disabledPasses},
    outputs_agree: disagree.length === 0,
    results: rows.map(({ort_version, ...r}) => r),
  };
  fs.writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
  drawChart(rows, machine, date, png, work);

  console.log(`sqzc vs ONNX Runtime ${report.ort_version} on ${cpuLabel(machine)}, ${date}`);
  console.log(`${o.rounds} rounds x ${o.iterations} runs per engine, alternating; ${o.warmup} warm-up runs\n`);
  printTable(rows, peak);
  printScaling(rows);
  console.log(`\nwrote ${o.out} and ${png}`);
  if (disagree.length > 0) {
    for (const r of disagree)
      process.stderr.write(`compare-ort: error: ${r.model}, ${r.threads} thread(s), ${r.precision}: ${r.engine} differs ` +
                           `from ONNX Runtime: max |a-b|/max|ort| = ${r.max_rel_err_vs_ort.toExponential(2)} (allowed ` +
                           `${r.precision === 'int8' ? INT8_TOLERANCE : TOLERANCE})` +
                           `${r.top1_agrees_with_ort ? '' : ', and the top class differs'}\n`);
    process.exit(1);
  }
}

main().catch((e) => fail(e.message));
