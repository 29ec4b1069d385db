package io.tessera;

import io.tessera.memory.DataType;

/**
 * Options of {@link TensorStore#open}, as TensorStore's Python keyword arguments: open modes,
 * dtype, shape, chunk shape, context. They combine with the spec's own members; where both set
 * something, the options win.
 */
public final class OpenOptions {
    Boolean create;
    Boolean open;
    Boolean deleteExisting;
    Boolean assumeMetadata;
    DataType dtype;
    long[] shape;
    long[] chunkShape;
    Context context;

    /** No options: open an existing array as the spec says. */
    public OpenOptions() {}

    /** {@code create=True}: create the array; fails if it exists unless {@link #open(boolean)} too. */
    public static OpenOptions create() { return new OpenOptions().create(true); }

    /** {@code open=True}: open an existing array. */
    public static OpenOptions open() { return new OpenOptions().open(true); }

    public OpenOptions create(boolean v) { create = v; return this; }

    public OpenOptions open(boolean v) { open = v; return this; }

    /** {@code delete_existing=True}: delete whatever is stored under the path, then create. */
    public OpenOptions deleteExisting() { deleteExisting = true; create = true; return this; }

    /** {@code assume_metadata=True}: trust the spec's metadata; neither read nor write {@code .zarray}. */
    public OpenOptions assumeMetadata() { assumeMetadata = true; return this; }

    public OpenOptions dtype(DataType v) { dtype = v; return this; }

    public OpenOptions shape(long... v) { shape = v.clone(); return this; }

    /** The chunk shape of a new array (TensorStore's {@code chunk_layout}); chosen automatically if absent. */
    public OpenOptions chunkShape(long... v) { chunkShape = v.clone(); return this; }

    public OpenOptions context(Context v) { context = v; return this; }
}
