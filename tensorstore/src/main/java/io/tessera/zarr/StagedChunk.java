package io.tessera.zarr;

import io.tessera.index.IndexTransform;
import io.tessera.memory.ArrayOps;
import io.tessera.memory.BufferPool;
import io.tessera.memory.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes staged into one chunk and not yet stored: a buffer in the chunk's layout holding the
 * written elements, and which elements those are. Both a plain write's pending state and a
 * transaction's staged state are one of these; either is merged over the stored chunk when it
 * is written back.
 */
class StagedChunk {
    /** The elements one write staged, as views of a chunk buffer. */
    private record Region(ChunkPart part, IndexTransform t) {
        void copy(NDArray from, NDArray to) {
            ArrayOps.copy(part.chunkView(from, t), part.chunkView(to, t));
        }
    }

    private final ZarrArray array;
    final NDArray buffer;
    private final BufferPool.Buffer bufferHandle;
    /** The pooled memory of {@link #buffer} and of every chunk {@link #merge} made. */
    private final List<BufferPool.Buffer> owned = new ArrayList<>();
    private final List<Region> regions = new ArrayList<>();
    private boolean full;
    /**
     * Whether {@link #buffer} holds the fill value wherever no recorded write went: false while
     * it was not filled for a covering first write that has not yet succeeded, and after a copy
     * into it failed part-way.
     */
    private boolean clean;

    /**
     * An empty staging buffer; it starts as the fill value unless the first write covers the
     * whole chunk, which then overwrites every element anyway.
     */
    StagedChunk(ZarrArray array, boolean firstWriteCovers) {
        this.array = array;
        bufferHandle = array.takeChunkBuffer();
        owned.add(bufferHandle);
        this.buffer = array.chunkView(bufferHandle.segment());
        if (!firstWriteCovers) ArrayOps.fill(buffer, array.fillValue());
        clean = !firstWriteCovers;
    }

    /** Copies {@code source} (shaped like {@code t}'s input domain) into this part of the chunk. */
    void add(ChunkPart part, IndexTransform t, NDArray source, boolean covers) {
        try {
            ArrayOps.copy(part.userView(source), part.chunkView(buffer, t));
        } catch (RuntimeException | Error e) {
            clean = false;
            throw e;
        }
        if (covers) {
            full = true;
            clean = true;
            regions.clear();
        } else if (!full) {
            regions.add(new Region(part, t));
        }
    }

    /** Records a write that covered the chunk and was copied into {@link #buffer} by the caller. */
    void markCovered() {
        full = true;
        clean = true;
        regions.clear();
    }

    /** Whether every element of the chunk has been written, so nothing stored needs reading. */
    boolean full() { return full; }

    /** A chunk and this staging state's handle on its memory. */
    record Merged(NDArray chunk, BufferPool.Buffer buffer) {}

    /** The handle on {@link #buffer}'s memory. */
    BufferPool.Buffer bufferHandle() { return bufferHandle; }

    /**
     * {@link #merge} as a copy of its own, for a read: writes staged into this state later
     * do not show in it. The caller releases it.
     */
    ZarrArray.Decoded snapshotOver(NDArray stored) {
        BufferPool.Buffer b = array.takeChunkBuffer();
        try {
            NDArray copy = array.chunkView(b.segment());
            if (bufferIsMergedOver(stored)) ArrayOps.copy(buffer, copy);
            else mergeInto(stored, copy);
            return new ZarrArray.Decoded(copy, b);
        } catch (RuntimeException | Error e) {
            b.release();
            throw e;
        }
    }

    /**
     * The chunk these writes leave behind over {@code stored} ({@code null}: missing), to be
     * written, with the handle on its memory (released with the others).
     */
    Merged merge(NDArray stored) {
        if (bufferIsMergedOver(stored)) return new Merged(buffer, bufferHandle);
        BufferPool.Buffer b = array.takeChunkBuffer();
        synchronized (owned) {
            owned.add(b);
        }
        NDArray merged = array.chunkView(b.segment());
        mergeInto(stored, merged);
        return new Merged(merged, b);
    }

    /**
     * Whether the staging buffer already is these writes merged over {@code stored}: when they
     * cover the chunk, or over a missing chunk when the buffer is clean (the fill value, and
     * every written element).
     */
    private boolean bufferIsMergedOver(NDArray stored) {
        return full || (stored == null && clean);
    }

    /** Writes {@code stored} ({@code null}: the fill value) with the recorded writes over it into {@code out}. */
    private void mergeInto(NDArray stored, NDArray out) {
        if (stored == null) ArrayOps.fill(out, array.fillValue()); else ArrayOps.copy(stored, out);
        for (Region r : regions) r.copy(buffer, out);
    }

    /**
     * Releases this state's handles on the staging buffer and every merged chunk. Only once
     * nothing uses them through these handles: a store or a cache that keeps one holds a handle
     * of its own.
     */
    void releaseBuffers() {
        synchronized (owned) {
            for (BufferPool.Buffer b : owned) b.release();
            owned.clear();
        }
    }
}
