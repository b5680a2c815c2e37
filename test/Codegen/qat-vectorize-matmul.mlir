// RUN: qat-opt %s -split-input-file -qat-vectorize-matmul -cse | FileCheck %s
// RUN: qat-opt %s -split-input-file -qat-vectorize-matmul="mr=2 nr-vectors=1" | FileCheck %s --check-prefix=SMALL
// RUN: qat-opt %s -split-input-file -qat-vectorize-matmul="dot=quad" -canonicalize -cse | FileCheck %s --check-prefix=QUAD
// RUN: qat-opt %s -split-input-file -qat-vectorize-matmul="dot=quad" | FileCheck %s --check-prefix=KERNEL-CSE
// RUN: qat-opt %s -split-input-file -qat-vectorize-matmul 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK --implicit-check-not="see current operation"
// RUN: qat-opt %s -split-input-file -qat-vectorize-matmul="dot=quad-i16" -canonicalize -cse 2>/dev/null | FileCheck %s --check-prefix=I16
// RUN: qat-opt %s -split-input-file -qat-vectorize-matmul="dot=quad-i16" 2>&1 >/dev/null | FileCheck %s --check-prefix=I16-REMARK --implicit-check-not="see current operation"
// RUN: qat-opt %s -split-input-file -qat-vectorize-matmul="row-chunks=2" | FileCheck %s --check-prefix=CHUNKS
// RUN: not qat-opt %s -qat-vectorize-matmul="mr=0" 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not qat-opt %s -qat-vectorize-matmul="dot=triple" 2>&1 | FileCheck %s --check-prefix=BADDOT --implicit-check-not=func
// BADDOT: for the --dot option: unknown value 'triple'; valid values: pair, quad, quad-i16
// RUN: not qat-opt %s -qat-vectorize-matmul="nr-vectors=5" 2>&1 | FileCheck %s --check-prefix=BADNR
// RUN: not qat-opt %s -qat-vectorize-matmul="row-chunks=-1" 2>&1 | FileCheck %s --check-prefix=BADCHUNKS
// Rejected where the option is parsed, before the IR is read: a tool-level
// error, not one at the file's line 0.
// BADOPT: {{^}}qat-opt: error: qat-vectorize-matmul: mr=0 is out of range; valid values: 1 to 16
// BADNR: {{^}}qat-opt: error: qat-vectorize-matmul: nr-vectors=5 is out of range; valid values: 1 to 4
// BADCHUNKS: {{^}}qat-opt: error: qat-vectorize-matmul: row-chunks=-1 is out of range; valid values: 1 to 1024

// i16 activations (widened u8) times a constant 3 x 2 i8 weight, with the
// requantization epilogue fused: the weight is packed into one panel of
// 2 pairs of 16 interleaved columns (K padded to 4 with zeros), stored as
// i8 since it fits and sign-extended to i16 as it is loaded; the
// activations get a zero column for the odd K; (panel, row chunk) pairs
// are an scf.forall writing the chunk's rows and the panel's 16 columns of
// a result of whole panels, sliced to N = 2 at the end; each 4-row tile
// keeps 2 accumulator vectors per row across the K loop; the epilogue runs
// on them and writes whole i8 vectors: no masked stores (LLVM 22 turns a
// masked truncating store with one active lane into a 4-byte store on
// AVX-512).
// CHECK-LABEL: func @matmul_requant
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[\[}}1, 4, 2, 5, 0, 0, {{.*}}], [3, 0, -6, 0, 0, 0, {{.*}}]]]> : tensor<1x2x32xi8>
// CHECK: %[[A:.*]] = tensor.pad %{{.*}} low[0, 0] high[0, 1]
// CHECK: %[[R:.*]] = scf.forall (%[[P:.*]], %{{.*}}) in (1, 1) shared_outs(%[[SHARED:.*]] = %{{.*}}) -> (tensor<?x16xi8>)
// CHECK: %[[COLS:.*]] = tensor.extract_slice %[[SHARED]][%{{.*}}, %{{.*}}] [%{{.*}}, 16] [1, 1] : tensor<?x16xi8> to tensor<?x16xi8>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4 iter_args(%{{.*}} = %[[COLS]])
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %c2 step %{{.*}} iter_args({{.*}}) -> (vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>, vector<8xi32>)
// CHECK: %[[WV:.*]] = vector.transfer_read %[[W]][%[[P]], %[[K]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x2x32xi8>, vector<16xi8>
// CHECK: arith.extsi %[[WV]] : vector<16xi8> to vector<16xi16>
// CHECK: vector.transfer_read %[[A]][%{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<?x4xi16>, vector<2xi16>
// CHECK: vector.broadcast %{{.*}} : vector<1xi32> to vector<8xi32>
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14]
// CHECK: arith.muli {{.*}} : vector<8xi32>
// CHECK: scf.yield
// CHECK: vector.transfer_read %{{.*}}[%{{.*}}], %{{.*}} : tensor<2xf32>, vector<8xf32>
// CHECK: math.roundeven {{.*}} : vector<8xf32>
// CHECK: vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %c0] {in_bounds = [true]} : vector<8xi8>, tensor<?x16xi8>
// The remaining rows, one at a time.
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1 iter_args
// CHECK: -> (vector<8xi32>, vector<8xi32>)
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[SHARED]]
// CHECK: tensor.extract_slice %[[R]][0, 0] [%{{.*}}, 2] [1, 1] : tensor<?x16xi8> to tensor<?x2xi8>
// CHECK-NOT: linalg.matmul
#id = affine_map<(m, n) -> (m, n)>
#col = affine_map<(m, n) -> (n)>
func.func @matmul_requant(%a: tensor<?x3xi16>) -> tensor<?x2xi8> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0 : i32
  %m = tensor.dim %a, %c0 : tensor<?x3xi16>
  %w = arith.constant dense<[[1, 2], [4, 5], [3, -6]]> : tensor<3x2xi8>
  %e = tensor.empty(%m) : tensor<?x2xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<?x2xi32>) -> tensor<?x2xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<?x3xi16>, tensor<3x2xi8>) outs(%z : tensor<?x2xi32>) -> tensor<?x2xi32>
  %mult = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %lo = arith.constant -128.0 : f32
  %hi = arith.constant 127.0 : f32
  %o = tensor.empty(%m) : tensor<?x2xi8>
  %q = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %mult : tensor<?x2xi32>, tensor<2xf32>) outs(%o : tensor<?x2xi8>) {
  ^bb0(%x: i32, %s: f32, %out: i8):
    %f = arith.sitofp %x : i32 to f32
    %y = arith.mulf %f, %s : f32
    %r = math.roundeven %y : f32
    %c = arith.maximumf %r, %lo : f32
    %d = arith.minimumf %c, %hi : f32
    %i = arith.fptosi %d : f32 to i8
    linalg.yield %i : i8
  } -> tensor<?x2xi8>
  return %q : tensor<?x2xi8>
}

// -----

// i8 activations are sign-extended to i16; without a consumer the kernel
// writes the i32 accumulators. N = 16 fills the panel: unmasked stores.
// SMALL has 8-column panels of 2-row tiles.
// CHECK-LABEL: func @matmul_i8
// CHECK: arith.extsi %{{.*}} : i8 to i16
// CHECK: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<8xi32>, tensor<?x16xi32>
// With row-chunks=2, two chunks of whole 4-row tiles (ceil(ceil(5 / 4) / 2)
// tiles each) per panel; the second holds row 4.
// CHUNKS-LABEL: func @matmul_i8
// CHUNKS: scf.forall (%{{.*}}, %{{.*}}) in (1, 2)
// SMALL-LABEL: func @matmul_i8
// SMALL: arith.constant dense<{{.*}}> : tensor<2x1x16xi8>
// SMALL: -> (vector<8xi32>, vector<8xi32>)
func.func @matmul_i8(%a: tensor<5x2xi8>) -> tensor<5x16xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<1> : tensor<2x16xi8>
  %e = tensor.empty() : tensor<5x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<5x16xi32>) -> tensor<5x16xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<5x2xi8>, tensor<2x16xi8>) outs(%z : tensor<5x16xi32>) -> tensor<5x16xi32>
  return %acc : tensor<5x16xi32>
}

// -----

// A weight that is not a constant, and a float matmul: left unchanged;
// the integer one with a remark.
// REMARK: remark: 'linalg.matmul' runs on upstream's loops, not as a vector kernel: the weight is not a constant
// REMARK-NOT: remark
// CHECK-LABEL: func @not_matched
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x2xi8>, tensor<2x16xi8>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x2xf32>, tensor<2x16xf32>)
// CHECK-NOT: vector.
func.func @not_matched(%a: tensor<4x2xi8>, %w: tensor<2x16xi8>, %x: tensor<4x2xf32>) -> (tensor<4x16xi32>, tensor<4x16xf32>) {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<4x16xi32>) -> tensor<4x16xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<4x2xi8>, tensor<2x16xi8>) outs(%z : tensor<4x16xi32>) -> tensor<4x16xi32>
  %fw = arith.constant dense<1.0> : tensor<2x16xf32>
  %fz = arith.constant 0.0 : f32
  %fe = tensor.empty() : tensor<4x16xf32>
  %ff = linalg.fill ins(%fz : f32) outs(%fe : tensor<4x16xf32>) -> tensor<4x16xf32>
  %f = linalg.matmul ins(%x, %fw : tensor<4x2xf32>, tensor<2x16xf32>) outs(%ff : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %acc, %f : tensor<4x16xi32>, tensor<4x16xf32>
}

// -----

// dot=quad: u8 activations (zero-extended storage) and s8 weights take the
// quad step: the weight packed as 16-column panels of K/4 groups of 4 i8
// (K = 5 padded to 8), the u8 storage read directly (padded too; its i16
// widening is no longer used), and each step sums four zext x sext
// products into 16 i32 lanes. Without dot=quad (the default, pairs) the
// same matmul gets i16 pairs.
// QUAD-LABEL: func @matmul_u8
// The kernel is CSE'd as it is made (the pipeline has no CSE after it): the
// activation of a row is extended once for both column vectors.
// KERNEL-CSE-LABEL: func @matmul_u8
// KERNEL-CSE: arith.extui %[[ROW:.*]] : vector<64xi8> to vector<64xi32>
// KERNEL-CSE-NOT: arith.extui %[[ROW]] :
// KERNEL-CSE: scf.yield
// QUAD-NOT: arith.extui %{{.*}} : i8 to i16
// QUAD: arith.constant dense<{{.*}}> : tensor<1x2x128xi8>
// QUAD: tensor.pad %{{.*}} low[0, 0] high[0, 3]
// QUAD: tensor<3x5xi8> to tensor<3x8xi8>
// QUAD: vector.transfer_read %{{.*}} : tensor<1x2x128xi8>, vector<64xi8>
// QUAD: vector.transfer_read %{{.*}} : tensor<3x8xi8>, vector<4xi8>
// QUAD: arith.extui %{{.*}} : vector<64xi8> to vector<64xi32>
// QUAD: arith.extsi %{{.*}} : vector<64xi8> to vector<64xi32>
// QUAD: vector.shuffle {{.*}} [3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63] : vector<64xi32>, vector<64xi32>
// QUAD: vector.transfer_write %{{.*}} : vector<16xi32>, tensor<3x32xi32>
// CHECK-LABEL: func @matmul_u8
// CHECK: tensor<1x3x32xi8>
// dot=quad-i16: the same packing in 16-column panels of 8 lanes; adjacent
// products summed and clamped to int16, then adjacent pair sums added.
// Weights of -7 cannot saturate with any u8 activation: no remark.
// I16-LABEL: func @matmul_u8
// I16: arith.constant dense<{{.*}}> : tensor<1x2x64xi8>
// I16: vector.transfer_read %{{.*}} : tensor<1x2x64xi8>, vector<32xi8>
// I16: %[[P:.*]] = arith.muli %{{.*}}, %{{.*}} : vector<32xi32>
// I16: vector.shuffle %[[P]], %[[P]] [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31] : vector<32xi32>, vector<32xi32>
// I16: arith.maxsi %{{.*}}, %cst{{.*}} : vector<16xi32>
// I16: arith.minsi %{{.*}}, %cst{{.*}} : vector<16xi32>
// I16: vector.shuffle %{{.*}} [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi32>, vector<16xi32>
// I16-REMARK-NOT: remark: {{.*}}matmul_u8
#id2 = affine_map<(m, k) -> (m, k)>
func.func @matmul_u8(%q: tensor<3x5xi8>) -> tensor<3x16xi32> {
  %zero = arith.constant 0 : i32
  %e16 = tensor.empty() : tensor<3x5xi16>
  %a = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%q : tensor<3x5xi8>) outs(%e16 : tensor<3x5xi16>) {
  ^bb0(%x: i8, %o: i16):
    %y = arith.extui %x : i8 to i16
    linalg.yield %y : i16
  } -> tensor<3x5xi16>
  %w = arith.constant dense<-7> : tensor<5x16xi8>
  %e = tensor.empty() : tensor<3x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<3x16xi32>) -> tensor<3x16xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<3x5xi16>, tensor<5x16xi8>) outs(%z : tensor<3x16xi32>) -> tensor<3x16xi32>
  return %acc : tensor<3x16xi32>
}

// -----

// A 3x3 convolution (NHWC, HWCF, C = 4) of zero-point-padded u8 storage:
// rows are output pixels, the K loop runs over (kh, kw, channel group),
// and each row reads its window from the activations directly. With
// dot=quad the zero-point padding moves onto the u8 storage (128 is -128
// as i8) and the quads read 4 channels at [batch, oh + kh, ow + kw, c].
// CHECK-LABEL: func @conv_3x3
// CHUNKS-LABEL: func @conv_3x3
// CHUNKS: scf.forall (%{{.*}}, %{{.*}}) in (1, 2)
// CHUNKS: tensor.extract_slice %{{.*}}[0, %{{.*}}, 0, %{{.*}}] [1, %{{.*}}, 4, 16]
// CHECK: scf.forall
// CHECK: scf.for %[[KH:.*]] = %c0 to %c3
// CHECK: scf.for %[[KW:.*]] = %c0 to %c3
// CHECK: scf.for %[[CG:.*]] = %c0 to %c2
// CHECK: vector.transfer_read %{{.*}} : tensor<1x6x6x4xi16>, vector<2xi16>
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
// QUAD-LABEL: func @conv_3x3
// QUAD: %[[P:.*]] = tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// QUAD: tensor.yield %c-128_i8 : i8
// QUAD: scf.for %{{.*}} = %c0 to %c3
// QUAD: scf.for %{{.*}} = %c0 to %c3
// QUAD: vector.transfer_read %[[P]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x6x6x4xi8>, vector<4xi8>
// QUAD: vector.transfer_write %{{.*}} : vector<16xi32>, tensor<1x4x4x32xi32>
#id4 = affine_map<(b, y, x, c) -> (b, y, x, c)>
func.func @conv_3x3(%q: tensor<1x4x4x4xi8>) -> tensor<1x4x4x16xi32> {
  %zero = arith.constant 0 : i32
  %zp = arith.constant 128 : i16
  %e16 = tensor.empty() : tensor<1x4x4x4xi16>
  %a = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<1x4x4x4xi8>) outs(%e16 : tensor<1x4x4x4xi16>) {
  ^bb0(%x: i8, %o: i16):
    %y = arith.extui %x : i8 to i16
    linalg.yield %y : i16
  } -> tensor<1x4x4x4xi16>
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zp : i16
  } : tensor<1x4x4x4xi16> to tensor<1x6x6x4xi16>
  %w = arith.constant dense<5> : tensor<3x3x4x16xi8>
  %e = tensor.empty() : tensor<1x4x4x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  %acc = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x6x6x4xi16>, tensor<3x3x4x16xi8>) outs(%z : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  return %acc : tensor<1x4x4x16xi32>
}

// -----

// Three channels (an RGB input layer): the activations get a zero channel
// up to a whole pair, and the packed weight zero rows to meet it.
// CHECK-LABEL: func @conv_rgb
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 0, 1]
// CHECK: tensor<1x5x5x3xi16> to tensor<1x5x5x4xi16>
// CHECK: scf.for %{{.*}} = %c0 to %c2
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
func.func @conv_rgb(%a: tensor<1x5x5x3xi16>) -> tensor<1x3x3x8xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<2> : tensor<3x3x3x8xi8>
  %e = tensor.empty() : tensor<1x3x3x8xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x3x3x8xi32>) -> tensor<1x3x3x8xi32>
  %acc = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %w : tensor<1x5x5x3xi16>, tensor<3x3x3x8xi8>) outs(%z : tensor<1x3x3x8xi32>) -> tensor<1x3x3x8xi32>
  return %acc : tensor<1x3x3x8xi32>
}

// -----

// dot=quad-i16 with full-range weights (a K pair of 127s, a pair of -128s):
// from u8 activations that may reach 255 the pair sums could leave int16,
// so the layer takes exact pairs, and a remark counts the entries (all 2
// pairs x 16 columns). The same weights after a 7-bit unsigned quantization
// (clamped to [0, 127] in f32) are proven: 127 * 256 fits.
// I16-REMARK: remark: 'linalg.matmul' uses exact i16 pairs (vpmaddwd), not the faster u8 x s8 step (vpmaddubsw), whose int16 pair sums could saturate in 32 of 32 (weight pair, column) entries with activations up to 255; 7-bit weights (|w| <= 64) or 7-bit activations make it exact
// I16-REMARK-NOT: remark
// I16-LABEL: func @saturable
// I16: vector<2xi16>
// I16-NOT: vector<32xi8>
// I16-LABEL: func @seven_bit_activations
// I16: vector.transfer_read %{{.*}} : tensor<1x1x64xi8>, vector<32xi8>
// I16: arith.minsi
#id2q = affine_map<(m, k) -> (m, k)>
func.func @saturable(%q: tensor<2x4xi8>) -> tensor<2x16xi32> {
  %zero = arith.constant 0 : i32
  %e16 = tensor.empty() : tensor<2x4xi16>
  %a = linalg.generic {indexing_maps = [#id2q, #id2q], iterator_types = ["parallel", "parallel"]}
      ins(%q : tensor<2x4xi8>) outs(%e16 : tensor<2x4xi16>) {
  ^bb0(%x: i8, %o: i16):
    %y = arith.extui %x : i8 to i16
    linalg.yield %y : i16
  } -> tensor<2x4xi16>
  %w = arith.constant dense<[[127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127], [127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127], [-128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128], [-128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128]]> : tensor<4x16xi8>
  %e = tensor.empty() : tensor<2x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<2x16xi32>) -> tensor<2x16xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<2x4xi16>, tensor<4x16xi8>) outs(%z : tensor<2x16xi32>) -> tensor<2x16xi32>
  return %acc : tensor<2x16xi32>
}

func.func @seven_bit_activations(%x: tensor<2x4xf32>) -> tensor<2x16xi32> {
  %zero = arith.constant 0 : i32
  %lo = arith.constant 0.0 : f32
  %hi = arith.constant 127.0 : f32
  %e8 = tensor.empty() : tensor<2x4xi8>
  %q = linalg.generic {indexing_maps = [#id2q, #id2q], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x4xf32>) outs(%e8 : tensor<2x4xi8>) {
  ^bb0(%v: f32, %o: i8):
    %r = math.roundeven %v : f32
    %l = arith.maximumf %r, %lo : f32
    %h = arith.minimumf %l, %hi : f32
    %i = arith.fptosi %h : f32 to i32
    %t = arith.trunci %i : i32 to i8
    linalg.yield %t : i8
  } -> tensor<2x4xi8>
  %e16 = tensor.empty() : tensor<2x4xi16>
  %a = linalg.generic {indexing_maps = [#id2q, #id2q], iterator_types = ["parallel", "parallel"]}
      ins(%q : tensor<2x4xi8>) outs(%e16 : tensor<2x4xi16>) {
  ^bb0(%b: i8, %o: i16):
    %y = arith.extui %b : i8 to i16
    linalg.yield %y : i16
  } -> tensor<2x4xi16>
  %w = arith.constant dense<[[127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127], [127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127], [-128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128], [-128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128]]> : tensor<4x16xi8>
  %e = tensor.empty() : tensor<2x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<2x16xi32>) -> tensor<2x16xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<2x4xi16>, tensor<4x16xi8>) outs(%z : tensor<2x16xi32>) -> tensor<2x16xi32>
  return %acc : tensor<2x16xi32>
}

// -----

// A depthwise 3x3 convolution (NHWC, HWC weight, 12 channels): rows are
// output pixels, columns the channels, K the nine taps. Each tap reads a
// channel vector per row, zero-extends each i16 value into an i32 lane,
// (a, 0) as i16 pairs, and takes the pair step with the weights packed as
// (w, 0) pairs (zeros beyond channel 12): a * w + 0 * 0 per lane. The last
// panel's channels are masked.
// CHECK-LABEL: func @depthwise
// CHECK: arith.constant dense<"0xFDFF0000{{.*}}> : tensor<1x9x32xi16>
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c3
// CHECK: scf.for %{{.*}} = %c0 to %c3
// CHECK: vector.transfer_read %{{.*}} : tensor<1x9x32xi16>, vector<16xi16>
// CHECK: %[[A:.*]] = vector.transfer_read %{{.*}} : tensor<1x6x6x12xi16>, vector<8xi16>
// CHECK: %[[L:.*]] = arith.extui %[[A]] : vector<8xi16> to vector<8xi32>
// CHECK: %[[P:.*]] = vector.bitcast %[[L]] : vector<8xi32> to vector<16xi16>
// CHECK: vector.shuffle %[[P]], %[[P]] [0, 2, 4, 6, 8, 10, 12, 14]
// CHECK-NOT: linalg.depthwise_conv_2d_nhwc_hwc
// QUAD-LABEL: func @depthwise
// QUAD: vector.transfer_read %{{.*}} : tensor<1x6x6x12xi16>, vector<16xi16>
// QUAD: vector.bitcast %{{.*}} : vector<16xi32> to vector<32xi16>
func.func @depthwise(%a: tensor<1x6x6x12xi16>) -> tensor<1x4x4x12xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<-3> : tensor<3x3x12xi8>
  %e = tensor.empty() : tensor<1x4x4x12xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<1x4x4x12xi32>) -> tensor<1x4x4x12xi32>
  %acc = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%a, %w : tensor<1x6x6x12xi16>, tensor<3x3x12xi8>) outs(%z : tensor<1x4x4x12xi32>) -> tensor<1x4x4x12xi32>
  return %acc : tensor<1x4x4x12xi32>
}

// -----

// A batch matmul with a constant weight per batch: the weights packed per
// batch (2 x 1 panel x 2 pair groups x 32), the batches a dimension of the
// forall, each batch's activations and packed weight read at its index.
// CHECK-LABEL: func @batch_matmul
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<2x1x2x32xi8>
// CHECK: scf.forall (%[[B:.*]], %{{.*}}, %{{.*}}) in (2, 1, 1)
// CHECK: vector.transfer_read %[[W]][%[[B]], %{{.*}}, %{{.*}}, %{{.*}}]{{.*}} : tensor<2x1x2x32xi8>, vector<16xi8>
// CHECK: vector.transfer_read %{{.*}}[%[[B]], %{{.*}}, %{{.*}}]{{.*}} : tensor<2x3x4xi16>, vector<2xi16>
// CHECK-NOT: linalg.batch_matmul
func.func @batch_matmul(%a: tensor<2x3x4xi16>) -> tensor<2x3x16xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<[[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]], [[-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1], [-2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2, -2], [-3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3], [-4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4]]]> : tensor<2x4x16xi8>
  %e = tensor.empty() : tensor<2x3x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<2x3x16xi32>) -> tensor<2x3x16xi32>
  %acc = linalg.batch_matmul ins(%a, %w : tensor<2x3x4xi16>, tensor<2x4x16xi8>) outs(%z : tensor<2x3x16xi32>) -> tensor<2x3x16xi32>
  return %acc : tensor<2x3x16xi32>
}

// -----

// An empty operand: nothing to compute, no kernel (whose tiles assume at
// least one row and one column).
// CHECK-LABEL: func @negative_matmul_no_rows
// CHECK: linalg.matmul
// REMARK: remark: 'linalg.matmul' runs on upstream's loops, not as a vector kernel: a tensor with no elements (nothing to compute)
// I16-REMARK: remark: {{.*}}: a tensor with no elements
func.func @negative_matmul_no_rows(%a: tensor<0x3xi8>) -> tensor<0x5xi32> {
  %w = arith.constant dense<1> : tensor<3x5xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<0x5xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<0x5xi32>) -> tensor<0x5xi32>
  %m = linalg.matmul ins(%a, %w : tensor<0x3xi8>, tensor<3x5xi8>) outs(%z : tensor<0x5xi32>) -> tensor<0x5xi32>
  return %m : tensor<0x5xi32>
}
