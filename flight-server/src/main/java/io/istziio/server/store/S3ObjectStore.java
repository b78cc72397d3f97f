package io.istziio.server.store;

import io.istziio.server.Errors;
import java.net.URI;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.arrow.flight.FlightRuntimeException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Objects in S3 or any S3-compatible server, through the AWS SDK for Java v2, each addressed by
 * exactly its key ({@link ObjectPath#key()}, never decoded or normalized: the SDK escapes what a
 * URL path needs and sends "." segments as they are). Credentials come from
 * the AWS default chain (environment, system properties, profile, instance role), never from flags.
 */
public final class S3ObjectStore implements ObjectStore {

  /**
   * @param endpoint an S3-compatible endpoint such as {@code http://127.0.0.1:9000}; null for AWS
   * @param region the signing region; null for the AWS default chain, else us-east-1
   * @param pathStyle address buckets as {@code endpoint/bucket/key} rather than virtual hosts
   * @param interceptors added to the S3 client; a test hook that sees every request the node makes
   */
  public record Config(URI endpoint, String region, boolean pathStyle,
      List<ExecutionInterceptor> interceptors) {

    public Config {
      interceptors = List.copyOf(interceptors);
    }

    public Config(URI endpoint, String region, boolean pathStyle) {
      this(endpoint, region, pathStyle, List.of());
    }
  }

  private final S3Client s3;
  private final String endpointName;

  public S3ObjectStore(Config config) {
    this.s3 = S3Clients.builder(config.endpoint(), config.region(), config.pathStyle())
        .overrideConfiguration(c -> config.interceptors().forEach(c::addExecutionInterceptor))
        .build();
    this.endpointName = config.endpoint() != null ? config.endpoint().toString() : "AWS S3";
  }

  @Override
  public ObjectVersion stat(ObjectPath path) {
    try {
      HeadObjectResponse head = s3.headObject(
          HeadObjectRequest.builder().bucket(path.bucket()).key(path.key()).build());
      if (head.eTag() == null || head.contentLength() == null) {
        throw failed("HEAD", path, null, Errors.storeUnavailable("S3 at %s answered for %s "
            + "without an ETag or a length; istziio needs both to cache it", endpointName, path));
      }
      return new ObjectVersion(head.eTag(), head.contentLength());
    } catch (SdkException e) {
      throw failed("HEAD", path, e, toFlight(path, e));
    }
  }

  /**
   * One GET: the response headers carry the ETag and length of exactly the body that follows
   * (S3 serves one version whole even if the object is overwritten meanwhile), so no HEAD and no
   * If-Match are needed to key the body correctly.
   */
  @Override
  public ObjectContent open(ObjectPath path) {
    ResponseInputStream<GetObjectResponse> body;
    try {
      body = s3.getObject(GetObjectRequest.builder().bucket(path.bucket()).key(path.key()).build());
    } catch (SdkException e) {
      throw failed("GET", path, e, toFlight(path, e));
    }
    GetObjectResponse response = body.response();
    if (response.eTag() == null || response.contentLength() == null) {
      body.abort();
      throw failed("GET", path, null, Errors.storeUnavailable("S3 at %s answered for %s without "
          + "an ETag or a length; istziio needs both to cache it", endpointName, path));
    }
    ObjectVersion version = new ObjectVersion(response.eTag(), response.contentLength());
    return new ObjectContent() {
      private boolean read; // confined to the one thread that downloads

      @Override
      public ObjectVersion version() {
        return version;
      }

      @Override
      public void transferTo(Path target) {
        // A failure to write the local file (disk full) is a LocalWriteException, not this
        // store's fault: it must not read as "S3 broke off" and send the client elsewhere.
        try {
          LocalWriteException.copy(body, target);
          read = true;
        } catch (IOException | SdkException e) {
          throw failed("GET", path, e, Errors.storeUnavailable("the download of %s from S3 at %s "
              + "broke off (%s); retry", path, endpointName, Errors.firstLine(e)));
        }
      }

      @Override
      public void close() {
        if (!read) {
          body.abort(); // do not drain an unwanted body just to reuse the connection
        }
        try {
          body.close();
        } catch (IOException e) {
          // the connection is discarded; nothing was lost
        }
      }
    };
  }

  /**
   * One GET of the suffix range {@code bytes=-length}: its headers carry the ETag and, in
   * Content-Range, the whole object's size. S3 answers an empty object's range with 416; its
   * version then comes from a HEAD. A server that ignores the range and sends a body longer than
   * asked gets empty back (the caller reads the object whole), its body unread.
   */
  @Override
  public Optional<ObjectTail> tail(ObjectPath path, int length) {
    GetObjectRequest request = GetObjectRequest.builder().bucket(path.bucket()).key(path.key())
        .range("bytes=-" + length).build();
    ResponseInputStream<GetObjectResponse> body;
    try {
      body = s3.getObject(request);
    } catch (S3Exception e) {
      if (e.statusCode() != 416) {
        throw failed("GET", path, e, toFlight(path, e));
      }
      ObjectVersion version = stat(path);
      if (version.size() != 0) {
        throw failed("GET", path, e, Errors.storeUnavailable("S3 at %s refused the last %d bytes "
            + "of %s, which holds %d; retry", endpointName, length, path, version.size()));
      }
      return Optional.of(new ObjectTail(version, new byte[0]));
    } catch (SdkException e) {
      throw failed("GET", path, e, toFlight(path, e));
    }
    try (body) {
      GetObjectResponse response = body.response();
      if (response.eTag() == null || response.contentLength() == null) {
        body.abort();
        throw failed("GET", path, null, Errors.storeUnavailable("S3 at %s answered for %s "
            + "without an ETag or a length; istziio needs both to cache it", endpointName, path));
      }
      long sent = response.contentLength();
      long size = totalSize(response.contentRange(), sent);
      if (sent > length || size < sent) {
        body.abort(); // the range was ignored: not a body to hold in memory
        return Optional.empty();
      }
      byte[] bytes = body.readNBytes((int) sent);
      if (bytes.length != sent) {
        throw new IOException("the body ended after " + bytes.length + " of " + sent + " bytes");
      }
      return Optional.of(new ObjectTail(new ObjectVersion(response.eTag(), size), bytes));
    } catch (IOException | SdkException e) {
      throw failed("GET", path, e, Errors.storeUnavailable("the read of the end of %s from S3 at "
          + "%s broke off (%s); retry", path, endpointName, Errors.firstLine(e)));
    }
  }

  /** One GET of {@code bytes=offset-end} on condition (If-Match) of the version's ETag. */
  @Override
  public byte[] range(ObjectPath path, ObjectVersion version, long offset, int length) {
    GetObjectRequest request = GetObjectRequest.builder().bucket(path.bucket()).key(path.key())
        .range("bytes=" + offset + "-" + (offset + length - 1)).ifMatch(version.etag()).build();
    try (ResponseInputStream<GetObjectResponse> body = s3.getObject(request)) {
      byte[] bytes = body.readNBytes(length);
      if (bytes.length != length || body.read() >= 0) {
        throw new IOException("S3 sent other than the " + length + " bytes asked for");
      }
      return bytes;
    } catch (S3Exception e) {
      if (e.statusCode() == 412) { // the object is another version now: not a failure to log
        throw Errors.versionGone("%s changed while it was read (version %s is gone); read it "
            + "again", path, version.etag());
      }
      throw failed("GET", path, e, toFlight(path, e));
    } catch (IOException | SdkException e) {
      throw failed("GET", path, e, Errors.storeUnavailable("the read of part of %s from S3 at %s "
          + "broke off (%s); retry", path, endpointName, Errors.firstLine(e)));
    }
  }

  /**
   * The object's size from a Content-Range header ({@code bytes 100-199/1000}); without one the
   * body is the whole object, {@code sent} bytes; -1 when the header does not parse.
   */
  static long totalSize(String contentRange, long sent) {
    if (contentRange == null) {
      return sent;
    }
    int slash = contentRange.lastIndexOf('/');
    try {
      return slash < 0 ? -1 : Long.parseLong(contentRange.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      return -1; // "*": an unknown size
    }
  }

  /** ListObjectsV2, page by page, until the listing ends or holds more than {@code limit}. */
  @Override
  public List<ListedObject> list(StorePrefix prefix, java.util.function.Predicate<String> keep,
      int limit) {
    List<ListedObject> found = new java.util.ArrayList<>();
    try {
      software.amazon.awssdk.services.s3.model.ListObjectsV2Request.Builder request =
          software.amazon.awssdk.services.s3.model.ListObjectsV2Request.builder()
              .bucket(prefix.bucket());
      if (!prefix.keyPrefix().isEmpty()) {
        request.prefix(prefix.keyPrefix());
      }
      for (software.amazon.awssdk.services.s3.model.ListObjectsV2Response page
          : s3.listObjectsV2Paginator(request.build())) {
        for (software.amazon.awssdk.services.s3.model.S3Object object : page.contents()) {
          long size = object.size() == null ? 0 : object.size();
          if (object.key().endsWith("/") && size == 0 || !keep.test(object.key())) {
            continue; // a folder marker
          }
          found.add(new ListedObject("s3://" + prefix.bucket() + "/" + object.key(), object.key(), size));
          if (found.size() > limit) {
            return found;
          }
        }
      }
      return found;
    } catch (SdkException e) {
      throw failed("LIST", prefix, e, listFailure(prefix, e));
    }
  }

  private FlightRuntimeException listFailure(StorePrefix prefix, SdkException e) {
    if (e instanceof S3Exception s3e) {
      String code = s3e.awsErrorDetails() != null ? s3e.awsErrorDetails().errorCode() : null;
      if ("NoSuchBucket".equals(code) || s3e.statusCode() == 404) {
        return Errors.notFound("bucket \"%s\" does not exist in S3 at %s (listing %s); check the "
            + "bucket", prefix.bucket(), endpointName, prefix);
      }
      if (s3e.statusCode() == 403) {
        return Errors.unauthorized("S3 denied the node the listing of %s (HTTP 403); grant its "
            + "credentials s3:ListBucket on the bucket", prefix);
      }
      if (s3e.statusCode() == 400) { // the prefix is at fault (S3Proxy refuses a leading "/")
        return Errors.invalid("S3 at %s refused the listing of %s (%s, HTTP 400); check the "
            + "prefix", endpointName, prefix, code);
      }
    }
    return toFlight(new ObjectPath(prefix.uri(), ObjectPath.S3, prefix.bucket(), prefix.keyPrefix()), e);
  }

  /** Logs the failed call with its cause (one line, see StoreFailures) and returns the answer. */
  private static FlightRuntimeException failed(String op, Object path, Throwable cause,
      FlightRuntimeException answer) {
    return StoreFailures.logged("s3", op, path, cause, answer);
  }

  /**
   * Maps an SDK failure to a Flight error. The error code decides where there is one; a HEAD
   * response has no body, so for HEAD only the HTTP status is known.
   */
  private FlightRuntimeException toFlight(ObjectPath path, SdkException e) {
    if (!(e instanceof S3Exception s3e)) {
      String message = String.valueOf(e.getMessage());
      if (message.contains("Unable to load credentials")) {
        return Errors.unauthenticated("the node has no AWS credentials to read %s; set "
            + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile where the node runs", path);
      }
      return Errors.storeUnavailable("cannot reach S3 at %s to read %s (%s); check --s3-endpoint and "
          + "the network", endpointName, path, Errors.firstLine(e));
    }
    int status = s3e.statusCode();
    String code = s3e.awsErrorDetails() != null ? s3e.awsErrorDetails().errorCode() : null;
    String detail = code != null ? code + ", HTTP " + status : "HTTP " + status;
    if ("SignatureDoesNotMatch".equals(code) && hasEmptySegment(path.key())) {
      // The SDK signs the key as written and sends a second "/" as %2F, as AWS S3 expects;
      // servers that check the signature against the path as sent (S3Proxy) refuse it, whatever
      // the credentials.
      return Errors.invalid("S3 at %s refused the signature of the request for %s, whose key has "
          + "an empty segment (\"//\" or a leading \"/\"): AWS S3 reads such keys, this server "
          + "does not; if other keys read fine, copy the object to a key without empty segments",
          endpointName, path);
    }
    switch (code != null ? code : "") {
      case "NoSuchKey", "NoSuchBucket":
        return Errors.notFound("%s does not exist in S3 (%s); check the bucket and key (a "
            + "table of files is read by its prefix, ending in /)", path, code);
      case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
          "TokenRefreshRequired":
        return Errors.unauthenticated("S3 rejected the node's credentials for %s (%s); check the "
            + "node's AWS credentials (environment, profile or role)", path, detail);
      case "AccessDenied", "AllAccessDisabled":
        return Errors.unauthorized("S3 denied the node access to %s (%s); grant its credentials "
            + "s3:GetObject on the object", path, detail);
      case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException":
        return Errors.storeUnavailable("S3 says the bucket of %s is in another region (%s); set the "
            + "node's --s3-region to the bucket's region", path, detail);
      case "RequestTimeTooSkewed":
        return Errors.storeUnavailable("S3 refused the request for %s because the node's clock is "
            + "wrong (%s); synchronise the node's clock", path, detail);
      case "InvalidURI", "InvalidBucketName", "KeyTooLongError":
        // The name is at fault, not the store or the node's settings: ObjectPath catches what it
        // can, S3's own rules (e.g. 3 to 63 characters a bucket) decide the rest.
        return Errors.invalid("S3 refuses %s as an object name (%s); check the bucket and key",
            path, detail);
      case "InvalidObjectState":
        return Errors.invalid("%s is archived (%s); restore it from its archive storage class "
            + "before reading it", path, detail);
      default:
        break;
    }
    if (status == 404) {
      return Errors.notFound("%s does not exist in S3 (%s); check the bucket and key", path, detail);
    }
    if (status == 401) {
      return Errors.unauthenticated("S3 rejected the node's credentials for %s (%s); check the "
          + "node's AWS credentials", path, detail);
    }
    if (status == 403) {
      return Errors.unauthorized("S3 refused the node access to %s (%s); check the node's AWS "
          + "credentials and that they may s3:GetObject it", path, detail);
    }
    if (status == 301 || status == 400) {
      return Errors.storeUnavailable("S3 refused the request for %s (%s); check --s3-endpoint, "
          + "--s3-region and --s3-path-style", path, detail);
    }
    return Errors.storeUnavailable("S3 at %s failed on %s (%s); retry later", endpointName, path, detail);
  }

  private static boolean hasEmptySegment(String key) {
    return key.startsWith("/") || key.contains("//");
  }

  @Override
  public void close() {
    s3.close();
  }
}
