package io.tessera;

/** Opens file key-value stores (bound to the file driver once it lands). */
final class FileStores {
    private FileStores() {}

    static KvStores.Resolved open(String path, Context ctx) {
        throw new TensorStoreException(TensorStoreException.Code.UNIMPLEMENTED, "The file key-value store is not available yet: " + path);
    }
}
