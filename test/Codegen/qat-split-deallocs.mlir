// RUN: qat-opt %s -split-input-file -qat-split-deallocs | FileCheck %s

// A dealloc of three allocations becomes three, each with its condition and
// the retained value; the retained value's ownership is the or of theirs.
// CHECK-LABEL: func @allocations
// CHECK-SAME: (%[[CA:.*]]: i1, %[[CB:.*]]: i1, %[[R:.*]]: memref<4xi8>)
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xi8>
// CHECK: %[[B:.*]] = memref.alloc() : memref<4xi8>
// CHECK: %[[C:.*]] = memref.alloc() : memref<8xi8>
// CHECK: %[[OA:.*]] = bufferization.dealloc (%[[A]] : memref<4xi8>) if (%[[CA]]) retain (%[[R]] : memref<4xi8>)
// CHECK-NEXT: %[[OB:.*]] = bufferization.dealloc (%[[B]] : memref<4xi8>) if (%[[CB]]) retain (%[[R]] : memref<4xi8>)
// CHECK-NEXT: %[[OAB:.*]] = arith.ori %[[OA]], %[[OB]] : i1
// CHECK-NEXT: %[[OC:.*]] = bufferization.dealloc (%[[C]] : memref<8xi8>) if (%[[CA]]) retain (%[[R]] : memref<4xi8>)
// CHECK-NEXT: %[[O:.*]] = arith.ori %[[OAB]], %[[OC]] : i1
// CHECK-NEXT: return %[[O]]
func.func @allocations(%ca: i1, %cb: i1, %r: memref<4xi8>) -> i1 {
  %a = memref.alloc() : memref<4xi8>
  %b = memref.alloc() : memref<4xi8>
  %c = memref.alloc() : memref<8xi8>
  %o = bufferization.dealloc (%a, %b, %c : memref<4xi8>, memref<4xi8>, memref<8xi8>)
      if (%ca, %cb, %ca) retain (%r : memref<4xi8>)
  return %o : i1
}

// -----

// Without retained values the parts have no results.
// CHECK-LABEL: func @no_retained
// CHECK-COUNT-2: bufferization.dealloc ({{.*}}) if ({{.*}}){{$}}
// CHECK-NOT: arith.ori
func.func @no_retained(%cond: i1) {
  %a = memref.alloc() : memref<4xi8>
  %b = memref.alloc() : memref<4xi8>
  bufferization.dealloc (%a, %b : memref<4xi8>, memref<4xi8>) if (%cond, %cond)
  return
}

// -----

// A view may alias an allocation: the dealloc is left
// whole, for upstream's simplification to split by alias queries.
// CHECK-LABEL: func @view
// CHECK: bufferization.dealloc (%{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-NOT: bufferization.dealloc
func.func @view(%cond: i1) {
  %a = memref.alloc() : memref<8xi8>
  %b = memref.alloc() : memref<4xi8>
  %v = memref.subview %a[0] [4] [1] : memref<8xi8> to memref<4xi8, strided<[1]>>
  %base, %offset, %size, %stride = memref.extract_strided_metadata %v
      : memref<4xi8, strided<[1]>> -> memref<i8>, index, index, index
  bufferization.dealloc (%a, %b, %base : memref<8xi8>, memref<4xi8>, memref<i8>)
      if (%cond, %cond, %cond)
  return
}
