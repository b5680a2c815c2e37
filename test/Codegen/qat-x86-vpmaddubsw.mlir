// RUN: qat-opt %s -split-input-file -qat-x86-vpmaddubsw | FileCheck %s

// Adjacent products of zext(x) * sext(y) summed with int16 saturation, then
// adjacent pair sums added: vpmaddubsw, then vpmaddwd by ones (pairs in
// either order); the accumulation stays an addition.
// CHECK-LABEL: func @saturating_quad_dot
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// CHECK: %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%arg0, %arg1) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// CHECK: %[[S:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[P]], %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// CHECK: arith.addi %arg2, %[[S]] : vector<8xi32>
func.func @saturating_quad_dot(%x: vector<32xi8>, %y: vector<32xi8>, %acc: vector<8xi32>) -> vector<8xi32> {
  %lo = arith.constant dense<-32768> : vector<16xi32>
  %hi = arith.constant dense<32767> : vector<16xi32>
  %xu = arith.extui %x : vector<32xi8> to vector<32xi32>
  %ys = arith.extsi %y : vector<32xi8> to vector<32xi32>
  %p = arith.muli %xu, %ys : vector<32xi32>
  %e = vector.shuffle %p, %p [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xi32>, vector<32xi32>
  %o = vector.shuffle %p, %p [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31] : vector<32xi32>, vector<32xi32>
  %pairs = arith.addi %o, %e : vector<16xi32>
  %l = arith.maxsi %pairs, %lo : vector<16xi32>
  %s = arith.minsi %l, %hi : vector<16xi32>
  %se = vector.shuffle %s, %s [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi32>, vector<16xi32>
  %so = vector.shuffle %s, %s [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi32>, vector<16xi32>
  %sum = arith.addi %se, %so : vector<8xi32>
  %r = arith.addi %acc, %sum : vector<8xi32>
  return %r : vector<8xi32>
}

// -----

// Not vpmaddubsw's semantics: no int16 saturation (a clamp to other
// bounds), or a sign-extended x (the instruction's first operand is
// unsigned).
// CHECK-LABEL: func @wrong_clamp
// CHECK-NOT: llvm.call_intrinsic
func.func @wrong_clamp(%x: vector<32xi8>, %y: vector<32xi8>, %acc: vector<8xi32>) -> vector<8xi32> {
  %lo = arith.constant dense<-32768> : vector<16xi32>
  %hi = arith.constant dense<32766> : vector<16xi32>
  %xu = arith.extui %x : vector<32xi8> to vector<32xi32>
  %ys = arith.extsi %y : vector<32xi8> to vector<32xi32>
  %p = arith.muli %xu, %ys : vector<32xi32>
  %e = vector.shuffle %p, %p [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xi32>, vector<32xi32>
  %o = vector.shuffle %p, %p [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31] : vector<32xi32>, vector<32xi32>
  %pairs = arith.addi %o, %e : vector<16xi32>
  %l = arith.maxsi %pairs, %lo : vector<16xi32>
  %s = arith.minsi %l, %hi : vector<16xi32>
  %se = vector.shuffle %s, %s [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi32>, vector<16xi32>
  %so = vector.shuffle %s, %s [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi32>, vector<16xi32>
  %sum = arith.addi %se, %so : vector<8xi32>
  %r = arith.addi %acc, %sum : vector<8xi32>
  return %r : vector<8xi32>
}

// -----

// CHECK-LABEL: func @signed_x
// CHECK-NOT: llvm.call_intrinsic
func.func @signed_x(%x: vector<32xi8>, %y: vector<32xi8>, %acc: vector<8xi32>) -> vector<8xi32> {
  %lo = arith.constant dense<-32768> : vector<16xi32>
  %hi = arith.constant dense<32767> : vector<16xi32>
  %xu = arith.extsi %x : vector<32xi8> to vector<32xi32>
  %ys = arith.extsi %y : vector<32xi8> to vector<32xi32>
  %p = arith.muli %xu, %ys : vector<32xi32>
  %e = vector.shuffle %p, %p [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xi32>, vector<32xi32>
  %o = vector.shuffle %p, %p [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31] : vector<32xi32>, vector<32xi32>
  %pairs = arith.addi %o, %e : vector<16xi32>
  %l = arith.maxsi %pairs, %lo : vector<16xi32>
  %s = arith.minsi %l, %hi : vector<16xi32>
  %se = vector.shuffle %s, %s [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xi32>, vector<16xi32>
  %so = vector.shuffle %s, %s [1, 3, 5, 7, 9, 11, 13, 15] : vector<16xi32>, vector<16xi32>
  %sum = arith.addi %se, %so : vector<8xi32>
  %r = arith.addi %acc, %sum : vector<8xi32>
  return %r : vector<8xi32>
}
