package io.tessera.memory.kernel;

import static io.tessera.memory.kernel.TestArrays.assertSameWrites;
import static io.tessera.memory.kernel.TestArrays.make;
import static io.tessera.memory.kernel.TestArrays.memory;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import io.tessera.memory.ReferenceOps;
import io.tessera.memory.kernel.TestArrays.Made;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Copy with dtype conversion, for every pair of dtypes, bit for bit against {@code Elements.convert}. */
class ConvertKernelTest {

    static Stream<Arguments> pairs() {
        List<Arguments> pairs = new ArrayList<>();
        for (DataType from : DataType.values()) {
            for (DataType to : DataType.values()) if (from != to) pairs.add(Arguments.of(from, to));
        }
        return pairs.stream();
    }

    @ParameterizedTest
    @MethodSource("pairs")
    void convertingCopy(DataType from, DataType to) {
        Random rnd = new Random(31L * from.ordinal() + to.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (long inner : TestArrays.awkwardSizes(Math.max(from.byteSize(), to.byteSize()))) {
                for (int rep = 0; rep < 4; rep++) {
                    // rep 0-1: dense rows (the vector converts); then random layouts and broadcast sources.
                    boolean dense = rep < 2;
                    int rank = rep == 0 ? 1 : rnd.nextInt(6);
                    long[] shape = TestArrays.shape(rnd, rank, inner);
                    NDArray src = make(rnd, from, shape, !dense, dense, memory(rnd), arena).view();
                    Made dst = make(rnd, to, shape, false, dense, memory(rnd), arena);
                    assertSameWrites(dst, "convert " + from + " " + java.util.Arrays.toString(src.byteStrides()),
                            k -> k.copy(src, dst.view()), () -> ReferenceOps.copy(src, dst.view()));
                }
                // A scalar converted once, then broadcast.
                long[] shape = TestArrays.shape(rnd, 1 + rnd.nextInt(3), inner);
                NDArray value = make(rnd, from, new long[0], false, true, memory(rnd), arena).view().broadcastTo(shape);
                Made dst = make(rnd, to, shape, false, rnd.nextBoolean(), memory(rnd), arena);
                assertSameWrites(dst, "convert-fill from " + from, k -> k.copy(value, dst.view()), () -> ReferenceOps.copy(value, dst.view()));
            }
        }
    }
}
