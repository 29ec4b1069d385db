package io.tessera.zarr;

import io.tessera.index.IndexTransform;
import io.tessera.memory.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The piece of an indexed region that falls into one chunk: which chunk, which positions of the
 * user's (input) domain, and where they land inside the chunk. Both sides are expressed as
 * strided {@link NDArray} views, so one kernel copy moves the piece either way.
 */
final class ChunkPart {
    final long[] chunkIndex;
    // Per input dimension: first position (zero-based in the input domain) and count.
    final long[] inStart;
    final long[] inCount;
    // Per output (array) dimension: first element inside the chunk and the step between elements.
    final long[] chunkStart;
    final long[] chunkStep;

    private ChunkPart(long[] chunkIndex, long[] inStart, long[] inCount, long[] chunkStart, long[] chunkStep) {
        this.chunkIndex = chunkIndex;
        this.inStart = inStart;
        this.inCount = inCount;
        this.chunkStart = chunkStart;
        this.chunkStep = chunkStep;
    }

    /**
     * An upper bound on how many chunks the region {@code t} selects touches, without splitting
     * it; {@link Long#MAX_VALUE} when that is more than a long holds.
     */
    static long chunksTouched(IndexTransform t, long[] chunks) {
        if (t.inputSize() == 0) return 0;
        long[] inMin = t.inputOrigin(), inShape = t.inputShape();
        long total = 1;
        for (int j = 0; j < t.outputRank(); j++) {
            int k = t.outputInputDim(j);
            if (k < 0) continue;
            long first = t.outputOffset(j) + t.outputStride(j) * inMin[k];
            long last = first + t.outputStride(j) * (inShape[k] - 1);
            long span = Math.abs(Math.floorDiv(last, chunks[j]) - Math.floorDiv(first, chunks[j])) + 1;
            long n = Math.min(span, inShape[k]);
            if (total > Long.MAX_VALUE / n) return Long.MAX_VALUE;
            total *= n;
        }
        return total;
    }

    /** Splits the region {@code t} selects of an array with {@code chunks} into per-chunk parts. */
    static List<ChunkPart> split(IndexTransform t, long[] chunks) {
        int inRank = t.inputRank(), outRank = t.outputRank();
        long[] inMin = t.inputOrigin(), inShape = t.inputShape();
        List<ChunkPart> parts = new ArrayList<>();
        if (t.inputSize() == 0) return parts;
        // For each output dimension, the runs of consecutive input positions that stay in one chunk.
        List<List<long[]>> runs = new ArrayList<>(outRank); // {inStart, count, chunk, chunkStart}
        for (int j = 0; j < outRank; j++) {
            List<long[]> r = new ArrayList<>();
            int k = t.outputInputDim(j);
            long off = t.outputOffset(j), c = chunks[j];
            if (k < 0) {
                r.add(new long[]{0, 1, Math.floorDiv(off, c), Math.floorMod(off, c)});
            } else {
                long s = t.outputStride(j);
                long p = 0, n = inShape[k];
                while (p < n) {
                    long out = off + s * (inMin[k] + p);
                    long chunk = Math.floorDiv(out, c);
                    long local = out - chunk * c;
                    // How many more positions stay inside this chunk, walking by s.
                    long room = s > 0 ? (c - 1 - local) / s : local / -s;
                    long count = Math.min(n - p, room + 1);
                    r.add(new long[]{p, count, chunk, local});
                    p += count;
                }
            }
            runs.add(r);
        }
        int[] pick = new int[outRank];
        while (true) {
            long[] chunkIndex = new long[outRank], chunkStart = new long[outRank], chunkStep = new long[outRank];
            long[] inStart = new long[inRank], inCount = inShape.clone();
            for (int j = 0; j < outRank; j++) {
                long[] run = runs.get(j).get(pick[j]);
                chunkIndex[j] = run[2];
                chunkStart[j] = run[3];
                int k = t.outputInputDim(j);
                if (k >= 0) {
                    inStart[k] = run[0];
                    inCount[k] = run[1];
                    chunkStep[j] = t.outputStride(j);
                }
            }
            parts.add(new ChunkPart(chunkIndex, inStart, inCount, chunkStart, chunkStep));
            int j = outRank - 1;
            while (j >= 0 && ++pick[j] == runs.get(j).size()) { pick[j] = 0; j--; }
            if (j < 0) break;
        }
        return parts;
    }

    /**
     * The elements of {@code chunk} (a decoded chunk, any layout) this part covers, as a view
     * with the part's input shape.
     */
    NDArray chunkView(NDArray chunk, IndexTransform t) {
        int inRank = t.inputRank();
        long offset = chunk.offset();
        long[] strides = new long[inRank];
        for (int j = 0; j < t.outputRank(); j++) {
            offset += chunkStart[j] * chunk.byteStride(j);
            int k = t.outputInputDim(j);
            if (k >= 0) strides[k] = chunkStep[j] * chunk.byteStride(j);
        }
        return NDArray.view(chunk.segment(), offset, chunk.dtype(), new long[inRank], inCount, strides);
    }

    /** The elements of {@code user} (an array over the whole input domain) this part covers. */
    NDArray userView(NDArray user) {
        NDArray v = user;
        for (int k = 0; k < inStart.length; k++) {
            if (inStart[k] != 0 || inCount[k] != user.shape(k)) v = v.slice(k, inStart[k], inStart[k] + inCount[k], 1);
        }
        return v;
    }

    /**
     * Whether this part writes every element of the chunk. An edge chunk never qualifies: as in
     * TensorStore, the bytes a stored edge chunk holds beyond the array's bounds are kept, so it
     * is always read, merged and rewritten.
     */
    boolean coversChunk(long[] chunks, IndexTransform t) {
        for (int j = 0; j < chunks.length; j++) {
            int k = t.outputInputDim(j);
            long count = k < 0 ? 1 : inCount[k];
            if (count != chunks[j]) return false;
            if (count > 1 && Math.abs(chunkStep[j]) != 1) return false;
        }
        return true;
    }
}
