package io.tessera;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Closing a context lets go of what its memory store holds; arrays read before stay intact. */
class ContextCloseTest {
    @Test
    void readsBeforeCloseKeepTheirDataAndLaterOperationsFail() {
        TensorStore ds;
        NDArray before;
        try (Context ctx = new Context()) {
            ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[64,64]}}",
                    OpenOptions.create().dtype(DataType.UINT16).shape(200, 130).context(ctx)).join();
            ds.get("0:200, 0:130").write(7).join();
            before = ds.read().join();
        }
        assertEquals(7, before.getLong(199, 129), "a read result is a copy, not the store's memory");
        CompletionException e = assertThrows(CompletionException.class, () -> ds.read().join());
        assertTrue(e.getCause() instanceof TensorStoreException && e.getCause().getMessage().contains("closed"), e.toString());
    }

    /** Small writes (copied on the caller's thread) and large ones fail alike once their context is closed: none hangs. */
    @Test
    void writesAfterCloseFailWithoutHanging() {
        Context ctx = new Context();
        TensorStore ds = TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":\"memory://\",\"metadata\":{\"chunks\":[64,64]}}",
                OpenOptions.create().dtype(DataType.UINT16).shape(200, 130).context(ctx)).join();
        ds.get("5, 5").write(3).join();
        ctx.close();
        for (String region : new String[] {"5, 5", "0:64, 0:64", "0:200, 0:130"}) {
            Throwable failure;
            try {
                ds.get(region).write(9).commit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                failure = null;
            } catch (java.util.concurrent.ExecutionException ex) {
                failure = ex.getCause();
            } catch (Exception ex) {
                failure = ex;
            }
            assertTrue(failure != null && String.valueOf(failure.getMessage()).contains("closed"), region + ": " + failure);
        }
    }

    /** A closed context opens nothing: no store is made that nobody would close. */
    @Test
    void openingWithAClosedContextFails(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Context ctx = new Context();
        ctx.close();
        for (String kv : new String[] {"\"memory://\"", "{\"driver\":\"file\",\"path\":\"" + dir.toString().replace("\\", "/") + "/a/\"}"}) {
            CompletionException e = assertThrows(CompletionException.class, () -> TensorStore.open("{\"driver\":\"zarr\",\"kvstore\":" + kv + "}",
                    OpenOptions.create().dtype(DataType.UINT16).shape(10).context(ctx)).join(), kv);
            assertTrue(e.getCause() instanceof TensorStoreException t && t.code() == TensorStoreException.Code.FAILED_PRECONDITION
                    && t.getMessage().equals("The context is closed"), kv + ": " + e.getCause());
        }
        assertEquals(0, dir.toFile().list().length, "nothing was created");
    }
}
