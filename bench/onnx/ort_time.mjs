// Times ONNX Runtime (npm onnxruntime-node, graph optimizations all) on one
// model with one float input, for scripts/bench-onnx.py:
//   node ort_time.mjs ORT_DIR MODEL X.bin SHAPE_JSON THREADS SECONDS OUT.bin
// Prints {"seconds": per call} (best of three rounds) and writes the output.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";

const [ortDir, model, xPath, shapeJson, threads, seconds, outPath] =
    process.argv.slice(2);
const ort = createRequire(ortDir + "/")("onnxruntime-node");
const session = await ort.InferenceSession.create(model, {
  graphOptimizationLevel: "all",
  intraOpNumThreads: Number(threads),
  interOpNumThreads: 1,
  executionMode: "sequential",
});
const bytes = readFileSync(xPath);
const x = new ort.Tensor(
    "float32",
    new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4),
    JSON.parse(shapeJson));
const feeds = { [session.inputNames[0]]: x };
const result = await session.run(feeds); // Warm up.
let best = Infinity;
for (let round = 0; round < 3; ++round) {
  let calls = 0, elapsed = 0;
  const start = process.hrtime.bigint();
  do {
    await session.run(feeds);
    ++calls;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < Number(seconds) / 3);
  best = Math.min(best, elapsed / calls);
}
const y = result[session.outputNames[0]].data;
writeFileSync(outPath, Buffer.from(y.buffer, y.byteOffset, y.byteLength));
console.log(JSON.stringify({ seconds: best }));
