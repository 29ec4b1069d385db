package io.tessera.kvstore.file;

import io.tessera.kvstore.Generation;
import io.tessera.nativeio.FileIoDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The native buffers heap values are staged in are freed with their store, not kept for the process's life. */
class StagingBuffersTest {
    @TempDir Path dir;

    @Test
    void closingFreesPooledBuffersAndLaterReleases() {
        StagingBuffers pool = new StagingBuffers(1 << 20);
        List<StagingBuffers.Buffer> borrowed = new ArrayList<>();
        for (long size : new long[] {100, 5000, 70_000, 70_000}) borrowed.add(pool.borrow(size));
        pool.release(borrowed.get(0));
        pool.release(borrowed.get(1));
        pool.release(borrowed.get(2));
        assertEquals(4096 + 8192 + 131072, pool.pooledBytes());
        assertTrue(borrowed.get(2).segment().scope().isAlive(), "a pooled buffer stays for reuse");
        pool.close();
        assertEquals(0, pool.pooledBytes());
        for (int i = 0; i < 3; i++) assertFalse(borrowed.get(i).segment().scope().isAlive(), "pooled buffer " + i + " freed");
        StagingBuffers.Buffer late = borrowed.get(3); // in use while the pool closed
        assertTrue(late.segment().scope().isAlive());
        pool.release(late);
        assertFalse(late.segment().scope().isAlive(), "a buffer released after close is freed at once");
        assertEquals(0, pool.pooledBytes());
    }

    @Test
    void overTheBudgetABufferIsFreedAtOnce() {
        StagingBuffers pool = new StagingBuffers(8192);
        StagingBuffers.Buffer a = pool.borrow(8000), b = pool.borrow(8000);
        pool.release(a);
        pool.release(b);
        assertTrue(a.segment().scope().isAlive());
        assertFalse(b.segment().scope().isAlive());
        assertEquals(8192, pool.pooledBytes());
        assertTrue(pool.borrow(8000).segment() == a.segment(), "the pooled buffer is reused");
    }

    @Test
    void aClosedStoreHoldsNoStagingBuffers() throws Exception {
        for (FileIoDriver.Kind kind : new FileIoDriver.Kind[] {FileIoDriver.Kind.BLOCKING, FileIoDriver.Kind.IO_URING}) {
            FileKvStore s = FileKvStoreTest.open(dir.resolve(kind.name()), kind, false);
            for (int i = 0; i < 10; i++) {
                byte[] heap = new byte[10_000 + i];
                heap[i] = (byte) i;
                assertTrue(s.write("k" + i, MemorySegment.ofArray(heap), Generation.UNKNOWN).get().succeeded());
            }
            assertTrue(s.stagingPooledBytes() > 0, "heap values were staged in native buffers");
            s.close();
            assertEquals(0, s.stagingPooledBytes(), kind + ": closing the store frees them");
        }
    }
}
