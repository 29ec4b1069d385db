package io.tessera.nativeio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * syncfs is relied on only where it reports writeback errors: Linux 5.8 and later (syncfs(2),
 * "since Linux 5.8"); before, a batch could be acknowledged over data the kernel failed to write.
 */
class SyncfsTrustTest {
    @Test
    void kernelReleasesCompareByMajorThenMinor() {
        assertTrue(FileIoDrivers.kernelAtLeast("5.8.0", 5, 8));
        assertTrue(FileIoDrivers.kernelAtLeast("6.1.0-18-amd64", 5, 8));
        assertTrue(FileIoDrivers.kernelAtLeast("5.10.209-fc", 5, 8));
        assertTrue(FileIoDrivers.kernelAtLeast("6.18.44-fc-v669", 5, 8));
        assertFalse(FileIoDrivers.kernelAtLeast("5.4.0-150-generic", 5, 8));
        assertFalse(FileIoDrivers.kernelAtLeast("4.19.0", 5, 8));
        assertFalse(FileIoDrivers.kernelAtLeast("3.10.0-1160.el7.x86_64", 5, 8));
        assertFalse(FileIoDrivers.kernelAtLeast("", 5, 8), "unknown: not trusted");
        assertFalse(FileIoDrivers.kernelAtLeast("weird", 5, 8));
    }
}
