package io.tessera.memory;

/** NumPy's {@code repr} of an array. (Being completed: exact NumPy formatting.) */
final class NumpyRepr {
    private NumpyRepr() {}

    static String repr(NDArray a) {
        StringBuilder sb = new StringBuilder("array(");
        append(sb, a);
        return sb.append(", dtype=").append(a.dtype().typeName()).append(')').toString();
    }

    private static void append(StringBuilder sb, NDArray a) {
        if (a.rank() == 0) { sb.append(Elements.getDouble(a.segment(), a.offset(), a.dtype())); return; }
        sb.append('[');
        for (long i = 0; i < a.shape(0); i++) {
            if (i > 0) sb.append(", ");
            append(sb, a.index(0, i));
        }
        sb.append(']');
    }
}
