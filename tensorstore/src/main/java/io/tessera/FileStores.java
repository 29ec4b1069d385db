package io.tessera;

import io.tessera.kvstore.file.FileKvStore;

import java.nio.file.Path;

/** Opens file key-value stores, one per directory and context. */
final class FileStores {
    private FileStores() {}

    static KvStores.Resolved open(String path, Context ctx) {
        // An empty path is the working directory, as TensorStore has it.
        Path root = Path.of(path).toAbsolutePath().normalize();
        FileKvStore.Options defaults = FileKvStore.Options.defaults().withFileIoSync(ctx.fileIoSync());
        FileKvStore.Options options = ctx.fileIoConcurrencyGiven() ? defaults.withIoConcurrency(ctx.fileIoConcurrency()) : defaults;
        FileKvStore store = (FileKvStore) ctx.kvStore("file:" + root, k -> FileKvStore.open(root, options));
        String dir = root.toString().endsWith("/") ? root.toString() : root + "/";
        return new KvStores.Resolved(store, "", "file://" + dir);
    }
}
