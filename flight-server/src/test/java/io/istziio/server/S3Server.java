package io.istziio.server;

import io.istziio.server.store.S3ObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A real S3-compatible server (S3Proxy over a directory) on a free loopback port, which counts the
 * GETs it serves per key and can be told to answer GETs slowly or with errors, and to hold or fail
 * HEADs. The nodes' S3 clients report every request they send (see {@link #config()}).
 */
public final class S3Server implements AutoCloseable {

  public static final String ACCESS_KEY = "istziio-test";
  public static final String SECRET_KEY = "istziio-test-secret";

  private final S3Proxy proxy;
  private final S3Client client;
  private final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> rangedGets = new ConcurrentHashMap<>();
  private volatile long getDelayMillis;
  private volatile int failGetsWithStatus;
  private volatile int failListsWithStatus;
  private volatile int failHeadsWithStatus;
  private volatile CountDownLatch headHold; // set: the nodes' HEADs wait on it
  private volatile CountDownLatch getHold; // set: the nodes' GETs wait on it
  private volatile boolean holdRangedGets; // whether getHold holds ranged GETs too
  // Run before each ranged GET is served, with its request; null for none.
  private volatile java.util.function.Consumer<GetObjectRequest> beforeRangedGet;
  // "METHOD /bucket/key" for every HTTP request (retries included) a node configured by config()
  // sends, in order.
  private final Queue<String> nodeRequests = new ConcurrentLinkedQueue<>();
  private final ExecutionInterceptor requestLog = new ExecutionInterceptor() {
    @Override
    public void beforeTransmission(Context.BeforeTransmission context,
        ExecutionAttributes attributes) {
      SdkHttpRequest http = context.httpRequest();
      nodeRequests.add(http.method() + " " + http.encodedPath());
      boolean ranged = http.firstMatchingHeader("Range").isPresent();
      CountDownLatch hold = http.method() == SdkHttpMethod.HEAD ? headHold
          : http.method() == SdkHttpMethod.GET && (holdRangedGets || !ranged) ? getHold : null;
      if (hold != null) {
        // Held before it is sent, so no socket timeout runs out however long a test holds it.
        try {
          hold.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  };

  public S3Server(Path directory) throws Exception {
    BlobStore store = new ForwardingBlobStore(new FilesystemNio2BlobStore(directory.toString())) {
      @Override
      public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
        (request.range() == null ? gets : rangedGets)
            .computeIfAbsent(request.key(), k -> new AtomicInteger()).incrementAndGet();
        java.util.function.Consumer<GetObjectRequest> hook = beforeRangedGet;
        if (request.range() != null && hook != null) {
          hook.accept(request);
        }
        if (failGetsWithStatus != 0) {
          throw (S3Exception) S3Exception.builder().statusCode(failGetsWithStatus)
              .message("injected failure").build();
        }
        sleep(getDelayMillis);
        return super.getBlob(request);
      }

      @Override
      public ListObjectsV2Response list(ListObjectsV2Request request) {
        if (failListsWithStatus != 0) {
          throw (S3Exception) S3Exception.builder().statusCode(failListsWithStatus)
              .message("injected failure").build();
        }
        return super.list(request);
      }

      @Override
      public HeadObjectResponse blobMetadata(HeadObjectRequest request) {
        if (failHeadsWithStatus != 0) {
          throw (S3Exception) S3Exception.builder().statusCode(failHeadsWithStatus)
              .message("injected failure").build();
        }
        return super.blobMetadata(request);
      }
    };
    proxy = S3Proxy.builder()
        .blobStore(store)
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.sleep(10);
    }
    client = S3Client.builder()
        .endpointOverride(endpoint())
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
    // The node finds its credentials through the AWS default chain, as in production.
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /** The settings a node needs to read from this server. */
  public S3ObjectStore.Config config() {
    return new S3ObjectStore.Config(endpoint(), "us-east-1", true, List.of(requestLog));
  }

  public void createBucket(String bucket) {
    client.createBucket(b -> b.bucket(bucket));
  }

  public void put(String bucket, String key, Path file) {
    client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
  }

  public void put(String bucket, String key, byte[] bytes) {
    client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
  }

  public void delete(String bucket, String key) {
    client.deleteObject(b -> b.bucket(bucket).key(key));
  }

  /** The keys of every object in {@code bucket}, as the server lists them. */
  public List<String> list(String bucket) {
    return client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
        .map(software.amazon.awssdk.services.s3.model.S3Object::key).toList();
  }

  /** Every request nodes sent, as "METHOD /encoded/path". */
  public List<String> requestLog() {
    return List.copyOf(nodeRequests);
  }

  /** The ETag the server reports for {@code key}, checking that it holds {@code file}'s bytes. */
  public String etag(String bucket, String key, Path file) throws java.io.IOException {
    try (ResponseInputStream<GetObjectResponse> body = client.getObject(b -> b.bucket(bucket).key(key))) {
      if (!java.util.Arrays.equals(body.readAllBytes(), java.nio.file.Files.readAllBytes(file))) {
        throw new IllegalStateException(key + " does not hold " + file);
      }
      return body.response().eTag();
    }
  }

  /** Whole-object GETs (downloads) served for this key so far; ranged GETs are not counted. */
  public int gets(String key) {
    AtomicInteger count = gets.get(key);
    return count == null ? 0 : count.get();
  }

  /** GETs of part of this key (with a Range header) served so far, such as a footer's reads. */
  public int rangedGets(String key) {
    AtomicInteger count = rangedGets.get(key);
    return count == null ? 0 : count.get();
  }

  /**
   * The methods of the requests nodes sent for {@code key} so far, in order, such as
   * {@code ["GET", "HEAD"]}; every attempt counts.
   */
  public List<String> nodeRequests(String key) {
    List<String> methods = new ArrayList<>();
    for (String request : nodeRequests) {
      int space = request.indexOf(' ');
      if (request.endsWith("/" + key)) {
        methods.add(request.substring(0, space));
      }
    }
    return methods;
  }

  /** Makes the HEADs nodes send wait, unanswered, until {@link #releaseHeads}. */
  public void holdHeads() {
    headHold = new CountDownLatch(1);
  }

  public void releaseHeads() {
    CountDownLatch hold = headHold;
    headHold = null;
    if (hold != null) {
      hold.countDown();
    }
  }

  /** Makes the GETs nodes send wait, unanswered, until {@link #releaseGets}. */
  public void holdGets() {
    holdRangedGets = true;
    getHold = new CountDownLatch(1);
  }

  /**
   * Makes the whole-object GETs (downloads) nodes send wait, unanswered, until {@link
   * #releaseGets}; ranged GETs (a footer's reads) go through.
   */
  public void holdWholeGets() {
    holdRangedGets = false;
    getHold = new CountDownLatch(1);
  }

  public void releaseGets() {
    CountDownLatch hold = getHold;
    getHold = null;
    if (hold != null) {
      hold.countDown();
    }
  }

  /**
   * Runs {@code hook} in the server before each ranged GET is served (its conditions, such as
   * If-Match, are checked after it); null to stop.
   */
  public void beforeRangedGet(java.util.function.Consumer<GetObjectRequest> hook) {
    beforeRangedGet = hook;
  }

  /** Makes every HEAD fail with this HTTP status; 0 to stop. */
  public void failHeads(int status) {
    failHeadsWithStatus = status;
  }

  public void delayGets(long millis) {
    getDelayMillis = millis;
  }

  /** Makes every GET fail with this HTTP status; 0 to stop. */
  /** Makes every ListObjectsV2 fail with {@code status} from now on; 0 stops. */
  public void failLists(int status) {
    failListsWithStatus = status;
  }

  public void failGets(int status) {
    failGetsWithStatus = status;
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws Exception {
    client.close();
    proxy.stop();
  }

}
