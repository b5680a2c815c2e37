// Runs ONNX models with ONNX Runtime (npm onnxruntime-node), for the ONNX
// import tests: node ort_run.mjs ORT_DIR MANIFEST.json LEVEL THREADS
// The manifest lists models: [{"model": path, "inputs": [{"name", "file",
// "shape"}], "outputs": [{"name", "file"}]}] with float32 raw files. Each
// output file gets the suffix "." + LEVEL ("disabled" or "all": ORT's graph
// optimization level).
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
    feeds[input.name] = new ort.Tensor(
        "float32", new Float32Array(bytes.buffer, bytes.byteOffset,
                                    bytes.byteLength / 4),
        input.shape);
  }
  const results = await session.run(feeds);
  for (const output of entry.outputs) {
    const data = results[output.name].data;
    writeFileSync(output.file + "." + level,
                  Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
}
