package io.tessera.jmh.e2e;

import io.tessera.Context;
import io.tessera.OpenOptions;
import io.tessera.Spec;
import io.tessera.TensorStore;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * Writes and reads a 256 MiB uint16 array (1024x1024x128, smooth data) with 64x64x64 chunks on
 * the memory store, uncompressed: the workload of the side-by-side comparison with TensorStore.
 * Throughput is bytes / time: 256 MiB per operation. The read result is checked against the
 * source after every iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class MemoryStoreBenchmark {
    @Param({"1024,1024,128"})
    public String shape;

    long[] dims;
    NDArray source;
    TensorStore ds;
    NDArray lastRead;

    /** Smooth data: a slowly varying function of the position, as image or volume data are. */
    static NDArray smooth(long[] shape) {
        NDArray a = NDArray.allocate(DataType.UINT16, shape);
        MemorySegment s = a.segment();
        long n = a.size();
        long inner = shape[shape.length - 1], mid = shape[shape.length - 2];
        for (long i = 0; i < n; i++) {
            long z = i % inner, y = (i / inner) % mid, x = i / (inner * mid);
            s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) ((x * 3 + y * 5 + z * 7) / 4));
        }
        return a;
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = shape.split(",");
        dims = new long[p.length];
        for (int i = 0; i < p.length; i++) dims[i] = Long.parseLong(p[i]);
        source = smooth(dims);
    }

    @Setup(Level.Iteration)
    public void open() {
        ds = TensorStore.open(Spec.parse("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[64,64,64],\"compressor\":null}}"),
                OpenOptions.create().dtype(DataType.UINT16).shape(dims).context(new Context())).join();
        ds.write(source).join();
    }

    @TearDown(Level.Iteration)
    public void check() {
        if (lastRead != null && !lastRead.contentEquals(source)) throw new IllegalStateException("read returned wrong data");
        lastRead = null;
    }

    @Benchmark
    public void write() {
        ds.write(source).join();
    }

    @Benchmark
    public NDArray read() {
        lastRead = ds.read().join();
        return lastRead;
    }
}
