package io.tessera.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** {@link NDArray#of(Object)} and {@link NDArray#of(Object, DataType)}: Java values by value. */
class JavaArraysTest {

    private static void rejects(Object value, DataType t, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NDArray.of(value, t));
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message \"" + e.getMessage() + "\" lacks \"" + f + "\"");
    }

    @Test
    void valuesThatDoNotFitAreErrors() {
        rejects(-1, DataType.UINT8, "-1", "uint8", "[0, 255]");
        rejects(300, DataType.UINT8, "300", "uint8");
        rejects(1.5, DataType.INT32, "1.5", "int32");
        rejects(new int[] {1, 2, -1}, DataType.UINT16, "-1", "index [2]", "uint16");
        rejects(new double[][] {{1, 2}, {3, 0.25}}, DataType.INT64, "0.25", "index [1, 1]");
        rejects(Double.NaN, DataType.INT32, "NaN");
        rejects(Double.POSITIVE_INFINITY, DataType.UINT64, "Infinity");
        rejects(1e300, DataType.FLOAT32, "float32");
        rejects(70000, DataType.FLOAT16, "float16");
        rejects(2, DataType.BOOL, "bool");
        rejects(Long.MAX_VALUE, DataType.INT32, "int32");
        rejects(1L << 31, DataType.INT32, "2147483648");
        rejects(128, DataType.INT8, "[-128, 127]");
        rejects(new BigDecimal("2.5"), DataType.INT16, "2.5");
        rejects('x', DataType.INT32, "Character");
        rejects("7", DataType.INT32, "String");
        rejects(new Object[] {1, null}, DataType.INT32, "null", "index [1]");
    }

    @Test
    void valuesThatFitAreStoredExactly() {
        assertEquals(255, NDArray.of(255, DataType.UINT8).getLong());
        assertEquals(-128, NDArray.of((byte) -128, DataType.INT8).getLong());
        assertEquals(2, NDArray.of(2.0, DataType.INT32).getLong());
        assertEquals(1, NDArray.of(true, DataType.UINT8).getLong());
        assertEquals(1, NDArray.of(1.0, DataType.BOOL).getLong());
        assertEquals(0.5, NDArray.of(0.5f, DataType.FLOAT16).getDouble());
        assertEquals(Double.NaN, NDArray.of(Double.NaN, DataType.FLOAT32).getDouble());
        assertEquals(Double.NEGATIVE_INFINITY, NDArray.of(Double.NEGATIVE_INFINITY, DataType.FLOAT16).getDouble());
        assertEquals((double) (float) 0.1, NDArray.of(0.1, DataType.FLOAT32).getDouble(), "rounding is not an error");
        assertEquals(-9007199254740993L, NDArray.of(-9007199254740993L, DataType.INT64).getLong());
        assertEquals(3.0, NDArray.of(3, DataType.COMPLEX64).getDouble());
        assertEquals(1e300, NDArray.of(new BigDecimal("1e300"), DataType.FLOAT64).getDouble());
        assertEquals(12, NDArray.of(new BigDecimal("12.000"), DataType.INT8).getLong());
    }

    @Test
    void longAndBigIntegerIntoUint64() {
        assertEquals(Long.MAX_VALUE, NDArray.of(Long.MAX_VALUE, DataType.UINT64).getLong());
        rejects(-1L, DataType.UINT64, "-1", "uint64", "18446744073709551615");
        BigInteger max = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        NDArray a = NDArray.of(new BigInteger[] {max, BigInteger.TWO}, DataType.UINT64);
        assertEquals(-1L, a.getLong(0));
        assertEquals(2L, a.getLong(1));
        assertEquals(DataType.UINT64, NDArray.of(new BigInteger[] {max}).dtype());
        rejects(max.add(BigInteger.ONE), DataType.UINT64, "18446744073709551616");
        rejects(BigInteger.ONE.shiftLeft(63), DataType.INT64, "9223372036854775808");
        rejects(BigInteger.ONE.negate(), DataType.UINT64, "-1");
        assertEquals(0x1p64, NDArray.of(max, DataType.FLOAT64).getDouble());
    }

    @Test
    void raggedArraysAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NDArray.of(new int[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("Ragged") && e.getMessage().contains("[1] has length 1, expected 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NDArray.of(new Object[] {new int[] {1}, 2}));
        assertThrows(IllegalArgumentException.class, () -> NDArray.of(new Object[] {1, new int[] {2}}));
        assertThrows(IllegalArgumentException.class, () -> NDArray.of(new int[][] {{1}, null}));
        assertThrows(IllegalArgumentException.class, () -> NDArray.of(new int[][][] {{{1, 2}}, {{3}}}));
    }

    @Test
    void shapesAndNaturalTypes() {
        NDArray scalar = NDArray.of(5);
        assertEquals(0, scalar.rank());
        assertEquals(DataType.INT32, scalar.dtype());
        assertEquals(5, scalar.getLong());

        int[][][] nested = new int[2][3][4];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) nested[i][j][k] = 100 * i + 10 * j + k;
        NDArray a = NDArray.of(nested);
        assertArrayEquals(new long[] {2, 3, 4}, a.shape());
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) assertEquals(nested[i][j][k], a.getLong(i, j, k));
        NDArray widened = NDArray.of(nested, DataType.INT64);
        assertEquals(123, widened.getLong(1, 2, 3));

        assertEquals(DataType.INT64, NDArray.of(new long[] {1}).dtype());
        assertEquals(DataType.INT16, NDArray.of(new short[] {1}).dtype());
        assertEquals(DataType.INT8, NDArray.of(new byte[] {1}).dtype());
        assertEquals(DataType.FLOAT32, NDArray.of(new float[] {1}).dtype());
        assertEquals(DataType.FLOAT64, NDArray.of(new double[] {1}).dtype());
        assertEquals(DataType.BOOL, NDArray.of(new boolean[] {true, false}).dtype());
        assertEquals(DataType.INT32, NDArray.of(new Integer[] {1, 2}).dtype());
        assertEquals(DataType.FLOAT64, NDArray.of(new Object[] {1, 2.5}).dtype());
        assertEquals(DataType.INT64, NDArray.of(new Object[] {1, 2L}).dtype());
        assertEquals(DataType.BOOL, NDArray.of(new Object[] {true, false}).dtype());
        assertEquals(DataType.FLOAT64, NDArray.of(new Number[] {1, 2.5f}).dtype());

        double[] d = {1.5, -2.25, Double.MIN_VALUE};
        NDArray da = NDArray.of(d);
        for (int i = 0; i < d.length; i++) assertEquals(d[i], da.getDouble(i));
        boolean[] b = {true, false, true};
        NDArray ba = NDArray.of(b);
        for (int i = 0; i < b.length; i++) assertEquals(b[i] ? 1 : 0, ba.getLong(i));
    }

    @Test
    void emptyArrays() {
        assertArrayEquals(new long[] {0}, NDArray.of(new int[0]).shape());
        assertArrayEquals(new long[] {0, 0}, NDArray.of(new int[0][]).shape());
        assertArrayEquals(new long[] {2, 0}, NDArray.of(new double[2][0]).shape());
        assertArrayEquals(new long[] {0}, NDArray.of(new Object[0]).shape());
        assertEquals(DataType.FLOAT64, NDArray.of(new Object[0]).dtype());
        assertEquals(DataType.UINT8, NDArray.of(new int[0][0][0], DataType.UINT8).dtype());
        assertArrayEquals(new long[] {0, 0, 0}, NDArray.of(new int[0][0][0], DataType.UINT8).shape());
    }

    @Test
    void ndArraySourcesFollowImplicitConversion() {
        NDArray ints = NDArray.of(new int[] {1, 2});
        assertSame(ints, NDArray.of(ints));
        assertSame(ints, NDArray.of(ints, DataType.INT32));
        NDArray f = NDArray.of(ints, DataType.FLOAT64);
        assertEquals(DataType.FLOAT64, f.dtype());
        assertEquals(2.0, f.getDouble(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NDArray.of(f, DataType.INT32));
        assertEquals("Explicit data type conversion required to convert float64 -> int32", e.getMessage());
    }
}
