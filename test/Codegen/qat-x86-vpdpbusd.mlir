// RUN: qat-opt %s -split-input-file -qat-x86-vpdpbusd | FileCheck %s

// acc + the four strided lane sums of zext(x) * sext(y): one vpdpbusd,
// whichever order the sums and the accumulator come in.
// CHECK-LABEL: func @quad_dot
// CHECK: %[[D:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg2, %arg0, %arg1) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK: %[[E:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg2, %arg0, %arg1)
// CHECK: return %[[D]], %[[E]]
func.func @quad_dot(%x: vector<64xi8>, %y: vector<64xi8>, %acc: vector<16xi32>) -> (vector<16xi32>, vector<16xi32>) {
  %xu = arith.extui %x : vector<64xi8> to vector<64xi32>
  %ys = arith.extsi %y : vector<64xi8> to vector<64xi32>
  %p = arith.muli %xu, %ys : vector<64xi32>
  %s0 = vector.shuffle %p, %p [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60] : vector<64xi32>, vector<64xi32>
  %s1 = vector.shuffle %p, %p [1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61] : vector<64xi32>, vector<64xi32>
  %s2 = vector.shuffle %p, %p [2, 6, 10, 14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 54, 58, 62] : vector<64xi32>, vector<64xi32>
  %s3 = vector.shuffle %p, %p [3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63] : vector<64xi32>, vector<64xi32>
  %a = arith.addi %s0, %s1 : vector<16xi32>
  %b = arith.addi %s2, %s3 : vector<16xi32>
  %sum = arith.addi %a, %b : vector<16xi32>
  %r = arith.addi %acc, %sum : vector<16xi32>
  %c = arith.addi %s3, %s1 : vector<16xi32>
  %d = arith.addi %s2, %s0 : vector<16xi32>
  %sum2 = arith.addi %d, %c : vector<16xi32>
  %r2 = arith.addi %sum2, %acc : vector<16xi32>
  return %r, %r2 : vector<16xi32>, vector<16xi32>
}

// -----

// Not a quad dot: a lane offset twice (0, 1, 1, 3), and a sign-extended x
// (vpdpbusd's first operand is unsigned).
// CHECK-LABEL: func @not_quad_dot
// CHECK-NOT: llvm.call_intrinsic
func.func @not_quad_dot(%x: vector<64xi8>, %y: vector<64xi8>, %acc: vector<16xi32>) -> (vector<16xi32>, vector<16xi32>) {
  %xu = arith.extui %x : vector<64xi8> to vector<64xi32>
  %ys = arith.extsi %y : vector<64xi8> to vector<64xi32>
  %p = arith.muli %xu, %ys : vector<64xi32>
  %s0 = vector.shuffle %p, %p [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60] : vector<64xi32>, vector<64xi32>
  %s1 = vector.shuffle %p, %p [1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61] : vector<64xi32>, vector<64xi32>
  %s3 = vector.shuffle %p, %p [3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63] : vector<64xi32>, vector<64xi32>
  %a = arith.addi %s0, %s1 : vector<16xi32>
  %b = arith.addi %s1, %s3 : vector<16xi32>
  %sum = arith.addi %a, %b : vector<16xi32>
  %r = arith.addi %acc, %sum : vector<16xi32>
  %xs = arith.extsi %x : vector<64xi8> to vector<64xi32>
  %q = arith.muli %xs, %ys : vector<64xi32>
  %t0 = vector.shuffle %q, %q [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60] : vector<64xi32>, vector<64xi32>
  %t1 = vector.shuffle %q, %q [1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61] : vector<64xi32>, vector<64xi32>
  %t2 = vector.shuffle %q, %q [2, 6, 10, 14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 54, 58, 62] : vector<64xi32>, vector<64xi32>
  %t3 = vector.shuffle %q, %q [3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63] : vector<64xi32>, vector<64xi32>
  %c = arith.addi %t0, %t1 : vector<16xi32>
  %d = arith.addi %t2, %t3 : vector<16xi32>
  %sum2 = arith.addi %c, %d : vector<16xi32>
  %r2 = arith.addi %acc, %sum2 : vector<16xi32>
  return %r, %r2 : vector<16xi32>, vector<16xi32>
}

// -----

// A quad dot product that nothing is added to (an accumulator of zero
// folded away): vpdpbusd on a zero accumulator.
// CHECK-LABEL: func @quad_dot_alone
// CHECK: %[[Z:.*]] = arith.constant dense<0> : vector<16xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[Z]], %arg0, %arg1)
func.func @quad_dot_alone(%x: vector<64xi8>, %y: vector<64xi8>) -> vector<16xi32> {
  %xu = arith.extui %x : vector<64xi8> to vector<64xi32>
  %ys = arith.extsi %y : vector<64xi8> to vector<64xi32>
  %p = arith.muli %xu, %ys : vector<64xi32>
  %s0 = vector.shuffle %p, %p [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60] : vector<64xi32>, vector<64xi32>
  %s1 = vector.shuffle %p, %p [1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61] : vector<64xi32>, vector<64xi32>
  %s2 = vector.shuffle %p, %p [2, 6, 10, 14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 54, 58, 62] : vector<64xi32>, vector<64xi32>
  %s3 = vector.shuffle %p, %p [3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63] : vector<64xi32>, vector<64xi32>
  %a = arith.addi %s0, %s1 : vector<16xi32>
  %b = arith.addi %s2, %s3 : vector<16xi32>
  %sum = arith.addi %a, %b : vector<16xi32>
  return %sum : vector<16xi32>
}
