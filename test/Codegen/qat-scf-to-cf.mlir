// RUN: qat-opt %s -qat-scf-to-cf | FileCheck %s
// Upstream's patterns, so upstream's IR: the same output as its pass.
// RUN: qat-opt %s -qat-scf-to-cf -o %t.qat
// RUN: qat-opt %s -convert-scf-to-cf -o %t.upstream
// RUN: diff %t.qat %t.upstream

// Loops in sequence are lowered last to first (each split moves only the
// ops up to the next, already lowered loop); an op before the ops it holds.
// CHECK-LABEL: func @loops_in_sequence
// CHECK:         cf.br ^[[COND1:bb[0-9]+]](%{{.*}} : index)
// CHECK:       ^[[COND1]](%[[I:.*]]: index):
// CHECK:         cf.cond_br %{{.*}}, ^[[BODY1:bb[0-9]+]], ^[[END1:bb[0-9]+]]
// CHECK:       ^[[BODY1]]:
// CHECK-NEXT:    memref.store %{{.*}}, %{{.*}}[%[[I]]]
// CHECK:       ^[[END1]]:
// CHECK-NEXT:    cf.br ^[[COND2:bb[0-9]+]]
// CHECK:       ^[[COND2]](%[[J:.*]]: index):
// CHECK:         cf.cond_br %{{.*}}, ^{{.*}}, ^[[END2:bb[0-9]+]]
// CHECK:         arith.cmpi eq, %[[J]]
// CHECK-NEXT:    cf.cond_br
// CHECK:       ^[[END2]]:
// CHECK-NEXT:    return
// CHECK-NOT:   scf.
func.func @loops_in_sequence(%m: memref<4xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %v, %m[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      memref.store %v, %m[%j] : memref<4xf32>
    }
    %c = arith.cmpi eq, %i, %c1 : index
    scf.if %c {
      memref.store %v, %m[%i] : memref<4xf32>
    }
  }
  return
}

// scf.parallel and scf.forall make new loops: lowered in a second round.
// CHECK-LABEL: func @parallel
// CHECK-NOT:   scf.
// CHECK:       return
func.func @parallel(%m: memref<4x4xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
    memref.store %v, %m[%i, %j] : memref<4x4xf32>
  }
  scf.forall (%i) in (4) {
    memref.store %v, %m[%i, %i] : memref<4x4xf32>
  }
  return
}

// CHECK-LABEL: func @while_and_switch
// CHECK:         cf.switch
// CHECK-NOT:   scf.
// CHECK:       return
func.func @while_and_switch(%x: i32, %k: index) -> i32 {
  %r = scf.while (%a = %x) : (i32) -> i32 {
    %c10 = arith.constant 10 : i32
    %lt = arith.cmpi slt, %a, %c10 : i32
    scf.condition(%lt) %a : i32
  } do {
  ^bb0(%a: i32):
    %one = arith.constant 1 : i32
    %n = arith.addi %a, %one : i32
    scf.yield %n : i32
  }
  %s = scf.index_switch %k -> i32
  case 2 {
    scf.yield %r : i32
  }
  default {
    %e = scf.execute_region -> i32 {
      scf.yield %x : i32
    }
    scf.yield %e : i32
  }
  return %s : i32
}
