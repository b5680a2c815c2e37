// RUN: qat-opt %s -split-input-file -qat-x86-vpmaddwd | FileCheck %s
// RUN: qat-opt %s -split-input-file -qat-x86-vpmaddwd=avx512=true | FileCheck %s --check-prefix=AVX512

// Even and odd lanes multiplied and added: one vpmaddwd, with the
// operands in either order and the halves on either side of the add.
// CHECK-LABEL: func @pair_multiply_add
// CHECK: %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%arg0, %arg1) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: %[[Q:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%arg0, %arg1) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: return %[[P]], %[[Q]]
func.func @pair_multiply_add(%x: vector<16xi16>, %y: vector<16xi16>) -> (vector<8xi32>, vector<8xi32>) {
  %xe = vector.shuffle %x, %x [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi16>, vector<16xi16>
  %xo = vector.shuffle %x, %x [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi16>, vector<16xi16>
  %ye = vector.shuffle %y, %y [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi16>, vector<16xi16>
  %yo = vector.shuffle %y, %y [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi16>, vector<16xi16>
  %xe32 = arith.extsi %xe : vector<8xi16> to vector<8xi32>
  %xo32 = arith.extsi %xo : vector<8xi16> to vector<8xi32>
  %ye32 = arith.extsi %ye : vector<8xi16> to vector<8xi32>
  %yo32 = arith.extsi %yo : vector<8xi16> to vector<8xi32>
  %even = arith.muli %xe32, %ye32 : vector<8xi32>
  %odd = arith.muli %xo32, %yo32 : vector<8xi32>
  %p = arith.addi %even, %odd : vector<8xi32>
  %odd2 = arith.muli %yo32, %xo32 : vector<8xi32>
  %q = arith.addi %odd2, %even : vector<8xi32>
  return %p, %q : vector<8xi32>, vector<8xi32>
}

// -----

// Not a pair multiply-add: the odd product pairs lanes of other vectors,
// or the lanes are zero-extended.
// CHECK-LABEL: func @not_pairs
// CHECK-NOT: llvm.call_intrinsic
func.func @not_pairs(%x: vector<16xi16>, %y: vector<16xi16>, %z: vector<16xi16>) -> (vector<8xi32>, vector<8xi32>) {
  %xe = vector.shuffle %x, %x [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi16>, vector<16xi16>
  %ye = vector.shuffle %y, %y [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi16>, vector<16xi16>
  %xo = vector.shuffle %x, %x [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi16>, vector<16xi16>
  %zo = vector.shuffle %z, %z [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi16>, vector<16xi16>
  %xe32 = arith.extsi %xe : vector<8xi16> to vector<8xi32>
  %ye32 = arith.extsi %ye : vector<8xi16> to vector<8xi32>
  %xo32 = arith.extsi %xo : vector<8xi16> to vector<8xi32>
  %zo32 = arith.extsi %zo : vector<8xi16> to vector<8xi32>
  %even = arith.muli %xe32, %ye32 : vector<8xi32>
  %odd = arith.muli %xo32, %zo32 : vector<8xi32>
  %p = arith.addi %even, %odd : vector<8xi32>
  %xeu = arith.extui %xe : vector<8xi16> to vector<8xi32>
  %xou = arith.extui %xo : vector<8xi16> to vector<8xi32>
  %eu = arith.muli %xeu, %xeu : vector<8xi32>
  %ou = arith.muli %xou, %xou : vector<8xi32>
  %q = arith.addi %eu, %ou : vector<8xi32>
  return %p, %q : vector<8xi32>, vector<8xi32>
}

// -----

// The 512-bit form (16 lanes) only with avx512=true (AVX-512BW).
// CHECK-LABEL: func @pair_multiply_add_512
// CHECK-NOT: llvm.call_intrinsic
// AVX512-LABEL: func @pair_multiply_add_512
// AVX512: llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"(%arg0, %arg1) : (vector<32xi16>, vector<32xi16>) -> vector<16xi32>
func.func @pair_multiply_add_512(%x: vector<32xi16>, %y: vector<32xi16>) -> vector<16xi32> {
  %xe = vector.shuffle %x, %x [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xi16>, vector<32xi16>
  %xo = vector.shuffle %x, %x [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31] : vector<32xi16>, vector<32xi16>
  %ye = vector.shuffle %y, %y [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xi16>, vector<32xi16>
  %yo = vector.shuffle %y, %y [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31] : vector<32xi16>, vector<32xi16>
  %xe32 = arith.extsi %xe : vector<16xi16> to vector<16xi32>
  %xo32 = arith.extsi %xo : vector<16xi16> to vector<16xi32>
  %ye32 = arith.extsi %ye : vector<16xi16> to vector<16xi32>
  %yo32 = arith.extsi %yo : vector<16xi16> to vector<16xi32>
  %even = arith.muli %xe32, %ye32 : vector<16xi32>
  %odd = arith.muli %xo32, %yo32 : vector<16xi32>
  %p = arith.addi %even, %odd : vector<16xi32>
  return %p : vector<16xi32>
}
