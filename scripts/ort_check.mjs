#!/usr/bin/env node
// Runs zoo's ONNX files in onnxruntime-node and compares them with their test data.
//
// Usage: node scripts/ort_check.mjs [--rtol R] [--atol A] FOLDER...
//
// FOLDER is an export folder (zoo export: model.onnx, encoder.onnx,
// decoder.onnx, test_data_set_N/input_0.pb and output_0.pb) or a folder of
// export folders. For each test data set it runs model.onnx on input_0.pb and,
// when the folder has both, encoder.onnx then decoder.onnx on the codes, and
// compares each result with output_0.pb: |got - want| <= atol + rtol * |want|
// everywhere (default rtol = atol = 1e-3, as the ONNX Model Zoo's CI). It
// prints one line per check, "ok ..." or "FAIL ...", and exits 1 when any fails.
// An int8 model.int8.onnx (zoo export --quantize int8) is run on the same input
// and compared with the same float32 output, within the absolute tolerance its
// metadata gives (zoo.quantization_tolerance).
//
// Needs onnxruntime-node from npm (npm install onnxruntime-node@1.24.1, beside
// this script or in a folder named by ZOO_NODE_MODULES: the folder holding
// node_modules). The TensorProto files are read by the small protobuf reader
// below: onnxruntime-node does not read them.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const base = process.env.ZOO_NODE_MODULES
  ? path.join(path.resolve(process.env.ZOO_NODE_MODULES), 'noop.js')
  : import.meta.url;
const ort = createRequire(base)('onnxruntime-node');

// readTensor decodes an ONNX TensorProto file holding floats: dims (field 1),
// data_type (2, must be 1: FLOAT), float_data (4) or raw_data (9, little endian).
export function readTensor(file) {
  const b = fs.readFileSync(file);
  let pos = 0;
  const varint = () => {
    let x = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= b.length) throw new Error(`${file}: truncated varint at byte ${pos}`);
      const c = b[pos++];
      x |= BigInt(c & 0x7f) << shift;
      if (c < 0x80) return x;
      if (shift > 63n) throw new Error(`${file}: varint too long at byte ${pos}`);
    }
  };
  const bytes = () => {
    const n = Number(varint());
    if (pos + n > b.length) throw new Error(`${file}: field of ${n} bytes at byte ${pos} runs past the end (${b.length} bytes)`);
    const v = b.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  const dims = [];
  let dataType = 0;
  let floats = [];
  let raw = null;
  while (pos < b.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 0) dims.push(Number(BigInt.asIntN(64, varint())));
    else if (field === 1 && wire === 2) {
      const p = bytes();
      const save = [b, pos];
      let q = 0;
      while (q < p.length) {
        let x = 0n;
        for (let shift = 0n; ; shift += 7n) {
          const c = p[q++];
          x |= BigInt(c & 0x7f) << shift;
          if (c < 0x80) break;
        }
        dims.push(Number(BigInt.asIntN(64, x)));
      }
      [, pos] = save;
    } else if (field === 2 && wire === 0) dataType = Number(varint());
    else if (field === 4 && wire === 2) {
      const p = bytes();
      const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
      for (let i = 0; i + 4 <= p.length; i += 4) floats.push(dv.getFloat32(i, true));
    } else if (field === 4 && wire === 5) {
      floats.push(b.readFloatLE(pos));
      pos += 4;
    } else if (field === 9 && wire === 2) raw = bytes();
    else if (wire === 0) varint();
    else if (wire === 2) bytes();
    else if (wire === 5) pos += 4;
    else if (wire === 1) pos += 8;
    else throw new Error(`${file}: unexpected wire type ${wire} of field ${field} at byte ${pos}`);
  }
  if (dataType !== 1) throw new Error(`${file}: data type ${dataType}, not FLOAT (1)`);
  const n = dims.reduce((a, d) => a * d, 1);
  let data;
  if (raw) {
    if (raw.length !== 4 * n) throw new Error(`${file}: ${raw.length} bytes of raw data for shape [${dims}] (${4 * n} bytes)`);
    data = new Float32Array(n);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) data[i] = dv.getFloat32(4 * i, true);
  } else {
    if (floats.length !== n) throw new Error(`${file}: ${floats.length} floats for shape [${dims}] (${n})`);
    data = Float32Array.from(floats);
  }
  return new ort.Tensor('float32', data, dims);
}

// readMetadata returns the metadata_props (ModelProto field 14: key 1, value 2)
// of an ONNX file, skipping every other field.
export function readMetadata(file) {
  const b = fs.readFileSync(file);
  const meta = {};
  const walk = (lo, hi, onField) => {
    let pos = lo;
    const varint = () => {
      let x = 0n;
      for (let shift = 0n; ; shift += 7n) {
        if (pos >= hi) throw new Error(`${file}: truncated varint at byte ${pos}`);
        const c = b[pos++];
        x |= BigInt(c & 0x7f) << shift;
        if (c < 0x80) return x;
        if (shift > 63n) throw new Error(`${file}: varint too long at byte ${pos}`);
      }
    };
    while (pos < hi) {
      const tag = Number(varint());
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const n = Number(varint());
        if (pos + n > hi) throw new Error(`${file}: field ${field} of ${n} bytes at byte ${pos} runs past its message`);
        onField(field, pos, pos + n);
        pos += n;
      } else throw new Error(`${file}: unexpected wire type ${wire} of field ${field} at byte ${pos}`);
    }
  };
  walk(0, b.length, (field, lo, hi) => {
    if (field !== 14) return;
    let key = '';
    let value = '';
    walk(lo, hi, (f, l, h) => {
      if (f === 1) key = b.toString('utf8', l, h);
      if (f === 2) value = b.toString('utf8', l, h);
    });
    meta[key] = value;
  });
  return meta;
}

// compare returns null when got matches want within the tolerances, else a message.
function compare(got, want, rtol, atol) {
  if (got.dims.join() !== want.dims.join()) return `shape [${got.dims}], expected [${want.dims}]`;
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    if (!(d <= atol + rtol * Math.abs(want.data[i]))) {
      return `element ${i} is ${got.data[i]}, expected ${want.data[i]} (rtol ${rtol}, atol ${atol})`;
    }
    worst = Math.max(worst, d);
  }
  return { worst };
}

async function run(file, input) {
  const s = await ort.InferenceSession.create(file);
  try {
    const out = await s.run({ [s.inputNames[0]]: input });
    return out[s.outputNames[0]];
  } finally {
    await s.release();
  }
}

// exportFolders returns the export folders at or under dir.
function exportFolders(dir) {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  if (entries.some((e) => e.isDirectory() && e.name.startsWith('test_data_set_'))) return [dir];
  return entries
    .filter((e) => e.isDirectory())
    .flatMap((e) => exportFolders(path.join(dir, e.name)))
    .sort();
}

async function checkFolder(dir, rtol, atol) {
  const lines = [];
  const sets = fs.readdirSync(dir).filter((f) => f.startsWith('test_data_set_')).sort();
  const has = (f) => fs.existsSync(path.join(dir, f));
  for (const set of sets) {
    const input = readTensor(path.join(dir, set, 'input_0.pb'));
    const want = readTensor(path.join(dir, set, 'output_0.pb'));
    const checks = [];
    if (has('model.onnx')) checks.push(['model.onnx', () => run(path.join(dir, 'model.onnx'), input)]);
    if (has('encoder.onnx') && has('decoder.onnx')) {
      checks.push(['encoder.onnx+decoder.onnx', async () => run(path.join(dir, 'decoder.onnx'), await run(path.join(dir, 'encoder.onnx'), input))]);
    }
    const tols = {};
    if (has('model.int8.onnx')) {
      const file = path.join(dir, 'model.int8.onnx');
      checks.push(['model.int8.onnx', () => run(file, input)]);
      tols['model.int8.onnx'] = () => {
        const t = Number(readMetadata(file)['zoo.quantization_tolerance']);
        if (!(t > 0)) throw new Error('metadata zoo.quantization_tolerance is not a positive number');
        return [0, t];
      };
    }
    for (const [name, f] of checks) {
      const label = `${path.join(dir, name)} on ${set}`;
      try {
        const [rt, at] = tols[name] ? tols[name]() : [rtol, atol];
        const r = compare(await f(), want, rt, at);
        lines.push(typeof r === 'string' ? [false, `FAIL ${label}: ${r}`] : [true, `ok ${label} (max abs diff ${r.worst.toExponential(2)})`]);
      } catch (e) {
        lines.push([false, `FAIL ${label}: ${e.message}`]);
      }
    }
  }
  if (lines.length === 0) lines.push([false, `FAIL ${dir}: no test_data_set_* with model.onnx`]);
  return lines;
}

async function main(argv) {
  let rtol = 1e-3;
  let atol = 1e-3;
  const dirs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rtol') rtol = Number(argv[++i]);
    else if (argv[i] === '--atol') atol = Number(argv[++i]);
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log('usage: node ort_check.mjs [--rtol R] [--atol A] FOLDER...');
      return 0;
    } else dirs.push(argv[i]);
  }
  if (dirs.length === 0 || !(rtol >= 0) || !(atol >= 0)) {
    console.error('usage: node ort_check.mjs [--rtol R] [--atol A] FOLDER...');
    return 2;
  }
  let failed = 0;
  let n = 0;
  for (const arg of dirs) {
    let folders;
    try {
      folders = exportFolders(arg);
    } catch (e) {
      console.log(`FAIL ${arg}: ${e.message}`);
      failed++;
      continue;
    }
    if (folders.length === 0) {
      console.log(`FAIL ${arg}: no export folders (with test_data_set_*)`);
      failed++;
    }
    for (const dir of folders) {
      for (const [ok, line] of await checkFolder(dir, rtol, atol)) {
        n++;
        if (!ok) failed++;
        console.log(line);
      }
    }
  }
  console.log(`onnxruntime-node ${ort.env.versions?.common ?? ''}: ${n} checks, ${failed} failed`);
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
