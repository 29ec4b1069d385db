package io.tessera.cli;

import io.tessera.TensorStore;
import io.tessera.kvstore.Generation;
import io.tessera.kvstore.memory.MemoryKvStore;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code copy}: between compressors, in bounded blocks, verified by reading both sides. */
class CopyTest {
    static final String SRC = """
            {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "src",
             "metadata": {"compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1}}}""";

    final Cli cli = new Cli();

    /** A 3-d uint16 source whose every element differs, with one region left at the fill value. */
    private TensorStore source() {
        cli.run("create", SRC, "--dtype", "uint16", "--shape", "37,29,11", "--chunks", "8,7,5").ok();
        TensorStore src = cli.open(SRC);
        NDArray data = NDArray.allocate(io.tessera.memory.DataType.UINT16, 37, 29, 11);
        for (int i = 0; i < 37; i++) for (int j = 0; j < 29; j++) for (int k = 0; k < 11; k++) data.setLong((i * 131 + j * 17 + k) % 65536, i, j, k);
        src.get("0:30").write(data.slice(0, 0, 30, 1)).join();
        return src;
    }

    private static void assertSame(NDArray a, NDArray b) {
        assertArrayEquals(a.shape(), b.shape());
        assertTrue(a.contentEquals(b), "contents differ");
    }

    @Test
    void copyBetweenCompressorsInManyBlocks() {
        TensorStore src = source();
        String dst = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "dst", "metadata": {"compressor": {"id": "zstd", "level": 3}}}""";
        // 3 chunks' worth of bytes per block: the copy runs in many blocks, each chunk-aligned.
        cli.run("copy", SRC, dst, "--block-bytes", String.valueOf(3 * 8 * 7 * 5 * 2)).ok();
        TensorStore out = cli.open(dst);
        assertEquals("{\"id\":\"zstd\",\"level\":3}", out.metadata().get("compressor").toString());
        assertEquals(src.metadata().get("chunks"), out.metadata().get("chunks"));
        assertEquals(src.metadata().get("dtype"), out.metadata().get("dtype"));
        assertSame(src.read().join(), out.read().join());

        String raw = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "raw", "metadata": {"compressor": null, "chunks": [16, 16, 16]}}""";
        cli.run("copy", dst, raw).ok();
        TensorStore r = cli.open(raw);
        assertEquals("null", r.metadata().get("compressor").toString());
        assertEquals("[16,16,16]", r.metadata().get("chunks").toString());
        assertSame(src.read().join(), r.read().join());
    }

    @Test
    void copyRegionIntoAnExistingArrayWithAWiderDtype() {
        TensorStore src = source();
        String dst = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "wide"}""";
        cli.run("create", dst, "--dtype", "int64", "--shape", "37,29,11").ok();
        cli.run("copy", SRC, dst, "--index", "3:20, 5:6, 2:9", "--block-bytes", "1").ok();
        TensorStore out = cli.open(dst);
        NDArray got = out.read().join();
        NDArray want = src.read().join();
        for (int i = 0; i < 37; i++) for (int j = 0; j < 29; j++) for (int k = 0; k < 11; k++) {
            boolean inside = i >= 3 && i < 20 && j == 5 && k >= 2 && k < 9;
            assertEquals(inside ? want.getLong(i, j, k) : 0, got.getLong(i, j, k), i + "," + j + "," + k);
        }
    }

    @Test
    void copyRefusesWhatDoesNotFitBeforeWriting() {
        source();
        String small = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "small"}""";
        cli.run("create", small, "--dtype", "uint16", "--shape", "5,5,5").ok();
        assertEquals("The source domain { [0, 37), [0, 29), [0, 11) } does not match the destination domain { [0, 5), [0, 5), [0, 5) }",
                cli.run("copy", SRC, small).error());
        String narrow = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "narrow"}""";
        cli.run("create", narrow, "--dtype", "uint8", "--shape", "37,29,11").ok();
        assertEquals("Explicit data type conversion required to convert uint16 -> uint8", cli.run("copy", SRC, narrow).error());
        assertEquals("Error opening \"zarr\" driver: Metadata at \"none/.zarray\" does not exist",
                cli.run("copy", CommandsTest.MEM.replace("\"a\"", "\"none\""), narrow).error());
        // A destination spec that deletes and recreates (or just creates) an array that could not take
        // the copy fails before anything is deleted or created: the data there before stays, and no
        // array is left behind.
        String kept = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "kept"}""";
        cli.run("create", kept, "--dtype", "uint8", "--shape", "4").ok();
        cli.run("write", kept, "--value", "7").ok();
        String recreate = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "kept", "create": true, "delete_existing": true,
                 "metadata": {"dtype": "|u1"}}""";
        assertEquals("Explicit data type conversion required to convert uint16 -> uint8", cli.run("copy", SRC, recreate).error());
        assertEquals(7, cli.open(kept).read().join().getLong(3), "the array that was there is intact");
        String reshaped = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "kept", "create": true, "delete_existing": true,
                 "metadata": {"shape": [5, 5, 5]}}""";
        assertEquals("The source domain { [0, 37), [0, 29), [0, 11) } does not match the destination domain { [0, 5), [0, 5), [0, 5) }",
                cli.run("copy", SRC, reshaped).error());
        assertEquals(7, cli.open(kept).read().join().getLong(0));
        String fresh = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "fresh", "metadata": {"dtype": "|u1"}}""";
        assertEquals("Explicit data type conversion required to convert uint16 -> uint8", cli.run("copy", SRC, fresh).error());
        assertTrue(cli.run("info", fresh).error().contains("does not exist"), "no array was created");
    }

    @Test
    void progressBarOnlyWhenAsked() {
        source();
        String dst = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "p"}""";
        Cli.Result quiet = cli.run("copy", SRC, dst);
        assertEquals("", quiet.ok());
        assertEquals("", quiet.err());
        Cli.Result shown = cli.run("copy", SRC, dst.replace("\"p\"", "\"q\""), "--progress");
        shown.ok();
        assertTrue(shown.err().contains("100%") && shown.err().contains("23.1 KiB / 23.1 KiB") && shown.err().contains("/s"), shown.err());
    }

    /**
     * A copy that fails part-way, after its progress bar was drawn, reports the error on a line of
     * its own, not after the bar on the bar's line.
     */
    @Test
    void anErrorAfterTheProgressBarStartsOnALineOfItsOwn() {
        source();
        // The last chunk stored is not blosc data: the copy, one chunk a block, fails part-way.
        MemoryKvStore store = cli.context.memoryKvStore();
        String last = store.list("src/").join().stream().max(String::compareTo).orElseThrow();
        store.write(last, MemorySegment.ofArray("not a blosc chunk".getBytes(StandardCharsets.US_ASCII)), Generation.UNKNOWN).join();
        String dst = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "broken"}""";
        Cli.Result r = cli.run("copy", SRC, dst, "--block-bytes", "1", "--progress");
        assertEquals(1, r.status(), r.err());
        String[] lines = r.err().split("\n", -1);
        assertEquals(3, lines.length, () -> "the bar's line, the error's line, nothing after: " + r.err());
        assertTrue(lines[0].startsWith("\r[") && !lines[0].contains("error"), () -> "the bar was drawn before the failure: " + r.err());
        assertTrue(lines[1].startsWith("error: "), r.err());
        assertEquals("", lines[2]);
    }

    @Test
    void blocksAreWholeChunksGrownFromTheLastDimension() {
        long[] o = {0, 0, 0}, s = {100, 100, 100}, c = {10, 10, 10};
        assertArrayEquals(new long[]{10, 10, 10}, CopyCommand.blockShape(o, s, c, 1, 1));
        assertArrayEquals(new long[]{10, 10, 100}, CopyCommand.blockShape(o, s, c, 1, 10_000));
        assertArrayEquals(new long[]{10, 50, 100}, CopyCommand.blockShape(o, s, c, 1, 55_000));
        assertArrayEquals(new long[]{100, 100, 100}, CopyCommand.blockShape(o, s, c, 2, 1L << 30));
        assertArrayEquals(new long[]{20, 20}, CopyCommand.blockShape(new long[]{15, 3}, new long[]{10, 12}, new long[]{10, 10}, 1, 1000));
    }

    @Test
    @Tag("needs-file-store")
    void copyFileToFileReadableByTensorStore(@TempDir Path dir) throws Exception {
        source();
        String file = "{\"driver\": \"zarr\", \"kvstore\": {\"driver\": \"file\", \"path\": " + com.fasterxml.jackson.databind.node.TextNode.valueOf(dir + "/") + "}"
                + ", \"metadata\": {\"compressor\": {\"id\": \"zlib\", \"level\": 4}}}";
        cli.run("copy", SRC, file).ok();
        String sum = Cli.py("import tensorstore as ts, json\na = ts.open(json.loads(" + NpyTest.pyString(file) + ")).result().read().result()\n"
                + "print(a.dtype, a.shape, int(a.astype('int64').sum()))");
        NDArray src = cli.open(SRC).read().join();
        long total = 0;
        for (int i = 0; i < 37; i++) for (int j = 0; j < 29; j++) for (int k = 0; k < 11; k++) total += src.getLong(i, j, k);
        assertEquals("uint16 (37, 29, 11) " + total, sum.strip());
        // And back from the file store into a blosc memory array, through a separate read.
        String back = """
                {"driver": "zarr", "kvstore": {"driver": "memory"}, "path": "back"}""";
        cli.run("copy", file, back).ok();
        assertSame(src, cli.open(back).read().join());
    }
}
