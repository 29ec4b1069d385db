package io.tessera.cli;

/** Entry point of the {@code tessera} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.err.println("error: the tessera command line is not built yet");
        System.exit(1);
    }
}
