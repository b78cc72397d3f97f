package io.istziio.server.store;

import io.istziio.server.Errors;
import io.istziio.server.Logfmt;
import org.apache.arrow.flight.FlightRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One WARN line per failed store call, with its cause, in key=value pairs ({@link Logfmt}):
 *
 * <pre>
 * store=s3 op=GET path=s3://data/a.parquet status=NOT_FOUND error=NoSuchBucket http=404 attempts=1 message="The specified bucket does not exist"
 * store=s3 op=HEAD path=s3://data/a.parquet status=UNAVAILABLE error=SdkClientException http=- attempts=4 message="Unable to execute HTTP request: ..."
 * </pre>
 *
 * {@code op} is GET, HEAD or LIST; {@code status} what the node answers (or, for a background
 * revalidation, would answer); {@code error} the store's error code, else the exception's class;
 * {@code http} the store's HTTP status; {@code attempts} the S3 client's attempts, retries
 * included; {@code message} the store's own message. A call is logged once, after the S3 client's
 * retries, by the store that made it; the layers above add no second warning for it.
 */
final class StoreFailures {

  private static final Logger LOG = LoggerFactory.getLogger(StoreFailures.class);
  private static final int MAX_MESSAGE_CHARS = 300;

  private StoreFailures() {}

  /**
   * Logs the failure and returns {@code answer}, to be thrown.
   *
   * @param store {@code s3} or {@code local}
   * @param path the object or prefix
   * @param cause what the store or its client threw; null when the answer itself says it all
   */
  static FlightRuntimeException logged(String store, String op, Object path, Throwable cause,
      FlightRuntimeException answer) {
    if (LOG.isWarnEnabled()) {
      Logfmt line = new Logfmt().add("store", store).add("op", op)
          .add("path", Errors.shorten(String.valueOf(path)))
          .add("status", answer.status().code().name());
      String error = cause == null ? null : cause.getClass().getSimpleName();
      String http = null;
      String attempts = null;
      String message = cause == null ? answer.status().description() : cause.getMessage();
      if (cause instanceof SdkException sdk) {
        attempts = sdk.numAttempts() == null ? null : sdk.numAttempts().toString();
        message = sdk.rawMessage() != null ? sdk.rawMessage() : message;
      }
      if (cause instanceof S3Exception s3) {
        http = Integer.toString(s3.statusCode());
        if (s3.awsErrorDetails() != null) {
          if (s3.awsErrorDetails().errorCode() != null) {
            error = s3.awsErrorDetails().errorCode();
          }
          if (s3.awsErrorDetails().errorMessage() != null) {
            message = s3.awsErrorDetails().errorMessage();
          }
        }
      }
      line.add("error", error).add("http", http).add("attempts", attempts)
          .add("message", message == null ? null : cut(message));
      LOG.warn(line.toString());
    }
    return answer;
  }

  /** The first line (no stack or context dump), at most {@value #MAX_MESSAGE_CHARS} characters. */
  private static String cut(String message) {
    int end = message.indexOf('\n');
    String first = end < 0 ? message : message.substring(0, end);
    return first.length() <= MAX_MESSAGE_CHARS ? first
        : first.substring(0, MAX_MESSAGE_CHARS) + "...";
  }
}
