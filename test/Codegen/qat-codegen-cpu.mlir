// RUN: qat-opt %s --qat-codegen-cpu=isa=generic | FileCheck %s
// RUN: qat-opt %s --qat-codegen-cpu=isa=avx2 | FileCheck %s --check-prefix=AVX2
// RUN: qat-opt %s --qat-codegen-cpu=isa=avx512vnni | FileCheck %s --check-prefix=VNNI
// RUN: qat-opt %s --qat-codegen-cpu="isa=avx2 threads=2" | FileCheck %s --check-prefix=THREADS
// RUN: qat-opt %S/../../examples/qat_mlp_cnn.mlir --qat-compile | FileCheck %s --check-prefix=COMPILE
// An unknown instruction set is an error that names the valid ones (it
// used to compile generic code), without the module.
// RUN: not qat-opt %s --qat-codegen-cpu=isa=avx512 2>&1 | FileCheck %s --check-prefix=BADISA --implicit-check-not=func
// RUN: not qat-opt %S/../../examples/qat_mlp_cnn.mlir --qat-compile=isa=avx512 2>&1 | FileCheck %s --check-prefix=BADISA --implicit-check-not=func
// BADISA: for the --isa option: unknown value 'avx512'; valid values: host, avx512vnni, avx2, generic

// An integer program on tensors becomes LLVM dialect; the matmul's pair
// multiply-adds are vector operations on 8 x i32.
// CHECK-LABEL: llvm.func @int_matmul
// CHECK: llvm.shufflevector {{.*}} : vector<16xi16>
// CHECK: llvm.mul {{.*}} : vector<8xi32>
// CHECK-NOT: linalg.
// CHECK-NOT: vector.transfer
// With AVX2 the pair multiply-adds are vpmaddwd.
// AVX2-LABEL: llvm.func @int_matmul
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// The u8 matmul's weights (3) cannot saturate int16 pair sums: vpmaddubsw.
// AVX2-LABEL: llvm.func @u8_matmul
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// With AVX-512 VNNI the same i8 activations are not u8 storage: still
// pairs. The u8 matmul below gets vpdpbusd.
// VNNI-LABEL: llvm.func @int_matmul
// VNNI: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// VNNI-LABEL: llvm.func @u8_matmul
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
func.func @int_matmul(%a: tensor<8x4xi8>) -> tensor<8x32xi32> {
  %zero = arith.constant 0 : i32
  %w = arith.constant dense<3> : tensor<4x32xi8>
  %e = tensor.empty() : tensor<8x32xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<8x32xi32>) -> tensor<8x32xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<8x4xi8>, tensor<4x32xi8>) outs(%z : tensor<8x32xi32>) -> tensor<8x32xi32>
  return %acc : tensor<8x32xi32>
}

#id = affine_map<(m, k) -> (m, k)>
func.func @u8_matmul(%q: tensor<8x4xi8>) -> tensor<8x16xi32> {
  %zero = arith.constant 0 : i32
  %e16 = tensor.empty() : tensor<8x4xi16>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q : tensor<8x4xi8>) outs(%e16 : tensor<8x4xi16>) {
  ^bb0(%x: i8, %o: i16):
    %y = arith.extui %x : i8 to i16
    linalg.yield %y : i16
  } -> tensor<8x4xi16>
  %w = arith.constant dense<3> : tensor<4x16xi8>
  %e = tensor.empty() : tensor<8x16xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<8x16xi32>) -> tensor<8x16xi32>
  %acc = linalg.matmul ins(%a, %w : tensor<8x4xi16>, tensor<4x16xi8>) outs(%z : tensor<8x16xi32>) -> tensor<8x16xi32>
  return %acc : tensor<8x16xi32>
}

// With threads=2 the two column panels are an OpenMP loop on two threads.
// THREADS-LABEL: llvm.func @int_matmul
// THREADS: omp.parallel num_threads
// THREADS: omp.wsloop

// The bundled QAT graphs compile to LLVM dialect in one pipeline.
// COMPILE: llvm.func @mlp
// COMPILE: llvm.func @cnn_block
// COMPILE-NOT: linalg.
// COMPILE-NOT: qat.
