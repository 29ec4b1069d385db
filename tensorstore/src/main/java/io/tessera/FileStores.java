package io.tessera;

import io.tessera.kvstore.file.FileKvStore;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/** Opens file key-value stores, one per directory and context. */
final class FileStores {
    private FileStores() {}

    static KvStores.Resolved open(String path, Context ctx) {
        return open(path, ctx, null, null, null);
    }

    /**
     * {@code syncRef} and {@code concurrencyRef}: the spec's {@code file_io_sync} and
     * {@code file_io_concurrency} members (null: not given); {@code specContext}: the spec's own
     * context over {@code ctx} (or null), whose resources take precedence. A store with other
     * settings than the context's defaults is a store of its own.
     */
    static KvStores.Resolved open(String path, Context ctx, JsonNode specContext, JsonNode syncRef, JsonNode concurrencyRef) {
        // An empty path is the working directory, as TensorStore has it.
        Path root = Path.of(path).toAbsolutePath().normalize();
        Context.FileIo io = ctx.fileIo(syncRef, concurrencyRef, specContext);
        FileKvStore.Options defaults = FileKvStore.Options.defaults().withFileIoSync(io.sync());
        FileKvStore.Options options = io.limitGiven() ? defaults.withIoConcurrency(io.limit()) : defaults;
        boolean asContext = io.sync() == ctx.fileIoSync() && io.limitGiven() == ctx.fileIoConcurrencyGiven() && io.limit() == ctx.fileIoConcurrency();
        String key = "file:" + root + (asContext ? "" : "|sync=" + io.sync() + "|limit=" + (io.limitGiven() ? io.limit() : "default"));
        FileKvStore store = (FileKvStore) ctx.kvStore(key, k -> FileKvStore.open(root, options));
        String dir = root.toString().endsWith("/") ? root.toString() : root + "/";
        return new KvStores.Resolved(store, "", "file://" + dir);
    }
}
