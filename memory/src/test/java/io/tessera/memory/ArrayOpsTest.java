package io.tessera.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tessera.memory.kernel.Kernels;
import org.junit.jupiter.api.Test;

/** The facade on the selected kernels: argument checks and a few end-to-end results. */
class ArrayOpsTest {

    @Test
    void runsTheRequiredKernels() {
        Kernels.checkRequired();
    }

    @Test
    void fillConvertsTheValueOnce() {
        NDArray a = NDArray.allocate(DataType.UINT16, 3, 67);
        ArrayOps.fill(a, NDArray.of(70000.7));
        // static_cast<uint16_t>(70000.7): truncate to 70000, keep the low 16 bits.
        assertEquals(70000 & 0xFFFF, a.getLong(2, 66));
        assertTrue(ArrayOps.allEqual(a, NDArray.of(70000 & 0xFFFF, DataType.UINT16)));
        a.setLong(1, 2, 66);
        assertFalse(ArrayOps.allEqual(a, NDArray.of(70000 & 0xFFFF, DataType.UINT16)));
    }

    @Test
    void broadcastCopyRepeatsALowerRankArray() {
        NDArray row = NDArray.of(new int[] {1, 2, 3});
        NDArray out = NDArray.allocate(DataType.FLOAT64, 2, 3);
        ArrayOps.broadcastCopy(row, out);
        assertEquals(3.0, out.getDouble(1, 2));
        assertEquals(1.0, out.getDouble(1, 0));
    }

    @Test
    void byteSwapReversesEachComponent() {
        NDArray a = NDArray.of(new int[] {0x01020304});
        NDArray b = NDArray.allocate(DataType.INT32, 1);
        ArrayOps.byteSwap(a, b);
        assertEquals(0x04030201, b.getLong(0));
    }

    @Test
    void mismatchedArgumentsAreRejectedWithTheNumbers() {
        NDArray a = NDArray.allocate(DataType.INT32, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrayOps.copy(a, NDArray.allocate(DataType.INT32, 3, 2)));
        assertEquals("Shape mismatch: [2, 3] vs [3, 2]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ArrayOps.fill(a, a));
        assertThrows(IllegalArgumentException.class, () -> ArrayOps.byteSwap(a, NDArray.allocate(DataType.INT16, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> ArrayOps.allEqual(a, NDArray.of(1L)));
    }
}
