// Times ONNX Runtime (npm onnxruntime-node, graph optimizations all) on
// qat-bench's model: node run.mjs ORT_DIR DIR THREADS SECONDS. Reads
// DIR/model.onnx, DIR/unit.onnx and DIR/x.bin (the u8 input, in the model's
// layout); writes DIR/y.bin (the output) and prints
// {"seconds": per call, "overhead": per call of the 1 x 1 x 1 model}: the
// best of three rounds each.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";

const [ortDir, dir, threadArg, secondsArg] = process.argv.slice(2);
const ort = createRequire(ortDir + "/")("onnxruntime-node");
const threads = Number(threadArg), budget = Number(secondsArg);
const options = {
  graphOptimizationLevel: "all",
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
};

async function time(session, feeds) {
  await session.run(feeds); // Warm up.
  let best = Infinity;
  for (let round = 0; round < 3; ++round) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      await session.run(feeds);
      ++calls;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < budget / 3);
    best = Math.min(best, elapsed / calls);
  }
  return best;
}

const model = await ort.InferenceSession.create(dir + "/model.onnx", options);
const unit = await ort.InferenceSession.create(dir + "/unit.onnx", options);
const shape = JSON.parse(readFileSync(dir + "/meta.json")).ort_input_shape;
const x = new ort.Tensor("uint8", new Uint8Array(readFileSync(dir + "/x.bin")),
                         shape);
const one = new ort.Tensor("uint8", new Uint8Array([128]), [1, 1]);
const seconds = await time(model, { x });
const overhead = await time(unit, { x: one });
const y = (await model.run({ x })).y;
writeFileSync(dir + "/y.bin", Buffer.from(y.data.buffer, y.data.byteOffset,
                                          y.data.byteLength));
console.log(JSON.stringify({ seconds, overhead }));
