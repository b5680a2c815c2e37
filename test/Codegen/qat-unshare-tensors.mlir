// RUN: qat-opt %s -split-input-file -qat-unshare-tensors | FileCheck %s

// Each writer of a shared tensor.empty gets its own, placed before it.
// CHECK-LABEL: func @chain
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<4xi8>
// CHECK-NEXT: %[[A:.*]] = linalg.generic {{.*}} outs(%[[E0]] : tensor<4xi8>)
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4xi8>
// CHECK-NEXT: %[[B:.*]] = linalg.generic {{.*}} ins(%[[A]] : tensor<4xi8>) outs(%[[E1]] : tensor<4xi8>)
#map = affine_map<(d0) -> (d0)>
func.func @chain(%x: tensor<4xi8>) -> tensor<4xi8> {
  %e = tensor.empty() : tensor<4xi8>
  %a = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%x : tensor<4xi8>) outs(%e : tensor<4xi8>) {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  } -> tensor<4xi8>
  %b = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : tensor<4xi8>) outs(%e : tensor<4xi8>) {
  ^bb0(%in: i8, %out: i8):
    linalg.yield %in : i8
  } -> tensor<4xi8>
  return %b : tensor<4xi8>
}

// -----

// A use inside a loop gets its copy before the loop, in the empty's block,
// not one per iteration; the dynamic size is kept.
// CHECK-LABEL: func @nested
// CHECK: tensor.empty(%[[N:.*]]) : tensor<?xi8>
// CHECK: tensor.empty(%[[N]]) : tensor<?xi8>
// CHECK-NEXT: scf.for
// CHECK-NOT: tensor.empty
// CHECK: scf.yield
// CHECK: tensor.empty(%[[N]]) : tensor<?xi8>
// CHECK-NEXT: return
func.func @nested(%n: index, %lb: index, %ub: index) -> (tensor<?xi8>, tensor<?xi8>) {
  %e = tensor.empty(%n) : tensor<?xi8>
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %lb to %ub step %c1 iter_args(%t = %e) -> tensor<?xi8> {
    %u = tensor.insert_slice %e into %t[0] [%n] [1] : tensor<?xi8> into tensor<?xi8>
    scf.yield %u : tensor<?xi8>
  }
  return %r, %e : tensor<?xi8>, tensor<?xi8>
}

// -----

// A use in a successor block gets its copy next to the original.
// CHECK-LABEL: func @successor
// CHECK: tensor.empty() : tensor<4xi8>
// CHECK-NEXT: tensor.empty() : tensor<4xi8>
// CHECK-NEXT: cf.br
func.func @successor() -> (tensor<4xi8>, tensor<4xi8>) {
  %e = tensor.empty() : tensor<4xi8>
  cf.br ^bb1
^bb1:
  return %e, %e : tensor<4xi8>, tensor<4xi8>
}

// -----

// Each reader of a shared table gets a constant of its own (the same
// attribute), before the op that holds the read; a constant read once and a
// scalar constant are left alone.
// CHECK-LABEL: func @tables
// CHECK: %[[T0:.*]] = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
// CHECK-NEXT: %[[ONE:.*]] = arith.constant dense<7> : tensor<4xi8>
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A:.*]] = tensor.extract %[[T0]][%[[C0]]]
// CHECK-NEXT: %[[T1:.*]] = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
// CHECK-NEXT: %[[B:.*]] = linalg.generic
// CHECK: tensor.extract %[[T1]]
// CHECK: %[[T2:.*]] = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
// CHECK-NEXT: linalg.generic {{.*}} ins(%[[B]], %[[ONE]] : tensor<4xi8>, tensor<4xi8>)
// CHECK: tensor.extract %[[T2]]
#map1 = affine_map<(d0) -> (d0)>
func.func @tables(%x: tensor<4xi8>) -> (i8, tensor<4xi8>) {
  %table = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi8>
  %one = arith.constant dense<7> : tensor<4xi8>
  %c0 = arith.constant 0 : index
  %a = tensor.extract %table[%c0] : tensor<4xi8>
  %b = linalg.generic {indexing_maps = [#map1, #map1], iterator_types = ["parallel"]}
      ins(%x : tensor<4xi8>) outs(%x : tensor<4xi8>) {
  ^bb0(%in: i8, %out: i8):
    %i = arith.index_castui %in : i8 to index
    %v = tensor.extract %table[%i] : tensor<4xi8>
    linalg.yield %v : i8
  } -> tensor<4xi8>
  %c = linalg.generic {indexing_maps = [#map1, #map1, #map1], iterator_types = ["parallel"]}
      ins(%b, %one : tensor<4xi8>, tensor<4xi8>) outs(%x : tensor<4xi8>) {
  ^bb0(%in: i8, %k: i8, %out: i8):
    %i = arith.index_castui %in : i8 to index
    %v = tensor.extract %table[%i] : tensor<4xi8>
    %s = arith.addi %v, %k : i8
    linalg.yield %s : i8
  } -> tensor<4xi8>
  return %a, %c : i8, tensor<4xi8>
}
