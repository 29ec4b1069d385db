package io.tessera.nativeio;

/**
 * The parts of {@code statx(2)} the stores need.
 *
 * @param dev the device number, as {@code st_dev} encodes it
 * @param ino the inode number
 * @param mtimeNanos the modification time in nanoseconds since the epoch
 * @param size the size in bytes
 * @param mode the file type and permission bits ({@code st_mode})
 */
public record FileStat(long dev, long ino, long mtimeNanos, long size, int mode) {
    private static final int S_IFMT = 0xF000;

    public boolean isRegularFile() { return (mode & S_IFMT) == 0x8000; }

    public boolean isDirectory() { return (mode & S_IFMT) == 0x4000; }

    /** Whether both describe the same file (device and inode). */
    public boolean sameFile(FileStat other) { return dev == other.dev && ino == other.ino; }

    // Written out because a record's own equals and hashCode are linked (ObjectMethods, method
    // handles spun at run time, which the AOT cache does not hold) at their first call: 10-25 ms of
    // a short command's start-up, where every read compares two stats.
    @Override
    public boolean equals(Object o) {
        return o instanceof FileStat s && dev == s.dev && ino == s.ino && mtimeNanos == s.mtimeNanos && size == s.size && mode == s.mode;
    }

    @Override
    public int hashCode() {
        return (((Long.hashCode(dev) * 31 + Long.hashCode(ino)) * 31 + Long.hashCode(mtimeNanos)) * 31 + Long.hashCode(size)) * 31 + mode;
    }
}
