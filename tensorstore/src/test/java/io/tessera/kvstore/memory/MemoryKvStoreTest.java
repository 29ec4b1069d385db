package io.tessera.kvstore.memory;

import io.tessera.kvstore.Generation;
import io.tessera.kvstore.KvStore;
import io.tessera.kvstore.KvStoreException;
import io.tessera.kvstore.ReadResult;
import io.tessera.memory.BufferPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory store's hold on owned values: given back when dropped, never while a reader holds them. */
class MemoryKvStoreTest {
    // A size of its own, so that no other test's buffers are in this bucket of the shared pool.
    static final long SIZE = 3 * 1024 * 1024 + 12_345;

    static BufferPool.Buffer filled(int value) {
        BufferPool.Buffer b = BufferPool.shared().take(SIZE);
        b.segment().fill((byte) value);
        return b;
    }

    static KvStore.Mutation owned(String key, BufferPool.Buffer b) {
        return new KvStore.Mutation(key, b.segment(), Generation.UNKNOWN, b);
    }

    /** Whether the pool hands out {@code address} next in this bucket, i.e. it was given back; the buffer taken is returned again. */
    static boolean givenBack(long address) {
        BufferPool.Buffer probe = BufferPool.shared().take(SIZE);
        try {
            return probe.segment().address() == address;
        } finally {
            probe.release();
        }
    }

    @Test
    void aReplacedValueReturnsOnlyOnceItsLastReaderIsDone() {
        MemoryKvStore store = new MemoryKvStore();
        BufferPool.Buffer first = filled(1);
        long address = first.segment().address();
        store.apply(owned("k", first)).join();
        ReadResult r = store.read("k").join();
        store.apply(owned("k", filled(2))).join();
        assertFalse(givenBack(address), "replaced while a reader holds it");
        assertEquals(1, r.value().get(ValueLayout.JAVA_BYTE, SIZE - 1), "the reader still sees what it read");
        r.releaseValue();
        assertTrue(givenBack(address), "returned once the reader let go");
        assertEquals(2, store.read("k").join().value().get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void deletesFailedConditionsAndCloseGiveValuesBack() {
        MemoryKvStore store = new MemoryKvStore();
        BufferPool.Buffer a = filled(1), b = filled(2), c = filled(3);
        store.apply(owned("a", a)).join();
        store.delete("a", Generation.UNKNOWN).join();
        assertTrue(givenBack(a.segment().address()), "deleted");
        assertTrue(store.apply(new KvStore.Mutation("b", b.segment(), Generation.NO_VALUE, b)).join().succeeded());
        BufferPool.Buffer d = filled(4);
        assertFalse(store.apply(new KvStore.Mutation("b", d.segment(), Generation.NO_VALUE, d)).join().succeeded());
        assertTrue(givenBack(d.segment().address()), "not written: the store lets go at once");
        assertTrue(store.writeAtomically(List.of(owned("c", c))).join());
        store.close();
        store.close();
        BufferPool.Buffer p1 = BufferPool.shared().take(SIZE), p2 = BufferPool.shared().take(SIZE);
        assertEquals(java.util.Set.of(b.segment().address(), c.segment().address()),
                java.util.Set.of(p1.segment().address(), p2.segment().address()), "closing drops every value");
        p1.release();
        p2.release();
        CompletionException e = assertThrows(CompletionException.class, () -> store.read("c").join());
        assertInstanceOf(KvStoreException.class, e.getCause());
        assertThrows(CompletionException.class, () -> store.write("x", filled(5).segment(), Generation.UNKNOWN).join());
    }

    @Test
    void valuesWrittenWithoutOwnerAreLeftToTheCollector() {
        MemoryKvStore store = new MemoryKvStore();
        BufferPool.Buffer a = filled(1);
        store.write("a", a.segment(), Generation.UNKNOWN).join();
        ReadResult r = store.read("a").join();
        r.releaseValue();
        store.delete("a", Generation.UNKNOWN).join();
        assertFalse(givenBack(a.segment().address()), "the writer still owns it");
        a.release();
    }
}
