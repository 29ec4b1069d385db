package io.tessera.memory.kernel;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class KernelSelectionTest {

    @Test
    void theRequiredPathWasSelected() {
        // Fails (never skips) when e.g. -Dtessera.kernels.require=vector ran on the scalar twin.
        Kernels.checkRequired();
        String required = System.getProperty(Kernels.REQUIRE_PROPERTY);
        if (required != null) assertEquals(required, Kernels.selected().name());
    }

    @Test
    void theSelectedPathFollowsTheFlag() {
        String wanted = System.getProperty(Kernels.PROPERTY);
        if ("scalar".equals(wanted)) assertEquals("scalar", Kernels.selected().name());
        if ("vector".equals(wanted) && System.getProperty(Kernels.REQUIRE_PROPERTY) != null) {
            assertEquals("vector", Kernels.selected().name());
        }
    }

    @Test
    void aMismatchWithTheRequiredPathFails() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Kernels.checkRequired("vector", Kernels.scalar()));
        assertEquals(true, e.getMessage().contains("\"vector\" are required"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> Kernels.checkRequired("scalar", Kernels.vector()));
        assertDoesNotThrow(() -> Kernels.checkRequired("scalar", Kernels.scalar()));
        assertDoesNotThrow(() -> Kernels.checkRequired(null, Kernels.scalar()));
    }
}
