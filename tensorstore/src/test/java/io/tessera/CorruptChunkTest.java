package io.tessera;

import io.tessera.memory.BufferPool;
import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chunk files damaged on disk, read through the zarr driver: the read fails with an error naming
 * the chunk's file, the other chunks still read, what was stored is not touched, and the read
 * buffers of failed decodes go back to the pool.
 */
class CorruptChunkTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"null", "{\"id\":\"blosc\",\"cname\":\"lz4\",\"clevel\":5,\"shuffle\":1}", "{\"id\":\"zstd\",\"level\":1}"})
    void aDamagedChunkFailsItsReadsByNameAndLeaksNothing(String compressor) throws Exception {
        Path root = dir.resolve("a");
        String spec = "{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + root + "/\"},"
                + "\"metadata\":{\"chunks\":[256,256],\"compressor\":" + compressor + "}}";
        try (Context ctx = Context.fromJson("{\"file_io_sync\":false}")) {
            TensorStore ds = TensorStore.open(spec, OpenOptions.create().dtype(DataType.INT32).shape(512, 512).context(ctx)).join();
            NDArray src = NDArray.allocate(DataType.INT32, 512, 512);
            for (int i = 0; i < 512; i++) for (int j = 0; j < 512; j++) src.setLong(i * 1000L + j, i, j);
            ds.write(src).join();
            Path bad = root.resolve("0.1");
            byte[] good = Files.readAllBytes(bad);
            // Truncated to a third (still large enough to be pooled): too short for raw, a cut stream for the codecs.
            byte[] damaged = java.util.Arrays.copyOf(good, good.length / 3);
            Files.write(bad, damaged);

            BufferPool pool = BufferPool.shared();
            long before = pool.outstandingBytes();
            for (int round = 0; round < 50; round++) {
                CompletionException e = assertThrows(CompletionException.class, () -> ds.get("0:256, 256:512").read().join());
                assertTrue(String.valueOf(e.getCause().getMessage()).contains(bad.toString()),
                        "the error names the chunk's file: " + e.getCause().getMessage());
            }
            long grown = pool.outstandingBytes() - before;
            assertTrue(grown < 4L * 256 * 1024, "failed decodes kept " + grown + " bytes of pooled memory");

            NDArray other = ds.get("256:512, 0:256").read().join();
            assertEquals(258_005, other.getLong(2, 5));
            assertTrue(java.util.Arrays.equals(damaged, Files.readAllBytes(bad)), "a failed read leaves the file as it was");
        }
    }
}
