package io.tessera.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Elements#convert}, the scalar reference for conversions, against TensorStore's casts. */
class ElementsConversionTest {

    @Test
    void convertMatchesTensorStoreCast() {
        HexFormat hex = HexFormat.of();
        List<String> wrong = new ArrayList<>();
        int pairs = 0;
        for (String line : PythonOracle.run("convert_oracle.py").split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            DataType from = DataType.fromName(f[0]), to = DataType.fromName(f[1]);
            MemorySegment src = MemorySegment.ofArray(hex.parseHex(f[2]));
            byte[] expected = hex.parseHex(f[3]);
            long n = src.byteSize() / from.byteSize();
            assertEquals(n * to.byteSize(), expected.length, line);
            MemorySegment dst = MemorySegment.ofArray(new byte[expected.length]);
            for (long i = 0; i < n; i++) {
                Elements.convert(src, i * from.byteSize(), from, dst, i * to.byteSize(), to);
                int e0 = (int) (i * to.byteSize()), e1 = e0 + to.byteSize();
                String want = hex.formatHex(expected, e0, e1);
                String got = hex.formatHex(dst.asSlice(e0, to.byteSize()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                if (!want.equals(got)) {
                    wrong.add(from + " -> " + to + " of " + hex.formatHex(src.asSlice(i * from.byteSize(), from.byteSize())
                            .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)) + ": TensorStore " + want + ", Tessera " + got);
                }
            }
            pairs++;
        }
        assertEquals(DataType.values().length * DataType.values().length - 2, pairs, "pairs TensorStore converts");
        if (!wrong.isEmpty()) fail(wrong.size() + " conversions differ from TensorStore's:\n" + String.join("\n", wrong.subList(0, Math.min(40, wrong.size()))));
    }

    /**
     * Complex to bool, which TensorStore does not convert at all: true where either part is
     * non-zero, as NumPy's {@code np.array([0, 1j, 2, 0j]).astype(bool)} gives
     * {@code [False, True, True, False]}.
     */
    @Test
    void complexToBoolLooksAtBothParts() {
        for (DataType from : new DataType[] {DataType.COMPLEX64, DataType.COMPLEX128}) {
            double[][] values = {{0, 0}, {0, 1}, {2, 0}, {0, -0.0}};
            boolean[] numpy = {false, true, true, false};
            for (int i = 0; i < values.length; i++) {
                MemorySegment src = MemorySegment.ofArray(new byte[from.byteSize()]);
                Elements.setComplex(src, 0, from, values[i][0], values[i][1]);
                MemorySegment dst = MemorySegment.ofArray(new byte[1]);
                Elements.convert(src, 0, from, dst, 0, DataType.BOOL);
                assertEquals(numpy[i] ? 1 : 0, dst.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0), from + " " + values[i][0] + "+" + values[i][1] + "j");
            }
        }
    }
}
