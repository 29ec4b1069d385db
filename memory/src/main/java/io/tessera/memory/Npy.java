package io.tessera.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes NumPy {@code .npy} files.
 *
 * <p>{@link #read} maps the file read-only into an automatic arena: the mapping lives as long
 * as the returned array (or any view of it) is reachable and is unmapped by the garbage
 * collector afterwards. Writing into a mapped array throws; {@link NDArray#copy()} gives a
 * writable copy. Big-endian files are the exception: they are read into a native-order copy.
 *
 * <p>{@link #write} writes format version 1.0 (2.0 if the header needs it), C order,
 * little-endian, with the header padded to 64 bytes exactly as {@code np.save} pads it.
 */
final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    // np.save leaves room for the growth axis to reach this many digits.
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    // Far above any real header (NumPy itself refuses more than 10000 bytes by default).
    private static final long MAX_HEADER = 1 << 24;
    private static final java.security.SecureRandom TMP_IDS = new java.security.SecureRandom();

    static NDArray read(Path path) throws IOException {
        if (Files.isDirectory(path)) throw bad(path, "is a directory");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 10) throw bad(path, "file of " + fileSize + " bytes is too short for a .npy header");
            ByteBuffer pre = ByteBuffer.allocate((int) Math.min(12, fileSize)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, 0, path);
            for (int i = 0; i < MAGIC.length; i++) {
                if (pre.get(i) != MAGIC[i]) throw bad(path, "not a .npy file (missing \\x93NUMPY magic)");
            }
            int major = pre.get(6) & 0xFF, minor = pre.get(7) & 0xFF;
            long headerLen;
            int prefixLen;
            if (major == 1) {
                headerLen = pre.getShort(8) & 0xFFFF;
                prefixLen = 10;
            } else if (major == 2 || major == 3) {
                if (fileSize < 12) throw bad(path, "file of " + fileSize + " bytes is too short for a version " + major + " header");
                headerLen = pre.getInt(8) & 0xFFFF_FFFFL;
                prefixLen = 12;
            } else {
                throw bad(path, "unsupported .npy format version " + major + "." + minor);
            }
            if (headerLen > MAX_HEADER) throw bad(path, "header length " + headerLen + " exceeds " + MAX_HEADER + " bytes");
            long dataStart = prefixLen + headerLen;
            if (dataStart > fileSize) {
                throw bad(path, "truncated: header of " + headerLen + " bytes ends past the end of the file (" + fileSize + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, prefixLen, path);
            String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            Header h = Header.parse(header, path);
            long count;
            try {
                count = NDArray.checkedCount(h.shape);
            } catch (IllegalArgumentException e) {
                throw bad(path, "shape " + java.util.Arrays.toString(h.shape) + " has too many elements");
            }
            long dataBytes;
            try {
                dataBytes = Math.multiplyExact(count, (long) h.dtype.byteSize());
            } catch (ArithmeticException e) {
                throw bad(path, "data size overflows");
            }
            if (fileSize - dataStart < dataBytes) {
                throw bad(path, "truncated: expected " + dataBytes + " data bytes after the " + dataStart
                        + "-byte header, found " + (fileSize - dataStart));
            }
            MemorySegment mapped = dataBytes == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataBytes, Arena.ofAuto());
            NDArray view = NDArray.wrap(mapped, h.dtype, h.fortranOrder ? NDArray.Order.F : NDArray.Order.C, h.shape);
            if (h.order == ByteOrder.BIG_ENDIAN && h.dtype.componentSize() > 1) {
                NDArray swapped = NDArray.allocate(h.dtype, h.shape);
                ArrayOps.byteSwap(view, swapped);
                return swapped;
            }
            return view;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path path) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw bad(path, "truncated header");
            pos += n;
        }
    }

    private static IOException bad(Path path, String what) {
        return new IOException("Invalid .npy file " + path + ": " + what);
    }

    /** The parsed header dictionary. */
    private record Header(DataType dtype, ByteOrder order, boolean fortranOrder, long[] shape) {
        static Header parse(String text, Path path) throws IOException {
            Map<String, Object> dict;
            try {
                Object v = new LiteralParser(text).parseTop();
                if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException("header is not a dictionary");
                @SuppressWarnings("unchecked")
                Map<String, Object> cast = (Map<String, Object>) m;
                dict = cast;
            } catch (IllegalArgumentException e) {
                throw bad(path, "malformed header " + quote(text) + ": " + e.getMessage());
            }
            if (!(dict.get("descr") instanceof String descr)) {
                throw bad(path, "header " + quote(text) + " has no string 'descr' (structured dtypes are not supported)");
            }
            if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
                throw bad(path, "header " + quote(text) + " has no boolean 'fortran_order'");
            }
            if (!(dict.get("shape") instanceof List<?> shapeList)) {
                throw bad(path, "header " + quote(text) + " has no tuple 'shape'");
            }
            if (dict.size() != 3) throw bad(path, "header " + quote(text) + " has keys other than descr, fortran_order and shape");
            long[] shape = new long[shapeList.size()];
            for (int i = 0; i < shape.length; i++) {
                if (!(shapeList.get(i) instanceof Long n) || n < 0) throw bad(path, "invalid shape in header " + quote(text));
                shape[i] = n;
            }
            return parseDescr(descr, fortran, shape, path);
        }

        private static Header parseDescr(String descr, boolean fortran, long[] shape, Path path) throws IOException {
            if (descr.length() >= 3) {
                char endian = descr.charAt(0), kind = descr.charAt(1);
                int size;
                try {
                    size = Integer.parseInt(descr.substring(2));
                } catch (NumberFormatException e) {
                    size = -1;
                }
                for (DataType t : DataType.values()) {
                    if (t == DataType.BFLOAT16 || t.byteSize() != size || t.zarrDtype(ByteOrder.LITTLE_ENDIAN).charAt(1) != kind) continue;
                    ByteOrder order = switch (endian) {
                        case '<', '=' -> ByteOrder.LITTLE_ENDIAN;
                        case '>' -> ByteOrder.BIG_ENDIAN;
                        case '|' -> size == 1 ? ByteOrder.LITTLE_ENDIAN : null;
                        default -> null;
                    };
                    if (order != null) return new Header(t, order, fortran, shape);
                }
            }
            throw bad(path, "unsupported dtype descr " + quote(descr));
        }

        private static String quote(String s) {
            return "\"" + s.strip() + "\"";
        }
    }

    /** Just enough of Python's literal syntax for .npy headers: dicts, tuples, strings, ints, booleans. */
    private static final class LiteralParser {
        private final String s;
        private int pos;

        LiteralParser(String s) { this.s = s; }

        Object parseTop() {
            Object v = value();
            skipSpace();
            if (pos != s.length()) throw error("unexpected text");
            return v;
        }

        private Object value() {
            skipSpace();
            if (pos >= s.length()) throw error("unexpected end");
            char c = s.charAt(pos);
            if (c == '{') return dict();
            if (c == '(' || c == '[') return sequence(c == '(' ? ')' : ']');
            if (c == '\'' || c == '"') return string();
            if (s.startsWith("True", pos)) { pos += 4; return Boolean.TRUE; }
            if (s.startsWith("False", pos)) { pos += 5; return Boolean.FALSE; }
            if (c == '-' || Character.isDigit(c)) return integer();
            throw error("unexpected character '" + c + "'");
        }

        private Map<String, Object> dict() {
            Map<String, Object> m = new HashMap<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek() == '}') { pos++; return m; }
                Object key = value();
                if (!(key instanceof String k)) throw error("dictionary key is not a string");
                skipSpace();
                expect(':');
                if (m.put(k, value()) != null) throw error("duplicate key '" + k + "'");
                skipSpace();
                if (peek() == ',') pos++;
                else if (peek() != '}') throw error("expected ',' or '}'");
            }
        }

        private List<Object> sequence(char close) {
            List<Object> items = new ArrayList<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek() == close) { pos++; return items; }
                items.add(value());
                skipSpace();
                if (peek() == ',') pos++;
                else if (peek() != close) throw error("expected ',' or '" + close + "'");
            }
        }

        private String string() {
            char quote = s.charAt(pos++);
            int end = s.indexOf(quote, pos);
            if (end < 0) throw error("unterminated string");
            String r = s.substring(pos, end);
            pos = end + 1;
            return r;
        }

        private Long integer() {
            int start = pos;
            if (s.charAt(pos) == '-') pos++;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            String digits = s.substring(start, pos);
            // Python 2 wrote long integers with an L suffix.
            if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) pos++;
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("invalid integer '" + digits + "'");
            }
        }

        private char peek() {
            if (pos >= s.length()) throw error("unexpected end");
            return s.charAt(pos);
        }

        private void expect(char c) {
            if (peek() != c) throw error("expected '" + c + "'");
            pos++;
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at character " + pos);
        }
    }

    // ---- writing ---------------------------------------------------------------------------

    static void write(NDArray a, Path path) throws IOException {
        if (a.dtype() == DataType.BFLOAT16) {
            throw new IllegalArgumentException("bfloat16 has no .npy dtype descr; cast it to float32 to write " + path);
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("writing .npy files needs a little-endian platform");
        }
        byte[] header = header(a);
        NDArray data = a.isCContiguous() ? a : a.copy();
        long bytes = a.size() * a.dtype().byteSize();
        MemorySegment src = data.segment().asSlice(data.offset(), bytes);
        // A temporary file renamed over the target: the array may be a mapping of that very file,
        // which truncating in place would pull from under it.
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + path.getFileName() + "." + Long.toHexString(System.nanoTime() ^ TMP_IDS.nextLong()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                writeFully(ch, ByteBuffer.wrap(header));
                // ByteBuffers hold at most 2 GiB, so large arrays go out in slices.
                long chunk = 1L << 30;
                for (long off = 0; off < bytes; off += chunk) {
                    writeFully(ch, src.asSlice(off, Math.min(chunk, bytes - off)).asByteBuffer());
                }
            }
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** The magic, version, length and dictionary exactly as {@code np.save} writes them. */
    static byte[] header(NDArray a) {
        long[] shape = a.shape();
        StringBuilder shapeText = new StringBuilder("(");
        for (int d = 0; d < shape.length; d++) {
            if (d > 0) shapeText.append(", ");
            shapeText.append(shape[d]);
        }
        shapeText.append(shape.length == 1 ? ",)" : ")");
        StringBuilder dict = new StringBuilder()
                .append("{'descr': '").append(a.dtype().zarrDtype(ByteOrder.LITTLE_ENDIAN))
                .append("', 'fortran_order': False, 'shape': ").append(shapeText).append(", }");
        if (shape.length > 0) dict.append(" ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length())));
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        int hlen = text.length + 1;
        boolean v1 = true;
        int prefix = MAGIC.length + 2 + 2;
        int padding = ALIGN - (prefix + hlen) % ALIGN;
        if (hlen + padding > 0xFFFF) {
            v1 = false;
            prefix = MAGIC.length + 2 + 4;
            padding = ALIGN - (prefix + hlen) % ALIGN;
        }
        ByteBuffer out = ByteBuffer.allocate(prefix + hlen + padding).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) out.putShort((short) (hlen + padding));
        else out.putInt(hlen + padding);
        out.put(text);
        for (int i = 0; i < padding; i++) out.put((byte) ' ');
        out.put((byte) '\n');
        return out.array();
    }
}
