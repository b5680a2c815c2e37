// Runs ONNX models with ONNX Runtime (npm onnxruntime-node), for the ONNX
// import tests: node ort_run.mjs ORT_DIR MANIFEST.json LEVEL THREADS
// The manifest lists models: [{"model": path, "inputs": [{"name", "file",
// "shape"}], "outputs": [{"name", "file"}]}] with float32 raw files (an
// input may name another "type": int64, int32 or bool). Each output file
// gets the suffix "." + LEVEL ("disabled" or "all": ORT's graph
// optimization level). An entry with "time": S and "timeFile" also calls
// the session repeatedly for S seconds and writes {"mean_us"}, the best of
// three mean latencies (as qat-run --time), to timeFile.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";

const [ortDir, manifestPath, level, threads] = process.argv.slice(2);
const ort = createRequire(ortDir + "/")("onnxruntime-node");
const options = {
  graphOptimizationLevel: level,
  intraOpNumThreads: Number(threads),
  interOpNumThreads: 1,
  executionMode: "sequential",
};
const arrays = { float32: Float32Array, int64: BigInt64Array,
                 int32: Int32Array, bool: Uint8Array };
// A model ONNX Runtime refuses gets no output file (reported by the
// caller) rather than ending the run.
for (const entry of JSON.parse(readFileSync(manifestPath))) {
  try {
    await run(entry);
  } catch (e) {
    console.error(`${entry.model} (${level}): ${e.message.split("\n")[0]}`);
  }
}

async function run(entry) {
  const session = await ort.InferenceSession.create(entry.model, options);
  const feeds = {};
  for (const input of entry.inputs) {
    const bytes = readFileSync(input.file);
    const type = input.type ?? "float32";
    const TypedArray = arrays[type];
    feeds[input.name] = new ort.Tensor(
        type, type === "bool" ? Uint8Array.from(bytes) :
              new TypedArray(bytes.buffer.slice(bytes.byteOffset,
                                           bytes.byteOffset + bytes.byteLength)),
        input.shape);
  }
  const results = await session.run(feeds);
  if (entry.time) {
    let best = Infinity;
    for (let round = 0; round < 3; ++round) {
      const start = process.hrtime.bigint();
      let calls = 0, elapsed = 0;
      do {
        await session.run(feeds);
        ++calls;
        elapsed = Number(process.hrtime.bigint() - start) * 1e-9;
      } while (elapsed < entry.time / 3);
      best = Math.min(best, elapsed / calls);
    }
    writeFileSync(entry.timeFile, JSON.stringify({ mean_us: best * 1e6 }));
  }
  for (const output of entry.outputs) {
    const data = results[output.name].data;
    writeFileSync(output.file + "." + level,
                  Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
}
