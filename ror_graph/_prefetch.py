"""A software prefetch for numba kernels whose next memory reads are known early (a BFS queue
knows which node it visits next): ``prefetch(array, i)`` asks the CPU to bring ``array[i]``
into cache and returns at once. It is only a hint: it never faults, even past the end.

Example
-------
>>> import numba, numpy as np
>>> @numba.njit
... def total(values):
...     s = 0.0
...     for i in range(values.size):
...         prefetch(values, i + 8)
...         s += values[i]
...     return s
>>> total(np.ones(4))
4.0
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["prefetch"]


@intrinsic
def prefetch(typingctx, array, index):
    """LLVM's ``llvm.prefetch`` (read, high locality, data cache) of ``array[index]``."""
    sig = types.void(array, index)

    def codegen(context, builder, signature, args):
        array_type, _ = signature.args
        view = context.make_array(array_type)(context, builder, args[0])
        address = cgutils.get_item_pointer(context, builder, array_type, view, [args[1]], wraparound=False, boundscheck=False)
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        hint = ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32])
        function = cgutils.get_or_insert_function(builder.module, hint, "llvm.prefetch.p0")
        builder.call(function, [builder.bitcast(address, byte_pointer), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen
