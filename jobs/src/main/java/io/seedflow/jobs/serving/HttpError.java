package io.seedflow.jobs.serving;

/**
 * A request the server answers with an error status and a JSON body naming the problem: {@code {"code":400,
 * "error":"Bad Request","message":"..."}}. Thrown by endpoints, turned into a response by the server.
 */
public final class HttpError extends RuntimeException {
    private final int status;

    public HttpError(int status, String message) {
        super(message, null, false, false); // expected control flow: no stack trace
        this.status = status;
    }

    public static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }

    public static HttpError unavailable(String message) {
        return new HttpError(503, message);
    }

    public int status() {
        return status;
    }

    /** The reason phrase of the statuses this server sends. */
    public static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Payload Too Large";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "HTTP " + status;
        };
    }
}
