package io.tessera.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link DataType}'s conversion table and zarr type strings against TensorStore. */
class DataTypeTest {
    private static List<String[]> oracle;

    @BeforeAll
    static void runOracle() {
        oracle = new ArrayList<>();
        for (String line : PythonOracle.run("dtype_oracle.py").split("\n")) {
            if (!line.isBlank()) oracle.add(line.split("\t", -1));
        }
    }

    private static List<String[]> lines(String kind) {
        return oracle.stream().filter(l -> l[0].equals(kind)).toList();
    }

    @Test
    void implicitConversionsMatchTensorStoreForEveryPair() {
        List<String[]> pairs = lines("convert");
        assertEquals(DataType.values().length * DataType.values().length, pairs.size());
        List<String> wrong = new ArrayList<>();
        for (String[] l : pairs) {
            DataType from = DataType.fromName(l[1]), to = DataType.fromName(l[2]);
            boolean expected = l[3].equals("1");
            if (from.canConvertImplicitlyTo(to) != expected) {
                wrong.add(from + " -> " + to + ": TensorStore " + (expected ? "allows" : "refuses") + " it");
            }
            if (expected) {
                from.checkImplicitConversionTo(to);
            } else {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> from.checkImplicitConversionTo(to));
                assertTrue(e.getMessage().endsWith("convert " + from + " -> " + to), e.getMessage());
            }
        }
        if (!wrong.isEmpty()) fail("conversion table differs from TensorStore's:\n" + String.join("\n", wrong));
    }

    @Test
    void zarrDtypeIsWhatTensorStoreWrites() {
        List<String[]> out = lines("zarr_out");
        assertEquals(DataType.values().length, out.size());
        for (String[] l : out) {
            DataType t = DataType.fromName(l[1]);
            assertEquals(l[2], t.zarrDtype(ByteOrder.LITTLE_ENDIAN), t.typeName());
            assertEquals(l[2], new DataType.Zarr(t, ByteOrder.LITTLE_ENDIAN).toString());
        }
    }

    @Test
    void parseZarrDtypeAcceptsWhatTensorStoreAccepts() {
        List<String[]> in = lines("zarr_in");
        assertTrue(in.size() > 100);
        for (String[] l : in) {
            String s = l[1];
            if (l[2].equals("-") || l[2].equals("byte")) {
                // "byte" (zarr "<V2" etc.) is a TensorStore type Tessera does not have.
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataType.parseZarrDtype(s), s);
                assertTrue(e.getMessage().contains("\"" + s + "\""), e.getMessage());
                continue;
            }
            DataType.Zarr z = DataType.parseZarrDtype(s);
            assertEquals(l[2], z.dataType().typeName(), s);
            assertEquals(l[3], z.toString(), s);
            ByteOrder order = s.startsWith(">") && z.dataType().byteSize() > 1 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            assertEquals(order, z.order(), s);
            if (z.dataType().byteSize() > 1) assertEquals(s, z.dataType().zarrDtype(z.order()), s);
        }
    }

    @Test
    void namesRoundTrip() {
        for (DataType t : DataType.values()) {
            assertEquals(t, DataType.fromName(t.typeName()));
            assertEquals(t, DataType.parse(t.typeName().toUpperCase(java.util.Locale.ROOT)));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataType.fromName("float128"));
        assertTrue(e.getMessage().contains("float128"));
    }
}
