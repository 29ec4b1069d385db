package io.tessera.zarr;

import io.tessera.index.IndexExpression;
import io.tessera.index.IndexTransform;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ChunkPart#chunksTouched}, the bound the caller-thread copy decides by, against the split itself. */
class ChunkPartTest {
    @Test
    void chunksTouchedBoundsTheSplitAndIsExactForContiguousBoxes() {
        Random r = new Random(11);
        long[] shape = {37, 50, 9};
        long[] chunks = {8, 7, 4};
        for (int i = 0; i < 3000; i++) {
            StringBuilder e = new StringBuilder();
            boolean contiguous = true;
            for (int d = 0; d < shape.length; d++) {
                if (d > 0) e.append(", ");
                long n = shape[d];
                switch (r.nextInt(4)) {
                    case 0 -> e.append(r.nextLong(n)); // an integer: rank-reducing
                    case 1 -> {
                        long a = r.nextLong(n), b = a + r.nextLong(n - a + 1);
                        e.append(a).append(':').append(b);
                    }
                    case 2 -> {
                        int step = (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(12));
                        long a = r.nextLong(n), b = step > 0 ? a + r.nextLong(n - a + 1) : r.nextLong(a + 1);
                        e.append(a).append(':').append(b).append(':').append(step);
                        contiguous = false;
                    }
                    default -> e.append(':');
                }
            }
            IndexTransform t = IndexTransform.identity(shape).apply(IndexExpression.parse(e.toString()));
            int parts = ChunkPart.split(t, chunks).size();
            long bound = ChunkPart.chunksTouched(t, chunks);
            assertTrue(bound >= parts, e + ": bound " + bound + " < " + parts + " parts");
            if (contiguous) assertEquals(parts, bound, e + ": a contiguous box's bound is exact");
        }
    }
}
