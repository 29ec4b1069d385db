package io.tessera;

import io.tessera.kvstore.file.FileKvStore;

import java.nio.file.Path;

/** Opens file key-value stores, one per directory and context. */
final class FileStores {
    private FileStores() {}

    static KvStores.Resolved open(String path, Context ctx) {
        return open(path, ctx, null);
    }

    /**
     * {@code specContext}: the spec's own context over {@code ctx} (or null); its
     * {@code file_io_sync} and {@code file_io_concurrency}, where given, take precedence, and
     * a store with other settings than the context's is a store of its own.
     */
    static KvStores.Resolved open(String path, Context ctx, com.fasterxml.jackson.databind.JsonNode specContext) {
        // An empty path is the working directory, as TensorStore has it.
        Path root = Path.of(path).toAbsolutePath().normalize();
        boolean sync = ctx.fileIoSync();
        boolean limitGiven = ctx.fileIoConcurrencyGiven();
        int limit = ctx.fileIoConcurrency();
        if (specContext != null && specContext.isObject() && (specContext.has("file_io_sync") || specContext.has("file_io_concurrency"))) {
            Context own = Context.fromJson(specContext);
            if (specContext.has("file_io_sync")) sync = own.fileIoSync();
            if (specContext.has("file_io_concurrency")) {
                limitGiven = own.fileIoConcurrencyGiven();
                limit = own.fileIoConcurrency();
            }
        }
        FileKvStore.Options defaults = FileKvStore.Options.defaults().withFileIoSync(sync);
        FileKvStore.Options options = limitGiven ? defaults.withIoConcurrency(limit) : defaults;
        boolean asContext = sync == ctx.fileIoSync() && limitGiven == ctx.fileIoConcurrencyGiven() && limit == ctx.fileIoConcurrency();
        String key = "file:" + root + (asContext ? "" : "|sync=" + sync + "|limit=" + (limitGiven ? limit : "default"));
        FileKvStore store = (FileKvStore) ctx.kvStore(key, k -> FileKvStore.open(root, options));
        String dir = root.toString().endsWith("/") ? root.toString() : root + "/";
        return new KvStores.Resolved(store, "", "file://" + dir);
    }
}
