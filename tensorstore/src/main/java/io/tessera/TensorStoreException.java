package io.tessera;

/**
 * An error from opening, indexing, reading or writing a TensorStore, with TensorStore's status
 * code and its wording of the message.
 */
public class TensorStoreException extends RuntimeException {
    /** TensorStore's (absl) status codes that Tessera reports. */
    public enum Code { INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE, ABORTED, CANCELLED, DATA_LOSS, UNAVAILABLE, UNIMPLEMENTED, INTERNAL }

    private final Code code;

    public TensorStoreException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public TensorStoreException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() { return code; }

    @Override
    public String toString() { return code + ": " + getMessage(); }
}
