package io.tessera;

import io.tessera.memory.DataType;
import io.tessera.memory.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writing a 4 GiB array through the file store with a 256 MiB cache pool keeps the process's
 * resident memory under 1 GiB: measured in a child JVM (peak RSS, VmHWM), which then checks a
 * sample of what it wrote.
 */
class BoundedMemoryTest {
    static final long ROWS = 32_768, COLS = 65_536; // uint16: 4 GiB
    static final long SLAB_ROWS = 256;              // 32 MiB of source per write

    /** The child: writes the whole array slab by slab, then prints its peak RSS in KiB. */
    public static void main(String[] args) throws Exception {
        String spec = "{\"driver\":\"zarr\",\"kvstore\":{\"driver\":\"file\",\"path\":\"" + args[0] + "\"},"
                + "\"metadata\":{\"chunks\":[256,1024],\"compressor\":null},"
                + "\"context\":{\"cache_pool\":{\"total_bytes_limit\":268435456},\"file_io_sync\":false}}";
        TensorStore ds = TensorStore.open(spec, OpenOptions.create().dtype(DataType.UINT16).shape(ROWS, COLS)).join();
        NDArray slab = NDArray.allocate(DataType.UINT16, SLAB_ROWS, COLS);
        for (long r = 0; r < ROWS; r += SLAB_ROWS) {
            for (long i = 0; i < slab.size(); i++) slab.segment().setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (r / SLAB_ROWS + i));
            ds.get(r + ":" + (r + SLAB_ROWS)).write(slab).join();
        }
        NDArray corner = ds.get((ROWS - 1) + ", 0:4").read().join();
        for (long i = 0; i < 4; i++) {
            long want = ((ROWS - 1) / SLAB_ROWS + (SLAB_ROWS - 1) * COLS + i) & 0xFFFF;
            if (corner.getLong(i) != want) throw new AssertionError("element " + i + ": " + corner.getLong(i) + " != " + want);
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) System.out.println("PEAK_RSS_KB " + line.replaceAll("[^0-9]", ""));
        }
        System.exit(0);
    }

    @Test
    void fourGiBThroughTheFileStoreStaysUnderOneGiBResident(@TempDir Path dir) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx640m",
                "-cp", System.getProperty("java.class.path"), BoundedMemoryTest.class.getName(), dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.MINUTES), "child did not finish");
        assertEquals(0, p.exitValue(), out);
        long peakKb = out.lines().filter(l -> l.startsWith("PEAK_RSS_KB ")).mapToLong(l -> Long.parseLong(l.substring(12))).findFirst().orElseThrow(() -> new AssertionError(out));
        assertTrue(peakKb < 1024 * 1024, "peak RSS " + peakKb / 1024 + " MiB");
        System.out.println("4 GiB written with peak RSS " + peakKb / 1024 + " MiB");
    }
}
