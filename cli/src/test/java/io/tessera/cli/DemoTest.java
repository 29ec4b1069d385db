package io.tessera.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code demo} against the reference page (a copy of shared/seed/tensorstore-write.txt). */
class DemoTest {
    final Cli cli = new Cli();

    static String seed() throws IOException {
        try (InputStream in = DemoTest.class.getResourceAsStream("tensorstore-write.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The interpreter transcript in a text: {@code >>>} and {@code ...} lines, and the arrays
     * printed after them (from {@code array(} to the line that ends with {@code )}).
     */
    static List<String> transcript(String text) {
        List<String> out = new ArrayList<>();
        boolean inArray = false;
        for (String line : text.lines().toList()) {
            if (inArray) {
                out.add(line);
                inArray = !line.endsWith(")");
            } else if (line.startsWith(">>>") || line.startsWith("...")) {
                out.add(line);
            } else if (line.startsWith("array(")) {
                out.add(line);
                inArray = !line.endsWith(")");
            }
        }
        return out;
    }

    /** The transcript with each printed array reduced to its numbers and dtype, formatting aside. */
    static List<String> values(List<String> transcript) {
        List<String> out = new ArrayList<>();
        StringBuilder array = null;
        for (String line : transcript) {
            if (array == null && !line.startsWith("array(")) { out.add(line); continue; }
            if (array == null) array = new StringBuilder();
            array.append(line).append(' ');
            if (line.endsWith(")")) {
                String a = array.toString();
                int dt = a.lastIndexOf("dtype=");
                StringBuilder nums = new StringBuilder("values");
                Matcher m = Pattern.compile("-?\\d+(\\.\\d*)?").matcher(a.substring(0, dt));
                while (m.find()) nums.append(' ').append((long) Double.parseDouble(m.group()));
                out.add(nums + " " + a.substring(dt).strip());
                array = null;
            }
        }
        return out;
    }

    @Test
    void memoryRunShowsThePagesStepsAndValues() throws IOException {
        String out = cli.run("demo", "--store", "memory").ok();
        List<String> want = transcript(seed()), got = transcript(out);
        assertEquals(88, want.size(), "the seed page's transcript");
        assertEquals(values(want), values(got));
    }

    @Test
    @Tag("needs-repr")
    void memoryRunPrintsExactlyWhatThePagePrints() throws IOException {
        assertEquals(transcript(seed()), transcript(cli.run("demo", "--store", "memory").ok()));
    }

    /** The file run's transcript with its kvstore written as the page's memory one. */
    static List<String> asMemory(List<String> fileTranscript, Path dir) {
        List<String> out = new ArrayList<>();
        for (String line : fileTranscript) {
            if (line.matches("\\.\\.\\. +'path': '.*'")) {
                assertTrue(line.contains("'" + dir.toAbsolutePath() + "/example"), line);
                continue;
            }
            out.add(line.replace("'driver': 'file',", "'driver': 'memory'"));
        }
        return out;
    }

    @Test
    @Tag("needs-file-store")
    void fileRunShowsThePagesStepsAndValues(@TempDir Path dir) throws IOException {
        String out = cli.run("demo", "--store", "file", "--dir", dir.toString()).ok();
        assertEquals(values(transcript(seed())), values(asMemory(transcript(out), dir)));
        assertTrue(dir.resolve("example1/.zarray").toFile().isFile());
    }

    @Test
    @Tag("needs-file-store")
    @Tag("needs-repr")
    void bothRunsPrintExactlyWhatThePagePrints() throws IOException {
        String out = cli.run("demo").ok();
        List<String> all = transcript(out), page = transcript(seed());
        assertEquals(page, all.subList(0, page.size()));
        String header = out.lines().filter(l -> l.startsWith("# TensorStore.write examples on the file store in ")).findFirst().orElseThrow();
        Path dir = Path.of(header.substring("# TensorStore.write examples on the file store in ".length()));
        assertEquals(page, asMemory(all.subList(page.size(), all.size()), dir));
        assertTrue(!dir.toFile().exists(), "the demo removes its temporary directory");
    }
}
